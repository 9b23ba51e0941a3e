-- Every alert rule with its settings and what the last check did (sms_alert_status): for the
-- dashboard's rules table and GET /rules. Ordered by alert_type; times ISO 8601 UTC with Z (_iso_utc);
-- threshold_text and last_value_text carry the metric's unit ("90.00 %"). Security definer: it
-- reads the internal value formatter; callers need execute on this function (reader, admin).
create or replace function sms_monitor.api_alert_rules()
returns jsonb
language sql
stable
security definer
set search_path = pg_catalog, pg_temp
as $$
  select jsonb_build_object(
    'success', true,
    'data', coalesce((
      select jsonb_agg(to_jsonb(s) || jsonb_build_object(
               'description', t.description, 'notification_channels', t.notification_channels,
               'min_sample', t.min_sample, 'pending_minutes', t.pending_minutes,
               'cooldown_minutes', t.cooldown_minutes,
               'last_evaluated_at', sms_monitor._iso_utc(s.last_evaluated_at),
               'triggered_at', sms_monitor._iso_utc(s.triggered_at),
               'acknowledged_at', sms_monitor._iso_utc(s.acknowledged_at),
               'silenced_until', sms_monitor._iso_utc(s.silenced_until),
               'unit', m.unit, 'threshold_text', sms_monitor._alert_format_value(s.threshold_value, m.unit),
               'last_value_text', sms_monitor._alert_format_value(s.last_value, m.unit))
             order by s.alert_type)
        from sms_monitor.sms_alert_status s
        join sms_monitor.sms_alert_thresholds t on t.alert_type = s.alert_type
        left join sms_monitor.sms_alert_metrics m on m.metric = t.metric), '[]'::jsonb));
$$;

comment on function sms_monitor.api_alert_rules() is
  'Dashboard (GET /rules): {success, data: [every rule: sms_alert_status (settings, last_evaluated_at, last_action, '
  'last_value, open_alert_id, silenced_until; times in Z) plus unit, threshold_text, last_value_text, description, channels, min_sample, pending and cooldown minutes]}.';
revoke all on function sms_monitor.api_alert_rules() from public;
grant execute on function sms_monitor.api_alert_rules() to sms_monitor_reader, sms_monitor_admin;
