-- Finding local teachers by the start of their username (services/search.rs):
-- text_pattern_ops lets `lower(username) LIKE 'prefix%'` use the index whatever
-- the database's collation.
CREATE INDEX accounts_local_username_prefix ON accounts (lower(username) text_pattern_ops) WHERE domain IS NULL;
