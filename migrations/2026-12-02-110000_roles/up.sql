-- Staff roles, as Mastodon's built-in ones: an owner may do everything; admins run
-- the instance (settings, invites, federation, roles below their own); moderators
-- handle reports and act on accounts; members are everyone else. The former
-- `admin` flag meant the account ran the instance, so those become owners.
ALTER TABLE users ADD COLUMN role TEXT NOT NULL DEFAULT 'member'
    CHECK (role IN ('owner', 'admin', 'moderator', 'member'));
UPDATE users SET role = 'owner' WHERE admin;
ALTER TABLE users DROP COLUMN admin;

-- Every moderation and administration action: who (NULL: the command line, run by
-- whoever has a shell on the server), what, on what, when, and why.
CREATE TABLE audit_log (
    id BIGINT PRIMARY KEY,
    account_id BIGINT REFERENCES accounts (id) ON DELETE SET NULL,
    action TEXT NOT NULL,
    target_type TEXT NOT NULL,
    target_id BIGINT,
    -- What the target was called when it happened (an account's @name, a domain),
    -- so the entry still reads right after the target is gone.
    target_name TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
