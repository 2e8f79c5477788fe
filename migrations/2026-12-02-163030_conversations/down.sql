DROP TRIGGER conversation_mention_added ON mentions;
DROP FUNCTION conversation_mention_added();
DROP TABLE conversations;
