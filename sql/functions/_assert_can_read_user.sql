-- Readers and admins may read any user's figures; the self-only role only its own (no reading
-- another user's figures by guessing an id). Raises 42501 otherwise.
create or replace function sms_monitor._assert_can_read_user(p_user_id uuid)
returns void
language plpgsql
stable
security invoker
set search_path = pg_catalog, pg_temp
as $$
declare
  v_caller uuid;
begin
  if pg_has_role(current_user, 'sms_monitor_reader', 'USAGE') then
    return;
  end if;
  v_caller := sms_monitor._caller_user_id();
  if v_caller is null or v_caller is distinct from p_user_id then
    raise exception 'user_id: permission denied to read metrics of user %', p_user_id
      using errcode = '42501',
            hint = 'A self-only caller may read only the user in request.jwt.claims.sub.';
  end if;
end;
$$;

comment on function sms_monitor._assert_can_read_user(uuid) is
  'Internal: raises 42501 unless the caller is a reader/admin or the self-only caller asking for itself.';
revoke all on function sms_monitor._assert_can_read_user(uuid) from public;
grant execute on function sms_monitor._assert_can_read_user(uuid)
  to sms_monitor_reader, sms_monitor_admin, sms_monitor_self;
