-- Browser sessions of the web interface (services/sessions.rs). Only a SHA-256 of
-- each session id is kept, as for access tokens; a session ends when its row is
-- deleted (sign-out, revocation) or it has been idle too long.
CREATE TABLE web_sessions (
    id BIGINT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    session_hash TEXT NOT NULL UNIQUE,
    -- What the browser called itself, to tell sessions apart in a list later.
    user_agent TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_seen_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX web_sessions_user_id ON web_sessions (user_id);
CREATE INDEX web_sessions_last_seen_at ON web_sessions (last_seen_at);
