--! Previous: sha1:509f7f7a96e8ed50ed09eb76e0279c456bb7c398
--! Hash: sha1:6f5fcd47e18b7d14d7db3d5f1b66b5597e2dc31d
--! Message: one list each for comparisons, units and dimensions; message writers append and a fold applies the log; latency histograms; per-value silences; faster event validation

-- Rule comparisons, metric units and message dimensions as enum types; message writers only
-- append and rollup_sms_messages folds the log exactly once; delivery-time percentiles from fixed
-- log histograms; silences of one value of a per-dimension rule; cheaper event validation.

-- ==== Rule comparisons, metric units, message dimensions: enum types, CHECKs derived from them ====
-- Like the other enumerated facts (see the enum block of migration 000005), each list is written
-- once here; the columns stay text, their CHECKs and the validating functions read the list with
-- enum_range, and scripts/codegen.ts generates the TypeScript lists (client/generated/enums.ts).
do $$
begin
  if to_regtype('sms_monitor.alert_comparison') is null then
    create type sms_monitor.alert_comparison as enum ('<', '<=', '>', '>=');
  end if;
  if to_regtype('sms_monitor.metric_unit') is null then
    create type sms_monitor.metric_unit as enum ('percent', 'ratio', 'seconds');
  end if;
  if to_regtype('sms_monitor.message_dimension') is null then
    create type sms_monitor.message_dimension as enum
      ('carrier', 'country', 'sender', 'sender_type', 'error_code', 'message_class', 'provider');
  end if;
end;
$$;
comment on type sms_monitor.alert_comparison is
  'How a rule compares its metric''s value with threshold_value (sms_alert_thresholds.comparison).';
comment on type sms_monitor.metric_unit is
  'The unit of a rule metric''s values (sms_alert_metrics.unit): how value_text and threshold_text are written.';
comment on type sms_monitor.message_dimension is
  'A message attribute that breakdowns and per-dimension rules group by (by=, sms_alert_thresholds.group_by).';

alter table sms_monitor.sms_alert_thresholds
  drop constraint if exists sms_alert_thresholds_comparison_check,
  add constraint sms_alert_thresholds_comparison_check
    check (comparison = any (enum_range(null::sms_monitor.alert_comparison)::text[])),
  drop constraint if exists sms_alert_thresholds_group_by_check,
  add constraint sms_alert_thresholds_group_by_check
    check (group_by = any (enum_range(null::sms_monitor.message_dimension)::text[]));
alter table sms_monitor.sms_alert_metrics
  drop constraint if exists sms_alert_metrics_unit_check,
  add constraint sms_alert_metrics_unit_check
    check (unit = any (enum_range(null::sms_monitor.metric_unit)::text[]));

--! Included functions/_alert_thresholds_validate.sql
-- Trigger on sms_monitor.sms_alert_thresholds: explains what is wrong with a rule in words
-- (SQLSTATE 22023, message starting with the column name) before the CHECK constraints, which
-- stay as the safety net, would reject it with only a constraint name.
create or replace function sms_monitor._alert_thresholds_validate()
returns trigger
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_bad text;
begin
  if new.alert_type is null or new.alert_type !~ '^[a-z][a-z0-9_]{0,62}$' then
    raise exception 'alert_type: % must be lower-case letters, digits and _ (1-63 characters, starting with a letter)',
      coalesce(quote_literal(new.alert_type), 'NULL') using errcode = '22023';
  end if;
  if new.metric is null or not exists (select from sms_monitor.sms_alert_metrics m where m.metric = new.metric) then
    raise exception 'metric: unknown metric % (allowed: %)', coalesce(quote_literal(new.metric), 'NULL'),
      (select string_agg(m.metric, ', ' order by m.metric) from sms_monitor.sms_alert_metrics m)
      using errcode = '22023';
  end if;
  if new.comparison is null or new.comparison <> all (enum_range(null::sms_monitor.alert_comparison)::text[]) then
    raise exception 'comparison: unknown operator % (allowed: %)', coalesce(quote_literal(new.comparison), 'NULL'),
      array_to_string(enum_range(null::sms_monitor.alert_comparison)::text[], ', ') using errcode = '22023';
  end if;
  if new.threshold_value is null or new.threshold_value in ('NaN', 'Infinity', '-Infinity') then
    raise exception 'threshold_value: must be a finite number (got %)', coalesce(new.threshold_value::text, 'NULL')
      using errcode = '22023';
  end if;
  if new.threshold_value < 0 then
    raise exception 'threshold_value: must not be negative (got %)', new.threshold_value using errcode = '22023';
  end if;
  if new.threshold_value > 1000000 or scale(new.threshold_value) > 6 then
    raise exception 'threshold_value: must be at most 1000000 with at most 6 decimal places (got %)',
      left(new.threshold_value::text, 40) using errcode = '22023';
  end if;
  if new.recovery_value is not null and new.recovery_value not in ('NaN', 'Infinity', '-Infinity')
     and (new.recovery_value > 1000000 or scale(new.recovery_value) > 6) then
    raise exception 'recovery_value: must be at most 1000000 with at most 6 decimal places (got %)',
      left(new.recovery_value::text, 40) using errcode = '22023';
  end if;
  if new.recovery_value is not null then
    if new.recovery_value in ('NaN', 'Infinity', '-Infinity') or new.recovery_value < 0 then
      raise exception 'recovery_value: must be NULL or a finite number >= 0 (got %)', new.recovery_value
        using errcode = '22023';
    end if;
    if new.comparison in ('<', '<=') and new.recovery_value < new.threshold_value then
      raise exception 'recovery_value: % is below threshold_value %: a rule that fires when the metric is % % resolves only at or above its recovery value',
        new.recovery_value, new.threshold_value, new.comparison, new.threshold_value using errcode = '22023';
    end if;
    if new.comparison in ('>', '>=') and new.recovery_value > new.threshold_value then
      raise exception 'recovery_value: % is above threshold_value %: a rule that fires when the metric is % % resolves only at or below its recovery value',
        new.recovery_value, new.threshold_value, new.comparison, new.threshold_value using errcode = '22023';
    end if;
  end if;
  if new.window_minutes is null or new.window_minutes < 1 or new.window_minutes > 43200 then
    raise exception 'window_minutes: must be between 1 and 43200 (30 days) (got %)',
      coalesce(new.window_minutes::text, 'NULL') using errcode = '22023';
  end if;
  if new.min_sample is null or new.min_sample < 1 then
    raise exception 'min_sample: must be at least 1 (got %)', coalesce(new.min_sample::text, 'NULL')
      using errcode = '22023';
  end if;
  if new.pending_minutes is null or new.pending_minutes < 0 or new.pending_minutes > 10080 then
    raise exception 'pending_minutes: must be between 0 and 10080 (got %)', coalesce(new.pending_minutes::text, 'NULL')
      using errcode = '22023';
  end if;
  if new.cooldown_minutes is null or new.cooldown_minutes < 1 or new.cooldown_minutes > 10080 then
    raise exception 'cooldown_minutes: must be between 1 and 10080 (got %)', coalesce(new.cooldown_minutes::text, 'NULL')
      using errcode = '22023';
  end if;
  if new.severity is null or new.severity <> all (enum_range(null::sms_monitor.alert_severity)::text[]) then
    raise exception 'severity: unknown severity % (allowed: %)', coalesce(quote_literal(new.severity), 'NULL'),
      array_to_string(enum_range(null::sms_monitor.alert_severity), ', ') using errcode = '22023';
  end if;
  if new.notification_channels is not null and array_ndims(new.notification_channels) > 1 then
    raise exception 'notification_channels: must be a flat list such as {slack,log} (got % dimensions)',
      array_ndims(new.notification_channels) using errcode = '22023';
  end if;
  if new.notification_channels is null or cardinality(new.notification_channels) = 0 then
    raise exception 'notification_channels: needs at least one of %',
      array_to_string(enum_range(null::sms_monitor.notification_channel), ', ') using errcode = '22023';
  end if;
  select c into v_bad from unnest(new.notification_channels) c
   where c is null or c <> all (enum_range(null::sms_monitor.notification_channel)::text[]) limit 1;
  if found then
    raise exception 'notification_channels: unknown channel % (allowed: %)', coalesce(quote_literal(v_bad), 'NULL'),
      array_to_string(enum_range(null::sms_monitor.notification_channel), ', ') using errcode = '22023';
  end if;
  if cardinality(new.notification_channels) <> (select count(distinct c) from unnest(new.notification_channels) c) then
    raise exception 'notification_channels: lists a channel twice (%)', array_to_string(new.notification_channels, ', ')
      using errcode = '22023';
  end if;
  if new.description is null or btrim(new.description) = '' then
    raise exception 'description: is required (say what the rule watches and what to do)' using errcode = '22023';
  end if;
  if length(new.description) > 2000 then
    raise exception 'description: % characters is more than the 2000 allowed', length(new.description)
      using errcode = '22023';
  end if;
  v_bad := sms_monitor._alert_rule_params_problem(new.metric, new.group_by, new.params);
  if v_bad is not null then
    raise exception '%', v_bad using errcode = '22023';
  end if;
  new.updated_at := now();
  return new;
end;
$$;

comment on function sms_monitor._alert_thresholds_validate() is
  'Internal trigger: rejects a nonsensical alert rule with 22023 and a message naming the column.';
revoke all on function sms_monitor._alert_thresholds_validate() from public;
--! EndIncluded functions/_alert_thresholds_validate.sql
--! Included functions/_alert_rule_params_problem.sql
-- What is wrong with a rule's group_by and params for its metric (NULL: nothing), a message naming
-- the column, for _alert_thresholds_validate (22023). group_by only for message metrics; params:
--   error_code_share:   {"error_codes": [1 to 50 distinct non-empty strings of <= 16 characters]}
--   receipt_delay_rate: {"after_minutes": integer 0 to 10080} (absent: 0)
--   delivery_slo_burn:  {"slo_percent": number > 0 and < 100,
--                        "windows": [1 to 4 [long minutes, short minutes, factor > 0]], short < long <= 43200}
--                       system-wide only
--   other metrics:      {} (no parameters)
create or replace function sms_monitor._alert_rule_params_problem(p_metric text, p_group_by text, p_params jsonb)
returns text
language plpgsql
stable
set search_path = pg_catalog, pg_temp
as $$
declare
  v_source text := (select m.source from sms_monitor.sms_alert_metrics m where m.metric = p_metric);
  v_keys text[];
  v_allowed text[] := case p_metric when 'error_code_share' then array['error_codes']
                                    when 'receipt_delay_rate' then array['after_minutes']
                                    when 'delivery_slo_burn' then array['slo_percent', 'windows']
                                    else array[]::text[] end;
  v_pair jsonb;
