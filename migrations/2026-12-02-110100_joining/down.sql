DROP INDEX users_pending;
ALTER TABLE users DROP COLUMN invite_id;
ALTER TABLE users DROP COLUMN sign_up_reason;
ALTER TABLE users DROP COLUMN approved;
DROP TABLE invites;
DROP TABLE instance_settings;
