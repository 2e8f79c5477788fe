-- Pinned posts (Mastodon's pins, ActivityPub's `featured` collection): ours, pinned
-- through the client API, and other servers' accounts', read from their `featured`
-- collection. Only an author pins its own posts, so `status_id` alone says whether a
-- post is pinned.
CREATE TABLE status_pins (
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    status_id BIGINT NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (account_id, status_id)
);
CREATE INDEX status_pins_status_id ON status_pins (status_id);

-- Where a remote account keeps its `featured` collection, and when we last read it,
-- so an `Add`/`Remove` can be checked against it and reading it stays bounded.
CREATE TABLE remote_featured (
    account_id BIGINT PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    url TEXT NOT NULL,
    fetched_at TIMESTAMPTZ
);
