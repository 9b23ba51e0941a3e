-- One incident with its notifications: every outbox row (channel, event, status, attempts, last
-- error, when) oldest first, and per channel the latest row's state in words, e.g.
-- {"channel": "pagerduty", "event": "trigger", "status": "failed", "summary": "failed: not configured"}.
-- Channels the rule lists that have no row yet say "not queued" (a silenced incident, say); a
-- pending row of a channel no live notifier serves says "waiting, not configured".
-- Times are ISO 8601 UTC (Z); the alert is _incident_json's. Unknown id: P0002.
create or replace function sms_monitor.api_alert_detail(p_alert_id uuid)
returns jsonb
language plpgsql
stable
security invoker
set search_path = pg_catalog, pg_temp
as $$
declare
  v_alert sms_monitor.sms_alert_history;
  v_channels text[];
  v_rows jsonb;
  v_per_channel jsonb;
begin
  if p_alert_id is null then
    raise exception 'alert_id: is required' using errcode = '22023';
  end if;
  select * into v_alert from sms_monitor.sms_alert_history h where h.id = p_alert_id;
  if not found then
    raise exception 'alert_id: alert % does not exist', p_alert_id using errcode = 'P0002';
  end if;
  select t.notification_channels into v_channels
    from sms_monitor.sms_alert_thresholds t where t.alert_type = v_alert.alert_type;

  select coalesce(jsonb_agg(jsonb_build_object(
           'id', n.id, 'channel', n.channel, 'event', n.event, 'status', n.status, 'attempts', n.attempts,
           'max_attempts', n.max_attempts, 'last_error', n.last_error, 'next_attempt_at', sms_monitor._iso_utc(n.next_attempt_at),
           'created_at', sms_monitor._iso_utc(n.created_at), 'sent_at', sms_monitor._iso_utc(n.sent_at)) order by n.id), '[]'::jsonb)
    into v_rows
    from sms_monitor.sms_alert_notifications n
   where n.alert_id = p_alert_id;

  with c as (
    select x.channel from unnest(coalesce(v_channels, '{}'::text[])) x(channel)
    union
    select distinct n.channel from sms_monitor.sms_alert_notifications n where n.alert_id = p_alert_id
  ), latest as (
    select c.channel, l.event, l.status, l.attempts, l.last_error, l.sent_at
      from c
      left join lateral (
        select n.event, n.status, n.attempts, n.last_error, n.sent_at
          from sms_monitor.sms_alert_notifications n
         where n.alert_id = p_alert_id and n.channel = c.channel
         order by n.id desc limit 1) l on true
  )
  select coalesce(jsonb_agg(jsonb_build_object(
           'channel', l.channel, 'event', l.event, 'status', l.status, 'attempts', l.attempts,
           'last_error', l.last_error, 'sent_at', sms_monitor._iso_utc(l.sent_at),
           'summary', case
             when l.status is null then 'not queued'
             -- no live notifier serves the channel (sms_notifier_heartbeats): it waits for one
             when l.status = 'pending' and l.channel <> 'log' and not exists (
               select from sms_monitor.sms_notifier_heartbeats b
                where b.expires_at > now() and l.channel = any(b.channels)) then 'waiting, not configured'
             when l.status = 'pending' and l.attempts = 0 then 'waiting'
             when l.status = 'pending' then format('waiting, retrying after %s attempt(s)%s', l.attempts,
                                                   coalesce(': ' || l.last_error, ''))
             when l.status = 'sent' then 'sent'
             else l.status || coalesce(': ' || l.last_error, '') end)
           order by l.channel), '[]'::jsonb)
    into v_per_channel
    from latest l;

  return jsonb_build_object(
    'success', true,
    'data', jsonb_build_object('alert', sms_monitor._incident_json(v_alert), 'channels', v_per_channel, 'notifications', v_rows));
end;
$$;

comment on function sms_monitor.api_alert_detail(uuid) is
  'Dashboard (GET /alerts/:id): {success, data: {alert (_incident_json: the sms_alert_history row, times in Z, duration_seconds), channels: [per channel the '
  'latest notification: event, status, attempts, last_error, summary in words], notifications: [every outbox row]}}. '
  'Unknown id: P0002.';
revoke all on function sms_monitor.api_alert_detail(uuid) from public;
grant execute on function sms_monitor.api_alert_detail(uuid) to sms_monitor_reader, sms_monitor_admin;
