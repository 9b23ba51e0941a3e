--! Previous: sha1:40f5ce67abe95b78979a2cf07d76c4e2be0f7add
--! Hash: sha1:21037684252b88e562741e83b380b6c290ff7450
--! Message: Active users per day kept as counts; the daily view's tail looks new users up by key

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
--! Included functions/_active_user_counts_apply.sql
-- Keeps sms_metric_active_user_counts (users per reporting day) equal to the number of rows of
-- each day in sms_metric_active_users_daily, whoever writes them (the rollup, the sms_metrics
-- insert trigger, retention, _rebuild_system_rollups): statement triggers after INSERT and after
-- DELETE add and subtract the rows of the statement per day. After an INSERT ... ON CONFLICT DO
-- NOTHING the statement's rows are the pairs it inserted, so a user counts once a day. Days are
-- added in date order (two writers of the same days lock their rows in the same order); a day
-- whose count reaches 0 loses its row. The table is never updated or truncated (pairs are added
-- and deleted), so there is no other trigger.
create or replace function sms_monitor._active_user_counts_apply()
returns trigger
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
begin
  if tg_op = 'INSERT' then
    insert into sms_monitor.sms_metric_active_user_counts as c (metric_date, users)
    select n.metric_date, count(*) from new_pairs n group by n.metric_date order by n.metric_date
    on conflict on constraint sms_metric_active_user_counts_pkey do update set users = c.users + excluded.users;
  else
    -- the days that lose all their users first, then the others (a count below its rows would
    -- break the table's check and fail the statement rather than store a wrong count)
    delete from sms_monitor.sms_metric_active_user_counts c
     using (select o.metric_date, count(*) as n from old_pairs o group by o.metric_date) g
     where c.metric_date = g.metric_date and c.users = g.n;
    update sms_monitor.sms_metric_active_user_counts c
       set users = c.users - g.n
      from (select o.metric_date, count(*) as n from old_pairs o group by o.metric_date) g
     where c.metric_date = g.metric_date;
  end if;
  return null;
end;
$$;

comment on function sms_monitor._active_user_counts_apply() is
  'Internal: statement trigger of sms_metric_active_users_daily (after INSERT, after DELETE) that keeps '
  'sms_metric_active_user_counts, its rows per day.';
revoke all on function sms_monitor._active_user_counts_apply() from public;
--! EndIncluded functions/_active_user_counts_apply.sql
drop trigger if exists sms_metric_active_users_daily_counts_insert on sms_monitor.sms_metric_active_users_daily;
create trigger sms_metric_active_users_daily_counts_insert after insert on sms_monitor.sms_metric_active_users_daily
  referencing new table as new_pairs for each statement execute function sms_monitor._active_user_counts_apply();
drop trigger if exists sms_metric_active_users_daily_counts_delete on sms_monitor.sms_metric_active_users_daily;
create trigger sms_metric_active_users_daily_counts_delete after delete on sms_monitor.sms_metric_active_users_daily
  referencing old table as old_pairs for each statement execute function sms_monitor._active_user_counts_apply();
-- sms_metrics_daily reads those counts, and looks each distinct (day, user) of the log tail up in
-- the day's users by key (a tail row's lookup could hash the whole users table).
--! Included views/sms_metrics_daily.sql
-- One row per reporting day (metric_date is already in the reporting timezone: rows are bucketed
-- at record time), live: the system-wide day rollups (sms_metric_rollups_system_daily, a row per day
-- and metric type) plus the log rows past the rollup's watermark, in one snapshot, so a value counts
-- from its commit on, once. A filter on metric_date reaches the day rollups' key and the tail's rows.
-- Active users: users (not the system-wide nil UUID) with any value that day: the rolled-up ones
-- (sms_metric_active_user_counts: the rows of sms_metric_active_users_daily a day) plus those the
-- tail adds. The tail is read once (materialized) for its sums and for its distinct (day, user)
-- pairs, each looked up in the day's users by key.
-- Sums are summed, timings are sum / samples (true means, never an average of averages), rates come from the day's summed counts and are NULL when there is nothing to divide
-- by. numeric without a typmod: a ratio above 999 % (duplicate receipts) never overflows, and the
-- counters are numeric too (not bigint): no sum of accepted buckets can make a reader fail.
create or replace view sms_monitor.sms_metrics_daily as
with tail as materialized (
  -- the log rows past the rollup's watermark, read once for the sums and for the new users
  select e.metric_date, e.metric_type, e.metric_value, e.user_id
    from sms_monitor.sms_metric_events e
   where e.id > sms_monitor._rollup_watermark('sms_metrics')
)
select s.metric_date,
       s.scheduled_count, s.sent_count, s.delivered_count, s.failed_count, s.cancelled_count,
       s.llm_success_count, s.template_fallback_count, s.opt_out_count,
       s.quiet_hours_skip_count, s.daily_limit_hit_count,
       s.llm_cost_usd, s.sms_cost_usd,
       round(s.delivery_time_sum / nullif(s.delivery_time_samples, 0), 2) as avg_delivery_time_ms,
       round(s.generation_time_sum / nullif(s.generation_time_samples, 0), 2) as avg_generation_time_ms,
       round(100 * s.delivered_count::numeric / nullif(s.sent_count, 0), 2) as delivery_rate_percent,
       round(100 * s.llm_success_count::numeric
             / nullif(s.llm_success_count + s.template_fallback_count, 0), 2) as llm_success_rate_percent,
       s.active_users
  from (
    select m.metric_date,
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'scheduled_count'), 0) as scheduled_count,
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'sent_count'), 0) as sent_count,
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'delivered_count'), 0) as delivered_count,
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'failed_count'), 0) as failed_count,
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'cancelled_count'), 0) as cancelled_count,
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'llm_success_count'), 0) as llm_success_count,
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'template_fallback_count'), 0) as template_fallback_count,
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'opt_out_count'), 0) as opt_out_count,
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'quiet_hours_skip_count'), 0) as quiet_hours_skip_count,
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'daily_limit_hit_count'), 0) as daily_limit_hit_count,
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'llm_cost_usd'), 0) as llm_cost_usd,
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'sms_cost_usd'), 0) as sms_cost_usd,
           sum(m.metric_value) filter (where m.metric_type = 'avg_delivery_time_ms') as delivery_time_sum,
           sum(m.sample_count) filter (where m.metric_type = 'avg_delivery_time_ms') as delivery_time_samples,
           sum(m.metric_value) filter (where m.metric_type = 'avg_generation_time_ms') as generation_time_sum,
           sum(m.sample_count) filter (where m.metric_type = 'avg_generation_time_ms') as generation_time_samples,
           -- the day's users: the rolled-up ones (their count, one row a day) plus those only in the
           -- tail so far (the third part below, a row per such user and day)
           coalesce((select c.users from sms_monitor.sms_metric_active_user_counts c
                      where c.metric_date = m.metric_date), 0)
           + count(m.new_user) as active_users
      from (
        select d.metric_date, d.metric_type, d.metric_value, d.sample_count, null::uuid as new_user
          from sms_monitor.sms_metric_rollups_system_daily d
        union all
        select t.metric_date, t.metric_type, sum(t.metric_value), count(*), null::uuid
          from tail t group by t.metric_date, t.metric_type
        union all
        -- each distinct (day, user) of the tail looked up once in the day's users by their key (a
        -- scalar subquery: one index probe a pair, never a hash of the whole users table)
        select p.metric_date, null, null, null, p.user_id
          from (select distinct t.metric_date, t.user_id from tail t
                 where t.user_id <> sms_monitor._system_wide_user()) p
         where (select true from sms_monitor.sms_metric_active_users_daily a
                 where a.metric_date = p.metric_date and a.user_id = p.user_id) is null
      ) m
     group by m.metric_date
  ) s;

comment on view sms_monitor.sms_metrics_daily is
  'One row per reporting day: counters, costs, true mean timings, rates from summed counts (NULL '
  'without traffic) and active_users (distinct users with any metric that day). Live (day rollups + the not-yet-rolled-up log).';
revoke all on sms_monitor.sms_metrics_daily from public;
grant select on sms_monitor.sms_metrics_daily to sms_monitor_reader, sms_monitor_admin;
--! EndIncluded views/sms_metrics_daily.sql
