DROP FUNCTION notify_poll_ended(BIGINT);
DROP TABLE poll_votes;
DROP TABLE polls;
