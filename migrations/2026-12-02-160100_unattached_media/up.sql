-- Uploads no post ever claimed, oldest first: what `staffroom media prune` and the
-- daily clean-up remove.
CREATE INDEX media_attachments_unattached ON media_attachments (created_at) WHERE status_id IS NULL AND remote_url IS NULL;
