-- The one write path for a single value: validate, then add into the bucket's single row.
-- Times are the callers' business (record_sms_metric and record_sms_event bound them to what
-- retention keeps and the clock-skew allowance); this internal path takes any date, for tests.
-- The bucket key is unique NULLS NOT DISTINCT, so NULL hour (daily bucket) and NULL user
-- (system-wide) increment one row instead of inserting a new one each call.
create or replace function sms_monitor._record_metric(
  p_metric_date date,
  p_metric_hour integer,
  p_user_id uuid,
  p_metric_type text,
  p_metric_value numeric,
  p_metadata jsonb default '{}'::jsonb,
  p_value_field text default 'metric_value'
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

  insert into sms_monitor.sms_metrics as m
    (metric_date, metric_hour, user_id, metric_type, metric_value, sample_count, metadata)
  values
    (p_metric_date, p_metric_hour, p_user_id, p_metric_type, p_metric_value, 1,
     coalesce(p_metadata, '{}'::jsonb))
  on conflict on constraint sms_metrics_bucket_key do update
    -- a bucket holds at most 1e15 (every reader sums buckets in numeric, so this is about sense,
    -- not overflow): the write that would pass it is refused, the bucket keeps what it had
    set metric_value = case when m.metric_value + excluded.metric_value > 1e15 then sms_monitor._raise_22023(format(
                              '%s: the bucket (%s, hour %s, user %s, %s) holds %s; adding %s would pass the 1000000000000000 a bucket may hold',
                              p_value_field, p_metric_date, coalesce(p_metric_hour::text, 'NULL'), coalesce(p_user_id::text, 'NULL'),
                              p_metric_type, m.metric_value, excluded.metric_value))
                            else m.metric_value + excluded.metric_value end,
        sample_count = m.sample_count + 1,
        metadata = sms_monitor._merge_metadata(m.metadata, excluded.metadata),
        updated_at = now();
end;
$$;

comment on function sms_monitor._record_metric(date, integer, uuid, text, numeric, jsonb, text) is
  'Internal: validates one value and adds it into its (date, hour, user, type) bucket.';
revoke all on function sms_monitor._record_metric(date, integer, uuid, text, numeric, jsonb, text) from public;
