-- GET /api/sms/metrics/summary as a function: today, the last 7 reporting days, open alerts and
-- health. The week is 7 days including today; unresolved_count counts every open incident (not
-- the length of the limited list). health is the alert engine's, the same object as
-- api_today_metrics' data.health (api_health at the same p_now): {status
-- critical|degraded|healthy|unknown, overall_healthy (NULL when unknown), driving_rule, reason,
-- as_of}. Figures are JSON numbers (avg_daily_cost_usd too, rounded to 4 places); incidents are
-- _incident_json's (times ISO 8601 UTC with Z).
-- The week reads the six previous days from sms_metrics_daily (rollups plus the not yet rolled-up
-- tail, so live; a day with no values has no row) and today as api_today_metrics(p_now, p_live) does.
create or replace function sms_monitor.api_metrics_summary(
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
  v_today_body jsonb;
  v_today jsonb;
  v_date date;
  v_week jsonb;
  v_prior jsonb;
  v_alerts jsonb;
  v_open_critical bigint;
begin
  v_today_body := sms_monitor.api_today_metrics(p_now, p_live);
  v_today := v_today_body -> 'data';
  v_date := (v_today ->> 'metric_date')::date;

  select jsonb_build_object(
           'scheduled', coalesce(sum(d.scheduled_count), 0), 'sent', coalesce(sum(d.sent_count), 0),
           'delivered', coalesce(sum(d.delivered_count), 0), 'failed', coalesce(sum(d.failed_count), 0),
           'cancelled', coalesce(sum(d.cancelled_count), 0), 'llm_success', coalesce(sum(d.llm_success_count), 0),
           'template_fallback', coalesce(sum(d.template_fallback_count), 0),
           'opt_out', coalesce(sum(d.opt_out_count), 0), 'llm_cost_usd', coalesce(sum(d.llm_cost_usd), 0),
           'sms_cost_usd', coalesce(sum(d.sms_cost_usd), 0))
    into v_prior
    from sms_monitor.sms_metrics_daily d
   where d.metric_date between v_date - 6 and v_date - 1;
  with t as (
    select coalesce((v_prior ->> 'scheduled')::numeric, 0) + (v_today ->> 'scheduled_count')::numeric as scheduled,
           coalesce((v_prior ->> 'sent')::numeric, 0) + (v_today ->> 'sent_count')::numeric as sent,
           coalesce((v_prior ->> 'delivered')::numeric, 0) + (v_today ->> 'delivered_count')::numeric as delivered,
           coalesce((v_prior ->> 'failed')::numeric, 0) + (v_today ->> 'failed_count')::numeric as failed,
           coalesce((v_prior ->> 'cancelled')::numeric, 0) + (v_today ->> 'cancelled_count')::numeric as cancelled,
           coalesce((v_prior ->> 'llm_success')::numeric, 0) + (v_today ->> 'llm_success_count')::numeric as llm_ok,
           coalesce((v_prior ->> 'template_fallback')::numeric, 0) + (v_today ->> 'template_fallback_count')::numeric as fallback,
           coalesce((v_prior ->> 'opt_out')::numeric, 0) + (v_today ->> 'opt_out_count')::numeric as opt_out,
           coalesce((v_prior ->> 'llm_cost_usd')::numeric, 0) + (v_today ->> 'llm_cost_usd')::numeric as llm_cost,
           coalesce((v_prior ->> 'sms_cost_usd')::numeric, 0) + (v_today ->> 'sms_cost_usd')::numeric as sms_cost
  )
  select jsonb_build_object(
           'start_date', v_date - 6,
           'end_date', v_date,
           'days', 7,
           'totals', jsonb_build_object(
             'scheduled', t.scheduled, 'sent', t.sent, 'delivered', t.delivered, 'failed', t.failed,
             'cancelled', t.cancelled, 'llm_success', t.llm_ok, 'template_fallback', t.fallback,
             'opt_out', t.opt_out, 'llm_cost_usd', t.llm_cost, 'sms_cost_usd', t.sms_cost),
           'delivery_rate_percent', round(100 * t.delivered::numeric / nullif(t.sent, 0), 2),
           'llm_success_rate_percent', round(100 * t.llm_ok::numeric / nullif(t.llm_ok + t.fallback, 0), 2),
           'avg_daily_cost_usd', round((t.llm_cost + t.sms_cost) / 7, 4))
    into v_week
    from t;

  select count(*) filter (where h.severity = 'critical')
    into v_open_critical
    from sms_monitor.sms_alert_history h
   where h.resolved_at is null;
  select jsonb_build_object(
           'unresolved_count', (select count(*) from sms_monitor.sms_alert_history h where h.resolved_at is null),
           'has_critical', v_open_critical > 0,
           'recent', coalesce(jsonb_agg(sms_monitor._incident_json(r.h)
             order by (r.h).triggered_at desc, (r.h).id), '[]'::jsonb))
    into v_alerts
    from (select h from sms_monitor.sms_alert_history h
           where h.resolved_at is null
           order by h.triggered_at desc, h.id
           limit 5) r;

  return jsonb_build_object(
    'success', true,
    'source', v_today_body -> 'source',
    'as_of', v_today_body -> 'as_of',
    'data', jsonb_build_object(
      'today', v_today,
      'week', v_week,
      'alerts', v_alerts,
      'health', v_today -> 'health'));
end;
$$;

comment on function sms_monitor.api_metrics_summary(timestamptz, boolean) is
  'Dashboard (GET /summary): {success, data: {today, week (7 days incl. today), alerts {unresolved_count, '
  'has_critical, recent (5)}, health (api_health''s status, overall_healthy, driving_rule, reason, as_of)}}.';
revoke all on function sms_monitor.api_metrics_summary(timestamptz, boolean) from public;
grant execute on function sms_monitor.api_metrics_summary(timestamptz, boolean) to sms_monitor_reader, sms_monitor_admin;
