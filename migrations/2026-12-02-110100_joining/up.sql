-- Settings an admin changes while the instance runs (services/registrations.rs
-- for `registrations`), one row per setting; a missing row means the default.
CREATE TABLE instance_settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Invitations to sign up: the code is the secret part of the invite URL, shown to
-- admins as Mastodon shows it. Uses are counted when an account is created with it.
CREATE TABLE invites (
    id BIGINT PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    -- Who made it; NULL: the command line.
    created_by BIGINT REFERENCES accounts (id) ON DELETE SET NULL,
    max_uses INTEGER CHECK (max_uses > 0),
    uses INTEGER NOT NULL DEFAULT 0,
    expires_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Sign-ups waiting for approval cannot sign in; `sign_up_reason` is what they
-- wrote for the admins ("invite_request" in Mastodon's admin API).
ALTER TABLE users ADD COLUMN approved BOOLEAN NOT NULL DEFAULT true;
ALTER TABLE users ADD COLUMN sign_up_reason TEXT;
ALTER TABLE users ADD COLUMN invite_id BIGINT REFERENCES invites (id) ON DELETE SET NULL;
CREATE INDEX users_pending ON users (id) WHERE NOT approved;
