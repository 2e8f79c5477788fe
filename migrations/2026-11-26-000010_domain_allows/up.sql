-- Servers this instance federates with in allowlist mode (STAFFROOM_FEDERATION_MODE=allowlist):
-- only these (and their subdomains) are accepted from, fetched from and delivered to.
-- Ignored in open mode. A block wins over an allow.
CREATE TABLE domain_allows (
    domain TEXT PRIMARY KEY,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
