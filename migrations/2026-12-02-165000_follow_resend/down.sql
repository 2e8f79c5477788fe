DROP INDEX follows_resend_at;
ALTER TABLE follows DROP COLUMN resend_at, DROP COLUMN resend_count;
