-- Images attached to posts: ours (processed files in the media store, `file_key`)
-- and other servers' (`remote_url`, not downloaded). An upload has no status until a
-- post claims it; unclaimed uploads belong to their uploader only.
CREATE TABLE media_attachments (
    id BIGINT PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    status_id BIGINT REFERENCES statuses (id) ON DELETE CASCADE,
    -- Order within the post (Mastodon keeps up to four).
    position SMALLINT NOT NULL DEFAULT 0,
    -- What kind of attachment, as the client API names it: image (or unknown, remote).
    kind TEXT NOT NULL DEFAULT 'image',
    content_type TEXT,
    -- Keys in the media store; NULL for remote attachments.
    file_key TEXT,
    thumbnail_key TEXT,
    remote_url TEXT,
    description TEXT,
    blurhash TEXT,
    width INT,
    height INT,
    thumbnail_width INT,
    thumbnail_height INT,
    focus_x REAL NOT NULL DEFAULT 0,
    focus_y REAL NOT NULL DEFAULT 0,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX media_attachments_status ON media_attachments (status_id, position) WHERE status_id IS NOT NULL;
CREATE INDEX media_attachments_account ON media_attachments (account_id, id);
