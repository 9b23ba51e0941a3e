-- The health that agrees with the alert engine: it comes from the open incidents and from every
-- enabled rule's value over the rule's own window, per value of a per-dimension rule (_alert_rule_values, the function
-- check_sms_alerts uses), never from a whole-day rate. Status, in order:
--   critical  an open critical incident (acknowledged or silenced: it is still open)
--   degraded  an open warning incident, or a rule breaching its threshold right now (with at
--             least min_sample samples) whose incident is not open yet (pending, or waiting for
--             the next check)
--   healthy   no open critical/warning incident, nothing breaching, at least one rule with data
--   unknown   the same, but no rule has enough data (no traffic yet): not known to be healthy
-- driving_rule names the rule that decided (the most severe, then the oldest incident, then
-- alert_type); NULL when healthy or unknown. Info incidents are listed but never degrade.
-- overall_healthy: true when healthy, NULL when unknown, false otherwise. This is the one
-- definition of health: api_today_metrics and api_metrics_summary return the same status,
-- overall_healthy, driving_rule, reason and as_of (this function's data without rules and open_incidents). Values carry the
-- metric's unit (value_text, threshold_text: "84.77 %"); times are ISO 8601 UTC (Z); the reason
-- holds no clock time (an incident says how long it has been open: _duration_text) and gives the
-- incident's latest value, as the incident lists show it (value_text), and the one that opened it.
create or replace function sms_monitor.api_health(p_now timestamptz default now())
returns jsonb
language plpgsql
stable
security definer
set search_path = pg_catalog, pg_temp
set jit = off
as $$
declare
  v_rules jsonb;
  v_open jsonb;
  v_incident record;
  v_breach record;
  v_any_data boolean;
  v_status text;
  v_driver text;
  v_reason text;
begin
  if p_now is null or not isfinite(p_now) then
    raise exception 'now: must be a finite time' using errcode = '22023';
  end if;

  with r as (
    select t.alert_type, t.severity, t.metric, t.comparison, t.threshold_value, t.recovery_value,
           t.window_minutes, t.min_sample, v.metric_value, v.sample_size, v.detail, t.group_by, v.group_value,
           case when v.metric_value is null or v.sample_size < t.min_sample then 'no_data'
                when sms_monitor._alert_compare(v.metric_value, t.comparison, t.threshold_value) then 'breached'
                else 'ok' end as state,
           h.id as open_alert_id, m.unit
      from sms_monitor._alert_rule_values(p_now) v
      join sms_monitor.sms_alert_thresholds t on t.alert_type = v.alert_type
      left join sms_monitor.sms_alert_metrics m on m.metric = t.metric
      left join sms_monitor.sms_alert_history h
        on h.alert_type = t.alert_type and h.resolved_at is null and h.group_value is not distinct from v.group_value
  )
  select coalesce(jsonb_agg(jsonb_build_object(
           'alert_type', r.alert_type, 'severity', r.severity, 'metric', r.metric, 'comparison', r.comparison,
           'threshold_value', r.threshold_value, 'recovery_value', r.recovery_value,
           'window_minutes', r.window_minutes, 'min_sample', r.min_sample, 'value', r.metric_value,
           'sample_size', r.sample_size, 'state', r.state, 'open_alert_id', r.open_alert_id, 'detail', r.detail,
           'group_by', r.group_by, 'group_value', r.group_value, 'unit', r.unit, 'value_text', sms_monitor._alert_format_value(r.metric_value, r.unit),
           'threshold_text', sms_monitor._alert_format_value(r.threshold_value, r.unit))
           order by r.alert_type, r.group_value nulls first), '[]'::jsonb),
         coalesce(bool_or(r.state <> 'no_data'), false)
    into v_rules, v_any_data
    from r;

  select coalesce(jsonb_agg(sms_monitor._incident_json(h)
           order by case h.severity when 'critical' then 0 when 'warning' then 1 else 2 end,
                    h.triggered_at, h.alert_type), '[]'::jsonb)
    into v_open
    from sms_monitor.sms_alert_history h
   where h.resolved_at is null;

  select h.alert_type, h.severity, h.triggered_at, h.metric, h.comparison, j ->> 'value_text' as value_text,
         j ->> 'threshold_text' as threshold_text,
         sms_monitor._alert_format_value(h.metric_value, j ->> 'unit') as trigger_text
    into v_incident
    from sms_monitor.sms_alert_history h
   cross join lateral sms_monitor._incident_json(h) j
   where h.resolved_at is null and h.severity in ('critical', 'warning')
   order by case h.severity when 'critical' then 0 else 1 end, h.triggered_at, h.alert_type
   limit 1;
  select e ->> 'alert_type' as alert_type, e ->> 'severity' as severity, e ->> 'metric' as metric,
         e ->> 'value_text' as metric_value, e ->> 'comparison' as comparison, e ->> 'threshold_text' as threshold_value,
         e ->> 'window_minutes' as window_minutes
    into v_breach
    from jsonb_array_elements(v_rules) e
   where e ->> 'state' = 'breached' and e -> 'open_alert_id' = 'null'::jsonb
     and e ->> 'severity' in ('critical', 'warning')
   order by case e ->> 'severity' when 'critical' then 0 else 1 end, e ->> 'alert_type'
   limit 1;

  if v_incident.alert_type is not null and v_incident.severity = 'critical' then
    v_status := 'critical';
    v_driver := v_incident.alert_type;
    v_reason := format('%s: critical incident open for %s: %s %s %s %s (it opened at %s)', v_incident.alert_type,
                       sms_monitor._duration_text(p_now - v_incident.triggered_at), v_incident.metric,
                       v_incident.value_text, v_incident.comparison, v_incident.threshold_text, v_incident.trigger_text);
  elsif v_incident.alert_type is not null then
    v_status := 'degraded';
    v_driver := v_incident.alert_type;
    v_reason := format('%s: warning incident open for %s: %s %s %s %s (it opened at %s)', v_incident.alert_type,
                       sms_monitor._duration_text(p_now - v_incident.triggered_at), v_incident.metric,
                       v_incident.value_text, v_incident.comparison, v_incident.threshold_text, v_incident.trigger_text);
  elsif v_breach.alert_type is not null then
    v_status := 'degraded';
    v_driver := v_breach.alert_type;
    v_reason := format('%s: %s %s %s %s over the last %s minutes; no incident open yet', v_breach.alert_type,
                       v_breach.metric, v_breach.metric_value, v_breach.comparison, v_breach.threshold_value,
                       v_breach.window_minutes);
  elsif v_any_data then
    v_status := 'healthy';
    v_reason := 'no open critical or warning incident, no rule breaching its threshold';
  else
    v_status := 'unknown';
    v_reason := 'no rule has enough data yet (no traffic in its window)';
  end if;

  return jsonb_build_object(
    'success', true,
    'data', jsonb_build_object(
      'status', v_status,
      'driving_rule', v_driver,
      'overall_healthy', case v_status when 'healthy' then true when 'unknown' then null else false end,
      'reason', v_reason,
      'as_of', sms_monitor._iso_utc(p_now),
      'open_incidents', v_open,
      'rules', v_rules));
end;
$$;

comment on function sms_monitor.api_health(timestamptz) is
  'Dashboard health that agrees with the alert engine: {success, data: {status critical|degraded|healthy|unknown, '
  'overall_healthy (true/NULL when unknown/false), driving_rule, reason, as_of, open_incidents, rules: [each enabled rule''s value over its window, state '
  'breached|ok|no_data, open_alert_id]}}. Critical = an open critical incident; degraded = an open warning '
  'incident or a rule breaching without an incident yet; unknown = no rule has data.';
revoke all on function sms_monitor.api_health(timestamptz) from public;
grant execute on function sms_monitor.api_health(timestamptz) to sms_monitor_reader, sms_monitor_admin;
