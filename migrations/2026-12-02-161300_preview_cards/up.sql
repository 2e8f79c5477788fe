-- Link cards (Mastodon's preview cards): what a page's OpenGraph tags say about
-- it, fetched once per URL (again after a day) and shared by every post linking it.
CREATE TABLE preview_cards (
    id BIGINT PRIMARY KEY,
    url TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    image_url TEXT,
    provider_name TEXT NOT NULL DEFAULT '',
    -- False when the page said nothing usable (it is not asked again for a day).
    usable BOOLEAN NOT NULL,
    fetched_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- The card of a post (its first link's).
CREATE TABLE status_cards (
    status_id BIGINT PRIMARY KEY REFERENCES statuses (id) ON DELETE CASCADE,
    card_id BIGINT NOT NULL REFERENCES preview_cards (id) ON DELETE CASCADE
);
CREATE INDEX status_cards_card_id ON status_cards (card_id);
