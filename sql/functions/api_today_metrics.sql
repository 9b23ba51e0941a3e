-- GET /api/sms/metrics/today as a function: today's figures, read live from sms_metrics (the
-- materialized view may be minutes old), plus health. Health rules (docs/client.md):
--   delivery_healthy: delivered >= 90 % of sent;       NULL when nothing was sent today
--   llm_healthy:      LLM successes >= 50 % of texts;  NULL when no text was generated today
--   overall_healthy:  false if either is false, true if at least one is true and none false,
--                     NULL when both are NULL (no traffic yet is unknown, not unhealthy).
create or replace function sms_monitor.api_today_metrics(p_now timestamptz default now())
returns jsonb
language plpgsql
stable
security invoker
set search_path = pg_catalog, pg_temp
as $$
declare
  v_today date;
  v_data jsonb;
begin
  if p_now is null or not isfinite(p_now) then
    raise exception 'now: must be a finite time' using errcode = '22023';
  end if;
  v_today := sms_monitor.reporting_today(p_now);
  with s as (
    select coalesce(sum(m.metric_value) filter (where m.metric_type = 'scheduled_count'), 0)::bigint as scheduled_count,
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'sent_count'), 0)::bigint as sent_count,
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'delivered_count'), 0)::bigint as delivered_count,
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'failed_count'), 0)::bigint as failed_count,
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'cancelled_count'), 0)::bigint as cancelled_count,
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'llm_success_count'), 0)::bigint as llm_success_count,
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'template_fallback_count'), 0)::bigint as template_fallback_count,
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'opt_out_count'), 0)::bigint as opt_out_count,
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'quiet_hours_skip_count'), 0)::bigint as quiet_hours_skip_count,
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'daily_limit_hit_count'), 0)::bigint as daily_limit_hit_count,
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'llm_cost_usd'), 0) as llm_cost_usd,
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'sms_cost_usd'), 0) as sms_cost_usd,
           round(sum(m.metric_value) filter (where m.metric_type = 'avg_delivery_time_ms')
                 / nullif(sum(m.sample_count) filter (where m.metric_type = 'avg_delivery_time_ms'), 0), 2) as avg_delivery_time_ms,
           round(sum(m.metric_value) filter (where m.metric_type = 'avg_generation_time_ms')
                 / nullif(sum(m.sample_count) filter (where m.metric_type = 'avg_generation_time_ms'), 0), 2) as avg_generation_time_ms,
           count(distinct m.user_id) as active_users
      from sms_monitor.sms_metrics m
     where m.metric_date = v_today
  ), h as (
    select s.*,
           case when s.sent_count > 0 then 100 * s.delivered_count >= 90 * s.sent_count end as delivery_healthy,
           case when s.llm_success_count + s.template_fallback_count > 0
                then 100 * s.llm_success_count >= 50 * (s.llm_success_count + s.template_fallback_count) end as llm_healthy
      from s
  )
  select jsonb_build_object(
           'metric_date', v_today,
           'scheduled_count', h.scheduled_count,
           'sent_count', h.sent_count,
           'delivered_count', h.delivered_count,
           'failed_count', h.failed_count,
           'cancelled_count', h.cancelled_count,
           'llm_success_count', h.llm_success_count,
           'template_fallback_count', h.template_fallback_count,
           'opt_out_count', h.opt_out_count,
           'quiet_hours_skip_count', h.quiet_hours_skip_count,
           'daily_limit_hit_count', h.daily_limit_hit_count,
           'llm_cost_usd', h.llm_cost_usd,
           'sms_cost_usd', h.sms_cost_usd,
           'avg_delivery_time_ms', h.avg_delivery_time_ms,
           'avg_generation_time_ms', h.avg_generation_time_ms,
           'delivery_rate_percent', round(100 * h.delivered_count::numeric / nullif(h.sent_count, 0), 2),
           'llm_success_rate_percent', round(100 * h.llm_success_count::numeric
                                             / nullif(h.llm_success_count + h.template_fallback_count, 0), 2),
           'active_users', h.active_users,
           'health', jsonb_build_object(
             'delivery_healthy', h.delivery_healthy,
             'llm_healthy', h.llm_healthy,
             'overall_healthy', case
               when h.delivery_healthy is false or h.llm_healthy is false then false
               when h.delivery_healthy is null and h.llm_healthy is null then null
               else true end))
    into v_data
    from h;
  return jsonb_build_object('success', true, 'data', v_data);
end;
$$;

comment on function sms_monitor.api_today_metrics(timestamptz) is
  'Dashboard (GET /today): {success, data: today''s figures (live) + health {delivery_healthy (>= 90 % '
  'delivered), llm_healthy (>= 50 % LLM), overall_healthy}}; NULL health = no traffic yet, not unhealthy.';
revoke all on function sms_monitor.api_today_metrics(timestamptz) from public;
grant execute on function sms_monitor.api_today_metrics(timestamptz) to sms_monitor_reader, sms_monitor_admin;
