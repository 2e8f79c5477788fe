-- Copies of other servers' images in our media store (docs/media.md, "Other
-- servers' images"). A remote attachment's `file_key`/`thumbnail_key` name the copy
-- once it is made; `cached_at` is when (the oldest go first beyond the budget),
-- `cached_bytes` what its two files take; `cache_failed_at` the last failed try, so
-- an origin that fails is not asked again at once.
ALTER TABLE media_attachments
    ADD COLUMN cached_at TIMESTAMPTZ,
    ADD COLUMN cached_bytes BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN cache_failed_at TIMESTAMPTZ;

CREATE INDEX media_attachments_cached ON media_attachments (cached_at) WHERE cached_at IS NOT NULL;

-- Files of copies whose row let go of them (evicted, pruned, or the post or its
-- author deleted, by whatever path, cascades included), to be deleted from the store.
-- Written in the same transaction as the change, so no file is forgotten.
CREATE TABLE media_cache_trash (
    key TEXT PRIMARY KEY,
    added_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE FUNCTION media_cache_trash() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.remote_url IS NOT NULL AND OLD.file_key IS NOT NULL
        AND (TG_OP = 'DELETE' OR NEW.file_key IS DISTINCT FROM OLD.file_key) THEN
        INSERT INTO media_cache_trash (key) VALUES (OLD.file_key) ON CONFLICT DO NOTHING;
        IF OLD.thumbnail_key IS NOT NULL THEN
            INSERT INTO media_cache_trash (key) VALUES (OLD.thumbnail_key) ON CONFLICT DO NOTHING;
        END IF;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER media_attachments_cache_trash
    AFTER DELETE OR UPDATE OF file_key ON media_attachments
    FOR EACH ROW EXECUTE FUNCTION media_cache_trash();
