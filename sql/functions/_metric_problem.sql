-- What is wrong with one metric value, or NULL when nothing is. Bounds (docs/guarantees.md): one
-- value at most 1e12 with at most 20 decimal places; a bucket's running sum at most 1e15 is checked
-- by the writers (sms_metrics_value_bound). No SET clause on purpose: the
-- planner inlines it into the batch query (a SET would force a call per element, ~50x slower);
-- it is STABLE, not IMMUTABLE, because format() is stable and an immutable function with a
-- stable body is never inlined. It only uses pg_catalog operators and is called only from functions that pin search_path. Shared by every record path so the
-- single-event functions and the batch function reject exactly the same input with the same words.
create or replace function sms_monitor._metric_problem(
  p_kind text,
  p_metric_type text,
  p_metric_value numeric,
  p_metadata jsonb,
  p_value_field text default 'metric_value'
)
returns text
language sql
stable
parallel safe
as $$
  select case
    when p_metric_type is null then 'metric_type: is required'
    when p_kind is null then format('metric_type: unknown metric type %s', quote_literal(p_metric_type))
    when p_kind = 'derived' then format(
      'metric_type: %s is derived (delivered_count / sent_count) and cannot be recorded', p_metric_type)
    when p_metric_value is null then p_value_field || ': is required'
    when p_metric_value = 'NaN'::numeric then p_value_field || ': NaN is not a number'
    when p_metric_value in ('Infinity'::numeric, '-Infinity'::numeric) then p_value_field || ': must be finite'
    when p_metric_value < 0 then format(p_value_field || ': must not be negative (got %s)', p_metric_value)
    when p_kind = 'counter' and p_metric_value <> trunc(p_metric_value) then format(
      p_value_field || ': %s counts events and needs a whole number (got %s)', p_metric_type, p_metric_value)
    when p_metric_value > 1e12 then format(
      p_value_field || ': %s is more than the 1000000000000 one value may add', left(p_metric_value::text, 40))
    when scale(p_metric_value) > 20 then format(
      p_value_field || ': has %s decimal places, more than the 20 allowed', scale(p_metric_value))
    when p_metadata is not null and jsonb_typeof(p_metadata) <> 'object' then
      'metadata: must be a JSON object'
    when octet_length(p_metadata::text) > 4096 then format(
      'metadata: %s bytes is more than the 4096 allowed', octet_length(p_metadata::text))
  end;
$$;

comment on function sms_monitor._metric_problem(text, text, numeric, jsonb, text) is
  'Internal: the validation rules for one recorded value; returns "<field>: <problem>" or NULL.';
revoke all on function sms_monitor._metric_problem(text, text, numeric, jsonb, text) from public;
