-- GET /api/sms/metrics/alerts as a function: open incidents (default) or the history of a date
-- range. limit is checked (1-200), history needs start_date, end_date is
-- inclusive, and days are reporting days (settings.reporting_timezone), not the server's. Each
-- incident is _incident_json's: times as ISO 8601 UTC (Z), duration_seconds once resolved.
create or replace function sms_monitor.api_alerts(
  p_type text default 'unresolved',
  p_limit integer default 50,
  p_start_date date default null,
  p_end_date date default null
)
returns jsonb
language plpgsql
stable
security invoker
set search_path = pg_catalog, pg_temp
as $$
declare
  v_type text := coalesce(p_type, 'unresolved');
  v_limit integer := coalesce(p_limit, 50);
  v_tz text := sms_monitor._reporting_timezone();
  v_end date;
  v_data jsonb;
begin
  if v_type not in ('unresolved', 'history') then
    raise exception 'type: must be unresolved or history (got %)', quote_literal(v_type) using errcode = '22023';
  end if;
  if v_limit < 1 or v_limit > 200 then
    raise exception 'limit: must be between 1 and 200 (got %)', v_limit using errcode = '22023';
  end if;
  if v_type = 'unresolved' then
    select coalesce(jsonb_agg(sms_monitor._incident_json(h.a) order by (h.a).triggered_at desc, (h.a).id), '[]'::jsonb)
      into v_data
      from (select a from sms_monitor.sms_alert_history a
             where a.resolved_at is null
             order by a.triggered_at desc, a.id
             limit v_limit) h;
    return jsonb_build_object('success', true, 'data', v_data, 'type', v_type);
  end if;

  if p_start_date is null then
    raise exception 'start_date: is required when type is history (YYYY-MM-DD)' using errcode = '22023';
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
  select coalesce(jsonb_agg(sms_monitor._incident_json(h.a) order by (h.a).triggered_at desc, (h.a).id), '[]'::jsonb)
    into v_data
    from (select a from sms_monitor.sms_alert_history a
           where a.triggered_at >= (p_start_date::timestamp at time zone v_tz)
             and a.triggered_at < ((v_end + 1)::timestamp at time zone v_tz)
           order by a.triggered_at desc, a.id
           limit v_limit) h;
  return jsonb_build_object('success', true, 'data', v_data, 'type', v_type,
    'date_range', jsonb_build_object('start', p_start_date, 'end', v_end));
end;
$$;

comment on function sms_monitor.api_alerts(text, integer, date, date) is
  'Dashboard (GET /alerts): {success, data: [incidents (_incident_json), newest first], type} for type unresolved (default) or '
  'history (start_date required, end_date inclusive, reporting days); limit 1-200 (default 50). Bad parameters: 22023.';
revoke all on function sms_monitor.api_alerts(text, integer, date, date) from public;
grant execute on function sms_monitor.api_alerts(text, integer, date, date) to sms_monitor_reader, sms_monitor_admin;
