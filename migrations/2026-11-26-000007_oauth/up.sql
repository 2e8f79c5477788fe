-- OAuth 2 for the Mastodon client API: registered apps, authorization codes, and
-- tokens that belong to an app (with or without a signed-in user).
CREATE TABLE oauth_apps (
    id BIGINT PRIMARY KEY,
    name TEXT NOT NULL,
    website TEXT,
    -- One URI per line, as Mastodon keeps them; `urn:ietf:wg:oauth:2.0:oob` shows the code on a page.
    redirect_uris TEXT NOT NULL,
    scopes TEXT NOT NULL,
    client_id TEXT NOT NULL UNIQUE,
    -- SHA-256 of the client secret: the secret itself is shown once, at registration.
    client_secret_hash TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Single-use authorization codes (10 minutes), stored as SHA-256 like tokens.
CREATE TABLE oauth_codes (
    code_hash TEXT PRIMARY KEY,
    app_id BIGINT NOT NULL REFERENCES oauth_apps (id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    redirect_uri TEXT NOT NULL,
    scopes TEXT NOT NULL,
    -- PKCE: base64url(SHA-256(code_verifier)) when the app sent one (S256 only).
    code_challenge TEXT,
    expires_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX oauth_codes_expires_at ON oauth_codes (expires_at);

-- App-only tokens (client_credentials) have an app and no user; `token create` ones a user and no app.
ALTER TABLE access_tokens
    ALTER COLUMN user_id DROP NOT NULL,
    ADD COLUMN app_id BIGINT REFERENCES oauth_apps (id) ON DELETE CASCADE,
    ADD CONSTRAINT access_tokens_owner CHECK (user_id IS NOT NULL OR app_id IS NOT NULL);
CREATE INDEX access_tokens_app_id ON access_tokens (app_id);
