-- Public posts of accounts that opted in (`indexable`) are what anyone here can find
-- by their words (db/search.rs, the third branch). Asked as a join with the accounts
-- that opted in, the planner ran the GIN index once per such account (1,000 index
-- scans, about 200 ms on the 1,000,000-status benchmark for a word in one status in
-- 37); a flag on the post and a GIN index of only those posts answer the same
-- question in one scan (about 5 ms). The flag follows the author's choice both ways
-- and the post's visibility.
ALTER TABLE statuses ADD COLUMN findable BOOLEAN NOT NULL DEFAULT FALSE;

UPDATE statuses s SET findable = TRUE
  FROM accounts a
 WHERE a.id = s.account_id AND a.indexable AND s.visibility = 0 AND s.reblog_of_id IS NULL;

CREATE INDEX statuses_findable ON statuses USING gin (search_vector) WHERE findable;

-- Remote posts: set as they are stored (the author's choice is read there anyway).
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

-- Local posts, and any post whose visibility changes: a BEFORE trigger whose WHEN
-- clause keeps it off the inbox's path (remote posts are flagged above).
CREATE FUNCTION status_findable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.findable := NEW.visibility = 0 AND NEW.reblog_of_id IS NULL
        AND EXISTS (SELECT 1 FROM accounts a WHERE a.id = NEW.account_id AND a.indexable);
    RETURN NEW;
END $$;
CREATE TRIGGER statuses_findable_local BEFORE INSERT ON statuses FOR EACH ROW
    WHEN (NEW.local) EXECUTE FUNCTION status_findable();
CREATE TRIGGER statuses_findable_changed BEFORE UPDATE OF visibility ON statuses FOR EACH ROW
    WHEN (OLD.visibility IS DISTINCT FROM NEW.visibility) EXECUTE FUNCTION status_findable();

-- An account that opts in: its public posts already here become searchable and
-- findable; one that opts out: none of them can be found by others any more.
CREATE OR REPLACE FUNCTION account_opted_in() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE statuses SET searchable = TRUE
     WHERE account_id = NEW.id AND visibility = 0 AND NOT searchable AND NOT local AND reblog_of_id IS NULL;
    UPDATE statuses SET findable = TRUE
     WHERE account_id = NEW.id AND visibility = 0 AND NOT findable AND reblog_of_id IS NULL;
    RETURN NULL;
END $$;

CREATE FUNCTION account_opted_out() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE statuses SET findable = FALSE WHERE account_id = NEW.id AND findable;
    RETURN NULL;
END $$;
CREATE TRIGGER accounts_opted_out AFTER UPDATE OF indexable ON accounts FOR EACH ROW
    WHEN (OLD.indexable AND NOT NEW.indexable) EXECUTE FUNCTION account_opted_out();
