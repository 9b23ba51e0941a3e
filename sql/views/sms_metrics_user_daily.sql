-- One row per (reporting day, user) with the figures the top-users ranking needs: sends,
-- deliveries, failures and costs. Refreshed with sms_metrics_daily (refresh_sms_metrics_daily, every
-- 5 minutes by pg_cron); api_top_users reads it (unless p_live), so a ranking over 7 days reads
-- 7 x users rows instead of every bucket.
create materialized view if not exists sms_monitor.sms_metrics_user_daily as
select m.metric_date,
       m.user_id,
       coalesce(sum(m.metric_value) filter (where m.metric_type = 'sent_count'), 0)::bigint as sent_count,
       coalesce(sum(m.metric_value) filter (where m.metric_type = 'delivered_count'), 0)::bigint as delivered_count,
       coalesce(sum(m.metric_value) filter (where m.metric_type = 'failed_count'), 0)::bigint as failed_count,
       coalesce(sum(m.metric_value) filter (where m.metric_type = 'llm_cost_usd'), 0) as llm_cost_usd,
       coalesce(sum(m.metric_value) filter (where m.metric_type = 'sms_cost_usd'), 0) as sms_cost_usd
  from sms_monitor.sms_metrics m
 where m.user_id is not null
   and m.metric_type in ('sent_count', 'delivered_count', 'failed_count', 'llm_cost_usd', 'sms_cost_usd')
 group by m.metric_date, m.user_id
with no data;

create unique index if not exists sms_metrics_user_daily_key
  on sms_monitor.sms_metrics_user_daily (metric_date, user_id);

comment on materialized view sms_monitor.sms_metrics_user_daily is
  'One row per (reporting day, user): sent, delivered, failed, LLM and SMS cost. Refreshed by '
  'refresh_sms_metrics_daily() with sms_metrics_daily; api_top_users reads it unless p_live.';
revoke all on sms_monitor.sms_metrics_user_daily from public;
grant select on sms_monitor.sms_metrics_user_daily to sms_monitor_reader, sms_monitor_admin;
