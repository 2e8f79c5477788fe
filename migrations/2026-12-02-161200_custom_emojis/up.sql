-- Custom emoji: ours (added by an administrator, the image kept here, at most
-- 256 KiB) and other servers' (from `Emoji` tags, linked to their image, keyed by
-- shortcode and the server's domain), as Mastodon keeps them.
CREATE TABLE custom_emojis (
    id BIGINT PRIMARY KEY,
    shortcode TEXT NOT NULL,
    -- NULL: ours.
    domain TEXT,
    -- Other servers': where the image is.
    image_url TEXT,
    content_type TEXT NOT NULL,
    -- Ours: the image itself.
    data BYTEA,
    visible_in_picker BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK ((domain IS NULL) = (data IS NOT NULL))
);
CREATE UNIQUE INDEX custom_emojis_shortcode_domain ON custom_emojis (shortcode, COALESCE(domain, ''));
