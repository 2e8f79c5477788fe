DROP TRIGGER status_inserted ON statuses;
DROP FUNCTION status_inserted();
CREATE TRIGGER home_feed_status_inserted AFTER INSERT ON statuses FOR EACH ROW EXECUTE FUNCTION home_feed_status_inserted();
CREATE TRIGGER statuses_notify_status AFTER INSERT ON statuses FOR EACH ROW
    WHEN (NEW.reblog_of_id IS NULL AND NEW.visibility < 3
          AND ((NEW.in_reply_to_id IS NULL AND NEW.in_reply_to_uri IS NULL) OR NEW.in_reply_to_account_id = NEW.account_id))
    EXECUTE FUNCTION notify_status();
