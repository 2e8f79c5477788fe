DELETE FROM remote_featured WHERE url IS NULL;
ALTER TABLE remote_featured DROP COLUMN tags_url;
ALTER TABLE remote_featured ALTER COLUMN url SET NOT NULL;
