-- An incident that resolved before its trigger reached a channel (the provider was down, or no
-- notifier served the channel, the whole time): nobody is paged for what is over. For each channel
-- with a pending resolve of the incident where no trigger or repeat was ever sent and nothing is in
-- flight (no live lease):
--   pagerduty    -> the waiting trigger/repeat/acknowledge rows AND the resolve become 'superseded'
--                   (PagerDuty never hears of the incident)
--   slack, email, log -> the waiting rows before the resolve become 'superseded'; the resolve stays
--                   and its payload says so (unreached: true), so the one message sent reads "fired
--                   and recovered while the channel was unreachable"
-- last_error says why; the history (notification_status) shows every row. The rows of the incident
-- are locked first (skip locked: a channel with a row locked elsewhere is left alone for now), so a
-- row a notifier claims meanwhile is seen as in flight and left alone.
-- Returns how many rows were superseded.
create or replace function sms_monitor._alert_supersede_unreached(p_alert_id uuid)
returns integer
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_channel text;
  v_resolve_id bigint;
  v_count integer := 0;
  v_n integer;
begin
  for v_channel, v_resolve_id in
    select n.channel, n.id from sms_monitor.sms_alert_notifications n
     where n.alert_id = p_alert_id and n.event = 'resolve' and n.status = 'pending'
     order by n.channel
  loop
    -- Lock the channel's rows without waiting: a row locked elsewhere is being claimed or
    -- completed right now (in flight); that path supersedes later if it must (complete's own call,
    -- or the next claim). Never waiting here keeps the lock order of the callers (history row, then
    -- outbox rows) from deadlocking against a notifier's complete (outbox row, then history row).
    select count(*) into v_n from sms_monitor.sms_alert_notifications n
     where n.alert_id = p_alert_id and n.channel = v_channel;
    continue when v_n <> (select count(*) from (
      select from sms_monitor.sms_alert_notifications n
       where n.alert_id = p_alert_id and n.channel = v_channel
       order by n.id
         for update skip locked) l);
    continue when exists (
      select from sms_monitor.sms_alert_notifications n
       where n.alert_id = p_alert_id and n.channel = v_channel
         and ((n.event in ('trigger', 'repeat') and n.status = 'sent')
           or (n.status = 'pending' and n.locked_until > now())));
    continue when not exists (
      select from sms_monitor.sms_alert_notifications n
       where n.alert_id = p_alert_id and n.channel = v_channel and n.event in ('trigger', 'repeat'));
    update sms_monitor.sms_alert_notifications n
       set status = 'superseded', locked_by = null, locked_until = null, updated_at = now(),
           last_error = left(coalesce(n.last_error || '; ', '') || format(
             'superseded: the incident resolved before its trigger reached %s', v_channel), 2000)
     where n.alert_id = p_alert_id and n.channel = v_channel and n.status = 'pending'
       and (n.id < v_resolve_id or v_channel = 'pagerduty');
    get diagnostics v_n = row_count;
    v_count := v_count + v_n;
    if v_channel <> 'pagerduty' then
      update sms_monitor.sms_alert_notifications n
         set payload = n.payload || jsonb_build_object('unreached', true), updated_at = now()
       where n.id = v_resolve_id;
    end if;
  end loop;
  if v_count > 0 then
    perform sms_monitor._alert_sync_notification_status(p_alert_id);
  end if;
  return v_count;
end;
$$;

comment on function sms_monitor._alert_supersede_unreached(uuid) is
  'Internal: supersedes the notifications of a resolved incident whose trigger never reached a channel '
  '(PagerDuty: trigger and resolve; other channels: one "fired and recovered" resolve is sent instead).';
revoke all on function sms_monitor._alert_supersede_unreached(uuid) from public;
