DROP INDEX follows_following_counted;
DROP INDEX statuses_account_counted;
