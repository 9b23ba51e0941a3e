-- Every reporting day from p_start_date to p_end_date inclusive, oldest first, in the shape of
-- sms_metrics_daily: a day without traffic is present with zero counts and costs, active_users 0
-- and NULL means and rates (nothing to divide by is "no data", never 0 %). Days come from the
-- materialized view (refreshed every 5 minutes); a view that was never refreshed is aggregated from
-- sms_metrics instead, so a brand-new database shows what was recorded rather than nothing.
create or replace function sms_monitor._daily_metrics_series(
  p_start_date date,
  p_end_date date
)
returns setof sms_monitor.sms_metrics_daily
language plpgsql
stable
security invoker
set search_path = pg_catalog, pg_temp
as $$
begin
  if p_start_date is null or p_end_date is null then
    raise exception 'start_date: both ends of the range are required' using errcode = '22023';
  end if;
  if p_end_date < p_start_date then
    raise exception 'end_date: % is before start_date %', p_end_date, p_start_date using errcode = '22023';
  end if;
  if p_end_date - p_start_date + 1 > 366 then
    raise exception 'end_date: the range may span at most 366 days (got % days)', p_end_date - p_start_date + 1
      using errcode = '22023';
  end if;
  if (select c.relispopulated from pg_catalog.pg_class c where c.oid = 'sms_monitor.sms_metrics_daily'::regclass) then
    return query
    select g.d::date,
           coalesce(v.scheduled_count, 0), coalesce(v.sent_count, 0), coalesce(v.delivered_count, 0),
           coalesce(v.failed_count, 0), coalesce(v.cancelled_count, 0), coalesce(v.llm_success_count, 0),
           coalesce(v.template_fallback_count, 0), coalesce(v.opt_out_count, 0),
           coalesce(v.quiet_hours_skip_count, 0), coalesce(v.daily_limit_hit_count, 0),
           coalesce(v.llm_cost_usd, 0), coalesce(v.sms_cost_usd, 0),
           v.avg_delivery_time_ms, v.avg_generation_time_ms, v.delivery_rate_percent, v.llm_success_rate_percent,
           coalesce(v.active_users, 0)
      from pg_catalog.generate_series(p_start_date::timestamp, p_end_date::timestamp, interval '1 day') g(d)
      left join sms_monitor.sms_metrics_daily v on v.metric_date = g.d::date
     order by g.d;
    return;
  end if;
  return query
  with s as (
    select m.metric_date,
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'scheduled_count'), 0)::numeric as scheduled,
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'sent_count'), 0)::numeric as sent,
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'delivered_count'), 0)::numeric as delivered,
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'failed_count'), 0)::numeric as failed,
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'cancelled_count'), 0)::numeric as cancelled,
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'llm_success_count'), 0)::numeric as llm_ok,
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'template_fallback_count'), 0)::numeric as fallback,
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'opt_out_count'), 0)::numeric as opt_out,
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'quiet_hours_skip_count'), 0)::numeric as quiet,
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'daily_limit_hit_count'), 0)::numeric as limit_hit,
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'llm_cost_usd'), 0) as llm_cost,
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'sms_cost_usd'), 0) as sms_cost,
           sum(m.metric_value) filter (where m.metric_type = 'avg_delivery_time_ms')
             / nullif(sum(m.sample_count) filter (where m.metric_type = 'avg_delivery_time_ms'), 0) as delivery_ms,
           sum(m.metric_value) filter (where m.metric_type = 'avg_generation_time_ms')
             / nullif(sum(m.sample_count) filter (where m.metric_type = 'avg_generation_time_ms'), 0) as generation_ms,
           count(distinct m.user_id) as users
      from sms_monitor.sms_metrics m
     where m.metric_date between p_start_date and p_end_date
     group by m.metric_date
  )
  select g.d::date,
         coalesce(s.scheduled, 0), coalesce(s.sent, 0), coalesce(s.delivered, 0), coalesce(s.failed, 0),
         coalesce(s.cancelled, 0), coalesce(s.llm_ok, 0), coalesce(s.fallback, 0), coalesce(s.opt_out, 0),
         coalesce(s.quiet, 0), coalesce(s.limit_hit, 0), coalesce(s.llm_cost, 0), coalesce(s.sms_cost, 0),
         round(s.delivery_ms, 2), round(s.generation_ms, 2),
         round(100 * s.delivered::numeric / nullif(s.sent, 0), 2),
         round(100 * s.llm_ok::numeric / nullif(s.llm_ok + s.fallback, 0), 2),
         coalesce(s.users, 0)
    from pg_catalog.generate_series(p_start_date::timestamp, p_end_date::timestamp, interval '1 day') g(d)
    left join s on s.metric_date = g.d::date
   order by g.d;
end;
$$;

comment on function sms_monitor._daily_metrics_series(date, date) is
  'Internal: every reporting day of start..end (at most 366) in the shape of sms_metrics_daily, quiet days with '
  'zero counts, active_users 0 and NULL rates and means; from the view, or from sms_metrics before its first refresh.';
revoke all on function sms_monitor._daily_metrics_series(date, date) from public;
grant execute on function sms_monitor._daily_metrics_series(date, date) to sms_monitor_reader, sms_monitor_admin;
