DROP TRIGGER media_attachments_cache_trash ON media_attachments;
DROP FUNCTION media_cache_trash();
DROP TABLE media_cache_trash;
DROP INDEX media_attachments_cached;
ALTER TABLE media_attachments DROP COLUMN cached_at, DROP COLUMN cached_bytes, DROP COLUMN cache_failed_at;
