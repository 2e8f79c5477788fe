-- The visibility rule (db/visibility.rs) reads two small sets of accounts per
-- query: those whose posts nobody sees (a refused server, or suspended), and those
-- whose posts reach only their followers (silenced). Partial indexes keep each an
-- index-only read of the few rows concerned, as accounts_domain_blocked did.
CREATE INDEX accounts_hidden ON accounts (id) WHERE domain_blocked OR suspended_at IS NOT NULL;
CREATE INDEX accounts_silenced ON accounts (id) WHERE silenced_at IS NOT NULL;
