DROP TRIGGER status_deleted ON statuses;
DROP FUNCTION status_deleted();
CREATE FUNCTION home_feed_status_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM home_feed WHERE status_id = OLD.id;
    RETURN NULL;
END $$;
CREATE TRIGGER home_feed_status_deleted AFTER DELETE ON statuses FOR EACH ROW EXECUTE FUNCTION home_feed_status_deleted();
DELETE FROM status_tags t WHERE NOT EXISTS (SELECT 1 FROM statuses s WHERE s.id = t.status_id);
ALTER TABLE status_tags ADD CONSTRAINT status_tags_status_id_fkey FOREIGN KEY (status_id) REFERENCES statuses (id) ON DELETE CASCADE;
