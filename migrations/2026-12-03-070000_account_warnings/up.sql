-- Warnings to teachers of ours (Mastodon's `AccountWarning`): one for each
-- moderation action they are told of (services::moderation::act), with the
-- moderators' note and the reported posts. The `moderation_warning` notification
-- points at it, so apps show it as Mastodon 4.3's do.
CREATE TABLE account_warnings (
    id BIGINT PRIMARY KEY,
    -- The moderator who acted; NULL for the command line, or once they are gone.
    account_id BIGINT REFERENCES accounts (id) ON DELETE SET NULL,
    target_account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    -- Mastodon's names of the actions.
    action TEXT NOT NULL CHECK (action IN ('none', 'disable', 'sensitive', 'silence', 'suspend')),
    text TEXT NOT NULL DEFAULT '',
    status_ids BIGINT[] NOT NULL DEFAULT '{}',
    report_id BIGINT REFERENCES reports (id) ON DELETE SET NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX account_warnings_target ON account_warnings (target_account_id, id DESC);

ALTER TABLE notifications ADD COLUMN account_warning_id BIGINT REFERENCES account_warnings (id) ON DELETE CASCADE;
CREATE INDEX notifications_account_warning_id ON notifications (account_warning_id) WHERE account_warning_id IS NOT NULL;

-- "One notification per cause" keys on the post, which a warning has none of: each
-- warning is its own notification, so the rule now leaves warnings out, and the
-- functions that write notifications name the narrower index.
DROP INDEX notifications_once;
CREATE UNIQUE INDEX notifications_once ON notifications (account_id, type, from_account_id, COALESCE(status_id, 0)) WHERE account_warning_id IS NULL;

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
    ON CONFLICT (account_id, type, from_account_id, COALESCE(status_id, 0)) WHERE account_warning_id IS NULL DO NOTHING
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
        ON CONFLICT (account_id, type, from_account_id, COALESCE(status_id, 0)) WHERE account_warning_id IS NULL DO NOTHING
        RETURNING id INTO v_id;
        IF v_id IS NOT NULL THEN
            PERFORM pg_notify('staffroom_notifications', v_account || ':' || v_id);
            v_count := v_count + 1;
        END IF;
    END LOOP;
    RETURN v_count;
END
$$;
