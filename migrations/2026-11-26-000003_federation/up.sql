-- Remote actors name their key; we look keys up by that id when verifying.
ALTER TABLE accounts ADD COLUMN public_key_id TEXT;
CREATE UNIQUE INDEX accounts_public_key_id_key ON accounts (public_key_id) WHERE public_key_id IS NOT NULL;

-- Who follows whom, local and remote alike. A locked account's follower waits
-- (accepted = false) until the teacher approves.
CREATE TABLE follows (
    id BIGINT PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    target_account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    -- The Follow activity's id (ours or the remote one), so Accept/Undo can name it.
    uri TEXT,
    accepted BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (account_id, target_account_id)
);
CREATE INDEX follows_target_account_id ON follows (target_account_id, accepted);
CREATE UNIQUE INDEX follows_uri_key ON follows (uri) WHERE uri IS NOT NULL;

CREATE TABLE blocks (
    id BIGINT PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    target_account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    uri TEXT,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (account_id, target_account_id)
);
CREATE INDEX blocks_target_account_id ON blocks (target_account_id);

ALTER TABLE statuses
    -- What the teacher typed (local posts), kept for editing.
    ADD COLUMN text TEXT,
    -- Note, Question, Article or Page; the others are shown as a title and a link.
    ADD COLUMN object_type TEXT NOT NULL DEFAULT 'Note',
    ADD COLUMN title TEXT,
    -- A reply whose parent we could not fetch keeps the parent's id here.
    ADD COLUMN in_reply_to_uri TEXT,
    ADD COLUMN in_reply_to_account_id BIGINT REFERENCES accounts (id) ON DELETE SET NULL;
CREATE INDEX statuses_in_reply_to_id ON statuses (in_reply_to_id) WHERE in_reply_to_id IS NOT NULL;
CREATE INDEX statuses_in_reply_to_uri ON statuses (in_reply_to_uri) WHERE in_reply_to_uri IS NOT NULL;
CREATE INDEX statuses_reblog_of_id ON statuses (reblog_of_id) WHERE reblog_of_id IS NOT NULL;
CREATE UNIQUE INDEX statuses_one_reblog_per_account ON statuses (account_id, reblog_of_id) WHERE reblog_of_id IS NOT NULL;

CREATE TABLE mentions (
    status_id BIGINT NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    PRIMARY KEY (status_id, account_id)
);
CREATE INDEX mentions_account_id ON mentions (account_id, status_id DESC);

CREATE TABLE status_tags (
    status_id BIGINT NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
    -- Lower-cased, without '#'.
    name TEXT NOT NULL,
    PRIMARY KEY (status_id, name)
);
CREATE INDEX status_tags_name ON status_tags (name, status_id DESC);

CREATE TABLE favourites (
    id BIGINT PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    status_id BIGINT NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
    uri TEXT,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (account_id, status_id)
);
CREATE INDEX favourites_status_id ON favourites (status_id);
CREATE UNIQUE INDEX favourites_uri_key ON favourites (uri) WHERE uri IS NOT NULL;

-- Ids of activities already processed, so a repeat (or the same activity arriving
-- at a personal and the shared inbox) changes nothing. Old rows are pruned.
CREATE TABLE received_activities (
    uri TEXT PRIMARY KEY,
    received_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX received_activities_received_at ON received_activities (received_at);
