-- Back to 2026-12-04-180000_inbox_store_cost: row triggers, one post at a time.
DROP FUNCTION store_received_posts(received_post[]);
DROP TYPE parent_post;
DROP TRIGGER status_tags_added ON status_tags;
DROP FUNCTION status_tags_added();
DROP TRIGGER statuses_inserted ON statuses;
DROP FUNCTION statuses_inserted();

CREATE FUNCTION status_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Home: the author's own, and its local followers' unless direct.
    IF NEW.local THEN
        INSERT INTO home_feed (account_id, status_id) VALUES (NEW.account_id, NEW.id) ON CONFLICT DO NOTHING;
        -- What a teacher boosts or answers, they can find again.
        IF NEW.reblog_of_id IS NOT NULL THEN
            PERFORM make_searchable(NEW.reblog_of_id);
        ELSIF NEW.in_reply_to_id IS NOT NULL THEN
            PERFORM make_searchable(NEW.in_reply_to_id);
        END IF;
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
CREATE TRIGGER status_inserted AFTER INSERT ON statuses FOR EACH ROW EXECUTE FUNCTION status_inserted();

CREATE FUNCTION home_feed_tag_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM tag_follows tf WHERE tf.name = NEW.name) THEN
        INSERT INTO home_feed (account_id, status_id)
        SELECT tf.account_id, NEW.status_id FROM tag_follows tf
         WHERE tf.name = NEW.name
           AND EXISTS (SELECT 1 FROM statuses s WHERE s.id = NEW.status_id AND s.visibility = 0 AND s.reblog_of_id IS NULL)
        ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER home_feed_tag_added AFTER INSERT ON status_tags FOR EACH ROW EXECUTE FUNCTION home_feed_tag_added();

CREATE FUNCTION store_received_post(p received_post, OUT stored_id BIGINT, OUT is_new BOOLEAN)
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
    v_searchable := v_indexable;
    IF NOT v_searchable AND cardinality(p.mentions) > 0 THEN
        v_searchable := EXISTS (SELECT 1 FROM accounts a WHERE a.id = ANY (p.mentions) AND a.domain IS NULL);
    END IF;
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
    IF EXISTS (SELECT 1 FROM statuses s WHERE s.in_reply_to_uri = p.uri AND s.in_reply_to_id IS NULL) THEN
        UPDATE statuses SET in_reply_to_id = p.id, in_reply_to_account_id = p.account_id
        WHERE in_reply_to_uri = p.uri AND in_reply_to_id IS NULL;
    END IF;
    stored_id := p.id;
    is_new := TRUE;
END
$$;
