create or replace function sms_monitor._alert_format_value(p_value numeric, p_unit text)
returns text
language sql
immutable
parallel safe
set search_path = pg_catalog, pg_temp
as $$
  select case
    when p_value is null then 'no data'
    when p_unit = 'percent' then to_char(round(p_value, 2), 'FM999999999990.00') || ' %'
    when p_unit = 'ratio' then to_char(round(p_value, 2), 'FM999999999990.00') || 'x'
    when p_unit = 'seconds' then to_char(round(p_value, 1), 'FM999999999990.0') || ' s'
    else round(p_value, 4)::text
  end;
$$;

comment on function sms_monitor._alert_format_value(numeric, text) is
  'Internal: a metric value for a message: 85.30 % (percent), 2.50x (ratio), 61.5 s (seconds).';
revoke all on function sms_monitor._alert_format_value(numeric, text) from public;
