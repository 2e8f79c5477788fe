-- What a post names (its author, the post and account it answers, the post it
-- boosts) is checked once per statement instead of by four foreign keys. A foreign
-- key checks every inserted row on its own, even where the column is NULL, and so
-- cost a stored post about a tenth of PostgreSQL's work in the inbox's batches
-- (docs/federation.md, "Inbox throughput"). The check below does what the keys did:
-- every account and post the new rows name is locked FOR KEY SHARE, so it cannot be
-- deleted before this transaction commits, and a name that does not exist fails the
-- statement with foreign_key_violation (23503), as the key's check did. The keys'
-- ON DELETE actions are done by the delete triggers of accounts and statuses.
ALTER TABLE statuses
    DROP CONSTRAINT statuses_account_id_fkey,
    DROP CONSTRAINT statuses_in_reply_to_account_id_fkey,
    DROP CONSTRAINT statuses_in_reply_to_id_fkey,
    DROP CONSTRAINT statuses_reblog_of_id_fkey;

-- Locks the named accounts and posts (ids may repeat or be NULL); fails if any is missing.
CREATE FUNCTION statuses_references_locked(account_ids BIGINT[], status_ids BIGINT[]) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    wanted BIGINT[];
    locked INTEGER;
BEGIN
    SELECT coalesce(array_agg(DISTINCT x), '{}') INTO wanted FROM unnest(account_ids) x WHERE x IS NOT NULL;
    PERFORM 1 FROM accounts a WHERE a.id = ANY (wanted) FOR KEY SHARE;
    GET DIAGNOSTICS locked = ROW_COUNT;
    IF locked < cardinality(wanted) THEN
        RAISE foreign_key_violation USING MESSAGE = 'a post names an account that does not exist';
    END IF;
    IF status_ids IS NOT NULL THEN
        SELECT coalesce(array_agg(DISTINCT x), '{}') INTO wanted FROM unnest(status_ids) x WHERE x IS NOT NULL;
        IF cardinality(wanted) > 0 THEN
            PERFORM 1 FROM statuses s WHERE s.id = ANY (wanted) FOR KEY SHARE;
            GET DIAGNOSTICS locked = ROW_COUNT;
            IF locked < cardinality(wanted) THEN
                RAISE foreign_key_violation USING MESSAGE = 'a post answers or boosts a post that does not exist';
            END IF;
        END IF;
    END IF;
END $$;

-- The insert trigger of 2026-12-04-210000_store_received_in_sets, with the check
-- first. Two more savings: the author's own home row is only looked for when a post
-- is local, and the followers' rows are inserted where missing (a post new in this
-- transaction has no row that another transaction could be inserting) instead of by
-- ON CONFLICT, whose speculative insertion writes a second WAL record per row.
CREATE OR REPLACE FUNCTION statuses_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM statuses_references_locked(
        ARRAY(SELECT n.account_id FROM inserted n UNION ALL
              SELECT n.in_reply_to_account_id FROM inserted n WHERE n.in_reply_to_account_id IS NOT NULL),
        CASE WHEN EXISTS (SELECT 1 FROM inserted n WHERE n.in_reply_to_id IS NOT NULL OR n.reblog_of_id IS NOT NULL)
             THEN ARRAY(SELECT n.in_reply_to_id FROM inserted n UNION ALL SELECT n.reblog_of_id FROM inserted n) END);
    IF EXISTS (SELECT 1 FROM inserted n WHERE n.local) THEN
        -- Home: the author's own.
        INSERT INTO home_feed (account_id, status_id)
        SELECT n.account_id, n.id FROM inserted n WHERE n.local
        ON CONFLICT DO NOTHING;
        -- What a teacher boosts or answers, they can find again.
        PERFORM make_searchable(COALESCE(n.reblog_of_id, n.in_reply_to_id))
           FROM inserted n
          WHERE n.local AND COALESCE(n.reblog_of_id, n.in_reply_to_id) IS NOT NULL;
    END IF;
    -- Home: the author's local followers', unless direct.
    INSERT INTO home_feed (account_id, status_id)
    SELECT f.account_id, n.id
      FROM inserted n
      -- Each author's followers by index (OFFSET 0 keeps it a loop over the new rows).
      CROSS JOIN LATERAL (SELECT f.account_id FROM follows f
                           WHERE f.target_account_id = n.account_id AND f.accepted
                             AND EXISTS (SELECT 1 FROM accounts a WHERE a.id = f.account_id AND a.domain IS NULL)
                          OFFSET 0) f
     WHERE n.visibility < 3
       AND NOT EXISTS (SELECT 1 FROM home_feed h WHERE h.account_id = f.account_id AND h.status_id = n.id);
    -- `status` notifications for followers who asked (not boosts, not replies to
    -- others, not direct).
    PERFORM notify(f.account_id, n.account_id, 'status', n.id, NULL, NULL, NULL)
       FROM inserted n
      CROSS JOIN LATERAL (SELECT f.account_id FROM follows f
                           WHERE f.target_account_id = n.account_id AND f.accepted AND f.notify OFFSET 0) f
      WHERE n.reblog_of_id IS NULL AND n.visibility < 3
        AND ((n.in_reply_to_id IS NULL AND n.in_reply_to_uri IS NULL) OR n.in_reply_to_account_id = n.account_id);
    RETURN NULL;
END $$;

-- A post that comes to name another account or post (a reply linked to its parent
-- once that arrives, a moved author's posts) is checked the same way.
CREATE FUNCTION statuses_references_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM statuses_references_locked(ARRAY[NEW.account_id, NEW.in_reply_to_account_id],
                                       ARRAY[NEW.in_reply_to_id, NEW.reblog_of_id]);
    RETURN NULL;
END $$;
CREATE TRIGGER statuses_references_changed AFTER UPDATE OF account_id, in_reply_to_account_id, in_reply_to_id, reblog_of_id
    ON statuses FOR EACH ROW
    WHEN ((NEW.account_id IS DISTINCT FROM OLD.account_id)
          OR (NEW.in_reply_to_account_id IS NOT NULL AND NEW.in_reply_to_account_id IS DISTINCT FROM OLD.in_reply_to_account_id)
          OR (NEW.in_reply_to_id IS NOT NULL AND NEW.in_reply_to_id IS DISTINCT FROM OLD.in_reply_to_id)
          OR (NEW.reblog_of_id IS NOT NULL AND NEW.reblog_of_id IS DISTINCT FROM OLD.reblog_of_id))
    EXECUTE FUNCTION statuses_references_changed();

-- What the keys' ON DELETE did. A deleted post: its boosts go (CASCADE), its replies
-- keep their parent's URI and lose its id (SET NULL).
CREATE OR REPLACE FUNCTION status_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM home_feed WHERE status_id = OLD.id;
    DELETE FROM status_tags WHERE status_id = OLD.id;
    DELETE FROM statuses WHERE reblog_of_id = OLD.id;
    UPDATE statuses SET in_reply_to_id = NULL WHERE in_reply_to_id = OLD.id;
    RETURN NULL;
END $$;

-- A deleted account: its posts go (CASCADE), replies to it lose its id (SET NULL).
CREATE FUNCTION account_statuses_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM statuses WHERE account_id = OLD.id;
    UPDATE statuses SET in_reply_to_account_id = NULL WHERE in_reply_to_account_id = OLD.id;
    RETURN NULL;
END $$;
CREATE TRIGGER account_statuses_deleted AFTER DELETE ON accounts FOR EACH ROW EXECUTE FUNCTION account_statuses_deleted();
