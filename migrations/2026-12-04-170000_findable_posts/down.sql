DROP TRIGGER accounts_opted_out ON accounts;
DROP FUNCTION account_opted_out();
CREATE OR REPLACE FUNCTION account_opted_in() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE statuses SET searchable = TRUE
     WHERE account_id = NEW.id AND visibility = 0 AND NOT searchable AND NOT local AND reblog_of_id IS NULL;
    RETURN NULL;
END $$;
DROP TRIGGER statuses_findable_changed ON statuses;
DROP TRIGGER statuses_findable_local ON statuses;
DROP FUNCTION status_findable();
CREATE OR REPLACE FUNCTION store_received_post(p received_post, OUT stored_id BIGINT, OUT is_new BOOLEAN)
LANGUAGE plpgsql AS $$
DECLARE
    v_parent BIGINT := p.in_reply_to_id;
    v_parent_account BIGINT := p.in_reply_to_account_id;
    v_searchable BOOLEAN;
BEGIN
    is_new := FALSE;
    IF p.activity_uri IS NOT NULL THEN
        INSERT INTO received_activities (uri) VALUES (p.activity_uri) ON CONFLICT DO NOTHING;
        IF NOT FOUND THEN
            RETURN;
        END IF;
    END IF;
    IF v_parent IS NULL AND p.in_reply_to_uri IS NOT NULL THEN
        SELECT s.id, s.account_id INTO v_parent, v_parent_account FROM statuses s WHERE s.uri = p.in_reply_to_uri;
    ELSIF v_parent IS NOT NULL AND v_parent_account IS NULL THEN
        SELECT s.account_id INTO v_parent_account FROM statuses s WHERE s.id = v_parent;
    END IF;
    v_searchable := EXISTS (SELECT 1 FROM accounts a WHERE a.id = p.account_id AND a.indexable)
        OR (cardinality(p.mentions) > 0 AND EXISTS (SELECT 1 FROM accounts a WHERE a.id = ANY (p.mentions) AND a.domain IS NULL));
    INSERT INTO statuses (id, account_id, uri, url, content, spoiler_text, sensitive, visibility, language,
                          in_reply_to_id, in_reply_to_uri, in_reply_to_account_id, local, object_type, title, created_at, searchable)
    VALUES (p.id, p.account_id, p.uri, p.url, p.content, p.spoiler_text, p.sensitive, p.visibility, p.language,
            v_parent, p.in_reply_to_uri, v_parent_account, FALSE, p.object_type, p.title, p.created_at, v_searchable)
    ON CONFLICT DO NOTHING;
    IF NOT FOUND THEN
        SELECT s.id INTO stored_id FROM statuses s WHERE s.uri = p.uri;
        RETURN;
    END IF;
    IF cardinality(p.mentions) > 0 THEN
        INSERT INTO mentions (status_id, account_id) SELECT p.id, m FROM unnest(p.mentions) AS m ON CONFLICT DO NOTHING;
    END IF;
    IF cardinality(p.tags) > 0 THEN
        INSERT INTO status_tags (status_id, name) SELECT p.id, t FROM unnest(p.tags) AS t ON CONFLICT DO NOTHING;
    END IF;
    UPDATE statuses SET in_reply_to_id = p.id, in_reply_to_account_id = p.account_id
    WHERE in_reply_to_uri = p.uri AND in_reply_to_id IS NULL;
    stored_id := p.id;
    is_new := TRUE;
END
$$;
DROP INDEX statuses_findable;
ALTER TABLE statuses DROP COLUMN findable;
