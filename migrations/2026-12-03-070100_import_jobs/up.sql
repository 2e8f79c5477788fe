-- Imports of follows (services::portability), from the settings page or the
-- command line. The job is the lines still to follow and how far it got, so that its
-- progress and report show from any `serve` process and after a reload, and an
-- import cut off by a restart is taken up again by the next process that looks.
CREATE TABLE import_jobs (
    id BIGINT PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    -- The lines to follow, in order: [{"line": 2, "handle": "ada@school.example", "notify": false}, …].
    lines JSONB NOT NULL,
    total INTEGER NOT NULL,
    -- How many of `lines` were looked up; those before it are never tried again.
    done INTEGER NOT NULL DEFAULT 0,
    followed INTEGER NOT NULL DEFAULT 0,
    -- Lines that failed, with why: [{"line": 3, "handle": "x", "reason": "…"}, …].
    failed JSONB NOT NULL DEFAULT '[]',
    -- When a process last worked on it: one quiet for a while is taken up by another.
    heartbeat_at TIMESTAMPTZ,
    finished_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX import_jobs_account ON import_jobs (account_id, id DESC);
CREATE INDEX import_jobs_unfinished ON import_jobs (id) WHERE finished_at IS NULL;
