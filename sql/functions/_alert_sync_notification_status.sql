-- Keeps the notification columns of one incident true to its outbox rows: notification_sent is
-- true once any notification of the incident was delivered, notification_error holds the errors
-- of notifications not (yet) delivered, notification_status maps "channel/event" (latest
-- occurrence) to its status. Never a hard-coded true.
create or replace function sms_monitor._alert_sync_notification_status(p_alert_id uuid)
returns void
language sql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
  update sms_monitor.sms_alert_history h
     set notification_sent = s.any_sent,
         notification_error = s.errors,
         notification_status = s.status
    from (
      select coalesce(bool_or(n.status = 'sent'), false) as any_sent,
             string_agg(format('%s/%s (%s): %s', n.channel, n.event, n.status, n.last_error), '; ' order by n.id)
               filter (where n.status <> 'sent' and n.last_error is not null) as errors,
             coalesce((select jsonb_object_agg(l.channel || '/' || l.event, l.status)
                         from (select distinct on (o.channel, o.event) o.channel, o.event, o.status
                                 from sms_monitor.sms_alert_notifications o
                                where o.alert_id = p_alert_id
                                order by o.channel, o.event, o.id desc) l), '{}'::jsonb) as status
        from sms_monitor.sms_alert_notifications n
       where n.alert_id = p_alert_id
    ) s
   where h.id = p_alert_id;
$$;

comment on function sms_monitor._alert_sync_notification_status(uuid) is
  'Internal: recomputes notification_sent / notification_error / notification_status of an incident from the outbox.';
revoke all on function sms_monitor._alert_sync_notification_status(uuid) from public;
