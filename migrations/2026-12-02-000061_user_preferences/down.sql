ALTER TABLE users DROP COLUMN default_visibility, DROP COLUMN language;
