create or replace function sms_monitor.release_sms_notifications(p_worker text)
returns integer
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_count integer;
begin
  if p_worker is null or btrim(p_worker) = '' then
    raise exception 'worker: is required' using errcode = '22023';
  end if;
  update sms_monitor.sms_alert_notifications n
     set locked_by = null,
         locked_until = null,
         attempts = greatest(n.attempts - 1, 0),
         updated_at = now()
   where n.status = 'pending' and n.locked_by = p_worker;
  get diagnostics v_count = row_count;
  return v_count;
end;
$$;

comment on function sms_monitor.release_sms_notifications(text) is
  'Notifier, graceful shutdown: rows leased by p_worker become claimable at once, the attempt not counted; '
  'returns how many were released.';
revoke all on function sms_monitor.release_sms_notifications(text) from public;
grant execute on function sms_monitor.release_sms_notifications(text) to sms_monitor_admin, sms_monitor_notifier;
