-- Moderation of accounts, local and remote (services/moderation.rs). Suspended:
-- a local one cannot sign in and its actor answers 410; a remote one's activities
-- are refused. Silenced: posts reach followers only. Sensitized: media shown
-- behind a warning. Disabled (users): a local login switched off, nothing else.
ALTER TABLE accounts ADD COLUMN suspended_at TIMESTAMPTZ;
ALTER TABLE accounts ADD COLUMN silenced_at TIMESTAMPTZ;
ALTER TABLE accounts ADD COLUMN sensitized_at TIMESTAMPTZ;
ALTER TABLE users ADD COLUMN disabled BOOLEAN NOT NULL DEFAULT false;

-- Reports: by a local user (`POST /api/v1/reports`) or from another server (a
-- `Flag`, then `uri` is its id and `account_id` the actor that sent it).
CREATE TABLE reports (
    id BIGINT PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    target_account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    status_ids BIGINT[] NOT NULL DEFAULT '{}',
    rule_ids INTEGER[] NOT NULL DEFAULT '{}',
    comment TEXT NOT NULL DEFAULT '',
    category TEXT NOT NULL DEFAULT 'other' CHECK (category IN ('spam', 'legal', 'violation', 'other')),
    forwarded BOOLEAN NOT NULL DEFAULT false,
    uri TEXT UNIQUE,
    assigned_account_id BIGINT REFERENCES accounts (id) ON DELETE SET NULL,
    action_taken_at TIMESTAMPTZ,
    action_taken_by_account_id BIGINT REFERENCES accounts (id) ON DELETE SET NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
-- The queue is the unresolved ones, newest first.
CREATE INDEX reports_unresolved ON reports (id) WHERE action_taken_at IS NULL;
CREATE INDEX reports_target_account_id ON reports (target_account_id);
CREATE INDEX reports_account_id ON reports (account_id);

-- The admin API names domain blocks and allows by id, as Mastodon's does.
ALTER TABLE domain_blocks ADD COLUMN id BIGSERIAL UNIQUE;
ALTER TABLE domain_blocks ADD COLUMN private_comment TEXT;
ALTER TABLE domain_blocks ADD COLUMN public_comment TEXT;
ALTER TABLE domain_allows ADD COLUMN id BIGSERIAL UNIQUE;

-- The instance actor sends too (a forwarded report's Flag): no account behind it.
ALTER TABLE outgoing_activities ALTER COLUMN account_id DROP NOT NULL;
