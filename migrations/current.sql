-- Work in progress for the next migration (tests apply it on top of the committed ones).
-- Tables and indexes inline; functions and views with --!include functions/<name>.sql.
-- Commit it with: bash scripts/migration-commit.sh

-- == floors: the write paths back to their earlier speed after the day rollups and the message buckets ==
-- rollup_sms_metrics reads the claimed range once (its minute buckets feed every grain) instead of
-- once per grain; the message fold sums its bucket deltas per latency bucket and error code before
-- building the count maps, instead of building a map per moved row.
--!include functions/rollup_sms_metrics.sql
--!include functions/_fold_message_events.sql
