-- Actors we know: local teachers (domain IS NULL) and remote accounts alike, as
-- Mastodon keeps them, so follows, posts and notifications point at one table.
CREATE TABLE accounts (
    id BIGINT PRIMARY KEY,
    username TEXT NOT NULL,
    -- NULL for local accounts; their URLs are derived from the configured domain
    -- so that a renamed instance does not strand stored ids.
    domain TEXT,
    display_name TEXT NOT NULL DEFAULT '',
    -- Bio as sanitised HTML.
    note TEXT NOT NULL DEFAULT '',
    locked BOOLEAN NOT NULL DEFAULT FALSE,
    discoverable BOOLEAN NOT NULL DEFAULT TRUE,
    actor_type TEXT NOT NULL DEFAULT 'Person',
    -- ActivityPub id and endpoints of remote accounts.
    uri TEXT,
    url TEXT,
    inbox_url TEXT,
    shared_inbox_url TEXT,
    outbox_url TEXT,
    followers_url TEXT,
    following_url TEXT,
    public_key_pem TEXT NOT NULL,
    -- Only local accounts hold their private key.
    private_key_pem TEXT,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_fetched_at TIMESTAMPTZ,
    CONSTRAINT local_accounts_have_keys CHECK (domain IS NOT NULL OR private_key_pem IS NOT NULL),
    CONSTRAINT remote_accounts_have_uri CHECK (domain IS NULL OR uri IS NOT NULL)
);

-- Mastodon treats usernames case-insensitively within a domain.
CREATE UNIQUE INDEX accounts_username_domain_key ON accounts (lower(username), lower(COALESCE(domain, '')));
CREATE UNIQUE INDEX accounts_uri_key ON accounts (uri) WHERE uri IS NOT NULL;

-- People who sign in to this instance; each has exactly one local account.
CREATE TABLE users (
    id BIGINT PRIMARY KEY,
    account_id BIGINT NOT NULL UNIQUE REFERENCES accounts (id) ON DELETE CASCADE,
    email TEXT,
    password_hash TEXT NOT NULL,
    admin BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_active_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_email_key ON users (lower(email)) WHERE email IS NOT NULL;

-- The instance itself: one row, holding the keys of the instance actor that signs
-- our fetches (servers in authorized-fetch mode demand them).
CREATE TABLE site (
    id SMALLINT PRIMARY KEY DEFAULT 1 CHECK (id = 1),
    public_key_pem TEXT NOT NULL,
    private_key_pem TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Posts, local and remote. Ids sort by time, as Mastodon's do.
CREATE TABLE statuses (
    id BIGINT PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    -- NULL for local statuses, derived from the domain like account URLs.
    uri TEXT,
    url TEXT,
    content TEXT NOT NULL DEFAULT '',
    spoiler_text TEXT NOT NULL DEFAULT '',
    sensitive BOOLEAN NOT NULL DEFAULT FALSE,
    -- 0 public, 1 unlisted, 2 followers-only, 3 direct (Mastodon's order).
    visibility SMALLINT NOT NULL DEFAULT 0,
    language TEXT,
    in_reply_to_id BIGINT REFERENCES statuses (id) ON DELETE SET NULL,
    reblog_of_id BIGINT REFERENCES statuses (id) ON DELETE CASCADE,
    local BOOLEAN NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    edited_at TIMESTAMPTZ,
    deleted_at TIMESTAMPTZ
);
CREATE UNIQUE INDEX statuses_uri_key ON statuses (uri) WHERE uri IS NOT NULL;
CREATE INDEX statuses_account_id_id ON statuses (account_id, id DESC);
CREATE INDEX statuses_local_id ON statuses (id DESC) WHERE local AND deleted_at IS NULL;
