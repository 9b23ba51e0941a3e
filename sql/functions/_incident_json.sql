-- One incident (a sms_alert_history row) as every endpoint returns it: the row's columns, its
-- times in the API's format (_iso_utc), duration_seconds (resolved_at - triggered_at; NULL while
-- open), the metric's unit (sms_alert_metrics: percent or ratio) and the values as the alert
-- engine writes them in messages (_alert_format_value: "84.77 %", "2.50x"). api_alerts,
-- api_alert_detail, api_health and api_metrics_summary use it. Security definer: it reads the
-- internal formatter; it returns only the row it is given.
create or replace function sms_monitor._incident_json(p_incident sms_monitor.sms_alert_history)
returns jsonb
language sql
stable
security definer
set search_path = pg_catalog, pg_temp
as $$
  select to_jsonb(p_incident) || jsonb_build_object(
    'triggered_at', sms_monitor._iso_utc(p_incident.triggered_at),
    'last_evaluated_at', sms_monitor._iso_utc(p_incident.last_evaluated_at),
    'resolved_at', sms_monitor._iso_utc(p_incident.resolved_at),
    'acknowledged_at', sms_monitor._iso_utc(p_incident.acknowledged_at),
    'last_notified_at', sms_monitor._iso_utc(p_incident.last_notified_at),
    'created_at', sms_monitor._iso_utc(p_incident.created_at),
    'duration_seconds', floor(extract(epoch from p_incident.resolved_at - p_incident.triggered_at))::bigint,
    'unit', m.unit,
    'value_text', sms_monitor._alert_format_value(coalesce(p_incident.last_value, p_incident.metric_value), m.unit),
    'threshold_text', sms_monitor._alert_format_value(p_incident.threshold_value, m.unit))
    from (select) one
    left join sms_monitor.sms_alert_metrics m on m.metric = p_incident.metric;
$$;

comment on function sms_monitor._incident_json(sms_monitor.sms_alert_history) is
  'An incident as the API returns it: its columns, times as ISO 8601 UTC (Z), duration_seconds (NULL while open), unit, value_text (latest value, with its unit), threshold_text.';
revoke all on function sms_monitor._incident_json(sms_monitor.sms_alert_history) from public;
grant execute on function sms_monitor._incident_json(sms_monitor.sms_alert_history) to sms_monitor_reader, sms_monitor_admin;
