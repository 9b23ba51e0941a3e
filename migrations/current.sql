-- Work in progress for the next migration (tests apply it on top of the committed ones).
-- Tables and indexes inline; functions and views with --!include functions/<name>.sql.
-- Commit it with: bash scripts/migration-commit.sh

-- _message_minute_rows without SET clauses: the message reads inline it and plan once per read
--!include functions/_message_minute_rows.sql
