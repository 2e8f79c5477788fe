-- One trigger for what follows a new status, instead of two: each row-level PL/pgSQL
-- trigger costs its call whether or not it has anything to do, and "notify me when
-- they post" had nothing to do for almost every post the inbox stores (measured per
-- stored post in one backend: 0.131 ms with both triggers, 0.119 ms without the
-- notification one). Same rules as before: home_feed_status_inserted (migration
-- 2026-12-02-120000) and notify_status (2026-11-26-000008, with its WHEN clause).
DROP TRIGGER statuses_notify_status ON statuses;
DROP TRIGGER home_feed_status_inserted ON statuses;

CREATE FUNCTION status_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Home: the author's own, and its local followers' unless direct.
    IF NEW.local THEN
        INSERT INTO home_feed (account_id, status_id) VALUES (NEW.account_id, NEW.id) ON CONFLICT DO NOTHING;
    END IF;
    IF NEW.visibility < 3 THEN
        INSERT INTO home_feed (account_id, status_id)
        SELECT f.account_id, NEW.id FROM follows f JOIN accounts a ON a.id = f.account_id AND a.domain IS NULL
         WHERE f.target_account_id = NEW.account_id AND f.accepted
        ON CONFLICT DO NOTHING;
    END IF;
    -- `status` notifications for followers who asked (not boosts, not replies to
    -- others, not direct).
    IF NEW.reblog_of_id IS NULL AND NEW.visibility < 3
       AND ((NEW.in_reply_to_id IS NULL AND NEW.in_reply_to_uri IS NULL) OR NEW.in_reply_to_account_id = NEW.account_id) THEN
        PERFORM notify(f.account_id, NEW.account_id, 'status', NEW.id, NULL, NULL, NULL)
        FROM follows f WHERE f.target_account_id = NEW.account_id AND f.accepted AND f.notify;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER status_inserted AFTER INSERT ON statuses FOR EACH ROW EXECUTE FUNCTION status_inserted();
