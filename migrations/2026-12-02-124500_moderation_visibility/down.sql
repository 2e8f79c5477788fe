DROP INDEX accounts_silenced;
DROP INDEX accounts_hidden;
