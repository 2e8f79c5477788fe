-- Account migration (services/moving.rs). `account_aliases`: the actor ids an
-- account says it also is (`alsoKnownAs`): set by a teacher of ours in their
-- settings before moving here, read from remote actor documents. A `Move` is
-- believed only when its target names its origin here.
CREATE TABLE account_aliases (
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    uri TEXT NOT NULL,
    PRIMARY KEY (account_id, uri)
);

-- Where an account moved to (`movedTo`; Mastodon's `moved`).
ALTER TABLE accounts ADD COLUMN moved_to_account_id BIGINT REFERENCES accounts (id) ON DELETE SET NULL;
