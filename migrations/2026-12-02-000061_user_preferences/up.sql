-- What a teacher chooses on the settings page (services/accounts.rs): the
-- visibility the compose form starts with (statuses.visibility's numbers: 0
-- public … 3 direct), and the language of the pages (NULL: the browser's).
ALTER TABLE users
    ADD COLUMN default_visibility SMALLINT NOT NULL DEFAULT 0 CHECK (default_visibility BETWEEN 0 AND 3),
    ADD COLUMN language TEXT CHECK (language ~ '^[a-z]{2,3}$');
