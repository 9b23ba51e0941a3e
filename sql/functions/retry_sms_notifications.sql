-- Re-sends what failed: failed and dead outbox rows go back to pending, due now, with their
-- attempts reset (last_error is kept until the next attempt tells a new story), and the notifier
-- hears of them at once (NOTIFY sms_monitor_notifications with the ids, as the insert trigger
-- does). Which rows:
--   p_id          one notification (failed or dead; anything else is 22023, unknown P0002)
--   p_alert_id    every failed or dead notification of one incident (unknown incident P0002)
--   neither       every failed or dead notification
-- A row followed by a delivered notification of the same incident and channel (a failed trigger
-- whose resolve went out) is never re-sent: it would reach the provider out of order (PagerDuty
-- would open an incident nobody resolves). Naming such a row by id is 22023. Returns the rows it
-- reset, by id. Admin only.
create or replace function sms_monitor.retry_sms_notifications(
  p_id bigint default null,
  p_alert_id uuid default null
)
returns setof sms_monitor.sms_alert_notifications
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_row sms_monitor.sms_alert_notifications;
  v_later text;
  v_ids bigint[];
  v_alerts uuid[];
  v_alert uuid;
  v_payload text;
begin
  if p_id is not null and p_alert_id is not null then
    raise exception 'id: give a notification id or an alert id, not both' using errcode = '22023';
  end if;
  if p_id is not null and p_id < 1 then
    raise exception 'id: must be a positive notification id (got %)', p_id using errcode = '22023';
  end if;
  if p_id is not null then
    select * into v_row from sms_monitor.sms_alert_notifications n where n.id = p_id for update;
    if not found then
      raise exception 'id: notification % does not exist', p_id using errcode = 'P0002';
    end if;
    if v_row.status not in ('failed', 'dead') then
      raise exception 'id: notification % is %; only failed or dead notifications are retried', p_id, v_row.status
        using errcode = '22023';
    end if;
    select l.channel || '/' || l.event into v_later
      from sms_monitor.sms_alert_notifications l
     where l.alert_id = v_row.alert_id and l.channel = v_row.channel and l.id > v_row.id and l.status = 'sent'
     order by l.id
     limit 1;
    if v_later is not null then
      raise exception 'id: notification % (%/%) was followed by % which was delivered: re-sending it would arrive out of order',
        p_id, v_row.channel, v_row.event, v_later using errcode = '22023';
    end if;
  end if;
  if p_alert_id is not null
     and not exists (select from sms_monitor.sms_alert_history h where h.id = p_alert_id) then
    raise exception 'alert_id: alert % does not exist', p_alert_id using errcode = 'P0002';
  end if;

  with chosen as (
    select n.id from sms_monitor.sms_alert_notifications n
     where n.status in ('failed', 'dead')
       and (p_id is null or n.id = p_id)
       and (p_alert_id is null or n.alert_id = p_alert_id)
       and not exists (
         select from sms_monitor.sms_alert_notifications l
          where l.alert_id = n.alert_id and l.channel = n.channel and l.id > n.id and l.status = 'sent')
     order by n.id
     for update
  ), reset as (
    update sms_monitor.sms_alert_notifications n
       set status = 'pending', attempts = 0, next_attempt_at = now(), locked_by = null, locked_until = null,
           updated_at = now()
      from chosen c
     where n.id = c.id
    returning n.id, n.alert_id
  )
  select array_agg(r.id order by r.id), array_agg(distinct r.alert_id) into v_ids, v_alerts from reset r;

  if v_ids is null then
    return;
  end if;
  foreach v_alert in array v_alerts loop
    perform sms_monitor._alert_sync_notification_status(v_alert);
  end loop;
  -- The same hint as the insert trigger: a JSON array of ids under 7000 bytes (the table is the truth).
  select '[' || string_agg(x.id::text, ',' order by x.id) || ']' into v_payload
    from (select i.id, sum(length(i.id::text) + 1) over (order by i.id) as running
            from unnest(v_ids) as i(id)) x
   where x.running <= 6998;
  perform pg_notify(sms_monitor._notify_channel(), v_payload);

  return query
  select n.* from sms_monitor.sms_alert_notifications n where n.id = any (v_ids) order by n.id;
end;
$$;

comment on function sms_monitor.retry_sms_notifications(bigint, uuid) is
  'Admin: re-sends failed and dead notifications (one by p_id, one incident''s by p_alert_id, or all): pending, '
  'due now, attempts 0, NOTIFY sms_monitor_notifications. Rows followed by a delivered notification of the same '
  'incident and channel are skipped (out of order). Returns the rows reset. Not failed/dead, out of order, bad id: '
  '22023; unknown id: P0002.';
revoke all on function sms_monitor.retry_sms_notifications(bigint, uuid) from public;
grant execute on function sms_monitor.retry_sms_notifications(bigint, uuid) to sms_monitor_admin;
