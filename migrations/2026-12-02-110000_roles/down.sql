DROP TABLE audit_log;
ALTER TABLE users ADD COLUMN admin BOOLEAN NOT NULL DEFAULT false;
UPDATE users SET admin = true WHERE role IN ('owner', 'admin');
ALTER TABLE users DROP COLUMN role;
