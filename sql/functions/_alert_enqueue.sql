-- Queues one outbox row per channel for an event of an incident, with the payload the notifier
-- renders (notifier/types.ts NotificationPayload). The message depends on the event; metric_value is the latest
-- evaluated value (the value at resolution for a resolve), trigger_value the value it fired with;
-- value_text / trigger_value_text are the same with the metric's unit ("93.02 %"). A resolve of an
-- incident whose trigger never reached a channel supersedes what waits there
-- (_alert_supersede_unreached). Returns how many rows were queued.
create or replace function sms_monitor._alert_enqueue(p_alert_id uuid, p_event text, p_channels text[])
returns integer
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
declare
  v_count integer;
begin
  if coalesce(cardinality(p_channels), 0) = 0 then
    return 0;
  end if;
  insert into sms_monitor.sms_alert_notifications (alert_id, channel, event, payload)
  select h.id, c.channel, p_event, jsonb_build_object(
           'alert_id', h.id,
           'alert_type', h.alert_type,
           'event', p_event,
           'severity', h.severity,
           'metric', h.metric,
           'comparison', h.comparison,
           'metric_value', x.value,
           'threshold_value', h.threshold_value,
           'recovery_value', h.recovery_value,
           'window_minutes', h.window_minutes,
           'sample_size', h.sample_size,
           'message', case p_event
               when 'trigger' then h.message
               when 'repeat' then format('Still firing since %s: %s is now %s (threshold: %s %s).',
                 to_char(h.triggered_at at time zone 'UTC', 'YYYY-MM-DD HH24:MI "UTC"'), m.label,
                 sms_monitor._alert_format_value(x.value, m.unit), h.comparison,
                 sms_monitor._alert_format_value(h.threshold_value, m.unit))
               when 'acknowledge' then format('Acknowledged by %s: %s', h.acknowledged_by, h.message)
               when 'resolve' then case when h.resolved_by = 'auto'
                 then format('Resolved: %s was %s, back at %s.', m.label,
                   sms_monitor._alert_format_value(h.metric_value, m.unit), sms_monitor._alert_format_value(x.value, m.unit))
                 else format('Resolved by %s: %s', h.resolved_by, h.message) end
             end,
           'trigger_value', h.metric_value,
           'value_text', sms_monitor._alert_format_value(x.value, m.unit),
           'trigger_value_text', sms_monitor._alert_format_value(h.metric_value, m.unit),
           'description', t.description,
           'triggered_at', h.triggered_at,
           'resolved_at', h.resolved_at,
           'resolved_by', h.resolved_by,
           'acknowledged_at', h.acknowledged_at,
           'acknowledged_by', h.acknowledged_by,
           -- fixed when the incident opened (_alert_history_dedup_key): a renamed rule keeps its incidents' keys
           'dedup_key', h.dedup_key)
    from sms_monitor.sms_alert_history h
    join sms_monitor.sms_alert_thresholds t on t.alert_type = h.alert_type
    join sms_monitor.sms_alert_metrics m on m.metric = h.metric
   cross join lateral (select case when p_event = 'resolve' and h.resolution_value is not null
                                   then h.resolution_value else coalesce(h.last_value, h.metric_value) end as value) x
   cross join lateral (select distinct u.channel from unnest(p_channels) u(channel)) c
   where h.id = p_alert_id
   order by c.channel;
  get diagnostics v_count = row_count;
  if p_event = 'resolve' then
    perform sms_monitor._alert_supersede_unreached(p_alert_id);
  end if;
  perform sms_monitor._alert_sync_notification_status(p_alert_id);
  return v_count;
end;
$$;

comment on function sms_monitor._alert_enqueue(uuid, text, text[]) is
  'Internal: queues an outbox row per channel for an incident event (trigger, repeat, acknowledge, resolve).';
revoke all on function sms_monitor._alert_enqueue(uuid, text, text[]) from public;
