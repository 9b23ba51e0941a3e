create or replace function sms_monitor._alert_compare(p_value numeric, p_comparison text, p_threshold numeric)
returns boolean
language sql
immutable
parallel safe
set search_path = pg_catalog, pg_temp
as $$
  select case p_comparison
    when '<' then p_value < p_threshold
    when '<=' then p_value <= p_threshold
    when '>' then p_value > p_threshold
    when '>=' then p_value >= p_threshold
  end;
$$;

comment on function sms_monitor._alert_compare(numeric, text, numeric) is
  'Internal: p_value <p_comparison> p_threshold (comparison one of <, <=, >, >=); NULL when the value is NULL.';
revoke all on function sms_monitor._alert_compare(numeric, text, numeric) from public;
