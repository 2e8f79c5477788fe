DROP INDEX notifications_once;
DELETE FROM notifications WHERE account_warning_id IS NOT NULL;
CREATE UNIQUE INDEX notifications_once ON notifications (account_id, type, from_account_id, COALESCE(status_id, 0));

CREATE OR REPLACE FUNCTION notify(p_account BIGINT, p_from BIGINT, p_type TEXT, p_status BIGINT,
                                  p_reblog BIGINT, p_favourite BIGINT, p_follow BIGINT) RETURNS VOID LANGUAGE plpgsql AS $$
DECLARE
    v_id BIGINT;
BEGIN
    IF p_account IS NULL OR p_account = p_from THEN
        RETURN;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM accounts WHERE id = p_account AND domain IS NULL) THEN
        RETURN;
    END IF;
    IF EXISTS (SELECT 1 FROM blocks WHERE account_id = p_account AND target_account_id = p_from) THEN
        RETURN;
    END IF;
    INSERT INTO notifications (id, account_id, from_account_id, type, status_id, reblog_id, favourite_id, follow_id)
    VALUES ((floor(extract(epoch FROM clock_timestamp()) * 1000)::BIGINT << 16) | (nextval('notifications_sequence') & 65535),
            p_account, p_from, p_type, p_status, p_reblog, p_favourite, p_follow)
    ON CONFLICT (account_id, type, from_account_id, COALESCE(status_id, 0)) DO NOTHING
    RETURNING id INTO v_id;
    IF v_id IS NOT NULL THEN
        PERFORM pg_notify('staffroom_notifications', p_account || ':' || v_id);
    END IF;
END
$$;

CREATE OR REPLACE FUNCTION notify_poll_ended(p_poll BIGINT) RETURNS INTEGER LANGUAGE plpgsql AS $$
DECLARE
    v_status BIGINT;
    v_author BIGINT;
    v_id BIGINT;
    v_account BIGINT;
    v_count INTEGER := 0;
BEGIN
    SELECT p.status_id, p.account_id INTO v_status, v_author FROM polls p WHERE p.id = p_poll;
    FOR v_account IN
        SELECT DISTINCT a.id FROM accounts a
         WHERE a.domain IS NULL
           AND (a.id = v_author OR a.id IN (SELECT v.account_id FROM poll_votes v WHERE v.poll_id = p_poll))
           AND NOT EXISTS (SELECT 1 FROM blocks b WHERE b.account_id = a.id AND b.target_account_id = v_author)
    LOOP
        v_id := NULL;
        INSERT INTO notifications (id, account_id, from_account_id, type, status_id)
        VALUES ((floor(extract(epoch FROM clock_timestamp()) * 1000)::BIGINT << 16) | (nextval('notifications_sequence') & 65535),
                v_account, v_author, 'poll', v_status)
        ON CONFLICT (account_id, type, from_account_id, COALESCE(status_id, 0)) DO NOTHING
        RETURNING id INTO v_id;
        IF v_id IS NOT NULL THEN
            PERFORM pg_notify('staffroom_notifications', v_account || ':' || v_id);
            v_count := v_count + 1;
        END IF;
    END LOOP;
    RETURN v_count;
END
$$;

ALTER TABLE notifications DROP COLUMN account_warning_id;
DROP TABLE account_warnings;
