-- Other servers' accounts' featured hashtags (their actor's `featuredTags`
-- collection), read with their pinned posts: where the collection is. An actor may
-- name one collection and not the other, so neither URL is required. The hashtags
-- themselves are rows of `featured_tags`, as ours are.
ALTER TABLE remote_featured ALTER COLUMN url DROP NOT NULL;
ALTER TABLE remote_featured ADD COLUMN tags_url TEXT;
