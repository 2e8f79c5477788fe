DROP TRIGGER home_feed_account_deleted ON accounts;
DROP FUNCTION home_feed_account_deleted();
DROP TRIGGER home_feed_status_deleted ON statuses;
DROP FUNCTION home_feed_status_deleted();
DELETE FROM home_feed h WHERE NOT EXISTS (SELECT 1 FROM statuses s WHERE s.id = h.status_id)
                           OR NOT EXISTS (SELECT 1 FROM accounts a WHERE a.id = h.account_id);
ALTER TABLE home_feed ADD CONSTRAINT home_feed_account_id_fkey FOREIGN KEY (account_id) REFERENCES accounts (id) ON DELETE CASCADE,
                      ADD CONSTRAINT home_feed_status_id_fkey FOREIGN KEY (status_id) REFERENCES statuses (id) ON DELETE CASCADE;
CREATE OR REPLACE FUNCTION home_feed_status_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO home_feed (account_id, status_id)
    SELECT NEW.account_id, NEW.id WHERE EXISTS (SELECT 1 FROM accounts a WHERE a.id = NEW.account_id AND a.domain IS NULL)
    UNION ALL
    SELECT f.account_id, NEW.id FROM follows f JOIN accounts a ON a.id = f.account_id AND a.domain IS NULL
     WHERE f.target_account_id = NEW.account_id AND f.accepted AND NEW.visibility < 3
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$;
