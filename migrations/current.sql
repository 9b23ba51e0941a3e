--! Message: alert engine, outbox and notifier support, dashboard functions
-- Work in progress for the next committed migration. Tests apply it on top of the committed
-- migrations (sms-monitor migrate --include-current); `scripts/migration-commit.sh` turns it into
-- migrations/committed/000002-*.sql. Each section is owned by one piece of work: edit only yours.

-- == alert engine: rules, incidents, silences, outbox, schedules (issue 3) ==
-- (end of alert engine section)

-- == dashboard functions (issue 5) ==
-- (end of dashboard section)
