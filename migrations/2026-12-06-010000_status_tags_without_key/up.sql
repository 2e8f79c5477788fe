-- A post's hashtags without a foreign key to the post, as home_feed already is
-- (2026-12-02-120000_home_feed_lean). Rows of status_tags are only written with
-- their post: in the statement that stores a received batch, or by a service in the
-- transaction that writes or edits the post. So the key's check protected nothing,
-- and it cost every stored post a `SELECT … FOR KEY SHARE` of the row just inserted,
-- which writes a lock (and a WAL record) into that row (docs/federation.md, "Inbox
-- throughput"). What the key's ON DELETE CASCADE did, the trigger that already
-- clears a deleted post's home rows now does too. A row left behind by a race (a
-- post deleted while an edit rewrites its hashtags) is never shown: every hashtag
-- timeline joins statuses.
ALTER TABLE status_tags DROP CONSTRAINT status_tags_status_id_fkey;

DROP TRIGGER home_feed_status_deleted ON statuses;
DROP FUNCTION home_feed_status_deleted();
CREATE FUNCTION status_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM home_feed WHERE status_id = OLD.id;
    DELETE FROM status_tags WHERE status_id = OLD.id;
    RETURN NULL;
END $$;
CREATE TRIGGER status_deleted AFTER DELETE ON statuses FOR EACH ROW EXECUTE FUNCTION status_deleted();
