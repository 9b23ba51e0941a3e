-- The one write path for a single value: validate, then append one row to sms_metric_events (no
-- row another writer also updates: concurrent writers never queue on a bucket). Times are the
-- callers' business (record_sms_metric and record_sms_event bound them to what retention keeps and
-- the clock-skew allowance); this internal path takes any date, for tests. p_metric_minute: the
-- minute of the hour when the value has a time (record_sms_event), NULL for an hour or day bucket.
create or replace function sms_monitor._record_metric(
  p_metric_date date,
  p_metric_hour integer,
  p_user_id uuid,
  p_metric_type text,
  p_metric_value numeric,
  p_metadata jsonb default '{}'::jsonb,
  p_value_field text default 'metric_value',
  p_metric_minute integer default null
)
returns void
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_kind text;
  v_problem text;
begin
  -- Plain variables as arguments let the planner inline _metric_problem (a subquery argument
  -- would force a planned SQL-function call per event: measured at ~3x the cost of the upsert).
  select t.kind into v_kind from sms_monitor.metric_types t where t.metric_type = p_metric_type;
  v_problem := sms_monitor._metric_problem(v_kind, p_metric_type, p_metric_value, p_metadata, p_value_field);
  if v_problem is not null then
    raise exception '%', v_problem using errcode = '22023';
  end if;
  if p_metric_date is null then
    raise exception 'metric_date: is required' using errcode = '22023';
  end if;
  if p_metric_hour is not null and (p_metric_hour < 0 or p_metric_hour > 23) then
    raise exception 'metric_hour: must be NULL (daily bucket) or 0-23 (got %)', p_metric_hour
      using errcode = '22023';
  end if;

  insert into sms_monitor.sms_metric_events
    (user_id, metric_type, metric_date, metric_hour, metric_minute, metric_value, metadata)
  values
    (coalesce(p_user_id, sms_monitor._system_wide_user()), p_metric_type, p_metric_date, p_metric_hour,
     p_metric_minute, p_metric_value, nullif(p_metadata, '{}'::jsonb));
end;
$$;

comment on function sms_monitor._record_metric(date, integer, uuid, text, numeric, jsonb, text, integer) is
  'Internal: validates one value and appends it to sms_metric_events for its (date, hour, minute, user, type) bucket.';
revoke all on function sms_monitor._record_metric(date, integer, uuid, text, numeric, jsonb, text, integer) from public;
