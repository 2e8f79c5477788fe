-- Storing a batch of received posts as sets, not one post at a time. The inbox's
-- writer (federation/intake.rs) hands PostgreSQL up to 256 posts in one statement;
-- until now each went through `store_received_post` and the row triggers on its own,
-- so every post paid the start-up of about eight statements (the activity id, the
-- author's flags, the insert into statuses with its 12 indexes, the early-reply
-- check, the home rows, the `status` notifications, the hashtags and their
-- follows). Now each of those runs once per batch over all its posts. Same rows as
-- before: docs/federation.md, "Storing a received post".

-- 1. What happens after posts are inserted runs once per statement, over the rows it
--    inserted (a transition table). AFTER ROW triggers already ran at the end of the
--    statement, so nothing sees the rows earlier or later than before; a local post
--    (one row) costs what it did.
CREATE FUNCTION statuses_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Home: the author's own, and its local followers' unless direct.
    INSERT INTO home_feed (account_id, status_id)
    SELECT n.account_id, n.id FROM inserted n WHERE n.local
    ON CONFLICT DO NOTHING;
    -- What a teacher boosts or answers, they can find again.
    PERFORM make_searchable(COALESCE(n.reblog_of_id, n.in_reply_to_id))
       FROM inserted n
      WHERE n.local AND COALESCE(n.reblog_of_id, n.in_reply_to_id) IS NOT NULL;
    INSERT INTO home_feed (account_id, status_id)
    SELECT f.account_id, n.id
      FROM inserted n
      -- Each author's followers by index (OFFSET 0 keeps it a loop over the new rows).
      CROSS JOIN LATERAL (SELECT f.account_id FROM follows f
                           WHERE f.target_account_id = n.account_id AND f.accepted
                             AND EXISTS (SELECT 1 FROM accounts a WHERE a.id = f.account_id AND a.domain IS NULL)
                          OFFSET 0) f
     WHERE n.visibility < 3
    ON CONFLICT DO NOTHING;
    -- `status` notifications for followers who asked (not boosts, not replies to
    -- others, not direct).
    PERFORM notify(f.account_id, n.account_id, 'status', n.id, NULL, NULL, NULL)
       FROM inserted n
      CROSS JOIN LATERAL (SELECT f.account_id FROM follows f
                           WHERE f.target_account_id = n.account_id AND f.accepted AND f.notify OFFSET 0) f
      WHERE n.reblog_of_id IS NULL AND n.visibility < 3
        AND ((n.in_reply_to_id IS NULL AND n.in_reply_to_uri IS NULL) OR n.in_reply_to_account_id = n.account_id);
    RETURN NULL;
END $$;

DROP TRIGGER status_inserted ON statuses;
DROP FUNCTION status_inserted();
CREATE TRIGGER statuses_inserted AFTER INSERT ON statuses
    REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION statuses_inserted();

-- Public posts with a hashtag someone here follows go to their home. Almost no
-- hashtag is followed: one probe of tag_follows_name, and the insert only then.
CREATE FUNCTION status_tags_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM added a JOIN tag_follows tf ON tf.name = a.name) THEN
        INSERT INTO home_feed (account_id, status_id)
        SELECT tf.account_id, a.status_id
          FROM added a
          JOIN tag_follows tf ON tf.name = a.name
          JOIN statuses s ON s.id = a.status_id AND s.visibility = 0 AND s.reblog_of_id IS NULL
        ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END $$;

DROP TRIGGER home_feed_tag_added ON status_tags;
DROP FUNCTION home_feed_tag_added();
CREATE TRIGGER status_tags_added AFTER INSERT ON status_tags
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION status_tags_added();

-- 2. A batch of received posts, stored as sets. Answers one row per element of
--    `batch`, numbered from 1 in its order: the stored id and true for a post stored
--    now; the stored copy's id and false for a post already here (or earlier in the
--    batch); NULL and false for an activity processed before (or earlier in the
--    batch). Exactly what calling store_received_post on each element in turn gave,
--    with one difference for the better: a reply whose parent comes later in the
--    same batch is linked to it when inserted, not by the later update.
CREATE TYPE parent_post AS (id BIGINT, account_id BIGINT);

CREATE FUNCTION store_received_posts(batch received_post[])
RETURNS TABLE (n BIGINT, stored_id BIGINT, is_new BOOLEAN)
LANGUAGE plpgsql AS $$
DECLARE
    fresh_activities TEXT[];
    inserted BIGINT[];
    early RECORD;
