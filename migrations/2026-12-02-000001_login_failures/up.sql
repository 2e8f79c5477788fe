-- Failed password sign-ins per name and per address (services/oauth.rs), in the
-- database rather than in memory so that the limit holds across every `serve`
-- process of an instance, and across restarts.
CREATE TABLE login_failures (
    key TEXT PRIMARY KEY,
    window_started_at TIMESTAMPTZ NOT NULL,
    failures INTEGER NOT NULL
);
CREATE INDEX login_failures_window_started_at ON login_failures (window_started_at);
