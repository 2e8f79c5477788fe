-- One path for every remote post: received in a Create, fetched as a reply's
-- ancestor, or fetched as the original of a boost. The inbox's group-commit writer
-- (federation/intake.rs) calls this once per post of a batch, in one statement:
--
--   SELECT r.* FROM unnest(...) WITH ORDINALITY AS x(...)
--   CROSS JOIN LATERAL store_received_post(ROW(...)::received_post) AS r ORDER BY x.n
--
-- It records the activity id (when the post came in an activity), resolves the
-- parent it can (by id, else by its uri among stored posts), inserts the post with
-- its mentions and hashtags, and links replies that arrived before it. It answers
-- the post's id and whether it is new: the stored copy's id and false when the post
-- was already stored, NULL and false when the activity was processed before.
CREATE TYPE received_post AS (
    activity_uri TEXT,
    id BIGINT,
    account_id BIGINT,
    uri TEXT,
    url TEXT,
    content TEXT,
    spoiler_text TEXT,
    sensitive BOOLEAN,
    visibility SMALLINT,
    language TEXT,
    in_reply_to_id BIGINT,
    in_reply_to_uri TEXT,
    in_reply_to_account_id BIGINT,
    object_type TEXT,
    title TEXT,
    created_at TIMESTAMPTZ,
    mentions BIGINT[],
    tags TEXT[]
);

CREATE FUNCTION store_received_post(p received_post, OUT stored_id BIGINT, OUT is_new BOOLEAN)
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

-- Its predecessor, which only the inbox's Creates went through.
DROP FUNCTION receive_post(TEXT, BIGINT, BIGINT, TEXT, TEXT, TEXT, TEXT, BOOLEAN, SMALLINT, TEXT, BIGINT, TEXT, BIGINT, TEXT, TEXT,
                           TIMESTAMPTZ, BIGINT[], TEXT[]);
