-- Bookmarks, notifications, markers and idempotency keys for the client API, and
-- the indexes its timelines read through.

CREATE TABLE bookmarks (
    id BIGINT PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    status_id BIGINT NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (account_id, status_id)
);
CREATE INDEX bookmarks_account_id ON bookmarks (account_id, id DESC);
CREATE INDEX bookmarks_status_id ON bookmarks (status_id);

-- Favourites listed per account (GET /api/v1/favourites), paginated by their own id.
CREATE INDEX favourites_account_id_id ON favourites (account_id, id DESC);

-- The public timeline: public posts, not boosts, not replies to others.
CREATE INDEX statuses_public_id ON statuses (id DESC)
    WHERE visibility = 0 AND reblog_of_id IS NULL AND deleted_at IS NULL
      AND ((in_reply_to_id IS NULL AND in_reply_to_uri IS NULL) OR in_reply_to_account_id = account_id);

CREATE TABLE notifications (
    id BIGINT PRIMARY KEY,
    -- Who is notified (a local account) and who caused it.
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    from_account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    -- Mastodon's names: mention, reblog, favourite, follow, follow_request, update.
    type TEXT NOT NULL,
    -- The post it is about (for a boost, the boosted post).
    status_id BIGINT REFERENCES statuses (id) ON DELETE CASCADE,
    -- What caused it, so that undoing the cause takes the notification away.
    reblog_id BIGINT REFERENCES statuses (id) ON DELETE CASCADE,
    favourite_id BIGINT REFERENCES favourites (id) ON DELETE CASCADE,
    follow_id BIGINT REFERENCES follows (id) ON DELETE CASCADE,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
-- One notification per cause: repeated activities do not notify twice.
CREATE UNIQUE INDEX notifications_once ON notifications (account_id, type, from_account_id, COALESCE(status_id, 0));
CREATE INDEX notifications_account_id ON notifications (account_id, id DESC);
CREATE INDEX notifications_status_id ON notifications (status_id) WHERE status_id IS NOT NULL;
CREATE INDEX notifications_reblog_id ON notifications (reblog_id) WHERE reblog_id IS NOT NULL;
CREATE INDEX notifications_favourite_id ON notifications (favourite_id) WHERE favourite_id IS NOT NULL;
CREATE INDEX notifications_follow_id ON notifications (follow_id) WHERE follow_id IS NOT NULL;
CREATE INDEX notifications_from_account_id ON notifications (from_account_id);

CREATE SEQUENCE notifications_sequence;

-- Notifications are derived from the rows that cause them, by the triggers below,
-- so that every way a mention, boost, favourite or follow is written (the client
-- API, the inbox, the inbox's batched receive_post) notifies exactly once, in the
-- same transaction. Local accounts only; never for one's own action; never from
-- an account the recipient blocks.
CREATE FUNCTION notify(p_account BIGINT, p_from BIGINT, p_type TEXT, p_status BIGINT,
                       p_reblog BIGINT, p_favourite BIGINT, p_follow BIGINT) RETURNS VOID LANGUAGE plpgsql AS $$
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
    ON CONFLICT (account_id, type, from_account_id, COALESCE(status_id, 0)) DO NOTHING;
END
$$;

CREATE FUNCTION notify_mention() RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
    PERFORM notify(NEW.account_id, s.account_id, 'mention', s.id, NULL, NULL, NULL)
    FROM statuses s WHERE s.id = NEW.status_id AND s.deleted_at IS NULL;
    RETURN NULL;
END
$$;
CREATE TRIGGER mentions_notify AFTER INSERT ON mentions FOR EACH ROW EXECUTE FUNCTION notify_mention();

CREATE FUNCTION notify_favourite() RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
    PERFORM notify(s.account_id, NEW.account_id, 'favourite', s.id, NULL, NEW.id, NULL)
    FROM statuses s WHERE s.id = NEW.status_id;
    RETURN NULL;
END
$$;
CREATE TRIGGER favourites_notify AFTER INSERT ON favourites FOR EACH ROW EXECUTE FUNCTION notify_favourite();

CREATE FUNCTION notify_reblog() RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
    PERFORM notify(s.account_id, NEW.account_id, 'reblog', s.id, NEW.id, NULL, NULL)
    FROM statuses s WHERE s.id = NEW.reblog_of_id;
    RETURN NULL;
END
$$;
CREATE TRIGGER statuses_notify_reblog AFTER INSERT ON statuses FOR EACH ROW WHEN (NEW.reblog_of_id IS NOT NULL)
    EXECUTE FUNCTION notify_reblog();

-- An edited post notifies those here who boosted or favourited it; a later edit
-- brings the notification back to the top rather than adding another.
CREATE FUNCTION notify_update() RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM notifications WHERE status_id = NEW.id AND type = 'update';
    PERFORM notify(a, NEW.account_id, 'update', NEW.id, NULL, NULL, NULL)
    FROM (SELECT account_id FROM statuses WHERE reblog_of_id = NEW.id AND deleted_at IS NULL
          UNION SELECT account_id FROM favourites WHERE status_id = NEW.id) AS interested(a);
    RETURN NULL;
END
$$;
CREATE TRIGGER statuses_notify_update AFTER UPDATE OF edited_at ON statuses FOR EACH ROW
    WHEN (NEW.edited_at IS NOT NULL AND NEW.edited_at IS DISTINCT FROM OLD.edited_at AND NEW.deleted_at IS NULL)
    EXECUTE FUNCTION notify_update();

-- A follow notifies; a request notifies as a request, and goes once it is answered
-- (Mastodon drops the request's notification on authorize or reject).
CREATE FUNCTION notify_follow() RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM notify(NEW.target_account_id, NEW.account_id, CASE WHEN NEW.accepted THEN 'follow' ELSE 'follow_request' END,
                       NULL, NULL, NULL, NEW.id);
    ELSIF NEW.accepted AND NOT OLD.accepted THEN
        DELETE FROM notifications WHERE follow_id = NEW.id AND type = 'follow_request';
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER follows_notify AFTER INSERT OR UPDATE OF accepted ON follows FOR EACH ROW EXECUTE FUNCTION notify_follow();

-- "Notify me when they post" (Mastodon's `notify` on a follow): `status` notifications
-- for their new posts (not boosts, not replies to others, not direct messages).
ALTER TABLE follows ADD COLUMN notify BOOLEAN NOT NULL DEFAULT FALSE;

CREATE FUNCTION notify_status() RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
    PERFORM notify(f.account_id, NEW.account_id, 'status', NEW.id, NULL, NULL, NULL)
    FROM follows f WHERE f.target_account_id = NEW.account_id AND f.accepted AND f.notify;
    RETURN NULL;
END
$$;
CREATE TRIGGER statuses_notify_status AFTER INSERT ON statuses FOR EACH ROW
    WHEN (NEW.reblog_of_id IS NULL AND NEW.visibility < 3
          AND ((NEW.in_reply_to_id IS NULL AND NEW.in_reply_to_uri IS NULL) OR NEW.in_reply_to_account_id = NEW.account_id))
    EXECUTE FUNCTION notify_status();
CREATE INDEX follows_notify ON follows (target_account_id) WHERE notify AND accepted;

CREATE TABLE markers (
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    -- home or notifications
    timeline TEXT NOT NULL,
    last_read_id BIGINT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (account_id, timeline)
);

-- Idempotency-Key of POST /api/v1/statuses: the same key from the same account
-- within an hour answers with the first post.
CREATE TABLE idempotency_keys (
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    status_id BIGINT NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (account_id, key)
);
CREATE INDEX idempotency_keys_created_at ON idempotency_keys (created_at);
