-- Subject groups hosted here (services/groups.rs). `groups`: one row per local
-- `Group` account, with whether it announces to its members only (addressed to
-- its followers, not Public). `group_moderators`: who approves members and removes
-- posts and members (the creator, and accounts added); listed as the group's
-- `attributedTo` collection, as Lemmy reads it.
CREATE TABLE groups (
    account_id BIGINT PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    members_only BOOLEAN NOT NULL DEFAULT false,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
INSERT INTO groups (account_id) SELECT id FROM accounts WHERE actor_type = 'Group' AND domain IS NULL;

CREATE TABLE group_moderators (
    group_id BIGINT NOT NULL REFERENCES groups (account_id) ON DELETE CASCADE,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (group_id, account_id)
);
-- "Which groups does this teacher moderate" (web pages, the client API).
CREATE INDEX group_moderators_account_id ON group_moderators (account_id);
