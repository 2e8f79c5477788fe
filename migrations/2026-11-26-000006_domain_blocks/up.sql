-- Servers this instance refuses to federate with: nothing is accepted from them,
-- fetched from them or delivered to them. A block covers subdomains too.
CREATE TABLE domain_blocks (
    domain TEXT PRIMARY KEY,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
