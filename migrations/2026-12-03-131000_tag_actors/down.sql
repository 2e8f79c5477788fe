DROP TABLE tag_announces;
DELETE FROM accounts WHERE id IN (SELECT account_id FROM tag_actors);
DROP TABLE tag_actors;
