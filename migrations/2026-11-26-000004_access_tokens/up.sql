-- Bearer tokens for the Mastodon client API. Only a SHA-256 of each token is kept.
CREATE TABLE access_tokens (
    id BIGINT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- What the token is for, as the person named it ("backup script") or the app's name.
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    -- Space-separated Mastodon scopes (read write follow push, or granular ones).
    scopes TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_used_at TIMESTAMPTZ,
    revoked_at TIMESTAMPTZ
);
CREATE INDEX access_tokens_user_id ON access_tokens (user_id);
