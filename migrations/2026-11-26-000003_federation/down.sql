DROP TABLE received_activities;
DROP TABLE favourites;
DROP TABLE status_tags;
DROP TABLE mentions;
DROP INDEX statuses_one_reblog_per_account;
DROP INDEX statuses_reblog_of_id;
DROP INDEX statuses_in_reply_to_uri;
DROP INDEX statuses_in_reply_to_id;
ALTER TABLE statuses
    DROP COLUMN in_reply_to_account_id,
    DROP COLUMN in_reply_to_uri,
    DROP COLUMN title,
    DROP COLUMN object_type,
    DROP COLUMN text;
DROP TABLE blocks;
DROP TABLE follows;
DROP INDEX accounts_public_key_id_key;
ALTER TABLE accounts DROP COLUMN public_key_id;
