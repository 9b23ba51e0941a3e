-- GET /api/sms/metrics/today as a function: today's figures plus health. The figures are
-- sms_metrics_daily's row for today: live (the system-wide day rollup plus the not-yet-rolled-up
-- log, a dozen rows and the tail), so an event counts from its commit on. "source" names the
-- reading the caller asked for: "live" with p_live => true, "sms_metrics_daily" otherwise; both are
-- the same live figures (the dashboard page asks for live, so its tiles and its top-users table
-- show the same moment).
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
-- sms_metrics_daily with a long log tail is costed past jit_above_cost: compiling would take
-- about 0.5 s, the read itself tens of milliseconds
set jit = off
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
  v_live := coalesce(p_live, false);
  select * into v_d from sms_monitor.sms_metrics_daily d where d.metric_date = v_today;
  -- No row in the view (nothing recorded today): zeros and unknowns.
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
  'overall_healthy, driving_rule, reason, as_of)}. From sms_metrics_daily (live); source says whether p_live was asked.';
revoke all on function sms_monitor.api_today_metrics(timestamptz, boolean) from public;
grant execute on function sms_monitor.api_today_metrics(timestamptz, boolean) to sms_monitor_reader, sms_monitor_admin;
