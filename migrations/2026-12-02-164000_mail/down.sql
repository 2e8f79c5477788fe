DROP TABLE outgoing_mail;
DROP TABLE email_tokens;
ALTER TABLE users DROP COLUMN email_confirmed_at;
