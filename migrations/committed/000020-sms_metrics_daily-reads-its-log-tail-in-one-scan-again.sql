--! Previous: sha1:be005044f5e38f077dfadc6ce20a20d27bd9ac88
--! Hash: sha1:61280a71e2a4d8109eacd7f933060cf567fc7af6
--! Message: sms_metrics_daily reads its log tail in one scan again

-- Work in progress for the next migration (tests apply it on top of the committed ones).
-- Tables and indexes inline; functions and views with --!include functions/<name>.sql.
-- Commit it with: bash scripts/migration-commit.sh

-- sms_metrics_daily reads its log tail in one scan again, its users looked up as the planner
-- chooses (a hash of the users when they fit in work_mem): the materialized tail sorted it twice
-- (its size is misestimated), twice the cost of the day's row with a 7,000-row tail
--! Included views/sms_metrics_daily.sql
-- One row per reporting day (metric_date is already in the reporting timezone: rows are bucketed
-- at record time), live: the system-wide day rollups (sms_metric_rollups_system_daily, a row per day
-- and metric type) plus the log rows past the rollup's watermark, in one snapshot, so a value counts
-- from its commit on, once. A filter on metric_date reaches both tables' date ranges. Active users:
-- users (not the system-wide nil UUID) with any value that day: the rolled-up ones
-- (sms_metric_active_user_counts, the rows of sms_metric_active_users_daily a day, joined by day)
-- plus those the tail adds, found in the same single scan of the tail that sums its values (a tail
-- row's user is looked up among the day's users; the planner hashes them when they fit in
-- work_mem, else probes their key per row).
-- Sums are summed, timings are sum / samples (true means, never an average of averages), rates come from the day's summed counts and are NULL when there is nothing to divide
-- by. numeric without a typmod: a ratio above 999 % (duplicate receipts) never overflows, and the
-- counters are numeric too (not bigint): no sum of accepted buckets can make a reader fail.
create or replace view sms_monitor.sms_metrics_daily as
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
       coalesce(c.users, 0) + s.new_users as active_users
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
           -- the day's users only in the tail so far (marked in the tail's one scan below); the
           -- rolled-up ones are the day's count, joined below
           count(distinct m.new_user) as new_users
      from (
        select d.metric_date, d.metric_type, d.metric_value, d.sample_count, null::uuid as new_user
          from sms_monitor.sms_metric_rollups_system_daily d
        union all
        select e.metric_date, e.metric_type, e.metric_value, 1,
               case when e.user_id <> sms_monitor._system_wide_user()
                     and not exists (select from sms_monitor.sms_metric_active_users_daily a
                                      where a.metric_date = e.metric_date and a.user_id = e.user_id)
                    then e.user_id end
          from sms_monitor.sms_metric_events e
         where e.id > sms_monitor._rollup_watermark('sms_metrics')
      ) m
     group by m.metric_date
  ) s
  left join sms_monitor.sms_metric_active_user_counts c on c.metric_date = s.metric_date;

comment on view sms_monitor.sms_metrics_daily is
  'One row per reporting day: counters, costs, true mean timings, rates from summed counts (NULL '
  'without traffic) and active_users (distinct users with any metric that day). Live (day rollups + the not-yet-rolled-up log).';
revoke all on sms_monitor.sms_metrics_daily from public;
grant select on sms_monitor.sms_metrics_daily to sms_monitor_reader, sms_monitor_admin;
--! EndIncluded views/sms_metrics_daily.sql
