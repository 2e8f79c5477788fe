-- Avatars and headers. Ours are files in the media store (`*_key`, processed like
-- attachments); other servers' are their actor's `icon` / `image` URLs, linked and
-- not downloaded (`*_remote_url`).
ALTER TABLE accounts
    ADD COLUMN avatar_key TEXT,
    ADD COLUMN header_key TEXT,
    ADD COLUMN avatar_remote_url TEXT,
    ADD COLUMN header_remote_url TEXT;
