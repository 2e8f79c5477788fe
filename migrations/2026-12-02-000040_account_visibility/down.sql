DROP TRIGGER domain_blocks_changed ON domain_blocks;
DROP FUNCTION domain_blocks_changed();
DROP TRIGGER accounts_domain_blocked ON accounts;
DROP FUNCTION accounts_set_domain_blocked();
DROP FUNCTION host_is_blocked(TEXT);
DROP INDEX accounts_domain_blocked;
ALTER TABLE accounts DROP COLUMN domain_blocked;
