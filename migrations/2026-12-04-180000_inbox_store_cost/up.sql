-- Storing a received post, cheaper (per 20,000 posts from the inbox, PostgreSQL CPU in
-- one backend: docs/federation.md, "Storing a received post"). Same rows as before.
--
-- 1. `search_vector` stops being a generated column. PostgreSQL prepares a stored
--    generated expression at the start of every INSERT, and of every UPDATE of the
--    table, whether the CASE then needs it or not: it reads the expression and runs
--    the planner over it, which inlines search_document() (parsing its SQL body) every
--    time. For the inbox that is once per post for the INSERT and once more for the
--    reply-linking UPDATE, about a fifth of the cost of storing a post that is never
--    searchable. A plain column kept by BEFORE triggers holds the same value; their
--    WHEN clauses keep them off remote posts nobody here can search. The words are
--    worked out exactly as before (same functions, same CASE), values already stored
--    are kept (DROP EXPRESSION does not rewrite the table), and both GIN indexes stay.
ALTER TABLE statuses ALTER COLUMN search_vector DROP EXPRESSION;

CREATE FUNCTION status_search_vector() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.search_vector := CASE WHEN NEW.local OR NEW.searchable
        THEN search_vector(NEW.language, search_document(NEW.content, NEW.text, NEW.spoiler_text, NEW.title)) END;
    RETURN NEW;
END $$;

-- A value given by the writer is overwritten (as a generated column refused one).
CREATE TRIGGER statuses_search_vector BEFORE INSERT ON statuses FOR EACH ROW
    WHEN (NEW.local OR NEW.searchable OR NEW.search_vector IS NOT NULL)
    EXECUTE FUNCTION status_search_vector();
-- Every column the words depend on; also a post that stops being searchable.
CREATE TRIGGER statuses_search_vector_changed
    BEFORE UPDATE OF content, text, spoiler_text, title, language, local, searchable, search_vector ON statuses
    FOR EACH ROW WHEN (NEW.local OR NEW.searchable OR OLD.search_vector IS NOT NULL OR NEW.search_vector IS NOT NULL)
    EXECUTE FUNCTION status_search_vector();

-- 2. store_received_post:
--  - whether a mentioned account is local is asked in its own statement, only when
--    the post mentions someone. Written as one expression (`indexable OR (cardinality
--    > 0 AND EXISTS ...)`), its plan was made again for every post: with the values
--    known the planner folds the EXISTS away, so the cached generic plan always looked
--    dearer than a fresh one.
--  - replies that arrived before their parent are looked for with a SELECT first; the
--    UPDATE runs only when there is one. An UPDATE that finds nothing still sets up a
--    ModifyTable on statuses (its 12 indexes, its triggers) for every post.
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

-- 3. A hashtag nobody here follows (almost all of them): one probe of tag_follows_name
--    and nothing else. The INSERT ... SELECT it replaces set up an insert into
--    home_feed (its indexes, its ON CONFLICT) for every tag of every post, even when
--    the SELECT found no follower.
CREATE OR REPLACE FUNCTION home_feed_tag_added() RETURNS trigger LANGUAGE plpgsql AS $$
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
