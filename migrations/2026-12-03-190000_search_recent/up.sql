-- The newest findable public posts in id order, so a search for a common word reads
-- the newest few hundred of them instead of every match the GIN index holds
-- (db::search). Partial: only posts that keep their words are in it, which is what
-- a local teacher writes and a small part of what the inbox receives.
CREATE INDEX statuses_search_recent ON statuses (id)
    WHERE search_vector IS NOT NULL AND visibility = 0 AND reblog_of_id IS NULL;
