create or replace function sms_monitor.record_sms_metric(
  p_metric_date date,
  p_metric_hour integer,
  p_user_id uuid,
  p_metric_type text,
  p_metric_value numeric,
  p_metadata jsonb default '{}'::jsonb
)
returns void
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_problem text;
begin
  -- where a reader will look: not older than retention keeps, not ahead of now() + 5 minutes
  if p_metric_hour is null or p_metric_hour between 0 and 23 then
    v_problem := sms_monitor._bucket_time_problem('metric_date', 'metric_hour', p_metric_date, p_metric_hour);
    if v_problem is not null then
      raise exception '%', v_problem using errcode = '22023';
    end if;
  end if;
  -- PL/pgSQL, not SQL: a security definer SQL function is never inlined and re-plans its body on
  -- every call, while PL/pgSQL caches the plan for the connection.
  perform sms_monitor._record_metric(
    p_metric_date, p_metric_hour, p_user_id, p_metric_type, p_metric_value, p_metadata);
end;
$$;

comment on function sms_monitor.record_sms_metric(date, integer, uuid, text, numeric, jsonb) is
  'Records a value for the bucket (date, hour or NULL for the day, user or NULL for system-wide, type). '
  'Timings (avg_*_ms) count one sample per call. The bucket must lie within metric_retention_days and begin at most '
  '5 minutes after now(). Bad input raises 22023 and writes nothing.';
revoke all on function sms_monitor.record_sms_metric(date, integer, uuid, text, numeric, jsonb) from public;
grant execute on function sms_monitor.record_sms_metric(date, integer, uuid, text, numeric, jsonb)
  to sms_monitor_writer, sms_monitor_admin;
