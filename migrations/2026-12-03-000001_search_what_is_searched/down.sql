DROP TRIGGER accounts_opted_in ON accounts;
DROP FUNCTION account_opted_in();
DROP TRIGGER favourites_searchable ON favourites;
DROP TRIGGER bookmarks_searchable ON bookmarks;
DROP FUNCTION interaction_made_searchable();

CREATE OR REPLACE FUNCTION status_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Home: the author's own, and its local followers' unless direct.
    IF NEW.local THEN
        INSERT INTO home_feed (account_id, status_id) VALUES (NEW.account_id, NEW.id) ON CONFLICT DO NOTHING;
    END IF;
    IF NEW.visibility < 3 THEN
        INSERT INTO home_feed (account_id, status_id)
        SELECT f.account_id, NEW.id FROM follows f JOIN accounts a ON a.id = f.account_id AND a.domain IS NULL
         WHERE f.target_account_id = NEW.account_id AND f.accepted
        ON CONFLICT DO NOTHING;
    END IF;
    -- `status` notifications for followers who asked (not boosts, not replies to
    -- others, not direct).
    IF NEW.reblog_of_id IS NULL AND NEW.visibility < 3
       AND ((NEW.in_reply_to_id IS NULL AND NEW.in_reply_to_uri IS NULL) OR NEW.in_reply_to_account_id = NEW.account_id) THEN
        PERFORM notify(f.account_id, NEW.account_id, 'status', NEW.id, NULL, NULL, NULL)
        FROM follows f WHERE f.target_account_id = NEW.account_id AND f.accepted AND f.notify;
    END IF;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION store_received_post(p received_post, OUT stored_id BIGINT, OUT is_new BOOLEAN)
LANGUAGE plpgsql AS $$
DECLARE
    v_parent BIGINT := p.in_reply_to_id;
    v_parent_account BIGINT := p.in_reply_to_account_id;
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
    INSERT INTO statuses (id, account_id, uri, url, content, spoiler_text, sensitive, visibility, language,
                          in_reply_to_id, in_reply_to_uri, in_reply_to_account_id, local, object_type, title, created_at)
    VALUES (p.id, p.account_id, p.uri, p.url, p.content, p.spoiler_text, p.sensitive, p.visibility, p.language,
            v_parent, p.in_reply_to_uri, v_parent_account, FALSE, p.object_type, p.title, p.created_at)
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

DROP FUNCTION make_searchable(BIGINT);
DROP INDEX statuses_search;
ALTER TABLE statuses DROP COLUMN search_vector;
ALTER TABLE statuses DROP COLUMN searchable;
DROP FUNCTION search_vector(TEXT, TEXT);
CREATE FUNCTION search_vector(language TEXT, document TEXT) RETURNS tsvector LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN search_config(language) = 'pg_catalog.simple'::regconfig THEN to_tsvector('pg_catalog.simple'::regconfig, document)
                ELSE to_tsvector(search_config(language), document) || to_tsvector('pg_catalog.simple'::regconfig, document) END
$$;
ALTER TABLE statuses ADD COLUMN search_vector tsvector
    GENERATED ALWAYS AS (search_vector(language, search_document(content, text, spoiler_text, title))) STORED;
CREATE INDEX statuses_search ON statuses USING gin (search_vector);
