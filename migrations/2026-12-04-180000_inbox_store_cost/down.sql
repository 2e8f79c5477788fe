-- Back to 2026-12-04-170000_findable_posts: the generated column (every row's words
-- worked out again by the table rewrite), its two GIN indexes, the functions as they were.
DROP TRIGGER statuses_search_vector_changed ON statuses;
DROP TRIGGER statuses_search_vector ON statuses;
DROP FUNCTION status_search_vector();
ALTER TABLE statuses DROP COLUMN search_vector;
ALTER TABLE statuses ADD COLUMN search_vector tsvector
    GENERATED ALWAYS AS (CASE WHEN local OR searchable THEN search_vector(language, search_document(content, text, spoiler_text, title)) END) STORED;
CREATE INDEX statuses_search ON statuses USING gin (search_vector) WHERE search_vector IS NOT NULL;
CREATE INDEX statuses_findable ON statuses USING gin (search_vector) WHERE findable;

CREATE OR REPLACE FUNCTION store_received_post(p received_post, OUT stored_id BIGINT, OUT is_new BOOLEAN)
LANGUAGE plpgsql AS $$
DECLARE
    v_parent BIGINT := p.in_reply_to_id;
    v_parent_account BIGINT := p.in_reply_to_account_id;
    v_searchable BOOLEAN;
    v_indexable BOOLEAN;
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
    v_indexable := EXISTS (SELECT 1 FROM accounts a WHERE a.id = p.account_id AND a.indexable);
    v_searchable := v_indexable
        OR (cardinality(p.mentions) > 0 AND EXISTS (SELECT 1 FROM accounts a WHERE a.id = ANY (p.mentions) AND a.domain IS NULL));
    INSERT INTO statuses (id, account_id, uri, url, content, spoiler_text, sensitive, visibility, language,
                          in_reply_to_id, in_reply_to_uri, in_reply_to_account_id, local, object_type, title, created_at, searchable, findable)
    VALUES (p.id, p.account_id, p.uri, p.url, p.content, p.spoiler_text, p.sensitive, p.visibility, p.language,
            v_parent, p.in_reply_to_uri, v_parent_account, FALSE, p.object_type, p.title, p.created_at, v_searchable, v_indexable AND p.visibility = 0)
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

CREATE OR REPLACE FUNCTION home_feed_tag_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO home_feed (account_id, status_id)
    SELECT tf.account_id, NEW.status_id FROM tag_follows tf
     WHERE tf.name = NEW.name
       AND EXISTS (SELECT 1 FROM statuses s WHERE s.id = NEW.status_id AND s.visibility = 0 AND s.reblog_of_id IS NULL)
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$;
