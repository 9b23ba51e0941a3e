-- Raise SQLSTATE 22023 (invalid_parameter_value) with a message that names the field.
create or replace function sms_monitor._raise_invalid(p_field text, p_problem text)
returns void
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
begin
  raise exception '%: %', p_field, p_problem using errcode = '22023';
end;
$$;

comment on function sms_monitor._raise_invalid(text, text) is
  'Internal: raises SQLSTATE 22023 with "<field>: <problem>". Every bad-input error goes through it.';
