DROP TRIGGER home_feed_tag_unfollowed ON tag_follows;
DROP FUNCTION home_feed_tag_unfollowed();
DROP TRIGGER home_feed_tag_added ON status_tags;
DROP FUNCTION home_feed_tag_added();

CREATE OR REPLACE FUNCTION home_feed_add(ids BIGINT[]) RETURNS void LANGUAGE plpgsql AS $$
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
            OR EXISTS (SELECT 1 FROM mentions m WHERE m.status_id = s.id AND m.account_id = reader))
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$;

DROP TABLE tag_follows;
