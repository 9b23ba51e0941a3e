-- Work in progress for the next migration (tests apply it on top of the committed ones).
-- Tables and indexes inline; functions and views with --!include functions/<name>.sql.
-- Commit it with: bash scripts/migration-commit.sh

-- ==== issue 10: input and powers that cannot silence alerting; exactly-once batches ====
-- Bounds: one value <= 1e12 (_metric_problem), a bucket's running sum <= 1e15 (the writers refuse
-- the write that would pass it with 22023; this constraint is the safety net), and every reader
-- sums in numeric (sms_metrics_daily, get_user_sms_metrics, api_today_metrics, api_metrics_summary):
-- no accepted write can make a reader fail. NOT VALID: rows written before are not re-checked.
alter table sms_monitor.sms_metrics drop constraint if exists sms_metrics_value_bound;
alter table sms_monitor.sms_metrics add constraint sms_metrics_value_bound check (metric_value <= 1e15) not valid;

-- Exactly-once batches: record_sms_events(p_events, p_batch_id) records each id once, with its result.
create table if not exists sms_monitor.sms_ingest_batches (
  batch_id uuid primary key,
  recorded integer not null,
  created_at timestamptz not null default now()
);
create index if not exists sms_ingest_batches_created_idx on sms_monitor.sms_ingest_batches (created_at);
comment on table sms_monitor.sms_ingest_batches is
  'Batch ids record_sms_events has recorded (with how many events), so a retried batch is written once; '
  'apply_sms_retention() deletes ids older than 7 days.';
alter table sms_monitor.sms_ingest_batches enable row level security;
revoke all on sms_monitor.sms_ingest_batches from public;
grant select on sms_monitor.sms_ingest_batches to sms_monitor_reader;
drop policy if exists sms_ingest_batches_read on sms_monitor.sms_ingest_batches;
create policy sms_ingest_batches_read on sms_monitor.sms_ingest_batches
  for select to sms_monitor_reader using (true);

--!include functions/_max_clock_skew.sql
--!include functions/_raise_22023.sql
--!include functions/_reader_time_problem.sql
--!include functions/_reader_date_problem.sql
--!include functions/_bucket_time_problem.sql
--!include functions/_metric_problem.sql
--!include functions/_is_timestamptz.sql
--!include functions/_record_metric.sql
--!include functions/record_sms_metric.sql
--!include functions/record_sms_event.sql
drop function if exists sms_monitor.record_sms_events(jsonb);
--!include functions/record_sms_events.sql

-- Readers in numeric: the daily view's counters change type, so it is rebuilt (and refreshed
-- again if it was populated); get_sms_daily_metrics returns its rows and is rebuilt with it.
select set_config('sms_monitor.issue10_daily_populated',
  coalesce((select c.relispopulated::text from pg_catalog.pg_class c
             where c.oid = to_regclass('sms_monitor.sms_metrics_daily')), 'false'), true);
drop function if exists sms_monitor.get_sms_daily_metrics(date, date);
drop materialized view if exists sms_monitor.sms_metrics_daily;
--!include views/sms_metrics_daily.sql
--!include functions/get_sms_daily_metrics.sql
do $$
begin
  if current_setting('sms_monitor.issue10_daily_populated', true) = 'true' then
    refresh materialized view sms_monitor.sms_metrics_daily;
  end if;
end;
$$;
drop function if exists sms_monitor.get_user_sms_metrics(uuid, integer, timestamptz);
--!include functions/get_user_sms_metrics.sql
--!include functions/api_today_metrics.sql
--!include functions/api_metrics_summary.sql
--!include functions/_alert_rule_values.sql
