create or replace function sms_monitor._is_timestamptz(p_text text)
returns boolean
language plpgsql
stable
set search_path = pg_catalog, pg_temp
as $$
begin
  if p_text is null then
    return true;
  end if;
  perform p_text::timestamptz;
  return true;
exception when datetime_field_overflow or invalid_datetime_format or invalid_time_zone_displacement_value then
  return false;
end;
$$;

comment on function sms_monitor._is_timestamptz(text) is
  'Internal: whether a string casts to timestamptz (used to name the bad element of a batch).';
revoke all on function sms_monitor._is_timestamptz(text) from public;
