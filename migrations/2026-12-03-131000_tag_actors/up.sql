-- Tag actors (services/tag_actors.rs): `@edchat@our.host`, an actor per hashtag in
-- use here that anyone can follow, and that announces the public posts carrying its
-- tag. It is a local account (keys, inbox, followers and delivery as any account's)
-- of type `Service` whose username is `tag.` and the tag's name: a teacher's
-- username has no `.`, so the two never collide, and WebFinger answers
-- `acct:NAME@host` with the account named NAME first. `enabled`: admins switch a
-- tag's announcing off and on (`staffroom tag disable NAME`).
CREATE TABLE tag_actors (
    name TEXT PRIMARY KEY CHECK (name ~ '^[a-z0-9_]{1,60}$'),
    account_id BIGINT NOT NULL UNIQUE REFERENCES accounts (id) ON DELETE CASCADE,
    enabled BOOLEAN NOT NULL DEFAULT true,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Each post a tag actor announced, once: the primary key is what keeps a post
-- seen twice (received again, fetched, relayed) from being announced twice. No
-- foreign key to the post: when it is deleted the row stays, to send the Undo of
-- the Announce (`object_uri`) and never announce the post again.
CREATE TABLE tag_announces (
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    status_id BIGINT NOT NULL,
    author_id BIGINT NOT NULL,
    object_uri TEXT NOT NULL,
    announced_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    undone BOOLEAN NOT NULL DEFAULT false,
    PRIMARY KEY (account_id, status_id)
);
-- "Was this deleted post announced?" on every delete.
CREATE INDEX tag_announces_status_id ON tag_announces (status_id);
-- The rate bounds: announces of a tag, and of one author under a tag, in the last hour.
CREATE INDEX tag_announces_recent ON tag_announces (account_id, announced_at);
CREATE INDEX tag_announces_author ON tag_announces (account_id, author_id, announced_at);
