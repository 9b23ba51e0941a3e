-- The name of the NOTIFY channel on which new and re-queued outbox rows are announced (a JSON array
-- of their ids). Every pg_notify of the outbox calls this; scripts/codegen.ts writes its value into
-- client/generated/enums.ts (OUTBOX_NOTIFY_CHANNEL) for the notifier's and the server's LISTEN.
create or replace function sms_monitor._notify_channel()
returns text
language sql
immutable
parallel safe
set search_path = pg_catalog, pg_temp
return 'sms_monitor_notifications';

comment on function sms_monitor._notify_channel() is
  'Internal: the NOTIFY channel of the notification outbox (sms_monitor_notifications).';
revoke all on function sms_monitor._notify_channel() from public;
