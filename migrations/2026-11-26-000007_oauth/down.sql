DELETE FROM access_tokens WHERE user_id IS NULL;
ALTER TABLE access_tokens
    DROP CONSTRAINT access_tokens_owner,
    DROP COLUMN app_id,
    ALTER COLUMN user_id SET NOT NULL;
DROP TABLE oauth_codes;
DROP TABLE oauth_apps;
