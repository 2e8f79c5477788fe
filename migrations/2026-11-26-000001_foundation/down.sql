DROP TABLE statuses;
DROP TABLE site;
DROP TABLE users;
DROP TABLE accounts;