begin
  if p_group_by is not null and p_group_by <> all (enum_range(null::sms_monitor.message_dimension)::text[]) then
    return format('group_by: must be NULL or one of %s (got %s)',
                  array_to_string(enum_range(null::sms_monitor.message_dimension)::text[], ', '), quote_literal(p_group_by));
  end if;
  if p_group_by is not null and (v_source is distinct from 'messages' or p_metric = 'delivery_slo_burn') then
    return format('group_by: metric %s is system-wide only (per-dimension rules need a message metric)', p_metric);
  end if;
  if p_params is null or jsonb_typeof(p_params) <> 'object' then
    return 'params: must be a JSON object';
  end if;
  v_keys := array(select jsonb_object_keys(p_params) except select unnest(v_allowed));
  if cardinality(v_keys) > 0 then
    return format('params: unknown key %s for metric %s (allowed: %s)', quote_literal(v_keys[1]), p_metric,
                  coalesce(nullif(array_to_string(v_allowed, ', '), ''), 'none'));
  end if;
  if p_metric = 'error_code_share' then
    if jsonb_typeof(p_params -> 'error_codes') is distinct from 'array'
       or jsonb_array_length(p_params -> 'error_codes') not between 1 and 50
       or exists (select from jsonb_array_elements(p_params -> 'error_codes') c
                   where jsonb_typeof(c) <> 'string' or length(c #>> '{}') not between 1 and 16)
       or (select count(distinct c) from jsonb_array_elements_text(p_params -> 'error_codes') c)
          <> jsonb_array_length(p_params -> 'error_codes') then
      return 'params.error_codes: must list 1 to 50 distinct error codes as strings of 1 to 16 characters';
    end if;
  elsif p_metric = 'receipt_delay_rate' and p_params ? 'after_minutes' then
    if jsonb_typeof(p_params -> 'after_minutes') <> 'number'
       or (p_params ->> 'after_minutes')::numeric not between 0 and 10080
       or scale((p_params ->> 'after_minutes')::numeric) > 0 then
      return 'params.after_minutes: must be a whole number of minutes from 0 to 10080';
    end if;
  elsif p_metric = 'delivery_slo_burn' then
    if jsonb_typeof(p_params -> 'slo_percent') is distinct from 'number'
       or (p_params ->> 'slo_percent')::numeric <= 0 or (p_params ->> 'slo_percent')::numeric >= 100 then
      return 'params.slo_percent: must be a number above 0 and below 100';
    end if;
    if jsonb_typeof(p_params -> 'windows') is distinct from 'array'
       or jsonb_array_length(p_params -> 'windows') not between 1 and 4 then
      return 'params.windows: must list 1 to 4 [long minutes, short minutes, factor] pairs';
    end if;
    for v_pair in select jsonb_array_elements(p_params -> 'windows') loop
      if jsonb_typeof(v_pair) <> 'array' or jsonb_array_length(v_pair) <> 3
         or exists (select from jsonb_array_elements(v_pair) x where jsonb_typeof(x) <> 'number')
         or scale((v_pair ->> 0)::numeric) > 0 or scale((v_pair ->> 1)::numeric) > 0
         or (v_pair ->> 1)::numeric < 1 or (v_pair ->> 1)::numeric >= (v_pair ->> 0)::numeric
         or (v_pair ->> 0)::numeric > 43200 or (v_pair ->> 2)::numeric <= 0 or (v_pair ->> 2)::numeric > 1000 then
        return format('params.windows: %s is not [long minutes, short minutes, factor] with whole minutes '
                      '1 <= short < long <= 43200 and 0 < factor <= 1000', v_pair);
      end if;
    end loop;
  end if;
  return null;
end;
$$;

comment on function sms_monitor._alert_rule_params_problem(text, text, jsonb) is
  'Internal: what is wrong with a rule''s group_by and params for its metric (NULL: nothing).';
revoke all on function sms_monitor._alert_rule_params_problem(text, text, jsonb) from public;
--! EndIncluded functions/_alert_rule_params_problem.sql
--! Included functions/_message_by_problem.sql
-- What is wrong with a message read's by= (NULL: nothing), for the api_message_* functions (22023):
-- one of the enum message_dimension's values; NULL only where p_optional.
create or replace function sms_monitor._message_by_problem(p_by text, p_optional boolean)
returns text
language sql
stable
security invoker
set search_path = pg_catalog, pg_temp
as $$
  select case
    when p_by is null and p_optional then null
    when p_by is null or p_by <> all (enum_range(null::sms_monitor.message_dimension)::text[]) then
      format('by: must be %s or %s (got %s)',
             array_to_string((enum_range(null::sms_monitor.message_dimension)::text[])[:cardinality(enum_range(null::sms_monitor.message_dimension)) - 1], ', '),
             (enum_range(null::sms_monitor.message_dimension)::text[])[cardinality(enum_range(null::sms_monitor.message_dimension))],
             coalesce(quote_literal(p_by), 'NULL'))
  end
$$;

comment on function sms_monitor._message_by_problem(text, boolean) is
  'Internal: the 22023 message for a by= that is not a message_dimension (NULL allowed when p_optional), or NULL.';
revoke all on function sms_monitor._message_by_problem(text, boolean) from public;
grant execute on function sms_monitor._message_by_problem(text, boolean)
  to sms_monitor_reader, sms_monitor_self, sms_monitor_admin;
--! EndIncluded functions/_message_by_problem.sql
-- Latency percentiles from fixed log histograms (docs/messages.md)
--! Included functions/_latency_bucket.sql
-- Maps a delivery latency in ms to its bucket in the fixed log histograms (docs/messages.md):
-- bucket b >= 1 holds (g^(b-1), g^b] ms with g = 1.03, i.e. b = ceil(ln(ms) / ln(1.03)); bucket 0
-- holds 0 to 1 ms (and negative latencies, which readers clamp to 0). Buckets are fixed, so
-- histograms of any set of messages merge by adding counts per bucket.
create or replace function sms_monitor._latency_bucket(p_ms double precision)
returns integer
language sql
immutable
parallel safe
set search_path = pg_catalog, pg_temp
as $$
  select case when p_ms is null then null
              when p_ms <= 1 then 0
              else ceil(ln(p_ms) / ln(1.03::double precision))::integer end
$$;

comment on function sms_monitor._latency_bucket(double precision) is
  'Internal: the latency histogram bucket of p_ms: 0 for <= 1 ms, else ceil(ln(ms) / ln(1.03)).';
revoke all on function sms_monitor._latency_bucket(double precision) from public;
grant execute on function sms_monitor._latency_bucket(double precision) to sms_monitor_reader, sms_monitor_self, sms_monitor_admin;
--! EndIncluded functions/_latency_bucket.sql
--! Included functions/_latency_histogram.sql
-- Aggregate: the latency histogram {bucket: count} (_latency_bucket) of a set of latencies in ms;
-- NULLs are skipped, no rows give {}. _histogram_percentile reads percentiles from it.
create or replace function sms_monitor._latency_histogram_add(p_histogram jsonb, p_ms double precision)
returns jsonb
language sql
immutable
strict
parallel safe
set search_path = pg_catalog, pg_temp
as $$
  select p_histogram || jsonb_build_object(b::text, coalesce((p_histogram ->> b::text)::bigint, 0) + 1)
    from (select sms_monitor._latency_bucket(p_ms) as b) x
$$;

comment on function sms_monitor._latency_histogram_add(jsonb, double precision) is
  'Internal: the state function of _latency_histogram: one more latency in its bucket.';
revoke all on function sms_monitor._latency_histogram_add(jsonb, double precision) from public;
grant execute on function sms_monitor._latency_histogram_add(jsonb, double precision)
  to sms_monitor_reader, sms_monitor_self, sms_monitor_admin;

create or replace aggregate sms_monitor._latency_histogram(double precision) (
  sfunc = sms_monitor._latency_histogram_add,
  stype = jsonb,
  initcond = '{}'
);

comment on aggregate sms_monitor._latency_histogram(double precision) is
  'Internal: the latency histogram {bucket: count} of the latencies in ms (buckets of _latency_bucket).';
revoke all on function sms_monitor._latency_histogram(double precision) from public;
grant execute on function sms_monitor._latency_histogram(double precision)
  to sms_monitor_reader, sms_monitor_self, sms_monitor_admin;
--! EndIncluded functions/_latency_histogram.sql
--! Included functions/_histogram_percentile.sql
-- The q-quantile (0 < q <= 1) of a latency histogram {bucket: count} (buckets of _latency_bucket),
-- in ms, NULL when it is empty. Rank as percentile_disc: the first bucket, in ascending order,
-- whose cumulative count reaches q x n; the answer is that bucket's representative value
-- 2 g^b / (g + 1) (g = 1.03), 0 for bucket 0. The exact percentile_disc of the same latencies lies
-- in that bucket, (g^(b-1), g^b], so the relative error is at most (g - 1) / (g + 1) = 1.48 %
-- (at most 1 ms absolute in bucket 0).
create or replace function sms_monitor._histogram_percentile(p_histogram jsonb, p_q double precision)
returns double precision
language sql
immutable
parallel safe
set search_path = pg_catalog, pg_temp
as $$
  with h as (
    select k::integer as b, v::bigint as n from jsonb_each_text(p_histogram) as e(k, v) where v::bigint > 0
  ), c as (
    select h.b, sum(h.n) over (order by h.b) as cum, sum(h.n) over () as total from h
  )
  select case when c.b = 0 then 0::double precision
              else 2 * power(1.03::double precision, c.b) / 2.03 end
    from c
   where c.cum >= p_q::numeric * c.total
   order by c.b
   limit 1
$$;

comment on function sms_monitor._histogram_percentile(jsonb, double precision) is
  'Internal: the q-quantile in ms of a latency histogram {bucket: count} (percentile_disc rank, the bucket''s '
  'representative 2 x 1.03^b / 2.03; relative error <= 1.48 %); NULL when empty.';
revoke all on function sms_monitor._histogram_percentile(jsonb, double precision) from public;
grant execute on function sms_monitor._histogram_percentile(jsonb, double precision) to sms_monitor_reader, sms_monitor_self, sms_monitor_admin;
--! EndIncluded functions/_histogram_percentile.sql
--! Included functions/api_message_latency.sql
-- GET /api/sms/metrics/latency: how long delivery takes, overall or per value of one attribute.
-- Over the messages sent in the window [start, end) that are delivered: delivered minus sent (at
-- least 0), percentiles p50, p95 and p99 in whole ms from the messages' latency histogram
-- (_latency_histogram, _histogram_percentile: percentile_disc rank, relative error <= 1.48 %),
-- read from sms_messages.
-- Rows: one (key NULL) without p_by; with p_by one per key, slowest p95 first. Row security
-- applies: a self token sees its own messages.
create or replace function sms_monitor.api_message_latency(
  p_by text default null,
  p_minutes integer default 60,
  p_start timestamptz default null,
  p_end timestamptz default null,
  p_now timestamptz default now()
)
returns jsonb
language plpgsql
stable
security invoker
set search_path = pg_catalog, pg_temp
as $$
declare
  v_from timestamptz;
  v_to timestamptz;
  v_data jsonb;
begin
  if sms_monitor._message_by_problem(p_by, true) is not null then
    raise exception '%', sms_monitor._message_by_problem(p_by, true) using errcode = '22023';
  end if;
  select w.from_at, w.to_at into v_from, v_to from sms_monitor._message_window(p_minutes, p_start, p_end, p_now) w;

  with m as (
    select case p_by when 'carrier' then s.carrier when 'country' then s.country when 'sender' then s.sender
                     when 'sender_type' then s.sender_type when 'error_code' then s.error_code
                     when 'message_class' then s.message_class when 'provider' then s.provider end as key,
           greatest(0, extract(epoch from s.delivered_at - s.sent_at) * 1000) as ms
      from sms_monitor.sms_messages s
     where s.sent_at >= v_from and s.sent_at < v_to
       and s.final_status = 'delivered'
  ), k0 as (
    select m.key, count(*) as delivered,
           sms_monitor._latency_histogram(m.ms) as h
      from m
     group by m.key
  ), k as (
    select k0.key, k0.delivered, sms_monitor._histogram_percentile(k0.h, 0.5) as p50,
           sms_monitor._histogram_percentile(k0.h, 0.95) as p95, sms_monitor._histogram_percentile(k0.h, 0.99) as p99
      from k0
  )
  select coalesce(jsonb_agg(jsonb_build_object(
           'key', k.key, 'delivered', k.delivered,
           'p50_ms', round(k.p50::numeric), 'p95_ms', round(k.p95::numeric), 'p99_ms', round(k.p99::numeric))
         order by k.p95 desc, k.key collate "C" asc nulls last), '[]'::jsonb)
    into v_data
    from k;
  return jsonb_build_object(
    'success', true,
    'by', p_by,
    'start', sms_monitor._iso_utc(v_from),
    'end', sms_monitor._iso_utc(v_to),
    'data', v_data);
end;
$$;

comment on function sms_monitor.api_message_latency(text, integer, timestamptz, timestamptz, timestamptz) is
  'GET /latency: {success, by, start, end, data: [{key, delivered, p50_ms, p95_ms, p99_ms}]}: percentiles (log histogram, <= 1.48 % off) of '
  'delivered minus sent for messages sent in the last p_minutes (1-44640) or [p_start, p_end) and delivered, overall '
  '(p_by NULL) or per carrier, country, sender, sender_type, error_code, message_class or provider, slowest first. '
  'Bad parameters: 22023.';
revoke all on function sms_monitor.api_message_latency(text, integer, timestamptz, timestamptz, timestamptz) from public;
grant execute on function sms_monitor.api_message_latency(text, integer, timestamptz, timestamptz, timestamptz)
  to sms_monitor_reader, sms_monitor_self, sms_monitor_admin;
--! EndIncluded functions/api_message_latency.sql
--! Included functions/api_message_breakdown.sql
-- GET /api/sms/metrics/breakdown: where messages fail, per value of one attribute. The messages
-- counted are those that entered the pipeline in the window [start, end): sent then, or reaching a
-- final status then without a sent time. Per key (NULL: the attribute is not known):
--   sent: with a sent time; delivered / failed (undelivered + failed): by the winning final status;
--   terminal = delivered + failed; delivery_rate_percent = delivered / terminal (NULL when none);
--   failure_share_percent = the key's failed / all failed in the window;
--   terminal_share_percent = the key's terminal / all terminal (for by=error_code: each code's share);
--   latency_p50_ms, latency_p95_ms: percentiles of delivered minus sent over the key's delivered
--     messages with a sent time (NULL when none), from their latency histogram
--     (_histogram_percentile: percentile_disc rank, relative error <= 1.48 %).
-- Sorted worst first: lowest delivery rate (keys without terminal messages last), then most
-- failures, then the key. Read from sms_messages, whose attributes are complete whenever they
-- arrived (a carrier named by the receipt counts for the send). Row security applies: a self
-- token sees its own messages.
create or replace function sms_monitor.api_message_breakdown(
  p_by text,
  p_minutes integer default 60,
  p_start timestamptz default null,
  p_end timestamptz default null,
  p_now timestamptz default now()
)
returns jsonb
language plpgsql
stable
security invoker
set search_path = pg_catalog, pg_temp
as $$
declare
  v_from timestamptz;
  v_to timestamptz;
  v_data jsonb;
begin
  if sms_monitor._message_by_problem(p_by, false) is not null then
    raise exception '%', sms_monitor._message_by_problem(p_by, false) using errcode = '22023';
  end if;
  select w.from_at, w.to_at into v_from, v_to from sms_monitor._message_window(p_minutes, p_start, p_end, p_now) w;

  with m as (
    select case p_by when 'carrier' then s.carrier when 'country' then s.country when 'sender' then s.sender
                     when 'sender_type' then s.sender_type when 'error_code' then s.error_code
                     when 'message_class' then s.message_class else s.provider end as key,
           s.sent_at is not null as is_sent,
           s.final_status = 'delivered' as is_delivered,
           s.final_status in ('undelivered', 'failed') as is_failed,
           case when s.final_status = 'delivered' and s.sent_at is not null
                then greatest(0, extract(epoch from s.delivered_at - s.sent_at) * 1000) end as latency_ms
      from sms_monitor.sms_messages s
     where coalesce(s.sent_at, s.final_at) >= v_from and coalesce(s.sent_at, s.final_at) < v_to
  ), k as (
    select m.key, count(*) filter (where m.is_sent) as sent, count(*) filter (where m.is_delivered) as delivered,
           count(*) filter (where m.is_failed) as failed,
           sms_monitor._latency_histogram(m.latency_ms) as h
      from m
     group by m.key
  ), t as (
    select k.*, sms_monitor._histogram_percentile(k.h, 0.5) as p50, sms_monitor._histogram_percentile(k.h, 0.95) as p95,
           k.delivered + k.failed as terminal,
           sum(k.failed) over () as all_failed, sum(k.delivered + k.failed) over () as all_terminal
      from k
  )
  select coalesce(jsonb_agg(jsonb_build_object(
           'key', t.key,
           'sent', t.sent,
           'delivered', t.delivered,
           'failed', t.failed,
           'terminal', t.terminal,
           'delivery_rate_percent', round(100 * t.delivered::numeric / nullif(t.terminal, 0), 2),
           'failure_share_percent', round(100 * t.failed::numeric / nullif(t.all_failed, 0), 2),
           'terminal_share_percent', round(100 * t.terminal::numeric / nullif(t.all_terminal, 0), 2),
           'latency_p50_ms', round(t.p50::numeric),
           'latency_p95_ms', round(t.p95::numeric))
         order by t.delivered::numeric / nullif(t.terminal, 0) asc nulls last, t.failed desc, t.key collate "C" asc nulls last),
         '[]'::jsonb)
    into v_data
    from t;
  return jsonb_build_object(
    'success', true,
    'by', p_by,
    'start', sms_monitor._iso_utc(v_from),
    'end', sms_monitor._iso_utc(v_to),
    'data', v_data);
end;
$$;

comment on function sms_monitor.api_message_breakdown(text, integer, timestamptz, timestamptz, timestamptz) is
  'GET /breakdown: {success, by, start, end, data: [{key, sent, delivered, failed, terminal, delivery_rate_percent, '
  'failure_share_percent, terminal_share_percent, latency_p50_ms, latency_p95_ms}]} per value of p_by (carrier, country, sender, sender_type, error_code, '
  'message_class, provider) for messages entering the pipeline in the last p_minutes (1-44640) or [p_start, p_end), '
  'worst delivery rate first. Bad parameters: 22023.';
revoke all on function sms_monitor.api_message_breakdown(text, integer, timestamptz, timestamptz, timestamptz) from public;
grant execute on function sms_monitor.api_message_breakdown(text, integer, timestamptz, timestamptz, timestamptz)
  to sms_monitor_reader, sms_monitor_self, sms_monitor_admin;
--! EndIncluded functions/api_message_breakdown.sql
--! Included functions/api_message_series.sql
-- GET /api/sms/metrics/series: the incident view's minute-grain series. Buckets of p_step minutes
-- (1, 5, 15 or 60, aligned to the UTC clock) covering the last p_minutes up to and including the
-- bucket that holds p_now; a message counts in the bucket of the time it entered the pipeline
-- (sent, or final without a send), as in the breakdown. Per bucket: sent, delivered, failed
-- (undelivered + failed), delivery_rate_percent (delivered / terminal, NULL without terminal) and
-- p95_ms (of delivered minus sent, from the latency histogram: _histogram_percentile). Without
-- p_by every bucket is listed (zeros when quiet);
-- with p_by one row per bucket and key that has messages. Row security: self sees its own.
create or replace function sms_monitor.api_message_series(
  p_minutes integer default 180,
  p_step integer default 1,
  p_by text default null,
  p_now timestamptz default now()
)
returns jsonb
language plpgsql
stable
security invoker
set search_path = pg_catalog, pg_temp
as $$
declare
  v_step interval;
  v_to timestamptz;
  v_from timestamptz;
  v_data jsonb;
begin
  if p_step is null or p_step not in (1, 5, 15, 60) then
    raise exception 'step: must be 1, 5, 15 or 60 minutes (got %)', coalesce(p_step::text, 'NULL') using errcode = '22023';
  end if;
  if p_minutes is null or p_minutes < p_step or p_minutes > 10080 or p_minutes % p_step <> 0 then
    raise exception 'minutes: must be a multiple of step (%) from % to 10080 (got %)', p_step, p_step,
      coalesce(p_minutes::text, 'NULL') using errcode = '22023';
  end if;
  if sms_monitor._message_by_problem(p_by, true) is not null then
    raise exception '%', sms_monitor._message_by_problem(p_by, true) using errcode = '22023';
  end if;
  if p_now is null or not isfinite(p_now) then
    raise exception 'now: must be a finite time' using errcode = '22023';
  end if;
  v_step := make_interval(mins => p_step);
  v_to := date_bin(v_step, p_now, timestamptz '2000-01-01 00:00:00+00') + v_step;
  v_from := v_to - make_interval(mins => p_minutes);

  with m as (
    select date_bin(v_step, coalesce(s.sent_at, s.final_at), timestamptz '2000-01-01 00:00:00+00') as bucket,
           case p_by when 'carrier' then s.carrier when 'country' then s.country when 'sender' then s.sender
                     when 'sender_type' then s.sender_type when 'error_code' then s.error_code
                     when 'message_class' then s.message_class when 'provider' then s.provider end as key,
           s.sent_at is not null as is_sent, s.final_status = 'delivered' as is_delivered,
           s.final_status in ('undelivered', 'failed') as is_failed,
           case when s.final_status = 'delivered' and s.sent_at is not null
                then greatest(0, extract(epoch from s.delivered_at - s.sent_at) * 1000) end as latency_ms
      from sms_monitor.sms_messages s
     where coalesce(s.sent_at, s.final_at) >= v_from and coalesce(s.sent_at, s.final_at) < v_to
  ), k as (
    select m.bucket, m.key, count(*) filter (where m.is_sent) as sent, count(*) filter (where m.is_delivered) as delivered,
           count(*) filter (where m.is_failed) as failed,
           sms_monitor._histogram_percentile(sms_monitor._latency_histogram(m.latency_ms), 0.95) as p95
      from m
     group by m.bucket, m.key
  ), rows as (
    select b.bucket, k.key, coalesce(k.sent, 0) as sent, coalesce(k.delivered, 0) as delivered,
           coalesce(k.failed, 0) as failed, k.p95
      from generate_series(v_from, v_to - v_step, v_step) b(bucket)
      left join k on k.bucket = b.bucket
     where p_by is null
    union all
    select k.bucket, k.key, k.sent, k.delivered, k.failed, k.p95 from k where p_by is not null
  )
  select coalesce(jsonb_agg(jsonb_build_object(
           'at', sms_monitor._iso_utc(r.bucket),
           'key', r.key, 'sent', r.sent, 'delivered', r.delivered, 'failed', r.failed,
           'delivery_rate_percent', round(100 * r.delivered::numeric / nullif(r.delivered + r.failed, 0), 2),
           'p95_ms', round(r.p95::numeric))
         order by r.bucket, r.key collate "C" nulls last), '[]'::jsonb)
    into v_data
    from rows r;
  return jsonb_build_object(
    'success', true, 'step_minutes', p_step, 'by', p_by,
    'start', sms_monitor._iso_utc(v_from),
    'end', sms_monitor._iso_utc(v_to),
    'data', v_data);
end;
$$;

comment on function sms_monitor.api_message_series(integer, integer, text, timestamptz) is
  'GET /series: {success, step_minutes, by, start, end, data: [{at, key, sent, delivered, failed, delivery_rate_percent, '
  'p95_ms}]}: buckets of p_step (1, 5, 15, 60) minutes over the last p_minutes (a multiple of step, up to 10080) up to '
  'the bucket holding p_now; every bucket without p_by, non-empty (bucket, key) rows with it. Bad parameters: 22023.';
revoke all on function sms_monitor.api_message_series(integer, integer, text, timestamptz) from public;
grant execute on function sms_monitor.api_message_series(integer, integer, text, timestamptz)
  to sms_monitor_reader, sms_monitor_self, sms_monitor_admin;
--! EndIncluded functions/api_message_series.sql
--! Included functions/_alert_message_values.sql
-- The values of the enabled rules over message metrics (sms_alert_metrics.source = 'messages'), read
-- from sms_messages, one row per rule (group_value NULL) or, for a rule with group_by, one row per
-- value of that attribute (messages whose attribute is unknown count for no value). Windows are
-- exact: [p_now - window_minutes, p_now), the same messages as api_message_breakdown(minutes) at
-- p_now: sent in the window, or reaching a final status in it without a sent time. Terminal =
-- winning final status delivered, undelivered or failed; bad = undelivered or failed. Every rate
-- is a ratio of sums over messages, never a mean of ratios:
--   message_delivery_rate = 100 * delivered / terminal                       sample: terminal
--   error_code_share      = 100 * terminal with error_code in params.error_codes / terminal
--                                                                           sample: terminal
--   receipt_delay_rate    = 100 * sent in [p_now - after - window, p_now - after) with no final
--                           status at p_now (final_at NULL or >= p_now) / sent in that span
--                           (after = params.after_minutes)                   sample: those sent
--   delivery_latency_p95  = p95 of delivered_at - sent_at in seconds (whole ms) from the latency histogram
--                           (_histogram_percentile: percentile_disc rank, <= 1.48 % off)
--                           over delivered messages with a sent time          sample: those
--   delivery_slo_burn     = see _alert_slo_burn                              (system-wide only)
-- A value with nothing to divide by is not returned (no data).
create or replace function sms_monitor._alert_message_values(p_now timestamptz, p_alert_type text default null)
returns table (alert_type text, group_value text, metric_value numeric, sample_size bigint, detail text)
language plpgsql
stable
security invoker
set search_path = pg_catalog, pg_temp
set jit = off
set plan_cache_mode = force_custom_plan
as $$
declare
  r record;
  v_from timestamptz;
  v_to timestamptz;
  v_codes text[];
  v_span text;
begin
  for r in
    select t.alert_type, t.metric, t.window_minutes, t.group_by, t.params, t.min_sample
      from sms_monitor.sms_alert_thresholds t
      join sms_monitor.sms_alert_metrics m on m.metric = t.metric and m.source = 'messages'
     where t.is_enabled and (p_alert_type is null or t.alert_type = p_alert_type)
     order by t.alert_type
  loop
    if r.metric = 'delivery_slo_burn' then
      return query select r.alert_type, null::text, b.value, b.sample, b.detail
                     from sms_monitor._alert_slo_burn(p_now, r.params, r.min_sample) b;
      continue;
    end if;
    if r.metric = 'receipt_delay_rate' then
      v_to := p_now - make_interval(mins => coalesce((r.params ->> 'after_minutes')::integer, 0));
    else
      v_to := p_now;
    end if;
    v_from := v_to - make_interval(mins => r.window_minutes);
    v_span := format('messages from %s to %s UTC', to_char(v_from at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS'),
                     to_char(v_to at time zone 'UTC', 'HH24:MI:SS'));
    v_codes := array(select jsonb_array_elements_text(coalesce(r.params -> 'error_codes', '[]'::jsonb)));

    if r.metric = 'receipt_delay_rate' then
      return query
      with m as (
        select case r.group_by when 'carrier' then s.carrier when 'country' then s.country when 'sender' then s.sender
                  when 'sender_type' then s.sender_type when 'error_code' then s.error_code
                  when 'message_class' then s.message_class when 'provider' then s.provider end as key,
               s.final_at is null or s.final_at >= p_now as is_waiting
          from sms_monitor.sms_messages s
         where s.sent_at >= v_from and s.sent_at < v_to
      )
      select r.alert_type, m.key, 100 * count(*) filter (where m.is_waiting)::numeric / count(*), count(*),
             format('%s of %s sent still without a final status; %s', count(*) filter (where m.is_waiting), count(*), v_span)
        from m
       where r.group_by is null or m.key is not null
       group by m.key;
      continue;
    end if;

    if r.metric = 'delivery_latency_p95' then
      return query
      with m as (
        select case r.group_by when 'carrier' then s.carrier when 'country' then s.country when 'sender' then s.sender
                            when 'sender_type' then s.sender_type when 'error_code' then s.error_code
                            when 'message_class' then s.message_class when 'provider' then s.provider end as key,
               greatest(0, extract(epoch from s.delivered_at - s.sent_at)) as latency_s
          from sms_monitor.sms_messages s
         where coalesce(s.sent_at, s.final_at) >= v_from and coalesce(s.sent_at, s.final_at) < v_to
           and s.final_status = 'delivered' and s.sent_at is not null
      ), k as (
        select m.key, count(*) as timed,
               round(sms_monitor._histogram_percentile(sms_monitor._latency_histogram(m.latency_s * 1000), 0.95)::numeric
                     / 1000, 3) as p95
          from m
         where r.group_by is null or m.key is not null
         group by m.key
      )
      select r.alert_type, k.key, k.p95, k.timed, format('p95 %s s over %s delivered; %s', round(k.p95, 3), k.timed, v_span)
        from k;
      continue;
    end if;

    -- message_delivery_rate, error_code_share: counts of terminal messages
    return query
    with m as (
      select case r.group_by when 'carrier' then s.carrier when 'country' then s.country when 'sender' then s.sender
                            when 'sender_type' then s.sender_type when 'error_code' then s.error_code
                            when 'message_class' then s.message_class when 'provider' then s.provider end as key,
             s.final_status = 'delivered' as is_delivered,
             s.final_status in ('undelivered', 'failed') as is_bad,
             s.error_code = any (v_codes) as has_code
        from sms_monitor.sms_messages s
       where coalesce(s.sent_at, s.final_at) >= v_from and coalesce(s.sent_at, s.final_at) < v_to
         and s.final_status in ('delivered', 'undelivered', 'failed')
    ), k as (
      select m.key, count(*) as terminal, count(*) filter (where m.is_delivered) as delivered,
             count(*) filter (where m.is_bad) as bad, count(*) filter (where m.has_code) as coded
        from m
       where r.group_by is null or m.key is not null
       group by m.key
    )
    select r.alert_type, k.key,
           case r.metric
             when 'message_delivery_rate' then 100 * k.delivered::numeric / k.terminal
             else 100 * k.coded::numeric / k.terminal
           end,
           k.terminal,
           case r.metric
             when 'message_delivery_rate' then format('%s delivered of %s terminal (%s undelivered or failed); %s',
               k.delivered, k.terminal, k.bad, v_span)
             else format('%s of %s terminal with error code %s; %s', k.coded, k.terminal, array_to_string(v_codes, ', '), v_span)
           end
      from k;
  end loop;
end;
$$;

comment on function sms_monitor._alert_message_values(timestamptz, text) is
  'Internal: every enabled message-metric rule''s (or p_alert_type''s) value, sample and detail at p_now, per value '
  'of its group_by (group_value NULL: system-wide), from sms_messages over [p_now - window, p_now).';
revoke all on function sms_monitor._alert_message_values(timestamptz, text) from public;
--! EndIncluded functions/_alert_message_values.sql

-- Message events: writers only append (every event, repeats included); the fold
-- (rollup_sms_messages) applies the log to sms_messages and the counters exactly once. Events
-- logged before this migration were applied when recorded: the fold starts after them.
comment on table sms_monitor.sms_message_events is
  'Append-only log of every message event as received (repeats included), its status mapped, with the spelling '
  'the provider used and the optional attributes it carried; rollup_sms_messages folds it into sms_messages.';
comment on table sms_monitor.sms_messages is
  'One row per message: attributes joined from all its events (the first value given for each stays), the '
  'time of each status (the earliest reported), and the winning final status with the user its counter went to. '
  'Written only by the fold (rollup_sms_messages).';
insert into sms_monitor.sms_rollup_watermarks (rollup_name, last_id)
select 'sms_messages', coalesce(pg_sequence_last_value('sms_monitor.sms_message_events_id_seq'), 0)
on conflict (rollup_name) do nothing;
drop function if exists sms_monitor._apply_message_batch(jsonb, text);
--! Included functions/_fold_message_events.sql
-- The message fold (rollup_sms_messages): applies the logged message events with ids in
-- (p_from_id, p_to_id] to sms_messages and the counters, in a few set-based statements; returns
-- how many events it folded. Only the fold writes sms_messages, serialized by its claim's advisory
-- lock (_rollup_claim_range), so writers only append to the log and never update a shared row.
-- First the range's messages get their sms_messages row (in message_id order). Then, from each
-- message's state before (o) and after (f) the range:
--   - each (message, status) counts once: a repeat (or another spelling of the status, such as
--     read for delivered) may fill attributes still unknown and an earlier time: a status's time
--     is the earliest reported;
--   - attributes: the first value given for each stays (a carrier from a receipt, a sender from the
--     send: whichever event brings it; inside a range, the event logged first);
--   - counters, each from the state before and after, so order does not matter: sent_count +1 when
--     the message first has a sent time; the winning final status (highest final_rank) +1 on its
--     counter, and a final status that loses to a later-arriving higher one gives its 1 back (-1);
--     one avg_delivery_time_ms sample (delivered minus sent, at least 0) once it is delivered and
--     has a sent time, whichever came first, from the times known then (a later repeat with an
--     earlier time corrects sms_messages, not the sample taken); sms_cost_usd + the first price.
--     Each counter lands in the minute of the time it was counted at (final_at for the final
--     status, which is where a take-back goes), appended to sms_metric_events.
create or replace function sms_monitor._fold_message_events(p_from_id bigint, p_to_id bigint, p_tz text)
returns bigint
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
declare
  v_count bigint;
begin
  insert into sms_monitor.sms_messages as s (message_id)
  select i.id
    from (select distinct l.message_id as id from sms_monitor.sms_message_events l
           where l.id > p_from_id and l.id <= p_to_id) i
   order by i.id collate "C"
  on conflict on constraint sms_messages_pkey do update set updated_at = now();

  with e as (
    select l.id as n, l.message_id, l.status, l.occurred_at as t_at, l.user_id, coalesce(l.attributes, '{}'::jsonb) as v
      from sms_monitor.sms_message_events l
     where l.id > p_from_id and l.id <= p_to_id
  ), g as (
    select e.message_id,
           (array_agg(e.user_id order by e.n) filter (where e.user_id is not null))[1] as user_id,
           (array_agg(e.v ->> 'provider' order by e.n) filter (where e.v ->> 'provider' is not null))[1] as provider,
           (array_agg(e.v ->> 'sender' order by e.n) filter (where e.v ->> 'sender' is not null))[1] as sender,
           (array_agg(e.v ->> 'sender_type' order by e.n) filter (where e.v ->> 'sender_type' is not null))[1] as sender_type,
           (array_agg(e.v ->> 'carrier' order by e.n) filter (where e.v ->> 'carrier' is not null))[1] as carrier,
           (array_agg(e.v ->> 'country' order by e.n) filter (where e.v ->> 'country' is not null))[1] as country,
           (array_agg(e.v ->> 'error_code' order by e.n) filter (where e.v ->> 'error_code' is not null))[1] as error_code,
           (array_agg((e.v ->> 'segments')::smallint order by e.n) filter (where e.v ->> 'segments' is not null))[1] as segments,
           (array_agg(e.v ->> 'message_class' order by e.n) filter (where e.v ->> 'message_class' is not null))[1] as message_class,
           (array_agg((e.v ->> 'price_usd')::numeric order by e.n) filter (where e.v ->> 'price_usd' is not null))[1] as price_usd,
           (array_agg(e.t_at order by e.n) filter (where e.v ->> 'price_usd' is not null))[1] as price_at,
           min(e.t_at) filter (where e.status = 'queued') as queued_at,
           min(e.t_at) filter (where e.status = 'sent') as sent_at,
           min(e.t_at) filter (where e.status = 'delivered') as delivered_at,
           min(e.t_at) filter (where e.status = 'undelivered') as undelivered_at,
           min(e.t_at) filter (where e.status = 'failed') as failed_at,
           min(e.t_at) filter (where e.status = 'canceled') as canceled_at
      from e
     group by e.message_id
  ), n as (
    select o.message_id,
           coalesce(o.user_id, g.user_id) as user_id, coalesce(o.provider, g.provider) as provider,
           coalesce(o.sender, g.sender) as sender, coalesce(o.sender_type, g.sender_type) as sender_type,
           coalesce(o.carrier, g.carrier) as carrier, coalesce(o.country, g.country) as country,
           coalesce(o.error_code, g.error_code) as error_code, coalesce(o.segments, g.segments) as segments,
           coalesce(o.message_class, g.message_class) as message_class,
           case when o.price_usd is null then g.price_usd else o.price_usd end as price_usd,
           case when o.price_usd is null then g.price_at else o.price_at end as price_at,
           least(o.queued_at, g.queued_at) as queued_at, least(o.sent_at, g.sent_at) as sent_at,
           least(o.delivered_at, g.delivered_at) as delivered_at, least(o.undelivered_at, g.undelivered_at) as undelivered_at,
           least(o.failed_at, g.failed_at) as failed_at, least(o.canceled_at, g.canceled_at) as canceled_at,
           o.final_status as old_final, o.final_at as old_final_at, o.final_user_id as old_final_user,
           o.sent_at as old_sent_at, o.price_usd as old_price
      from g join sms_monitor.sms_messages o on o.message_id = g.message_id
  ), w as (
    select n.*, (select s.status from sms_monitor.sms_message_statuses s
                  where s.final_rank is not null
                    and case s.status when 'delivered' then n.delivered_at when 'undelivered' then n.undelivered_at
                                      when 'failed' then n.failed_at when 'canceled' then n.canceled_at end is not null
                  order by s.final_rank desc limit 1) as final_status
      from n
  ), f as (
    select w.*, w.final_status is distinct from w.old_final as final_changed,
           case when w.final_status is distinct from w.old_final
                then case w.final_status when 'delivered' then w.delivered_at when 'undelivered' then w.undelivered_at
                                         when 'failed' then w.failed_at when 'canceled' then w.canceled_at end
                else w.old_final_at end as final_at,
           case when w.final_status is distinct from w.old_final then w.user_id else w.old_final_user end as final_user_id
      from w
  ), effects as (
    select f.user_id, 'sent_count' as metric_type, 1::numeric as value, f.sent_at as t_at
      from f where f.old_sent_at is null and f.sent_at is not null
    union all
    select f.old_final_user, c.counter, -1, f.old_final_at
      from f join sms_monitor.sms_message_statuses c on c.status = f.old_final where f.final_changed
    union all
    select f.final_user_id, c.counter, 1, f.final_at
      from f join sms_monitor.sms_message_statuses c on c.status = f.final_status where f.final_changed
    union all
    select f.final_user_id, 'avg_delivery_time_ms', round(greatest(0, extract(epoch from f.delivered_at - f.sent_at) * 1000), 3),
           f.delivered_at
      from f
     where f.final_status = 'delivered' and f.sent_at is not null
       and not (f.old_final is not distinct from 'delivered' and f.old_sent_at is not null)
    union all
    select f.user_id, 'sms_cost_usd', f.price_usd, f.price_at
      from f where f.old_price is null and f.price_usd is not null
  ), counted as (
    insert into sms_monitor.sms_metric_events
      (user_id, metric_type, metric_date, metric_hour, metric_minute, metric_value, metadata)
    select coalesce(x.user_id, sms_monitor._system_wide_user()), x.metric_type, (l.t_local)::date,
           extract(hour from l.t_local)::smallint, extract(minute from l.t_local)::smallint, x.value, null
      from effects x cross join lateral (select x.t_at at time zone p_tz as t_local) l
    returning 1
  ), updated as (
    update sms_monitor.sms_messages s
       set user_id = f.user_id, provider = f.provider, sender = f.sender, sender_type = f.sender_type,
           carrier = f.carrier, country = f.country, error_code = f.error_code, segments = f.segments,
           price_usd = f.price_usd, price_at = f.price_at, message_class = f.message_class,
           queued_at = f.queued_at, sent_at = f.sent_at, delivered_at = f.delivered_at,
           undelivered_at = f.undelivered_at, failed_at = f.failed_at, canceled_at = f.canceled_at,
           final_status = f.final_status, final_at = f.final_at, final_user_id = f.final_user_id,
           updated_at = now()
      from f
     where s.message_id = f.message_id
    returning 1
  )
  select count(*) into v_count from e;
  return v_count;
end;
$$;

comment on function sms_monitor._fold_message_events(bigint, bigint, text) is
  'Internal: folds the logged message events (p_from_id, p_to_id] into sms_messages and appends the counter changes '
  'they cause; the caller holds the fold''s claim (rollup_sms_messages).';
revoke all on function sms_monitor._fold_message_events(bigint, bigint, text) from public;
--! EndIncluded functions/_fold_message_events.sql
--! Included functions/rollup_sms_messages.sql
-- The message fold (every 2 s by run_sms_rollups, before rollup_sms_metrics): claims the message
-- log rows past the 'sms_messages' watermark (_rollup_claim_range: serialized by an advisory lock,
-- waits out writers holding lower ids) and folds them into sms_messages and the counters
-- (_fold_message_events) in the same transaction, so every event is folded exactly once however
-- runs overlap, retry or die. Returns how many events it folded. Message events show in
-- sms_messages, the message reads and the counters once folded.
create or replace function sms_monitor.rollup_sms_messages()
returns bigint
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_range record;
  v_tz text;
begin
  select * into v_range
    from sms_monitor._rollup_claim_range('sms_messages', 'sms_monitor.sms_message_events',
                                         'sms_monitor.sms_message_events_id_seq');
  if v_range.to_id <= v_range.from_id then
    return 0;
  end if;
  select s.reporting_timezone into v_tz from sms_monitor.settings s;
  return sms_monitor._fold_message_events(v_range.from_id, v_range.to_id, v_tz);
end;
$$;

comment on function sms_monitor.rollup_sms_messages() is
  'Folds the message events past the watermark into sms_messages and the counters, exactly once (one transaction '
  'with the watermark); returns how many events.';
revoke all on function sms_monitor.rollup_sms_messages() from public;
grant execute on function sms_monitor.rollup_sms_messages() to sms_monitor_admin, sms_monitor_notifier;
--! EndIncluded functions/rollup_sms_messages.sql
--! Included functions/record_sms_message_events.sql
-- A batch of message events, all or nothing (docs/messages.md). Every element is checked first;
-- the first bad one raises 22023 naming events[i].field and nothing is written. Then every event
-- is appended to the log sms_message_events, its status mapped (repeats included: the log is the
-- raw truth). Writers only append; the fold (rollup_sms_messages, every 2 s) applies the log to
-- sms_messages and the counters, counting each (message, status) once whatever the order or
-- repetition. Returns how many events were accepted (whether a (message, status) is new is only
-- known when it is folded).
--
-- Exactly once with p_batch_id, as record_sms_events: the id is recorded in sms_ingest_batches (one
-- namespace with record_sms_events' ids) in the same transaction; a repeat returns the first result
-- and records nothing. Without an id a repeat is logged again and folds to nothing new (but a
-- repeat that brings an attribute still unknown fills it in).
-- Times: occurred_at within metric_retention_days and at most _max_clock_skew() ahead of the clock.
create or replace function sms_monitor.record_sms_message_events(p_events jsonb, p_batch_id uuid default null)
returns integer
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_count integer;
  v_first integer;
  v_problem text;
  v_tz text;
  v_days integer;
  v_now timestamptz := now();
  v_latest timestamptz;
  v_earliest timestamptz;
  v_earliest_day date;
  v_check_times boolean := false;
begin
  if p_events is null or jsonb_typeof(p_events) <> 'array' then
    raise exception 'events: must be a JSON array of message events (got %)',
      coalesce(jsonb_typeof(p_events), 'NULL') using errcode = '22023';
  end if;
  v_count := jsonb_array_length(p_events);
  if v_count > 100000 then
    raise exception 'events: % events is more than the 100000 allowed in one batch', v_count
      using errcode = '22023';
  end if;
  if p_batch_id is not null then
    -- waits for a concurrent call with the same id; the first committed result wins
    insert into sms_monitor.sms_ingest_batches as b (batch_id, recorded)
    values (p_batch_id, 0)
    on conflict (batch_id) do nothing;
    if not found then
      select b.recorded into v_first from sms_monitor.sms_ingest_batches b where b.batch_id = p_batch_id;
      return v_first;
    end if;
  end if;
  if v_count = 0 then
    return 0;
  end if;
  select s.reporting_timezone, s.metric_retention_days into v_tz, v_days from sms_monitor.settings s;

  v_latest := v_now + sms_monitor._max_clock_skew();
  v_earliest := v_now - make_interval(days => v_days + 2);
  v_earliest_day := (v_now at time zone v_tz)::date - v_days;
  -- The first bad element, in order. First try: the times are cast directly (one subtransaction
  -- for the batch instead of _is_timestamptz's one per element); a time that does not parse (a
  -- date like 2026-02-30 that looks right) aborts it, and the second try checks each time with
  -- _is_timestamptz first (CASE keeps that order), so it names the first bad element.
  loop
    begin
      select format('events[%s].%s', e.n - 1, p.problem)
        into v_problem
        from jsonb_array_elements(p_events) with ordinality as e(v, n)
        cross join lateral (
          select case when jsonb_typeof(e.v) = 'object'
                      then sms_monitor._sms_message_status(e.v ->> 'provider', e.v ->> 'status') end as status
        ) st
        cross join lateral (
          select coalesce(sms_monitor._message_event_problem(e.v, st.status), case
            when case when v_check_times then not sms_monitor._is_timestamptz(e.v ->> 'occurred_at') else false end then
              format('occurred_at: %s is not a valid time', e.v ->> 'occurred_at')
            when (e.v ->> 'occurred_at')::timestamptz > v_latest then
              format('occurred_at: %s is more than %s ahead of the server clock (%s)', e.v ->> 'occurred_at',
                     sms_monitor._max_clock_skew(), to_char(v_now at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'))
            when (e.v ->> 'occurred_at')::timestamptz < v_earliest
              or ((e.v ->> 'occurred_at')::timestamptz at time zone v_tz)::date < v_earliest_day then
              format('occurred_at: %s is older than the %s days retention keeps (earliest day: %s)',
                     e.v ->> 'occurred_at', v_days, v_earliest_day)
          end) as problem
        ) p
       where p.problem is not null
       order by e.n
       limit 1;
      exit;
    exception when invalid_datetime_format or datetime_field_overflow then
      -- a time that does not parse: again, checking each time first (that try cannot raise these)
      if v_check_times then
        raise;
      end if;
      v_check_times := true;
    end;
  end loop;
  if v_problem is not null then
    raise exception '%', v_problem using errcode = '22023';
  end if;

  insert into sms_monitor.sms_message_events (message_id, status, provider_status, occurred_at, user_id, attributes)
  select e.v ->> 'message_id', sms_monitor._sms_message_status(e.v ->> 'provider', e.v ->> 'status'), e.v ->> 'status',
         (e.v ->> 'occurred_at')::timestamptz, (e.v ->> 'user_id')::uuid,
         nullif(e.v - array['message_id', 'status', 'occurred_at', 'user_id'], '{}'::jsonb)
    from jsonb_array_elements(p_events) with ordinality as e(v, n)
   order by e.n;
  if p_batch_id is not null then
    update sms_monitor.sms_ingest_batches b set recorded = v_count where b.batch_id = p_batch_id;
  end if;
  return v_count;
end;
$$;

comment on function sms_monitor.record_sms_message_events(jsonb, uuid) is
  'Records a JSON array of message events {message_id, status, occurred_at, user_id?, provider?, sender?, '
  'sender_type?, carrier?, country?, error_code?, segments?, price_usd?, message_class?} all or nothing into the '
  'append-only log; the fold (rollup_sms_messages) counts each (message, status) once into sent/delivered/failed/'
  'cancelled counts, delivery time and cost. Returns how many events were accepted; 22023 names events[i].field. '
  'A repeated p_batch_id records nothing and returns the first result.';
revoke all on function sms_monitor.record_sms_message_events(jsonb, uuid) from public;
grant execute on function sms_monitor.record_sms_message_events(jsonb, uuid) to sms_monitor_writer, sms_monitor_admin;
--! EndIncluded functions/record_sms_message_events.sql
--! Included functions/record_sms_message_event.sql
-- One message event: the single-event form of record_sms_message_events (same rules, same
-- counting). p_attributes holds the optional fields (user_id, provider, sender, sender_type,
-- carrier, country, error_code, segments, price_usd, message_class). Errors name the field without
-- the events[0] prefix. Returns 1 (the event was accepted into the log; the fold counts it).
create or replace function sms_monitor.record_sms_message_event(
  p_message_id text,
  p_status text,
  p_occurred_at timestamptz,
  p_attributes jsonb default '{}'::jsonb
)
returns integer
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
begin
  if p_occurred_at is null then
    raise exception 'occurred_at: is required' using errcode = '22023';
  end if;
  if not isfinite(p_occurred_at) then
    raise exception 'occurred_at: must be a finite time' using errcode = '22023';
  end if;
  if p_attributes is null or jsonb_typeof(p_attributes) <> 'object' then
    raise exception 'attributes: must be a JSON object (got %)', coalesce(jsonb_typeof(p_attributes), 'NULL')
      using errcode = '22023';
  end if;
  if p_attributes ?| array['message_id', 'status', 'occurred_at'] then
    raise exception 'attributes: must not hold message_id, status or occurred_at (they are arguments)'
      using errcode = '22023';
  end if;
  return sms_monitor.record_sms_message_events(jsonb_build_array(p_attributes || jsonb_build_object(
    'message_id', p_message_id, 'status', p_status,
    'occurred_at', to_char(p_occurred_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))));
exception when sqlstate '22023' then
  -- the same check as the batch form, named as this function's arguments
  raise exception '%', regexp_replace(sqlerrm, '^events\[0\]\.', '') using errcode = '22023';
end;
$$;

comment on function sms_monitor.record_sms_message_event(text, text, timestamptz, jsonb) is
  'Records one message event (the optional fields in p_attributes) like record_sms_message_events; returns 1 (accepted; '
  'rollup_sms_messages folds it). 22023 names the field.';
revoke all on function sms_monitor.record_sms_message_event(text, text, timestamptz, jsonb) from public;
grant execute on function sms_monitor.record_sms_message_event(text, text, timestamptz, jsonb)
  to sms_monitor_writer, sms_monitor_admin;
--! EndIncluded functions/record_sms_message_event.sql
--! Included functions/run_sms_rollups.sql
-- The pg_cron rollup job's body (sms-monitor-rollup, every minute): runs rollup_sms_messages() (the
-- message fold, whose counters go to sms_metric_events) and then rollup_sms_metrics() every
-- p_pause_seconds (default 2) for p_seconds (default 45), committing after each run, so the
-- not-yet-rolled-up tail that live reads add stays a few seconds long instead of a minute
-- (pg_cron 1.4 schedules whole minutes only; it does not start a job while its last run is active).
-- A procedure so that it can commit: it must be CALLed outside an explicit transaction block, and
-- it is security invoker without a SET clause (either would forbid COMMIT); every name is
-- schema-qualified. Each run is exactly once on its own (both rollups), so stopping it at any
-- point loses and doubles nothing.
create or replace procedure sms_monitor.run_sms_rollups(
  p_seconds integer default 45,
  p_pause_seconds double precision default 2
)
language plpgsql
as $$
declare
  v_until timestamptz;
begin
  if p_seconds is null or p_seconds < 0 or p_seconds > 3600 then
    raise exception 'seconds: must be between 0 and 3600 (got %)', coalesce(p_seconds::text, 'NULL')
      using errcode = '22023';
  end if;
  if p_pause_seconds is null or not (p_pause_seconds between 0.1 and 60) then
    raise exception 'pause_seconds: must be between 0.1 and 60 (got %)', coalesce(p_pause_seconds::text, 'NULL')
      using errcode = '22023';
  end if;
  v_until := pg_catalog.clock_timestamp() + pg_catalog.make_interval(secs => p_seconds);
  loop
    perform sms_monitor.rollup_sms_messages();
    commit;
    perform sms_monitor.rollup_sms_metrics();
    commit;
    exit when pg_catalog.clock_timestamp() + pg_catalog.make_interval(secs => p_pause_seconds) >= v_until;
    perform pg_catalog.pg_sleep(p_pause_seconds);
  end loop;
end;
$$;

comment on procedure sms_monitor.run_sms_rollups(integer, double precision) is
  'The rollup job: rollup_sms_messages() and rollup_sms_metrics() every p_pause_seconds (2) for p_seconds (45), '
  'committing each run. CALL it '
  'outside a transaction block. Bad arguments: 22023.';
revoke all on procedure sms_monitor.run_sms_rollups(integer, double precision) from public;
grant execute on procedure sms_monitor.run_sms_rollups(integer, double precision) to sms_monitor_admin;
--! EndIncluded functions/run_sms_rollups.sql
-- Ingest: the event-time shape check is one regular expression; the batch
-- insert parses and converts each event's time once.
--! Included functions/_looks_like_iso_time_with_offset.sql
-- Cheap shape check for event times: a date (digits and two dashes), a time (digits, ':' and '.'
-- only) and an explicit offset (Z, +hh, +hhmm or +hh:mm, digits only). A time without an offset
-- would be read in the session's zone, which differs between services: the bug that split a send
-- and its delivery across days; a zone name or anything else between the time and the offset
-- (2026-12-01T10:00:00 Mars/Phobos+01:00, which PostgreSQL would read somehow) is refused too.
-- It runs once per event in record_sms_events, inlined, so each use of p_text re-evaluates the
-- caller's argument (a jsonb ->>): one anchored regular expression (compiled once per backend) uses
-- it three times, where a chain of string functions would use it a dozen times at about twice the
-- cost per event. ASCII digits only ([0-9], not \d). The cast checks the calendar and the offset's range.
create or replace function sms_monitor._looks_like_iso_time_with_offset(p_text text)
returns boolean
language sql
immutable
parallel safe
as $$
  select p_text is null
      or (length(p_text) between 17 and 40
          and p_text ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9:.]*([Zz]|[+-][0-9]{2}(:?[0-9]{2})?)$');
$$;

comment on function sms_monitor._looks_like_iso_time_with_offset(text) is
  'Internal: whether an event time is a date, a time and an explicit UTC offset and nothing else (cheap, one regex).';
revoke all on function sms_monitor._looks_like_iso_time_with_offset(text) from public;
--! EndIncluded functions/_looks_like_iso_time_with_offset.sql
--! Included functions/record_sms_events.sql
-- A batch of events, all or nothing. Elements are validated first (the error names the first bad
-- element: events[i].field; per-element casts that can fail, UUIDs and times, are checked on a slow
-- path only when the insert's cast fails), then every event is appended to sms_metric_events in one
-- statement: no row another writer updates, so concurrent batches never wait on each other.
--
-- Exactly once with p_batch_id: the id is recorded in sms_ingest_batches in the same transaction
-- as the events, with the result. A second call with the same id (a client retrying a batch whose
-- reply it never saw) records nothing and returns the first call's result; a call that arrives
-- while the first is still running waits for it (the primary key) and then does the same, or
-- records the batch itself if the first rolled back. Ids are kept 7 days (apply_sms_retention).
-- Times: occurred_at must lie within metric_retention_days and at most _max_clock_skew() (5
-- minutes) ahead of the server clock.
create or replace function sms_monitor.record_sms_events(p_events jsonb, p_batch_id uuid default null)
returns integer
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_count integer;
  v_tz text;
  v_problem text;
  v_now timestamptz := now();
  v_latest timestamptz := now() + sms_monitor._max_clock_skew();
  v_earliest timestamp;
  v_days integer;
  v_first integer;
begin
  if p_events is null or jsonb_typeof(p_events) <> 'array' then
    raise exception 'events: must be a JSON array of event objects (got %)',
      coalesce(jsonb_typeof(p_events), 'NULL') using errcode = '22023';
  end if;
  v_count := jsonb_array_length(p_events);
  if v_count > 100000 then
    raise exception 'events: % events is more than the 100000 allowed in one batch', v_count
      using errcode = '22023';
  end if;
  if p_batch_id is not null then
    -- waits for a concurrent call with the same id; the first committed result wins
    insert into sms_monitor.sms_ingest_batches as b (batch_id, recorded)
    values (p_batch_id, v_count)
    on conflict (batch_id) do nothing;
    if not found then
      select b.recorded into v_first from sms_monitor.sms_ingest_batches b where b.batch_id = p_batch_id;
      return v_first;
    end if;
  end if;
  if v_count = 0 then
    return 0;
  end if;
  select s.reporting_timezone, s.metric_retention_days into v_tz, v_days from sms_monitor.settings s;
  v_earliest := ((v_now at time zone v_tz)::date - v_days)::timestamp;

  select format('events[%s].%s', e.n - 1, p.problem)
    into v_problem
    from (
      -- the texts read more than once, read once per element (OFFSET 0: not pasted into each use)
      select e.v, e.n, e.v ->> 'metric_type' as metric_type, e.v ->> 'occurred_at' as occurred_at
        from jsonb_array_elements(p_events) with ordinality as e(v, n)
      offset 0
    ) e
    left join sms_monitor.metric_types t on t.metric_type = e.metric_type
    cross join lateral (
      select case
        when jsonb_typeof(e.v) <> 'object' then
          format('(element): must be an object (got %s)', jsonb_typeof(e.v))
        when e.v - array['metric_type', 'user_id', 'value', 'occurred_at', 'metadata'] <> '{}'::jsonb then
          (select case when k ~ '^[a-z_][a-z0-9_]{0,62}$'
                       then format('%s: unknown field (allowed: metric_type, user_id, value, occurred_at, metadata)', k)
                       -- a key that is no name (empty, punctuation, huge): quoted, cut, after "(element)"
                       else format('(element): unknown field %s (allowed: metric_type, user_id, value, occurred_at, metadata)',
                                   to_json(left(k, 40))::text) end
             from jsonb_object_keys(e.v) k
            where k not in ('metric_type', 'user_id', 'value', 'occurred_at', 'metadata') limit 1)
        when jsonb_typeof(e.v -> 'metric_type') is distinct from 'string' then
          'metric_type: is required and must be a string'
        when coalesce(jsonb_typeof(e.v -> 'user_id'), 'null') not in ('string', 'null') then
          'user_id: must be a UUID string or null'
        when coalesce(jsonb_typeof(e.v -> 'value'), 'number') <> 'number' then
          'value: must be a JSON number'
        when coalesce(jsonb_typeof(e.v -> 'occurred_at'), 'null') not in ('string', 'null')
          or not sms_monitor._looks_like_iso_time_with_offset(e.occurred_at) then
          'occurred_at: must be an ISO 8601 time with an offset, e.g. 2026-03-29T01:30:00Z'
        when coalesce(jsonb_typeof(e.v -> 'metadata'), 'null') not in ('object', 'null') then
          'metadata: must be a JSON object'
        else sms_monitor._metric_problem(
          t.kind, e.metric_type, coalesce((e.v ->> 'value')::numeric, 1), nullif(e.v -> 'metadata', 'null'::jsonb), 'value')
      end as problem
    ) p
   where p.problem is not null
   order by e.n
   limit 1;
  if v_problem is not null then
    raise exception '%', v_problem using errcode = '22023';
  end if;

  begin
    -- Each derived value is computed once per element: the two OFFSET 0 keep the planner from
    -- pasting the time expression into every place that uses it (one timestamptz parse and one
    -- time-zone conversion per event, not a dozen).
    insert into sms_monitor.sms_metric_events
      (user_id, metric_type, metric_date, metric_hour, metric_minute, metric_value, metadata)
    select coalesce((x.v ->> 'user_id')::uuid, sms_monitor._system_wide_user()),
           x.v ->> 'metric_type',
           x.at_local::date,
           date_part('hour', x.at_local),
           date_part('minute', x.at_local),
           coalesce((x.v ->> 'value')::numeric, 1),
           nullif(nullif(x.v -> 'metadata', 'null'::jsonb), '{}'::jsonb)
      from (
        -- the bounds are plain comparisons; the raise runs only for a bad element
        select t0.v,
               case
                 when t0.at > v_latest then sms_monitor._raise_22023(format(
                   'events[%s].occurred_at: %s is more than %s ahead of the server clock (%s)', t0.n - 1,
                   t0.v ->> 'occurred_at', sms_monitor._max_clock_skew(),
                   to_char(v_now at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')))::text::timestamp
                 when t0.at < v_now - make_interval(days => v_days + 2) or (t0.at at time zone v_tz) < v_earliest
                   then sms_monitor._raise_22023(format(
                   'events[%s].occurred_at: %s is older than the %s days retention keeps (earliest day: %s)', t0.n - 1,
                   t0.v ->> 'occurred_at', v_days, v_earliest::date))::text::timestamp
                 else t0.at at time zone v_tz
               end as at_local
          from (
            select e.v, e.n, coalesce((e.v ->> 'occurred_at')::timestamptz, v_now) as at
              from jsonb_array_elements(p_events) with ordinality as e(v, n)
            offset 0
          ) t0
        offset 0
      ) x;
  exception when invalid_text_representation or datetime_field_overflow or invalid_datetime_format
    or invalid_time_zone_displacement_value then
    -- The cheap checks passed but a cast did not (a malformed UUID, February 30th): the casts
    -- run only here, on the slow path, to name the first element that fails.
    select case
             when not sms_monitor._is_uuid(e.v ->> 'user_id') then
               format('events[%s].user_id: must be a UUID string or null', e.n - 1)
             else format('events[%s].occurred_at: %s is not a valid time', e.n - 1, e.v ->> 'occurred_at')
           end
      into v_problem
      from jsonb_array_elements(p_events) with ordinality as e(v, n)
     where not sms_monitor._is_uuid(e.v ->> 'user_id')
        or not sms_monitor._is_timestamptz(e.v ->> 'occurred_at')
     order by e.n
     limit 1;
    raise exception '%', coalesce(v_problem, 'events: ' || sqlerrm) using errcode = '22023';
  end;
  return v_count;
end;
$$;

comment on function sms_monitor.record_sms_events(jsonb, uuid) is
  'Records a JSON array of events {metric_type, user_id?, value?, occurred_at?, metadata?} all or '
  'nothing; returns how many were recorded. The first bad element raises 22023 naming events[i].field. '
  'With p_batch_id the batch is recorded at most once: a repeated id records nothing and returns the first result '
  '(ids kept 7 days).';
revoke all on function sms_monitor.record_sms_events(jsonb, uuid) from public;
grant execute on function sms_monitor.record_sms_events(jsonb, uuid) to sms_monitor_writer, sms_monitor_admin;
--! EndIncluded functions/record_sms_events.sql

-- ==== Silences of one value of a per-dimension rule ====
-- group_value NULL: every value of the rule (or every rule, alert_type NULL); else only the
-- incidents of that value (one carrier, one sender) are held back.
alter table sms_monitor.sms_alert_silences add column if not exists group_value text;
alter table sms_monitor.sms_alert_silences
  drop constraint if exists sms_alert_silences_group_value_check,
  add constraint sms_alert_silences_group_value_check
    check (group_value is null or (alert_type is not null and btrim(group_value) <> '' and length(group_value) <= 200));
comment on column sms_monitor.sms_alert_silences.group_value is
  'NULL: the whole rule (every rule when alert_type is NULL). Else the one value of the rule''s group_by it silences.';
drop function if exists sms_monitor.silence_sms_alerts(text, timestamptz, text, timestamptz);
--! Included functions/silence_sms_alerts.sql
-- Silences one rule (or every rule when p_alert_type is NULL) from p_starts_at (default now) until
-- p_until; with p_group_value, only that value of a per-dimension rule (one carrier, one sender:
-- the rule's other values still page). Incidents that open or stay open meanwhile are recorded, marked silenced and not
-- notified (no trigger, no repeat); when the silence ends and the incident is still open, the next
-- check announces it. Returns the silence (its id lifts it early: lift_sms_alert_silence).
create or replace function sms_monitor.silence_sms_alerts(
  p_alert_type text,
  p_until timestamptz,
  p_reason text,
  p_starts_at timestamptz default null,
  p_group_value text default null
)
returns sms_monitor.sms_alert_silences
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_start timestamptz := coalesce(p_starts_at, now());
  v_row sms_monitor.sms_alert_silences;
begin
  if p_alert_type is not null
     and not exists (select from sms_monitor.sms_alert_thresholds t where t.alert_type = p_alert_type) then
    raise exception 'alert_type: unknown rule % (NULL silences every rule)', quote_literal(p_alert_type)
      using errcode = '22023';
  end if;
  if p_group_value is not null then
    if p_alert_type is null then
      raise exception 'group_value: name the rule (alert_type) whose value to silence' using errcode = '22023';
    end if;
    if (select t.group_by from sms_monitor.sms_alert_thresholds t where t.alert_type = p_alert_type) is null then
      raise exception 'group_value: rule % is evaluated system-wide (no group_by): it has no values to silence',
        quote_literal(p_alert_type) using errcode = '22023';
    end if;
    if btrim(p_group_value) = '' or length(p_group_value) > 200 then
      raise exception 'group_value: must be 1 to 200 characters, not blank (got % characters)', length(p_group_value)
        using errcode = '22023';
    end if;
  end if;
  if not isfinite(v_start) then
    raise exception 'starts_at: must be a finite time' using errcode = '22023';
  end if;
  if p_until is null or not isfinite(p_until) then
    raise exception 'until: is required and must be a finite time' using errcode = '22023';
  end if;
  if v_start < now() - interval '1 day' or v_start > now() + interval '366 days' then
    raise exception 'starts_at: % must lie between a day ago and 366 days ahead', v_start using errcode = '22023';
  end if;
  if p_until <= v_start then
    raise exception 'until: % is not after the start of the silence (%)', p_until, v_start using errcode = '22023';
  end if;
  if p_until <= now() then
    raise exception 'until: % is in the past: such a silence would silence nothing', p_until using errcode = '22023';
  end if;
  if p_until > v_start + interval '90 days' then
    raise exception 'until: % is more than 90 days after the start of the silence (%): disable the rule instead',
      p_until, v_start using errcode = '22023';
  end if;
  if p_reason is null or btrim(p_reason) = '' then
    raise exception 'reason: is required (say why, for whoever wonders where the alerts went)' using errcode = '22023';
  end if;
  if length(p_reason) > 500 then
    raise exception 'reason: % characters is more than the 500 allowed', length(p_reason) using errcode = '22023';
  end if;
  insert into sms_monitor.sms_alert_silences (alert_type, group_value, starts_at, ends_at, reason, created_by)
  values (p_alert_type, p_group_value, v_start, p_until, btrim(p_reason), sms_monitor._audit_subject())
  returning * into v_row;
  return v_row;
end;
$$;

comment on function sms_monitor.silence_sms_alerts(text, timestamptz, text, timestamptz, text) is
  'Silences a rule (NULL = all), or one value of a per-dimension rule (p_group_value), from p_starts_at (default '
  'now) until p_until: incidents are recorded, not notified, and announced when the silence ends if still open. '
  'Returns the silence row.';
revoke all on function sms_monitor.silence_sms_alerts(text, timestamptz, text, timestamptz, text) from public;
grant execute on function sms_monitor.silence_sms_alerts(text, timestamptz, text, timestamptz, text) to sms_monitor_admin;
--! EndIncluded functions/silence_sms_alerts.sql
--! Included functions/_alert_evaluate_value.sql
-- One step of the alert engine (_alert_evaluate, which has locked the rule): an enabled rule, for
-- one value of its group_by (p_group; NULL for a system-wide rule), with its metric value, sample
-- and detail at p_now. Moves that value's incident along and stores its state: a system-wide rule
-- in sms_alert_rule_state, a value of a per-dimension rule in sms_alert_group_state. Returns the
-- action (see _alert_evaluate.sql), the incident, and what it reports.
create or replace function sms_monitor._alert_evaluate_value(
  p_now timestamptz, p_preview boolean, p_alert_type text, p_group text,
  p_value numeric, p_sample bigint, p_detail text, p_values_error text
)
returns table (action text, alert_id uuid, metric_value numeric, sample_size bigint, detail text)
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
#variable_conflict use_column
declare
  v_rule record;
  v_pending_since timestamptz;
  v_open sms_monitor.sms_alert_history;
  v_no_data boolean;
  v_breached boolean;
  v_recovered boolean;
  v_silenced boolean;
  v_action text;
  v_alert uuid;
begin
  select t.alert_type, t.metric, t.comparison, t.threshold_value, t.recovery_value, t.window_minutes,
         t.min_sample, t.pending_minutes, t.cooldown_minutes, t.severity, t.notification_channels,
         t.group_by, m.label, m.unit
    into strict v_rule
    from sms_monitor.sms_alert_thresholds t
    join sms_monitor.sms_alert_metrics m on m.metric = t.metric
   where t.alert_type = p_alert_type;

  if p_group is null then
    select s.pending_since into v_pending_since from sms_monitor.sms_alert_rule_state s where s.alert_type = p_alert_type;
  else
    select s.pending_since into v_pending_since
      from sms_monitor.sms_alert_group_state s where s.alert_type = p_alert_type and s.group_value = p_group;
  end if;
  select * into v_open from sms_monitor.sms_alert_history h
   where h.alert_type = p_alert_type and h.resolved_at is null and h.group_value is not distinct from p_group;
  v_alert := v_open.id;

  v_no_data := p_value is null or coalesce(p_sample, 0) < v_rule.min_sample;
  v_breached := not v_no_data and sms_monitor._alert_compare(p_value, v_rule.comparison, v_rule.threshold_value);
  v_recovered := not v_no_data and not sms_monitor._alert_compare(
    p_value, v_rule.comparison, coalesce(v_rule.recovery_value, v_rule.threshold_value));
  v_silenced := exists (
    select from sms_monitor.sms_alert_silences s
     where (s.alert_type is null or s.alert_type = p_alert_type)
       and (s.group_value is null or s.group_value = p_group)
       and s.starts_at <= p_now and s.ends_at > p_now
       and (s.lifted_at is null or s.lifted_at > p_now));

  if v_open.id is null then
    if not v_breached then
      v_action := case when v_no_data then 'no_data' else 'ok' end;
      v_pending_since := null;
    elsif v_rule.pending_minutes > 0
          and coalesce(v_pending_since, p_now) + make_interval(mins => v_rule.pending_minutes) > p_now then
      v_action := 'pending';
      v_pending_since := coalesce(v_pending_since, p_now);
    else
      -- dedup_key is fixed here, at open, for every later event of the incident (a renamed
      -- rule keeps its incidents' keys): _alert_history_dedup_key sets it from the id and the value
      insert into sms_monitor.sms_alert_history as h
        (alert_type, severity, metric, comparison, metric_value, threshold_value, recovery_value,
         window_minutes, sample_size, message, triggered_at, last_value, last_evaluated_at, silenced,
         last_notified_at, group_by, group_value)
      values
        (p_alert_type, v_rule.severity, v_rule.metric, v_rule.comparison, p_value,
         v_rule.threshold_value, v_rule.recovery_value, v_rule.window_minutes, p_sample,
         format('%s%s is %s (threshold: %s %s) over the last %s min: %s.', v_rule.label,
           case when p_group is not null then format(' on %s %s', replace(v_rule.group_by, '_', ' '), p_group) end,
           sms_monitor._alert_format_value(p_value, v_rule.unit), v_rule.comparison,
           sms_monitor._alert_format_value(v_rule.threshold_value, v_rule.unit), v_rule.window_minutes, p_detail),
         p_now, p_value, p_now, v_silenced, case when v_silenced then null else p_now end,
         case when p_group is not null then v_rule.group_by end, p_group)
      returning h.id into v_alert;
      if v_silenced then
        v_action := 'silenced';
      else
        if not p_preview then
          perform sms_monitor._alert_enqueue(v_alert, 'trigger', v_rule.notification_channels);
        end if;
        v_action := 'fired';
      end if;
      v_pending_since := null;
    end if;
  else
    v_pending_since := null;
    if v_no_data then
      v_action := 'no_data';
      update sms_monitor.sms_alert_history h set last_evaluated_at = p_now where h.id = v_open.id;
    elsif v_recovered then
      update sms_monitor.sms_alert_history h
         set resolved_at = greatest(p_now, h.acknowledged_at), resolved_by = 'auto', resolution_value = p_value,
             last_value = p_value, last_evaluated_at = p_now, silenced = false
       where h.id = v_open.id;
      if not p_preview then
        perform sms_monitor._alert_enqueue(v_open.id, 'resolve', sms_monitor._alert_told_channels(v_open.id));
      end if;
      v_action := 'resolved';
    else
      -- (silenced is left alone: it says "opened under a silence and not announced yet")
      update sms_monitor.sms_alert_history h
         set last_value = p_value, last_evaluated_at = p_now
       where h.id = v_open.id;
      if v_silenced then
        v_action := 'silenced';
      elsif v_open.last_notified_at is null and v_breached then
        -- opened under a silence that has ended, and still breached: announce it now (in the
        -- hysteresis band it waits: it either breaches again or resolves without a word)
        update sms_monitor.sms_alert_history h set last_notified_at = p_now, silenced = false where h.id = v_open.id;
        if not p_preview then
          perform sms_monitor._alert_enqueue(v_open.id, 'trigger', v_rule.notification_channels);
          if v_open.acknowledged_at is not null then
            -- acknowledged while nobody had been told: tell them both now
            perform sms_monitor._alert_enqueue(v_open.id, 'acknowledge', v_rule.notification_channels);
          end if;
        end if;
        v_action := 'unsilenced';
      elsif not v_breached then
        v_action := 'recovering';
      elsif v_open.acknowledged_at is not null then
        v_action := 'acknowledged';
      elsif v_open.last_notified_at + make_interval(mins => v_rule.cooldown_minutes) <= p_now then
        update sms_monitor.sms_alert_history h
           set last_notified_at = p_now, repeat_count = h.repeat_count + 1
         where h.id = v_open.id;
        if not p_preview then
          perform sms_monitor._alert_enqueue(v_open.id, 'repeat', v_rule.notification_channels);
        end if;
        v_action := 'repeated';
      else
        v_action := 'cooldown';
      end if;
    end if;
  end if;

  if p_group is null then
    update sms_monitor.sms_alert_rule_state s
       set pending_since = v_pending_since, last_evaluated_at = p_now, last_action = v_action,
           last_value = p_value, last_sample_size = p_sample, last_error = p_values_error
     where s.alert_type = p_alert_type;
  else
    insert into sms_monitor.sms_alert_group_state as s
      (alert_type, group_value, pending_since, last_evaluated_at, last_action, last_value, last_sample_size)
    values (p_alert_type, p_group, v_pending_since, p_now, v_action, p_value, p_sample)
    on conflict on constraint sms_alert_group_state_pkey do update
      set pending_since = excluded.pending_since, last_evaluated_at = excluded.last_evaluated_at,
          last_action = excluded.last_action, last_value = excluded.last_value,
          last_sample_size = excluded.last_sample_size;
  end if;

  action := v_action;
  alert_id := v_alert;
  metric_value := p_value;
  sample_size := p_sample;
  detail := case when p_values_error is null then p_detail else concat_ws(' ', p_detail, '(' || p_values_error || ')') end;
  return next;
end;
$$;

comment on function sms_monitor._alert_evaluate_value(timestamptz, boolean, text, text, numeric, bigint, text, text) is
  'Internal: the alert engine''s step for one enabled rule and one value of its group_by (NULL: system-wide): '
  'opens, repeats, resolves the value''s incident and stores its state; returns the action.';
revoke all on function sms_monitor._alert_evaluate_value(timestamptz, boolean, text, text, numeric, bigint, text, text) from public;
--! EndIncluded functions/_alert_evaluate_value.sql
--! Included views/sms_alert_status.sql
-- One row per rule: its settings, what the last check did, the open incident (if any) and until
-- when it is silenced (as a whole: a silence of one value of a per-dimension rule is not counted). For operators in psql and for dashboards. security_invoker: the caller's own
-- rights on the underlying tables apply (readers and admins). notifications_waiting and
-- delivery_status tell what waits in the outbox for the rule's incidents and why, e.g.
-- '2 waiting: pagerduty not configured' (no live notifier serves the channel: see
-- sms_notifier_heartbeats) or '1 waiting: slack retrying (slack: HTTP 429)'.
create or replace view sms_monitor.sms_alert_status with (security_invoker = true) as
select t.alert_type,
       t.is_enabled,
       t.severity,
       t.metric,
       t.comparison,
       t.threshold_value,
       t.recovery_value,
       t.window_minutes,
       s.last_evaluated_at,
       s.last_action,
       s.last_value,
       s.last_sample_size,
       s.pending_since,
       h.id as open_alert_id,
       h.triggered_at,
       h.acknowledged_at,
       h.silenced,
       h.notification_status,
       (select max(x.ends_at)
          from sms_monitor.sms_alert_silences x
         where (x.alert_type is null or x.alert_type = t.alert_type) and x.group_value is null
           and x.starts_at <= now() and x.ends_at > now() and x.lifted_at is null) as silenced_until,
       s.last_error,
       coalesce(w.waiting, 0) as notifications_waiting,
       w.delivery_status
  from sms_monitor.sms_alert_thresholds t
  left join sms_monitor.sms_alert_rule_state s on s.alert_type = t.alert_type
  -- a per-dimension rule may have several open incidents (one per value): the oldest stands for it here
  left join lateral (
    select x.* from sms_monitor.sms_alert_history x
     where x.alert_type = t.alert_type and x.resolved_at is null
     order by x.triggered_at, x.id limit 1
  ) h on true
  left join lateral (
    select sum(r.n)::integer as waiting,
           format('%s waiting: %s', sum(r.n),
             case when count(*) = 1 then min(r.reason)
                  else string_agg(format('%s (%s)', r.reason, r.n), ', ' order by r.reason) end) as delivery_status
      from (
        select q.kind || case when q.kind like '% retrying' then coalesce(' (' || left((array_agg(q.last_error
                 order by q.updated_at desc) filter (where q.last_error is not null))[1], 200) || ')', '') else '' end as reason,
               count(*) as n
          from (
            select n.last_error, n.updated_at,
                   case
                     when n.channel <> 'log' and not exists (
                       select from sms_monitor.sms_notifier_heartbeats b
                        where b.expires_at > now() and n.channel = any(b.channels))
                       then n.channel || ' not configured'
                     when n.retries > 0 then n.channel || ' retrying'
                     else n.channel || ' queued'
                   end as kind
              from sms_monitor.sms_alert_notifications n
              join sms_monitor.sms_alert_history a on a.id = n.alert_id
             where a.alert_type = t.alert_type and n.status = 'pending'
          ) q
         group by q.kind
      ) r
     having sum(r.n) > 0
  ) w on true;

comment on view sms_monitor.sms_alert_status is
  'One row per alert rule: settings, the last check''s action and value, the open incident and the end of an '
  'active silence (silenced_until); last_error = "SQLSTATE: message" when the last evaluation failed (last_action error); '
  'notifications_waiting and delivery_status: what waits in the outbox and why (e.g. "2 waiting: pagerduty not configured").';
revoke all on sms_monitor.sms_alert_status from public;
grant select on sms_monitor.sms_alert_status to sms_monitor_reader;
--! EndIncluded views/sms_alert_status.sql
