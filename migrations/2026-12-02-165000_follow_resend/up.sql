-- A Follow we sent that is still unanswered is sent again a few times
-- (federation/follow_resend.rs): when, and how often it was already.
ALTER TABLE follows
    ADD COLUMN resend_count SMALLINT NOT NULL DEFAULT 0,
    ADD COLUMN resend_at TIMESTAMPTZ;
CREATE INDEX follows_resend_at ON follows (resend_at) WHERE resend_at IS NOT NULL;
