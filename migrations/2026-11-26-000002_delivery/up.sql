-- The durable outgoing queue. An activity is stored once; each target inbox gets a
-- delivery row. Both are written in the transaction of the change they announce.
CREATE TABLE outgoing_activities (
    id BIGINT PRIMARY KEY,
    -- The local account whose key signs the deliveries.
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    activity_uri TEXT NOT NULL,
    -- The exact JSON sent, so every retry carries the same bytes and digest.
    body TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE deliveries (
    id BIGSERIAL PRIMARY KEY,
    outgoing_activity_id BIGINT NOT NULL REFERENCES outgoing_activities (id) ON DELETE CASCADE,
    inbox_url TEXT NOT NULL,
    -- host[:port] of the inbox, for per-host limits and availability.
    host TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    -- A worker's claim; a claim whose worker died simply expires.
    locked_until TIMESTAMPTZ,
    last_error TEXT,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (outgoing_activity_id, inbox_url)
);
CREATE INDEX deliveries_next_attempt_at ON deliveries (next_attempt_at);
CREATE INDEX deliveries_host ON deliveries (host);

-- Hosts whose deliveries are failing. A row exists only while a host fails; after
-- failing long enough it is marked unavailable, skipped, and probed now and then.
CREATE TABLE delivery_hosts (
    host TEXT PRIMARY KEY,
    failing_since TIMESTAMPTZ NOT NULL DEFAULT now(),
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    unavailable BOOLEAN NOT NULL DEFAULT FALSE,
    next_probe_at TIMESTAMPTZ,
    last_error TEXT
);
