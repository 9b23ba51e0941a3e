-- One row per (reporting day, user) with the figures the top-users ranking needs: sends,
-- deliveries, failures and costs. Live: the day rollups plus the log rows past the rollup's
-- watermark (like sms_metrics_daily); api_top_users reads it.
create or replace view sms_monitor.sms_metrics_user_daily as
select m.metric_date,
       m.user_id,
       coalesce(sum(m.metric_value) filter (where m.metric_type = 'sent_count'), 0)::bigint as sent_count,
       coalesce(sum(m.metric_value) filter (where m.metric_type = 'delivered_count'), 0)::bigint as delivered_count,
       coalesce(sum(m.metric_value) filter (where m.metric_type = 'failed_count'), 0)::bigint as failed_count,
       coalesce(sum(m.metric_value) filter (where m.metric_type = 'llm_cost_usd'), 0) as llm_cost_usd,
       coalesce(sum(m.metric_value) filter (where m.metric_type = 'sms_cost_usd'), 0) as sms_cost_usd
  from (
    select d.metric_date, d.user_id, d.metric_type, d.metric_value
      from sms_monitor.sms_metric_rollups_daily d
    union all
    select e.metric_date, e.user_id, e.metric_type, e.metric_value
      from sms_monitor.sms_metric_events e
     where e.id > sms_monitor._rollup_watermark('sms_metrics')
  ) m
 where m.user_id <> sms_monitor._system_wide_user()
   and m.metric_type in ('sent_count', 'delivered_count', 'failed_count', 'llm_cost_usd', 'sms_cost_usd')
 group by m.metric_date, m.user_id;

comment on view sms_monitor.sms_metrics_user_daily is
  'One row per (reporting day, user): sent, delivered, failed, LLM and SMS cost. Live (day rollups + the '
  'not-yet-rolled-up log); api_top_users reads it.';
revoke all on sms_monitor.sms_metrics_user_daily from public;
grant select on sms_monitor.sms_metrics_user_daily to sms_monitor_reader, sms_monitor_admin;
