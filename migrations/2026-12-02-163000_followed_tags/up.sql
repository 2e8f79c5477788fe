-- Followed hashtags (/api/v1/tags/:name/follow): a public post tagged with a name a
-- local account follows enters that account's home timeline, whoever wrote it and
-- however it reached us (posted here, received, fetched as a boost's original), as
-- Mastodon's fan-out does for hashtag followers (public, not a boost). Like the rest
-- of home (migration 2026-12-02-000020_home_feed), triggers keep `home_feed` exact;
-- the visibility rule still applies when home is read (blocks, silenced authors).
-- Names are stored as posts are tagged: lower case, without `#`.
CREATE TABLE tag_follows (
    id BIGINT PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name TEXT NOT NULL CHECK (name <> '' AND length(name) <= 200),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (account_id, name)
);
-- Who follows a name, asked for every tagged post stored.
CREATE INDEX tag_follows_name ON tag_follows (name);

-- A hashtag added to a post: its followers get the post if it is public and not a
-- boost. Row by row with scalar parameters (one plan per connection, as
-- home_feed_status_inserted); the look-up of followers comes first, so a tag nobody
-- follows costs one probe of an index that is usually tiny.
CREATE FUNCTION home_feed_tag_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO home_feed (account_id, status_id)
    SELECT tf.account_id, NEW.status_id FROM tag_follows tf
     WHERE tf.name = NEW.name
       AND EXISTS (SELECT 1 FROM statuses s WHERE s.id = NEW.status_id AND s.visibility = 0 AND s.reblog_of_id IS NULL)
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$;
CREATE TRIGGER home_feed_tag_added AFTER INSERT ON status_tags FOR EACH ROW EXECUTE FUNCTION home_feed_tag_added();

-- A hashtag unfollowed: the posts in home only because of it leave (not those the
-- reader wrote, follows the author of, is mentioned in, or follows another tag of).
-- Following a tag brings no older posts, as in Mastodon: only what arrives after.
CREATE FUNCTION home_feed_tag_unfollowed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM home_feed h USING status_tags st, statuses s
     WHERE st.name = OLD.name AND h.account_id = OLD.account_id AND h.status_id = st.status_id AND s.id = st.status_id
       AND s.account_id <> OLD.account_id
       AND NOT (s.visibility < 3 AND EXISTS (SELECT 1 FROM follows f WHERE f.account_id = OLD.account_id AND f.target_account_id = s.account_id AND f.accepted))
       AND NOT EXISTS (SELECT 1 FROM mentions m WHERE m.status_id = s.id AND m.account_id = OLD.account_id)
       AND NOT EXISTS (SELECT 1 FROM status_tags o JOIN tag_follows tf ON tf.name = o.name AND tf.account_id = OLD.account_id
                        WHERE o.status_id = s.id AND o.name <> OLD.name);
    RETURN NULL;
END $$;
CREATE TRIGGER home_feed_tag_unfollowed AFTER DELETE ON tag_follows FOR EACH ROW EXECUTE FUNCTION home_feed_tag_unfollowed();

-- Deriving a post's readers again (its visibility changed) and an author's posts in
-- a reader's home again (an unfollow) count followed hashtags too: the same rule as
-- 2026-12-02-000020_home_feed with one more way in.
CREATE OR REPLACE FUNCTION home_feed_add(ids BIGINT[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    WITH s AS MATERIALIZED (
        SELECT s.id, s.account_id, s.visibility, s.reblog_of_id FROM unnest(ids) AS i (id) JOIN statuses s ON s.id = i.id
    )
    INSERT INTO home_feed (account_id, status_id)
    SELECT s.account_id, s.id FROM s JOIN accounts a ON a.id = s.account_id AND a.domain IS NULL
    UNION
    SELECT f.account_id, s.id FROM s
      JOIN follows f ON f.target_account_id = s.account_id AND f.accepted
      JOIN accounts a ON a.id = f.account_id AND a.domain IS NULL
     WHERE s.visibility < 3
    UNION
    SELECT m.account_id, m.status_id FROM s
      JOIN mentions m ON m.status_id = s.id
      JOIN accounts a ON a.id = m.account_id AND a.domain IS NULL
    UNION
    SELECT tf.account_id, s.id FROM s
      JOIN status_tags st ON st.status_id = s.id
      JOIN tag_follows tf ON tf.name = st.name
     WHERE s.visibility = 0 AND s.reblog_of_id IS NULL
    ON CONFLICT DO NOTHING;
END $$;

CREATE OR REPLACE FUNCTION home_feed_follows_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    reader BIGINT := COALESCE(NEW.account_id, OLD.account_id);
    author BIGINT := COALESCE(NEW.target_account_id, OLD.target_account_id);
BEGIN
    IF NOT EXISTS (SELECT 1 FROM accounts WHERE id = reader AND domain IS NULL) THEN
        RETURN NULL;
    END IF;
    IF TG_OP <> 'INSERT' THEN
        DELETE FROM home_feed h USING statuses s
         WHERE h.account_id = reader AND h.status_id = s.id AND s.account_id = author AND reader <> author;
    END IF;
    INSERT INTO home_feed (account_id, status_id)
    SELECT reader, s.id FROM statuses s
     WHERE s.account_id = author
       AND ((s.visibility < 3 AND EXISTS (SELECT 1 FROM follows f WHERE f.account_id = reader AND f.target_account_id = author AND f.accepted))
            OR EXISTS (SELECT 1 FROM mentions m WHERE m.status_id = s.id AND m.account_id = reader)
            OR (s.visibility = 0 AND s.reblog_of_id IS NULL
                AND EXISTS (SELECT 1 FROM status_tags st JOIN tag_follows tf ON tf.name = st.name AND tf.account_id = reader WHERE st.status_id = s.id)))
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$;
