ALTER TABLE accounts
    DROP COLUMN avatar_key,
    DROP COLUMN header_key,
    DROP COLUMN avatar_remote_url,
    DROP COLUMN header_remote_url;
