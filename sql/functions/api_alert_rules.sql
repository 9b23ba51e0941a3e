-- Every alert rule with its settings and what the last check did (sms_alert_status): for the
-- dashboard's rules table and GET /rules. Ordered by alert_type.
create or replace function sms_monitor.api_alert_rules()
returns jsonb
language sql
stable
security invoker
set search_path = pg_catalog, pg_temp
as $$
  select jsonb_build_object(
    'success', true,
    'data', coalesce((
      select jsonb_agg(to_jsonb(s) || jsonb_build_object(
               'description', t.description, 'notification_channels', t.notification_channels,
               'min_sample', t.min_sample, 'pending_minutes', t.pending_minutes,
               'cooldown_minutes', t.cooldown_minutes)
             order by s.alert_type)
        from sms_monitor.sms_alert_status s
        join sms_monitor.sms_alert_thresholds t on t.alert_type = s.alert_type), '[]'::jsonb));
$$;

comment on function sms_monitor.api_alert_rules() is
  'Dashboard (GET /rules): {success, data: [every rule: sms_alert_status (settings, last_evaluated_at, last_action, '
  'last_value, open_alert_id, silenced_until) plus description, channels, min_sample, pending and cooldown minutes]}.';
revoke all on function sms_monitor.api_alert_rules() from public;
grant execute on function sms_monitor.api_alert_rules() to sms_monitor_reader, sms_monitor_admin;
