-- GET /api/sms/metrics/daily as a function: one row per reporting day from start to end inclusive,
-- days without traffic included (zero counts, NULL rates and means; _daily_metrics_series). End
-- defaults to today in the reporting timezone (not the server's), end before
-- start and ranges over 366 days are refused, date_range.end is never null, no day is missing.
create or replace function sms_monitor.api_daily_metrics(
  p_start_date date,
  p_end_date date default null
)
returns jsonb
language plpgsql
stable
security invoker
set search_path = pg_catalog, pg_temp
as $$
declare
  v_end date;
  v_data jsonb;
begin
  if p_start_date is null then
    raise exception 'start_date: is required (YYYY-MM-DD)' using errcode = '22023';
  end if;
  v_end := coalesce(p_end_date, sms_monitor.reporting_today());
  if sms_monitor._reader_date_problem('start_date', p_start_date) is not null then
    raise exception '%', sms_monitor._reader_date_problem('start_date', p_start_date) using errcode = '22023';
  end if;
  if sms_monitor._reader_date_problem('end_date', v_end) is not null then
    raise exception '%', sms_monitor._reader_date_problem('end_date', v_end) using errcode = '22023';
  end if;
  if v_end < p_start_date then
    raise exception 'end_date: % is before start_date %', v_end, p_start_date using errcode = '22023';
  end if;
  if v_end - p_start_date + 1 > 366 then
    raise exception 'end_date: the range may span at most 366 days (got % days)', v_end - p_start_date + 1
      using errcode = '22023';
  end if;
  -- Every day of the range, quiet days included (zero counts, NULL rates): a trend chart needs no
  -- hole-filling. Before the view's first refresh the days are aggregated from sms_metrics.
  select coalesce(jsonb_agg(to_jsonb(d) order by d.metric_date), '[]'::jsonb)
    into v_data
    from sms_monitor._daily_metrics_series(p_start_date, v_end) d;
  return jsonb_build_object(
    'success', true,
    'data', v_data,
    'date_range', jsonb_build_object('start', p_start_date, 'end', v_end));
end;
$$;

comment on function sms_monitor.api_daily_metrics(date, date) is
  'Dashboard (GET /daily): {success, data: [one sms_metrics_daily row per day, quiet days with zeros and NULL '
  'rates], date_range: {start, end}} for start..end inclusive (end default today, at most 366 days). Bad parameters: 22023.';
revoke all on function sms_monitor.api_daily_metrics(date, date) from public;
grant execute on function sms_monitor.api_daily_metrics(date, date) to sms_monitor_reader, sms_monitor_admin;
