-- Every reporting day from p_start_date to p_end_date inclusive, oldest first, in the shape of
-- sms_metrics_daily: a day without traffic is present with zero counts and costs, active_users 0
-- and NULL means and rates (nothing to divide by is "no data", never 0 %). Days come from the live
-- view sms_metrics_daily.
create or replace function sms_monitor._daily_metrics_series(
  p_start_date date,
  p_end_date date
)
returns setof sms_monitor.sms_metrics_daily
language plpgsql
stable
security invoker
set search_path = pg_catalog, pg_temp
-- sms_metrics_daily with a long log tail is costed past jit_above_cost: compiling would take
-- about 0.5 s, the read itself tens of milliseconds
set jit = off
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
  -- the range filter inside the join's right side reaches the tables' date index (a join condition
  -- alone would not be pushed into the grouped view)
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
    left join (select d.* from sms_monitor.sms_metrics_daily d
                where d.metric_date between p_start_date and p_end_date) v on v.metric_date = g.d::date
   order by g.d;
end;
$$;

comment on function sms_monitor._daily_metrics_series(date, date) is
  'Internal: every reporting day of start..end (at most 366) in the shape of sms_metrics_daily, quiet days with '
  'zero counts, active_users 0 and NULL rates and means (from the live view sms_metrics_daily).';
revoke all on function sms_monitor._daily_metrics_series(date, date) from public;
grant execute on function sms_monitor._daily_metrics_series(date, date) to sms_monitor_reader, sms_monitor_admin;
