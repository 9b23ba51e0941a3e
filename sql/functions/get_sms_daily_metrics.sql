create or replace function sms_monitor.get_sms_daily_metrics(
  p_start_date date,
  p_end_date date default null
)
returns setof sms_monitor.sms_metrics_daily
language plpgsql
stable
security invoker
set search_path = pg_catalog, pg_temp
as $$
declare
  v_end date := coalesce(p_end_date, sms_monitor.reporting_today());
begin
  if p_start_date is null then
    raise exception 'start_date: is required' using errcode = '22023';
  end if;
  if p_end_date is null and p_start_date > v_end then
    raise exception 'start_date: % is after today (%) in the reporting timezone', p_start_date, v_end
      using errcode = '22023';
  end if;
  if v_end < p_start_date then
    raise exception 'end_date: % is before start_date %', v_end, p_start_date using errcode = '22023';
  end if;
  return query
    select d.* from sms_monitor.sms_metrics_daily d
     where d.metric_date between p_start_date and v_end
     order by d.metric_date;
end;
$$;

comment on function sms_monitor.get_sms_daily_metrics(date, date) is
  'Daily rows of sms_metrics_daily from p_start_date to p_end_date inclusive (NULL end = today in '
  'the reporting timezone), oldest first. Days without traffic have no row.';
revoke all on function sms_monitor.get_sms_daily_metrics(date, date) from public;
grant execute on function sms_monitor.get_sms_daily_metrics(date, date)
  to sms_monitor_reader, sms_monitor_admin;
