DROP FUNCTION receive_post;
