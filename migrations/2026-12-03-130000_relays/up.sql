-- Relays this instance subscribes to (FEP-ae0c; services/relays.rs), managed by
-- admins. `style`: 'mastodon' (our instance actor follows as:Public, sent to the
-- relay's inbox), 'litepub' (it follows the relay's actor), or 'tags', a base of
-- per-hashtag relays (FediBuzz's https://relay.example/tag/NAME) that follows
-- nothing itself: its rows with `tag` set are the subscriptions, one per hashtag
-- followed or featured here. `state` follows the relay's Accept or Reject.
CREATE TABLE relays (
    id BIGINT PRIMARY KEY,
    url TEXT NOT NULL UNIQUE CHECK (url <> '' AND length(url) <= 2048),
    style TEXT NOT NULL CHECK (style IN ('mastodon', 'litepub', 'tags')),
    inbox_url TEXT,
    actor_uri TEXT,
    follow_uri TEXT UNIQUE,
    state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'accepted', 'rejected')),
    base_id BIGINT REFERENCES relays (id) ON DELETE CASCADE,
    tag TEXT CHECK (tag IS NULL OR (tag <> '' AND length(tag) <= 200)),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK ((base_id IS NULL) = (tag IS NULL)),
    UNIQUE (base_id, tag)
);
-- "Is this signer a relay of ours" (every Announce and forwarded Create asks).
CREATE INDEX relays_actor_uri ON relays (actor_uri) WHERE actor_uri IS NOT NULL;
