-- Hashtags a teacher features on their profile (/api/v1/featured_tags; our actors'
-- `featuredTags` collection). Names as posts are tagged: lower case, without `#`.
CREATE TABLE featured_tags (
    id BIGINT PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name TEXT NOT NULL CHECK (name <> '' AND length(name) <= 200),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (account_id, name)
);
