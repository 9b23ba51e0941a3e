-- When the next pending row of the channels p_channels (NULL = every channel) becomes claimable:
-- its next_attempt_at, or the end of its lease when a worker holds it (a crashed worker's row comes
-- back then). NULL when nothing is pending. Rows queued behind an earlier pending row of the same
-- incident and channel are left out (they wait for that row, not for a time; see
-- claim_sms_notifications).
create or replace function sms_monitor.next_sms_notification_due(p_channels text[] default null)
returns timestamptz
language sql
stable
security definer
set search_path = pg_catalog, pg_temp
as $$
  select min(greatest(n.next_attempt_at, coalesce(n.locked_until, '-infinity'::timestamptz)))
    from sms_monitor.sms_alert_notifications n
   where n.status = 'pending'
     and (p_channels is null or n.channel = any(p_channels))
     and not exists (
       select from sms_monitor.sms_alert_notifications p
        where p.alert_id = n.alert_id and p.channel = n.channel and p.status = 'pending' and p.id < n.id);
$$;

comment on function sms_monitor.next_sms_notification_due(text[]) is
  'Notifier: the earliest time a pending outbox row of the channels p_channels (NULL: all) becomes claimable '
  '(next_attempt_at, or lease end when leased), or NULL when nothing is pending; rows queued behind an earlier '
  'pending row of their incident and channel are not counted.';
revoke all on function sms_monitor.next_sms_notification_due(text[]) from public;
grant execute on function sms_monitor.next_sms_notification_due(text[]) to sms_monitor_admin, sms_monitor_notifier;
