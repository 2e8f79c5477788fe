ALTER TABLE accounts DROP COLUMN moved_to_account_id;
DROP TABLE account_aliases;
