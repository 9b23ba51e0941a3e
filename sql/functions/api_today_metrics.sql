-- GET /api/sms/metrics/today as a function: today's figures plus health. By default they come from
-- sms_metrics_daily (pg_cron refreshes it every 5 minutes: sub-millisecond at any size; the health
-- adds api_health, about 1.5 ms with 22,500 buckets today); p_live =>
-- true aggregates sms_metrics instead (exact to the last commit, but it reads every bucket of the
-- day: ~80 ms at 29,000 buckets a day). A view never refreshed is read live. "source" says which
-- ("sms_metrics_daily" or "live"); the dashboard page reads live, so its tiles and its top-users
-- table (also live) show the same moment.
-- health is the alert engine's (api_health at the same p_now, without its rules and open incident
-- lists): {status critical|degraded|healthy|unknown, overall_healthy (NULL when unknown),
-- driving_rule, reason, as_of}; there is no other definition of health. as_of is p_now as ISO 8601
-- UTC (Z). Figures are JSON numbers.
create or replace function sms_monitor.api_today_metrics(
  p_now timestamptz default now(),
  p_live boolean default false
)
returns jsonb
language plpgsql
stable
security invoker
set search_path = pg_catalog, pg_temp
as $$
declare
  v_today date;
  v_live boolean;
  v_d sms_monitor.sms_metrics_daily%rowtype;
begin
  -- given, finite, 2000-01-01 .. 2199-12-31: a year of days back never leaves the date range (no 22008)
  if sms_monitor._reader_time_problem('now', p_now) is not null then
    raise exception '%', sms_monitor._reader_time_problem('now', p_now) using errcode = '22023';
  end if;
  v_today := sms_monitor.reporting_today(p_now);
  v_live := coalesce(p_live, false) or not (select c.relispopulated from pg_catalog.pg_class c
                                            where c.oid = 'sms_monitor.sms_metrics_daily'::regclass);
  if v_live then
    select v_today,
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'scheduled_count'), 0),
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'sent_count'), 0),
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'delivered_count'), 0),
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'failed_count'), 0),
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'cancelled_count'), 0),
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'llm_success_count'), 0),
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'template_fallback_count'), 0),
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'opt_out_count'), 0),
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'quiet_hours_skip_count'), 0),
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'daily_limit_hit_count'), 0),
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'llm_cost_usd'), 0),
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'sms_cost_usd'), 0),
           round(sum(m.metric_value) filter (where m.metric_type = 'avg_delivery_time_ms')
                 / nullif(sum(m.sample_count) filter (where m.metric_type = 'avg_delivery_time_ms'), 0), 2),
           round(sum(m.metric_value) filter (where m.metric_type = 'avg_generation_time_ms')
                 / nullif(sum(m.sample_count) filter (where m.metric_type = 'avg_generation_time_ms'), 0), 2),
           null, null,
           count(distinct m.user_id)
      into v_d
      from sms_monitor.sms_metrics m
     where m.metric_date = v_today;
  else
    select * into v_d from sms_monitor.sms_metrics_daily d where d.metric_date = v_today;
  end if;
  -- No row in the view (nothing recorded today as of its refresh): zeros and unknowns.
  v_d.metric_date := v_today;
  v_d.scheduled_count := coalesce(v_d.scheduled_count, 0);
  v_d.sent_count := coalesce(v_d.sent_count, 0);
  v_d.delivered_count := coalesce(v_d.delivered_count, 0);
  v_d.failed_count := coalesce(v_d.failed_count, 0);
  v_d.cancelled_count := coalesce(v_d.cancelled_count, 0);
  v_d.llm_success_count := coalesce(v_d.llm_success_count, 0);
  v_d.template_fallback_count := coalesce(v_d.template_fallback_count, 0);
  v_d.opt_out_count := coalesce(v_d.opt_out_count, 0);
  v_d.quiet_hours_skip_count := coalesce(v_d.quiet_hours_skip_count, 0);
  v_d.daily_limit_hit_count := coalesce(v_d.daily_limit_hit_count, 0);
  v_d.llm_cost_usd := coalesce(v_d.llm_cost_usd, 0);
  v_d.sms_cost_usd := coalesce(v_d.sms_cost_usd, 0);
  v_d.active_users := coalesce(v_d.active_users, 0);
  v_d.delivery_rate_percent := round(100 * v_d.delivered_count::numeric / nullif(v_d.sent_count, 0), 2);
  v_d.llm_success_rate_percent := round(100 * v_d.llm_success_count::numeric
                                        / nullif(v_d.llm_success_count + v_d.template_fallback_count, 0), 2);
  return jsonb_build_object(
    'success', true,
    'source', case when v_live then 'live' else 'sms_metrics_daily' end,
    'as_of', sms_monitor._iso_utc(p_now),
    'data', to_jsonb(v_d) || jsonb_build_object(
      'health', (sms_monitor.api_health(p_now) -> 'data') - 'rules' - 'open_incidents'));
end;
$$;

comment on function sms_monitor.api_today_metrics(timestamptz, boolean) is
  'Dashboard (GET /today): {success, source, as_of, data: today''s figures + health (api_health''s status, '
  'overall_healthy, driving_rule, reason, as_of)}. From sms_metrics_daily (refreshed every 5 minutes) unless p_live.';
revoke all on function sms_monitor.api_today_metrics(timestamptz, boolean) from public;
grant execute on function sms_monitor.api_today_metrics(timestamptz, boolean) to sms_monitor_reader, sms_monitor_admin;
