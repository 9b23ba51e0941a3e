-- Who a write is recorded as (a silence's created_by and lifted_by). For a request of the HTTP
-- server (its login is a member of sms_monitor_authenticator and publishes the verified token's
-- claims in request.jwt.claims): the token's subject, its sub or else its role. For any other
-- session: the session's login; claims a psql user sets himself are ignored, so nobody records a
-- write under another name.
create or replace function sms_monitor._audit_subject()
returns text
language plpgsql
stable
set search_path = pg_catalog, pg_temp
as $$
declare
  v_claims jsonb;
begin
  -- A direct member (pg_has_role would say yes for every superuser too).
  if not exists (select from pg_catalog.pg_auth_members m
                  where m.roleid = 'sms_monitor_authenticator'::regrole and m.member = session_user::regrole) then
    return session_user::text;
  end if;
  v_claims := nullif(current_setting('request.jwt.claims', true), '')::jsonb;
  return left(coalesce(nullif(btrim(v_claims ->> 'sub'), ''), nullif(btrim(v_claims ->> 'role'), ''), session_user::text), 200);
exception when invalid_text_representation then
  -- request.jwt.claims is not JSON: no token identity to record.
  return session_user::text;
end;
$$;

comment on function sms_monitor._audit_subject() is
  'Internal: the name a write is recorded as: the token''s sub (else role) for the HTTP server''s requests, else session_user.';
revoke all on function sms_monitor._audit_subject() from public;
