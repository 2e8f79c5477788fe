-- Filters (Mastodon's v2 custom filters): a teacher hides or marks posts that contain
-- words, or single posts, in the contexts chosen (home and lists, notifications, public
-- timelines, threads, profiles), until an optional expiry. Matching happens when posts
-- are shown (services/filters.rs); these rows are only what the teacher asked for.
CREATE TABLE filters (
    id BIGINT PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    title TEXT NOT NULL,
    context TEXT[] NOT NULL,
    -- 'warn': shown, marked with the filter's title; 'hide': left out.
    action TEXT NOT NULL DEFAULT 'warn' CHECK (action IN ('warn', 'hide')),
    expires_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX filters_account_id ON filters (account_id);

CREATE TABLE filter_keywords (
    id BIGINT PRIMARY KEY,
    filter_id BIGINT NOT NULL REFERENCES filters (id) ON DELETE CASCADE,
    keyword TEXT NOT NULL,
    whole_word BOOLEAN NOT NULL DEFAULT true
);
CREATE INDEX filter_keywords_filter_id ON filter_keywords (filter_id, id);

CREATE TABLE filter_statuses (
    id BIGINT PRIMARY KEY,
    filter_id BIGINT NOT NULL REFERENCES filters (id) ON DELETE CASCADE,
    status_id BIGINT NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
    UNIQUE (filter_id, status_id)
);
CREATE INDEX filter_statuses_status_id ON filter_statuses (status_id);
