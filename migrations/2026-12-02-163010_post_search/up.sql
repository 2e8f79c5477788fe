-- Full-text search of posts (/api/v2/search and the web's /search): a teacher finds
-- their own posts, those they interacted with, and public posts of accounts that
-- opted in (`indexable`, Mastodon's flag: ours set in the profile settings, remote
-- ones read from their actor document, as `toot:indexable`).

ALTER TABLE accounts ADD COLUMN indexable BOOLEAN NOT NULL DEFAULT FALSE;
-- The few indexable accounts, as the search's third branch asks for them.
CREATE INDEX accounts_indexable ON accounts (id) WHERE indexable;

-- The text search configuration for a post's language (ISO 639-1, a region ignored):
-- stemming and stop words where PostgreSQL has them, `simple` (words as written,
-- lower-cased) otherwise. Constants only, hence immutable, as a generated column needs.
CREATE FUNCTION search_config(language TEXT) RETURNS regconfig LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE lower(split_part(language, '-', 1))
        WHEN 'en' THEN 'pg_catalog.english' WHEN 'de' THEN 'pg_catalog.german' WHEN 'fr' THEN 'pg_catalog.french'
        WHEN 'es' THEN 'pg_catalog.spanish' WHEN 'it' THEN 'pg_catalog.italian' WHEN 'nl' THEN 'pg_catalog.dutch'
        WHEN 'pt' THEN 'pg_catalog.portuguese' WHEN 'sv' THEN 'pg_catalog.swedish' WHEN 'da' THEN 'pg_catalog.danish'
        WHEN 'nb' THEN 'pg_catalog.norwegian' WHEN 'nn' THEN 'pg_catalog.norwegian' WHEN 'no' THEN 'pg_catalog.norwegian'
        WHEN 'fi' THEN 'pg_catalog.finnish' WHEN 'hu' THEN 'pg_catalog.hungarian' WHEN 'ro' THEN 'pg_catalog.romanian'
        WHEN 'ru' THEN 'pg_catalog.russian' WHEN 'tr' THEN 'pg_catalog.turkish' WHEN 'ga' THEN 'pg_catalog.irish'
        WHEN 'ca' THEN 'pg_catalog.catalan' WHEN 'el' THEN 'pg_catalog.greek' WHEN 'id' THEN 'pg_catalog.indonesian'
        WHEN 'lt' THEN 'pg_catalog.lithuanian' WHEN 'eu' THEN 'pg_catalog.basque'
        ELSE 'pg_catalog.simple' END::regconfig
$$;

-- What of a post is searched: its title (a remote Article's), content warning and
-- text. Our posts keep the plain text they were written in (`text`); other servers'
-- are HTML (already sanitised), whose tags and the entities the sanitiser writes
-- are turned back into text.
CREATE FUNCTION search_document(content TEXT, plain TEXT, spoiler TEXT, title TEXT) RETURNS TEXT LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT concat_ws(' ', title, spoiler, COALESCE(plain,
        replace(replace(replace(replace(replace(regexp_replace(content, '<[^>]*>', ' ', 'g'),
            '&lt;', '<'), '&gt;', '>'), '&quot;', '"'), '&#39;', ''''), '&amp;', '&')))
$$;

-- The words of a post in its language's form (stemmed: "fractions" finds "fraction")
-- and as written, so that a search in any language finds exact words too. A post of
-- unknown language has only the latter.
CREATE FUNCTION search_vector(language TEXT, document TEXT) RETURNS tsvector LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN search_config(language) = 'pg_catalog.simple'::regconfig THEN to_tsvector('pg_catalog.simple'::regconfig, document)
                ELSE to_tsvector(search_config(language), document) || to_tsvector('pg_catalog.simple'::regconfig, document) END
$$;

-- Kept by PostgreSQL as posts are written and edited (a deleted post's text is
-- emptied, and its words with it; a boost has no text of its own).
ALTER TABLE statuses ADD COLUMN search_vector tsvector
    GENERATED ALWAYS AS (search_vector(language, search_document(content, text, spoiler_text, title))) STORED;
CREATE INDEX statuses_search ON statuses USING gin (search_vector);
