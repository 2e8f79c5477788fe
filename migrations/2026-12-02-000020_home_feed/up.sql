-- The home timeline, precomputed: which statuses each local account's home holds.
-- Reading home is then one index range per page whatever the reader follows (a reader
-- following 1,000 quiet accounts among 9,000 busy ones made the live query scan
-- thousands of statuses per page; see docs/client-api.md, "Performance").
--
-- Triggers keep it exact, so every write path (posts, the inbox, follows, mentions)
-- maintains it without knowing: a status is in account A's home when A is local and
-- A wrote it, or A follows its author (accepted) and it is not direct, or it mentions A.
-- Deleted statuses stay until their row goes (tombstones are filtered when read).
CREATE TABLE home_feed (
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    status_id BIGINT NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
    PRIMARY KEY (account_id, status_id)
);
-- For the cascade when a status row is deleted, and for re-deriving one status's readers.
CREATE INDEX home_feed_status_id ON home_feed (status_id);

-- Adds the readers of the given statuses, by the rule above. The ids are joined (not
-- matched with = ANY, which turns into a scan of the array per row for a large one).
-- Used where rows change one at a time and rarely (mentions, visibility, the backfill).
CREATE FUNCTION home_feed_add(ids BIGINT[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    WITH s AS MATERIALIZED (
        SELECT s.id, s.account_id, s.visibility FROM unnest(ids) AS i (id) JOIN statuses s ON s.id = i.id
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
    ON CONFLICT DO NOTHING;
END $$;

-- A new status, row by row with plain scalar parameters, so PL/pgSQL keeps one plan
-- per connection: measured 0.3 ms a status on a busy machine against 1.4 ms for a
-- statement-level trigger calling home_feed_add, which was planned again at every
-- single-row insert and made inbox intake several times slower.
CREATE FUNCTION home_feed_status_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO home_feed (account_id, status_id)
    SELECT NEW.account_id, NEW.id WHERE EXISTS (SELECT 1 FROM accounts a WHERE a.id = NEW.account_id AND a.domain IS NULL)
    UNION ALL
    SELECT f.account_id, NEW.id FROM follows f JOIN accounts a ON a.id = f.account_id AND a.domain IS NULL
     WHERE f.target_account_id = NEW.account_id AND f.accepted AND NEW.visibility < 3
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$;
CREATE TRIGGER home_feed_status_inserted AFTER INSERT ON statuses FOR EACH ROW EXECUTE FUNCTION home_feed_status_inserted();

-- A status whose visibility (or author) changed: its readers are derived again.
CREATE FUNCTION home_feed_status_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM home_feed WHERE status_id = NEW.id;
    PERFORM home_feed_add(ARRAY[NEW.id]);
    RETURN NULL;
END $$;
CREATE TRIGGER home_feed_status_changed AFTER UPDATE OF visibility, account_id ON statuses FOR EACH ROW
    WHEN (OLD.visibility IS DISTINCT FROM NEW.visibility OR OLD.account_id IS DISTINCT FROM NEW.account_id)
    EXECUTE FUNCTION home_feed_status_changed();

-- Mentions are stored after their status: add the mentioned; a removed mention is
-- derived again (the reader may follow the author too).
CREATE FUNCTION home_feed_mentions_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM home_feed_add(ARRAY[NEW.status_id]);
    ELSE
        DELETE FROM home_feed WHERE status_id = OLD.status_id AND account_id = OLD.account_id;
        PERFORM home_feed_add(ARRAY[OLD.status_id]);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER home_feed_mentions_changed AFTER INSERT OR DELETE ON mentions FOR EACH ROW
    EXECUTE FUNCTION home_feed_mentions_changed();

-- A local account follows, is accepted, or unfollows: the author's statuses in its
-- home are derived again (all of those stored, like the live query showed).
CREATE FUNCTION home_feed_follows_changed() RETURNS trigger LANGUAGE plpgsql AS $$
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
            OR EXISTS (SELECT 1 FROM mentions m WHERE m.status_id = s.id AND m.account_id = reader))
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$;
CREATE TRIGGER home_feed_follows_changed AFTER INSERT OR DELETE OR UPDATE OF accepted ON follows
    FOR EACH ROW EXECUTE FUNCTION home_feed_follows_changed();

-- What is already stored.
SELECT home_feed_add(ARRAY(SELECT id FROM statuses));
