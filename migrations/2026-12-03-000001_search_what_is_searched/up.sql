-- Words are kept only for posts that can be found (db/search.rs): the teacher's own
-- (local), those a local account interacted with (favourited, bookmarked, boosted,
-- replied to, was mentioned in) and those of accounts that opted in (`indexable`).
-- Working out a post's words cost more than storing the rest of it (measured per
-- post stored through store_received_post: 0.24 ms without the column, about 1 ms
-- with it, almost all of it the generated expression, not the GIN index), and most
-- posts the inbox receives can never be found by anyone here.
ALTER TABLE statuses ADD COLUMN searchable BOOLEAN NOT NULL DEFAULT FALSE;

UPDATE statuses s SET searchable = TRUE
 WHERE NOT s.local AND s.reblog_of_id IS NULL
   AND (EXISTS (SELECT 1 FROM accounts a WHERE a.id = s.account_id AND a.indexable)
        OR EXISTS (SELECT 1 FROM favourites f JOIN accounts a ON a.id = f.account_id AND a.domain IS NULL WHERE f.status_id = s.id)
        OR EXISTS (SELECT 1 FROM bookmarks b WHERE b.status_id = s.id)
        OR EXISTS (SELECT 1 FROM mentions m JOIN accounts a ON a.id = m.account_id AND a.domain IS NULL WHERE m.status_id = s.id)
        OR EXISTS (SELECT 1 FROM statuses r WHERE r.local AND (r.reblog_of_id = s.id OR r.in_reply_to_id = s.id)));

-- PL/pgSQL, whose plans are kept for the session: as an SQL function it was not
-- inlined (it uses its arguments twice) and was planned again for every row.
CREATE OR REPLACE FUNCTION search_vector(language TEXT, document TEXT) RETURNS tsvector LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
    config regconfig := search_config(language);
BEGIN
    IF config = 'pg_catalog.simple'::regconfig THEN
        RETURN to_tsvector('pg_catalog.simple'::regconfig, document);
    END IF;
    RETURN to_tsvector(config, document) || to_tsvector('pg_catalog.simple'::regconfig, document);
END $$;

DROP INDEX statuses_search;
ALTER TABLE statuses DROP COLUMN search_vector;
ALTER TABLE statuses ADD COLUMN search_vector tsvector
    GENERATED ALWAYS AS (CASE WHEN local OR searchable THEN search_vector(language, search_document(content, text, spoiler_text, title)) END) STORED;
CREATE INDEX statuses_search ON statuses USING gin (search_vector) WHERE search_vector IS NOT NULL;

-- Every remote post: searchable when its author opted in or it mentions someone here.
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

-- A post becomes searchable when someone here interacts with it.
CREATE FUNCTION make_searchable(status BIGINT) RETURNS void LANGUAGE sql AS $$
    UPDATE statuses SET searchable = TRUE WHERE id = status AND NOT searchable AND NOT local AND reblog_of_id IS NULL
$$;

-- A local account's boost or reply (and the rest of what follows a new status, as before).
CREATE OR REPLACE FUNCTION status_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
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

-- Favourites and bookmarks by local accounts (bookmarks are only ever local).
CREATE FUNCTION interaction_made_searchable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'bookmarks' OR EXISTS (SELECT 1 FROM accounts a WHERE a.id = NEW.account_id AND a.domain IS NULL) THEN
        PERFORM make_searchable(NEW.status_id);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER favourites_searchable AFTER INSERT ON favourites FOR EACH ROW EXECUTE FUNCTION interaction_made_searchable();
CREATE TRIGGER bookmarks_searchable AFTER INSERT ON bookmarks FOR EACH ROW EXECUTE FUNCTION interaction_made_searchable();

-- An account that opts in: its public posts already here become searchable.
CREATE FUNCTION account_opted_in() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE statuses SET searchable = TRUE
     WHERE account_id = NEW.id AND visibility = 0 AND NOT searchable AND NOT local AND reblog_of_id IS NULL;
    RETURN NULL;
END $$;
CREATE TRIGGER accounts_opted_in AFTER UPDATE OF indexable ON accounts FOR EACH ROW
    WHEN (NEW.indexable AND NOT OLD.indexable) EXECUTE FUNCTION account_opted_in();
