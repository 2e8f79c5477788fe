-- Mail (services/mail.rs). An address given at sign-up is confirmed by a link
-- mailed to it; password resets go only to confirmed addresses. Addresses that
-- existed before mail did (none were given without a sign-up form) count as
-- confirmed, as do those an admin types on the command line.
ALTER TABLE users ADD COLUMN email_confirmed_at TIMESTAMPTZ;
UPDATE users SET email_confirmed_at = created_at WHERE email IS NOT NULL;

-- Links mailed to confirm an address or reset a password: SHA-256 of the token
-- (the token itself lives only in the mail), single use (deleted when used),
-- expiring.
CREATE TABLE email_tokens (
    id BIGINT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose TEXT NOT NULL CHECK (purpose IN ('confirm', 'reset')),
    token_hash TEXT NOT NULL UNIQUE,
    -- The address it was sent to: a confirmation confirms only that one.
    email TEXT NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX email_tokens_user ON email_tokens (user_id);

-- Mail waiting to be sent, written in the transaction of what it tells of and
-- sent by the `serve` processes (the command line queues too). Deleted once sent
-- or given up on.
CREATE TABLE outgoing_mail (
    id BIGINT PRIMARY KEY,
    recipient TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_error TEXT,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX outgoing_mail_due ON outgoing_mail (next_attempt_at);