BEGIN
    WITH recorded AS (
        INSERT INTO received_activities (uri)
        SELECT DISTINCT b.activity_uri FROM unnest(batch) b WHERE b.activity_uri IS NOT NULL
        ON CONFLICT DO NOTHING
        RETURNING uri
    )
    SELECT coalesce(array_agg(uri), '{}') INTO fresh_activities FROM recorded;

    WITH numbered AS (
        SELECT b.*,
               row_number() OVER (PARTITION BY b.activity_uri ORDER BY b.ordinality) AS activity_rank
          FROM unnest(batch) WITH ORDINALITY b
    ), todo AS (
        -- Posts of activities new here (the first time each is in the batch), each post once.
        SELECT t.*, row_number() OVER (PARTITION BY t.uri ORDER BY t.ordinality) AS uri_rank
          FROM numbered t
         WHERE t.activity_uri IS NULL OR (t.activity_rank = 1 AND t.activity_uri = ANY (fresh_activities))
    ), resolved AS (
        -- Every look-up of a stored row is a subquery probing an index per post.
        -- Joins were planned from table sizes PostgreSQL last sampled: on a young
        -- instance, whose statuses had grown since, they scanned the whole table
        -- for every batch.
        SELECT t.*,
               COALESCE(t.in_reply_to_id, (p).id, pb.id) AS parent,
               CASE WHEN t.in_reply_to_id IS NULL THEN COALESCE((p).account_id, pb.account_id)
                    ELSE COALESCE(t.in_reply_to_account_id,
                                  (SELECT s.account_id FROM statuses s WHERE s.id = t.in_reply_to_id)) END AS parent_account,
               COALESCE((SELECT a.indexable FROM accounts a WHERE a.id = t.account_id), FALSE) AS indexable
          FROM (SELECT t.*,
                       CASE WHEN t.in_reply_to_id IS NULL AND t.in_reply_to_uri IS NOT NULL
                            THEN (SELECT ROW(s.id, s.account_id)::parent_post FROM statuses s WHERE s.uri = t.in_reply_to_uri) END AS p
                  FROM todo t WHERE t.uri_rank = 1) t
          LEFT JOIN todo pb ON t.in_reply_to_id IS NULL AND (t.p).id IS NULL AND t.in_reply_to_uri IS NOT NULL
                           AND pb.uri = t.in_reply_to_uri AND pb.uri_rank = 1 AND pb.uri <> t.uri
    ), stored AS (
        INSERT INTO statuses (id, account_id, uri, url, content, spoiler_text, sensitive, visibility, language,
                              in_reply_to_id, in_reply_to_uri, in_reply_to_account_id, local, object_type, title,
                              created_at, searchable, findable)
        SELECT r.id, r.account_id, r.uri, r.url, r.content, r.spoiler_text, r.sensitive, r.visibility, r.language,
               r.parent, r.in_reply_to_uri, r.parent_account, FALSE, r.object_type, r.title, r.created_at,
               r.indexable OR (cardinality(r.mentions) > 0
                               AND EXISTS (SELECT 1 FROM accounts m WHERE m.id = ANY (r.mentions) AND m.domain IS NULL)),
               r.indexable AND r.visibility = 0
          FROM resolved r
         ORDER BY r.ordinality
        ON CONFLICT DO NOTHING
        RETURNING id
    ), mentioned AS (
        -- Mentions and hashtags in the same statement: the batch is read once.
        INSERT INTO mentions (status_id, account_id)
        SELECT r.id, m FROM resolved r JOIN stored s ON s.id = r.id CROSS JOIN LATERAL unnest(r.mentions) AS m
        ON CONFLICT DO NOTHING
    ), tagged AS (
        INSERT INTO status_tags (status_id, name)
        SELECT r.id, t FROM resolved r JOIN stored s ON s.id = r.id CROSS JOIN LATERAL unnest(r.tags) AS t
        ON CONFLICT DO NOTHING
    )
    SELECT coalesce(array_agg(id), '{}') INTO inserted FROM stored;

    IF cardinality(inserted) > 0 THEN
        -- Replies that arrived before their parent (few posts have any): each post's
        -- are found and updated by index, whatever the planner guesses of the table.
        FOR early IN
            SELECT b.id, b.account_id, b.uri FROM unnest(batch) b
             CROSS JOIN LATERAL (SELECT 1 FROM statuses s
                                  WHERE s.in_reply_to_uri = b.uri AND s.in_reply_to_id IS NULL LIMIT 1) r
             WHERE b.id = ANY (inserted)
        LOOP
            UPDATE statuses SET in_reply_to_id = early.id, in_reply_to_account_id = early.account_id
             WHERE in_reply_to_uri = early.uri AND in_reply_to_id IS NULL;
        END LOOP;
    END IF;

    RETURN QUERY
    WITH numbered AS (
        SELECT b.ordinality, b.id, b.uri, b.activity_uri,
               row_number() OVER (PARTITION BY b.activity_uri ORDER BY b.ordinality) AS activity_rank
          FROM unnest(batch) WITH ORDINALITY b
    )
    SELECT t.ordinality,
           CASE WHEN t.id = ANY (inserted) THEN t.id
                WHEN t.activity_uri IS NOT NULL AND (t.activity_rank > 1 OR NOT t.activity_uri = ANY (fresh_activities)) THEN NULL
                ELSE (SELECT s.id FROM statuses s WHERE s.uri = t.uri) END,
           t.id = ANY (inserted)
      FROM numbered t
     ORDER BY t.ordinality;
END
$$;

-- Nothing calls the one-at-a-time form any more: one post is a batch of one.
DROP FUNCTION store_received_post(received_post);
