-- Graceful shutdown of a notifier: the pending rows p_worker holds go back to the queue at once,
-- the attempt not counted (they were never tried), and a NOTIFY tells the other notifiers.
create or replace function sms_monitor.release_sms_notifications(p_worker text)
returns integer
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_ids bigint[];
begin
  if p_worker is null or btrim(p_worker) = '' then
    raise exception 'worker: is required' using errcode = '22023';
  end if;
  with released as (
    update sms_monitor.sms_alert_notifications n
       set locked_by = null,
           locked_until = null,
           attempts = greatest(n.attempts - 1, 0),
           updated_at = now()
     where n.status = 'pending' and n.locked_by = p_worker
    returning n.id
  )
  select array_agg(r.id order by r.id) into v_ids from released r;
  -- Other notifiers pick the rows up at once (same payload shape as the insert trigger's NOTIFY,
  -- cut to the ids that fit in 7000 bytes; the table stays the truth).
  if v_ids is not null then
    perform pg_notify(sms_monitor._notify_channel(), (
      select '[' || string_agg(x.id::text, ',' order by x.id) || ']'
        from (select u.id, sum(length(u.id::text) + 1) over (order by u.id) as running
                from unnest(v_ids) u(id)) x
       where x.running <= 6998));
  end if;
  return coalesce(cardinality(v_ids), 0);
end;
$$;

comment on function sms_monitor.release_sms_notifications(text) is
  'Notifier, graceful shutdown: rows leased by p_worker become claimable at once, the attempt not counted; '
  'returns how many were released and NOTIFYs sms_monitor_notifications with their ids.';
revoke all on function sms_monitor.release_sms_notifications(text) from public;
grant execute on function sms_monitor.release_sms_notifications(text) to sms_monitor_admin, sms_monitor_notifier;
