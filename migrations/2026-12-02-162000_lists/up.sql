-- Lists (Mastodon's): a teacher groups accounts they follow and reads their posts as
-- a timeline of their own. Which posts a list shows is decided when it is read
-- (db/timelines.rs, `ListSelection`): nothing is precomputed, so storing a post
-- costs nothing more and a change of members or replies policy shows at once.
CREATE TABLE lists (
    id BIGINT PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    title TEXT NOT NULL,
    -- Which replies of members the list shows besides those to the owner and to
    -- themselves: to accounts the owner follows, to other members, or none.
    replies_policy TEXT NOT NULL DEFAULT 'list' CHECK (replies_policy IN ('followed', 'list', 'none')),
    -- Members' posts are kept out of the owner's home timeline.
    exclusive BOOLEAN NOT NULL DEFAULT false,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX lists_account_id ON lists (account_id, id);

-- Members. Only accounts the owner follows (or asked to follow) may be members, as on
-- Mastodon: the row points at that follow and goes with it (unfollowing, a rejected
-- request or a block ends membership). The owner may be a member of its own list
-- (`follow_id` NULL then).
CREATE TABLE list_accounts (
    id BIGINT NOT NULL,
    list_id BIGINT NOT NULL REFERENCES lists (id) ON DELETE CASCADE,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    follow_id BIGINT REFERENCES follows (id) ON DELETE CASCADE,
    PRIMARY KEY (list_id, account_id)
);
-- "Which lists hold this account" (its lists, the exclusive check of home, streaming).
CREATE INDEX list_accounts_account_id ON list_accounts (account_id);
CREATE INDEX list_accounts_follow_id ON list_accounts (follow_id) WHERE follow_id IS NOT NULL;
CREATE UNIQUE INDEX list_accounts_list_id_id ON list_accounts (list_id, id);
