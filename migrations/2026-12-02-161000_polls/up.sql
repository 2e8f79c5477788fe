-- Polls (Mastodon's `Question`): one per post at most, ours or another server's.
-- `tallies` holds the count per option: for our polls the votes stored below, for
-- other servers' polls what their author last told us (each vote made here is
-- added at once and corrected by the author's next Update).
CREATE TABLE polls (
    id BIGINT PRIMARY KEY,
    status_id BIGINT NOT NULL UNIQUE REFERENCES statuses (id) ON DELETE CASCADE,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    options TEXT[] NOT NULL,
    tallies BIGINT[] NOT NULL,
    multiple BOOLEAN NOT NULL DEFAULT FALSE,
    hide_totals BOOLEAN NOT NULL DEFAULT FALSE,
    voters_count BIGINT NOT NULL DEFAULT 0,
    expires_at TIMESTAMPTZ,
    -- Set once the end of the poll was acted on (notifications, last Update).
    ended_at TIMESTAMPTZ,
    -- Our polls: when counts changed and no Update told other servers yet.
    changed_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK (cardinality(options) = cardinality(tallies))
);
-- What the poll worker looks for: polls to close, and our polls with unsent counts.
CREATE INDEX polls_to_end ON polls (expires_at) WHERE ended_at IS NULL AND expires_at IS NOT NULL;
CREATE INDEX polls_changed ON polls (changed_at) WHERE changed_at IS NOT NULL;

-- One row per chosen option: votes on our polls (local or remote voters), and the
-- votes teachers here cast on other servers' polls (`uri` NULL until sent: ours
-- are named from their id).
CREATE TABLE poll_votes (
    id BIGINT PRIMARY KEY,
    poll_id BIGINT NOT NULL REFERENCES polls (id) ON DELETE CASCADE,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    choice SMALLINT NOT NULL,
    uri TEXT UNIQUE,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (poll_id, account_id, choice)
);
CREATE INDEX poll_votes_account_id ON poll_votes (account_id);

-- A poll that ended notifies the local accounts that voted in it and its author
-- if local (Mastodon's `poll` notification, `from` the author). The author is
-- notified of its own poll, which notify() would skip, so this writes the rows
-- itself and announces them as notify() does.
CREATE FUNCTION notify_poll_ended(p_poll BIGINT) RETURNS INTEGER LANGUAGE plpgsql AS $$
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
