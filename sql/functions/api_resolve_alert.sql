-- POST /api/sms/metrics/alerts as a function: resolve an incident by hand. An unknown id raises
-- P0002, and an incident that is already resolved answers success false with when (ISO 8601 UTC,
-- Z) and by whom, changing nothing.
create or replace function sms_monitor.api_resolve_alert(
  p_alert_id uuid,
  p_resolved_by text default null
)
returns jsonb
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
declare
  v_before sms_monitor.sms_alert_history;
  v_after sms_monitor.sms_alert_history;
  v_now timestamptz := clock_timestamp();
begin
  if p_alert_id is null then
    raise exception 'alert_id: is required' using errcode = '22023';
  end if;
  select * into v_before from sms_monitor.sms_alert_history h where h.id = p_alert_id;
  if not found then
    raise exception 'alert_id: alert % does not exist', p_alert_id using errcode = 'P0002';
  end if;
  if v_before.resolved_at is null then
    v_after := sms_monitor.resolve_sms_alert(
      p_alert_id,
      coalesce(nullif(btrim(p_resolved_by), ''), sms_monitor._caller_user_id()::text, session_user::text),
      v_now);
  end if;
  -- Resolved before, or by a concurrent call between our read and resolve_sms_alert's lock.
  if v_before.resolved_at is not null or v_after.resolved_at is distinct from v_now then
    v_after := coalesce(v_after, v_before);
    return jsonb_build_object(
      'success', false,
      'message', format('Alert already resolved at %s by %s', sms_monitor._iso_utc(v_after.resolved_at), v_after.resolved_by),
      'alert_id', p_alert_id,
      'resolved_at', sms_monitor._iso_utc(v_after.resolved_at),
      'resolved_by', v_after.resolved_by);
  end if;
  return jsonb_build_object(
    'success', true,
    'message', 'Alert resolved successfully',
    'alert_id', p_alert_id,
    'resolved_at', sms_monitor._iso_utc(v_after.resolved_at),
    'resolved_by', v_after.resolved_by);
end;
$$;

comment on function sms_monitor.api_resolve_alert(uuid, text) is
  'Dashboard (POST /alerts): resolves an open incident: {success true, message, alert_id, resolved_at, '
  'resolved_by}; already resolved: success false saying when and by whom; unknown id: P0002.';
revoke all on function sms_monitor.api_resolve_alert(uuid, text) from public;
grant execute on function sms_monitor.api_resolve_alert(uuid, text) to sms_monitor_admin;
