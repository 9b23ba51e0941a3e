-- Work in progress for the next migration (tests apply it on top of the committed ones).
-- Tables and indexes inline; functions and views with --!include functions/<name>.sql.
-- Commit it with: bash scripts/migration-commit.sh

-- The users of each reporting day as a number: sms_metrics_daily reads one row a day instead of
-- counting that day's sms_metric_active_users_daily rows (a 366-day series counted users x days).
-- Kept by statement triggers on sms_metric_active_users_daily; filled here under a lock that
-- holds off its writers (the rollup, retention) until the triggers exist.
lock table sms_monitor.sms_metric_active_users_daily in share row exclusive mode;
create table if not exists sms_monitor.sms_metric_active_user_counts (
  metric_date date not null,
  users bigint not null,
  constraint sms_metric_active_user_counts_pkey primary key (metric_date),
  constraint sms_metric_active_user_counts_users_check check (users > 0)
);
comment on table sms_monitor.sms_metric_active_user_counts is
  'How many sms_metric_active_users_daily rows (users with any rolled-up value) each reporting day has; kept by '
  'statement triggers on that table (_active_user_counts_apply). sms_metrics_daily reads it.';
alter table sms_monitor.sms_metric_active_user_counts enable row level security;
revoke all on sms_monitor.sms_metric_active_user_counts from public;
grant select on sms_monitor.sms_metric_active_user_counts to sms_monitor_reader;
drop policy if exists sms_metric_active_user_counts_reader_all on sms_monitor.sms_metric_active_user_counts;
create policy sms_metric_active_user_counts_reader_all on sms_monitor.sms_metric_active_user_counts
  for select to sms_monitor_reader using (true);
delete from sms_monitor.sms_metric_active_user_counts;
insert into sms_monitor.sms_metric_active_user_counts (metric_date, users)
select a.metric_date, count(*) from sms_monitor.sms_metric_active_users_daily a group by a.metric_date;
--!include functions/_active_user_counts_apply.sql
drop trigger if exists sms_metric_active_users_daily_counts_insert on sms_monitor.sms_metric_active_users_daily;
create trigger sms_metric_active_users_daily_counts_insert after insert on sms_monitor.sms_metric_active_users_daily
  referencing new table as new_pairs for each statement execute function sms_monitor._active_user_counts_apply();
drop trigger if exists sms_metric_active_users_daily_counts_delete on sms_monitor.sms_metric_active_users_daily;
create trigger sms_metric_active_users_daily_counts_delete after delete on sms_monitor.sms_metric_active_users_daily
  referencing old table as old_pairs for each statement execute function sms_monitor._active_user_counts_apply();
-- sms_metrics_daily reads those counts, and looks each distinct (day, user) of the log tail up in
-- the day's users by key (a tail row's lookup could hash the whole users table).
--!include views/sms_metrics_daily.sql
