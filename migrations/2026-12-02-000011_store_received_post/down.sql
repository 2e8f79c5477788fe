DROP FUNCTION store_received_post(received_post);
DROP TYPE received_post;

CREATE FUNCTION receive_post(
    p_activity_uri TEXT,
    p_id BIGINT,
    p_account_id BIGINT,
    p_uri TEXT,
    p_url TEXT,
    p_content TEXT,
    p_spoiler_text TEXT,
    p_sensitive BOOLEAN,
    p_visibility SMALLINT,
    p_language TEXT,
    p_in_reply_to_id BIGINT,
    p_in_reply_to_uri TEXT,
    p_in_reply_to_account_id BIGINT,
    p_object_type TEXT,
    p_title TEXT,
    p_created_at TIMESTAMPTZ,
    p_mentions BIGINT[],
    p_tags TEXT[]
) RETURNS BOOLEAN LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO received_activities (uri) VALUES (p_activity_uri) ON CONFLICT DO NOTHING;
    IF NOT FOUND THEN
        RETURN FALSE;
    END IF;
    INSERT INTO statuses (id, account_id, uri, url, content, spoiler_text, sensitive, visibility, language,
                          in_reply_to_id, in_reply_to_uri, in_reply_to_account_id, local, object_type, title, created_at)
    VALUES (p_id, p_account_id, p_uri, p_url, p_content, p_spoiler_text, p_sensitive, p_visibility, p_language,
            p_in_reply_to_id, p_in_reply_to_uri, p_in_reply_to_account_id, FALSE, p_object_type, p_title, p_created_at)
    ON CONFLICT DO NOTHING;
    IF NOT FOUND THEN
        RETURN FALSE;
    END IF;
    IF cardinality(p_mentions) > 0 THEN
        INSERT INTO mentions (status_id, account_id) SELECT p_id, m FROM unnest(p_mentions) AS m ON CONFLICT DO NOTHING;
    END IF;
    IF cardinality(p_tags) > 0 THEN
        INSERT INTO status_tags (status_id, name) SELECT p_id, t FROM unnest(p_tags) AS t ON CONFLICT DO NOTHING;
    END IF;
    UPDATE statuses SET in_reply_to_id = p_id, in_reply_to_account_id = p_account_id
    WHERE in_reply_to_uri = p_uri AND in_reply_to_id IS NULL;
    RETURN TRUE;
END
$$;
