-- Notifications stay written by the triggers (they cover the inbox's batched insert
-- in the same statement), and each one written is announced on the channel
-- `staffroom_notifications` as '<account_id>:<notification_id>'. PostgreSQL delivers
-- it at commit, so listeners (the events dispatcher's stream) only ever hear of
-- notifications that exist.
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
