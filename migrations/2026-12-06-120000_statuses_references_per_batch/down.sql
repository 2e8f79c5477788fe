-- Back to 2026-12-06-010000_status_tags_without_key: four foreign keys on statuses.
DROP TRIGGER account_statuses_deleted ON accounts;
DROP FUNCTION account_statuses_deleted();
DROP TRIGGER statuses_references_changed ON statuses;
DROP FUNCTION statuses_references_changed();

CREATE OR REPLACE FUNCTION status_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM home_feed WHERE status_id = OLD.id;
    DELETE FROM status_tags WHERE status_id = OLD.id;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION statuses_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Home: the author's own, and its local followers' unless direct.
    INSERT INTO home_feed (account_id, status_id)
    SELECT n.account_id, n.id FROM inserted n WHERE n.local
    ON CONFLICT DO NOTHING;
    -- What a teacher boosts or answers, they can find again.
    PERFORM make_searchable(COALESCE(n.reblog_of_id, n.in_reply_to_id))
       FROM inserted n
      WHERE n.local AND COALESCE(n.reblog_of_id, n.in_reply_to_id) IS NOT NULL;
    INSERT INTO home_feed (account_id, status_id)
    SELECT f.account_id, n.id
      FROM inserted n
      -- Each author's followers by index (OFFSET 0 keeps it a loop over the new rows).
      CROSS JOIN LATERAL (SELECT f.account_id FROM follows f
                           WHERE f.target_account_id = n.account_id AND f.accepted
                             AND EXISTS (SELECT 1 FROM accounts a WHERE a.id = f.account_id AND a.domain IS NULL)
                          OFFSET 0) f
     WHERE n.visibility < 3
    ON CONFLICT DO NOTHING;
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

DROP FUNCTION statuses_references_locked(BIGINT[], BIGINT[]);

-- Whatever a race left dangling goes first, as the keys' ON DELETE would have done.
DELETE FROM statuses s WHERE NOT EXISTS (SELECT 1 FROM accounts a WHERE a.id = s.account_id);
DELETE FROM statuses s WHERE s.reblog_of_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM statuses o WHERE o.id = s.reblog_of_id);
UPDATE statuses s SET in_reply_to_id = NULL
 WHERE s.in_reply_to_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM statuses p WHERE p.id = s.in_reply_to_id);
UPDATE statuses s SET in_reply_to_account_id = NULL
 WHERE s.in_reply_to_account_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM accounts a WHERE a.id = s.in_reply_to_account_id);
ALTER TABLE statuses
    ADD CONSTRAINT statuses_account_id_fkey FOREIGN KEY (account_id) REFERENCES accounts (id) ON DELETE CASCADE,
    ADD CONSTRAINT statuses_in_reply_to_account_id_fkey FOREIGN KEY (in_reply_to_account_id) REFERENCES accounts (id) ON DELETE SET NULL,
    ADD CONSTRAINT statuses_in_reply_to_id_fkey FOREIGN KEY (in_reply_to_id) REFERENCES statuses (id) ON DELETE SET NULL,
    ADD CONSTRAINT statuses_reblog_of_id_fkey FOREIGN KEY (reblog_of_id) REFERENCES statuses (id) ON DELETE CASCADE;
