-- The user id a PostgREST/Supabase-style caller is authenticated as: request.jwt.claims ->> 'sub'.
create or replace function sms_monitor._caller_user_id()
returns uuid
language plpgsql
stable
set search_path = pg_catalog, pg_temp
as $$
declare
  v_sub text;
begin
  v_sub := nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub';
  if v_sub ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' then
    return v_sub::uuid;
  end if;
  return null;
exception when invalid_text_representation then
  -- request.jwt.claims is not JSON: the caller has no identity, which denies every self-only read.
  return null;
end;
$$;

comment on function sms_monitor._caller_user_id() is
  'Internal: the uuid in request.jwt.claims.sub (PostgREST), or NULL when absent or malformed.';
revoke all on function sms_monitor._caller_user_id() from public;
grant execute on function sms_monitor._caller_user_id()
  to sms_monitor_reader, sms_monitor_admin, sms_monitor_self;
