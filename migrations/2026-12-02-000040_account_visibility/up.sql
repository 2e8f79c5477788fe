-- Whether an account is on a server we refuse (a domain block, or one above it),
-- kept beside the account so that every read can hide such posts with one small
-- hashed set (db/visibility.rs) instead of matching host names row by row. The
-- database keeps it right for every writer: accounts as they are stored, and all
-- accounts when a domain block is added or removed (the CLI, later the admin API).
ALTER TABLE accounts ADD COLUMN domain_blocked BOOLEAN NOT NULL DEFAULT FALSE;
CREATE INDEX accounts_domain_blocked ON accounts (id) WHERE domain_blocked;

-- Hosts as domain blocks are written: lower case, without a port.
CREATE FUNCTION host_is_blocked(p_domain TEXT) RETURNS BOOLEAN LANGUAGE sql STABLE AS $$
    SELECT p_domain IS NOT NULL AND EXISTS (
        SELECT 1 FROM domain_blocks b
        WHERE lower(regexp_replace(p_domain, ':[0-9]+$', '')) = b.domain
           OR lower(regexp_replace(p_domain, ':[0-9]+$', '')) LIKE '%.' || b.domain)
$$;

CREATE FUNCTION accounts_set_domain_blocked() RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
    NEW.domain_blocked := host_is_blocked(NEW.domain);
    RETURN NEW;
END
$$;
CREATE TRIGGER accounts_domain_blocked BEFORE INSERT OR UPDATE OF domain ON accounts
    FOR EACH ROW EXECUTE FUNCTION accounts_set_domain_blocked();

CREATE FUNCTION domain_blocks_changed() RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
    UPDATE accounts SET domain_blocked = host_is_blocked(domain)
    WHERE domain IS NOT NULL AND domain_blocked IS DISTINCT FROM host_is_blocked(domain);
    RETURN NULL;
END
$$;
CREATE TRIGGER domain_blocks_changed AFTER INSERT OR DELETE ON domain_blocks
    FOR EACH STATEMENT EXECUTE FUNCTION domain_blocks_changed();

UPDATE accounts SET domain_blocked = host_is_blocked(domain) WHERE domain IS NOT NULL;
