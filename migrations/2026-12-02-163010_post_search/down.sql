DROP INDEX statuses_search;
ALTER TABLE statuses DROP COLUMN search_vector;
DROP FUNCTION search_vector(TEXT, TEXT);
DROP FUNCTION search_document(TEXT, TEXT, TEXT, TEXT);
DROP FUNCTION search_config(TEXT);
DROP INDEX accounts_indexable;
ALTER TABLE accounts DROP COLUMN indexable;
