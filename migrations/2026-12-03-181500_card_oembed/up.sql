-- Link cards from oEmbed (issue 14): what a page's oEmbed answer adds to its
-- OpenGraph tags, as Mastodon's PreviewCard carries it.
ALTER TABLE preview_cards
    -- Mastodon's card type: link, photo, video or rich (the last two with `html`).
    ADD COLUMN kind TEXT NOT NULL DEFAULT 'link',
    ADD COLUMN author_name TEXT NOT NULL DEFAULT '',
    ADD COLUMN author_url TEXT NOT NULL DEFAULT '',
    ADD COLUMN provider_url TEXT NOT NULL DEFAULT '',
    -- The embed's HTML, sanitised to one iframe; empty for link and photo cards.
    ADD COLUMN html TEXT NOT NULL DEFAULT '',
    ADD COLUMN embed_url TEXT NOT NULL DEFAULT '',
    -- The embed's size, or the image's (0 when unknown).
    ADD COLUMN width INTEGER NOT NULL DEFAULT 0,
    ADD COLUMN height INTEGER NOT NULL DEFAULT 0;
