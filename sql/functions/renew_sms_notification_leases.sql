-- A notifier with deliveries in flight extends the leases of those rows (it calls this every third
-- of the lease): leases can be short, so the rows of a notifier that was killed come back within
-- one lease, while a slow request is never taken over by another notifier. Only rows that are
-- still pending and leased by p_worker are renewed; returns how many.
create or replace function sms_monitor.renew_sms_notification_leases(
  p_worker text,
  p_ids bigint[],
  p_lease_seconds integer
)
returns integer
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_count integer;
begin
  if p_worker is null or btrim(p_worker) = '' or length(p_worker) > 200 then
    raise exception 'worker: is required (1-200 characters)' using errcode = '22023';
  end if;
  if p_ids is null or cardinality(p_ids) > 1000 then
    raise exception 'ids: must be an array of at most 1000 ids' using errcode = '22023';
  end if;
  if p_lease_seconds is null or p_lease_seconds < 1 or p_lease_seconds > 3600 then
    raise exception 'lease_seconds: must be between 1 and 3600 (got %)', coalesce(p_lease_seconds::text, 'NULL')
      using errcode = '22023';
  end if;
  update sms_monitor.sms_alert_notifications n
     set locked_until = now() + make_interval(secs => p_lease_seconds)
   where n.id = any(p_ids) and n.status = 'pending' and n.locked_by = p_worker;
  get diagnostics v_count = row_count;
  return v_count;
end;
$$;

comment on function sms_monitor.renew_sms_notification_leases(text, bigint[], integer) is
  'Notifier: extends to now() + p_lease_seconds the leases p_worker holds on the rows p_ids (deliveries in '
  'flight); returns how many were renewed. Bad arguments: 22023.';
revoke all on function sms_monitor.renew_sms_notification_leases(text, bigint[], integer) from public;
grant execute on function sms_monitor.renew_sms_notification_leases(text, bigint[], integer)
  to sms_monitor_admin, sms_monitor_notifier;
