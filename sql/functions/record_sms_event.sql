create or replace function sms_monitor.record_sms_event(
  p_metric_type text,
  p_user_id uuid default null,
  p_value numeric default 1,
  p_occurred_at timestamptz default now(),
  p_metadata jsonb default '{}'::jsonb
)
returns void
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_local timestamp;
begin
  if p_occurred_at is null then
    raise exception 'occurred_at: is required' using errcode = '22023';
  end if;
  if not isfinite(p_occurred_at) then
    raise exception 'occurred_at: must be a finite time' using errcode = '22023';
  end if;
  v_local := p_occurred_at at time zone sms_monitor._reporting_timezone();
  perform sms_monitor._record_metric(
    v_local::date, extract(hour from v_local)::integer, p_user_id, p_metric_type, p_value, p_metadata, 'value');
end;
$$;

comment on function sms_monitor.record_sms_event(text, uuid, numeric, timestamptz, jsonb) is
  'Records one event, bucketed into the date and hour of p_occurred_at in the reporting timezone.';
revoke all on function sms_monitor.record_sms_event(text, uuid, numeric, timestamptz, jsonb) from public;
grant execute on function sms_monitor.record_sms_event(text, uuid, numeric, timestamptz, jsonb)
  to sms_monitor_writer, sms_monitor_admin;
