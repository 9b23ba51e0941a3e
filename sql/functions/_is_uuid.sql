create or replace function sms_monitor._is_uuid(p_text text)
returns boolean
language plpgsql
immutable
set search_path = pg_catalog, pg_temp
as $$
begin
  if p_text is null then
    return true;
  end if;
  perform p_text::uuid;
  return true;
exception when invalid_text_representation then
  return false;
end;
$$;

comment on function sms_monitor._is_uuid(text) is
  'Internal: whether a string casts to uuid (NULL counts as valid: no user).';
revoke all on function sms_monitor._is_uuid(text) from public;
