DROP INDEX statuses_search_recent;
