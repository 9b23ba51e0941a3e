--! Previous: sha1:9f3c4f42c3342b570454eae73ed0ab8783e9ad44
--! Hash: sha1:6d564d4ba4773e12a867602b7db09f5df26abd00
--! Message: alert engine, outbox, dashboard functions, faster recording

-- Migration 2: the alert engine (rules, incidents, silences, the notification outbox and its
-- claim/complete functions, pg_cron schedules and retention), the six dashboard functions, and
-- follow-ups to migration 1 (faster recording, the daily view populated from the start).

-- == foundation follow-ups (issue 2) ==
-- Recording got faster (docs/benchmarks.md): helpers lose their SET clause so the planner inlines
-- them, record_sms_metric becomes PL/pgSQL (cached plans), batch casts move to a slow path taken
-- only on bad input, and fillfactor 80 keeps bucket increments HOT updates.
--! Included functions/_metric_problem.sql
-- What is wrong with one metric value, or NULL when nothing is. No SET clause on purpose: the
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
    when p_metric_value >= 1e15 then format(p_value_field || ': %s is implausibly large', p_metric_value)
    when p_metadata is not null and jsonb_typeof(p_metadata) <> 'object' then
      'metadata: must be a JSON object'
    when octet_length(p_metadata::text) > 4096 then format(
      'metadata: %s bytes is more than the 4096 allowed', octet_length(p_metadata::text))
  end;
$$;

comment on function sms_monitor._metric_problem(text, text, numeric, jsonb, text) is
  'Internal: the validation rules for one recorded value; returns "<field>: <problem>" or NULL.';
revoke all on function sms_monitor._metric_problem(text, text, numeric, jsonb, text) from public;
--! EndIncluded functions/_metric_problem.sql
--! Included functions/_merge_metadata.sql
-- Merge metadata of repeated recordings into one bucket, keeping it bounded: keys merge (later
-- values win); once the merged object would pass 16 KiB, the bucket keeps what it had and is
-- marked "_metadata_truncated" so nobody mistakes it for complete. No SET clause, so it inlines
-- into the upsert (see _metric_problem).
create or replace function sms_monitor._merge_metadata(p_old jsonb, p_new jsonb)
returns jsonb
language sql
immutable
parallel safe
as $$
  select case
    when p_new is null or p_new = '{}'::jsonb then p_old
    when p_old = '{}'::jsonb then p_new
    when octet_length((p_old || p_new)::text) <= 16384 then p_old || p_new
    else p_old || '{"_metadata_truncated": true}'::jsonb
  end;
$$;

comment on function sms_monitor._merge_metadata(jsonb, jsonb) is
  'Internal: merges bucket metadata, bounded to 16 KiB (then marks the bucket _metadata_truncated).';
revoke all on function sms_monitor._merge_metadata(jsonb, jsonb) from public;
--! EndIncluded functions/_merge_metadata.sql
--! Included functions/_is_uuid.sql
create or replace function sms_monitor._is_uuid(p_text text)
returns boolean
language plpgsql
immutable
set search_path = pg_catalog, pg_temp
as $$
begin
  if p_text is null then
    return true;
  end if;
  perform p_text::uuid;
  return true;
exception when invalid_text_representation then
  return false;
end;
$$;

comment on function sms_monitor._is_uuid(text) is
  'Internal: whether a string casts to uuid (NULL counts as valid: no user).';
revoke all on function sms_monitor._is_uuid(text) from public;
--! EndIncluded functions/_is_uuid.sql
--! Included functions/_looks_like_iso_time_with_offset.sql
-- Cheap shape check for event times: a date, a time, and an explicit offset (Z, +hh, +hhmm or
-- +hh:mm). A time without an offset would be read in the session's zone, which differs between
-- services: the bug that split a send and its delivery across days. String functions only (no
-- regex) because it runs once per event in record_sms_events; the cast checks the calendar.
create or replace function sms_monitor._looks_like_iso_time_with_offset(p_text text)
returns boolean
language sql
immutable
parallel safe
as $$
  select p_text is null
      or (length(p_text) >= 17
          and substr(p_text, 5, 1) = '-' and substr(p_text, 8, 1) = '-'
          and substr(p_text, 11, 1) in ('T', 't', ' ')
          and (right(p_text, 1) in ('Z', 'z')
               or (substr(p_text, length(p_text) - 5, 1) in ('+', '-') and substr(p_text, length(p_text) - 2, 1) = ':')
               or substr(p_text, length(p_text) - 4, 1) in ('+', '-')
               or substr(p_text, length(p_text) - 2, 1) in ('+', '-')));
$$;

comment on function sms_monitor._looks_like_iso_time_with_offset(text) is
  'Internal: whether an event time has a date, a time and an explicit UTC offset (cheap, no regex).';
revoke all on function sms_monitor._looks_like_iso_time_with_offset(text) from public;
--! EndIncluded functions/_looks_like_iso_time_with_offset.sql
--! Included functions/record_sms_events.sql
-- A batch of events, all or nothing. Elements are validated first (the error names the first bad
-- element: events[i].field; per-element casts that can fail, UUIDs and times, are checked on a slow
-- path only when the insert's cast fails), duplicates inside the batch are summed in memory, and the buckets are
-- upserted in one statement in a fixed key order, so concurrent overlapping batches take their row
-- locks in the same order and cannot deadlock.
create or replace function sms_monitor.record_sms_events(p_events jsonb)
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
begin
  if p_events is null or jsonb_typeof(p_events) <> 'array' then
    raise exception 'events: must be a JSON array of event objects (got %)',
      coalesce(jsonb_typeof(p_events), 'NULL') using errcode = '22023';
  end if;
  v_count := jsonb_array_length(p_events);
  if v_count = 0 then
    return 0;
  end if;
  if v_count > 100000 then
    raise exception 'events: % events is more than the 100000 allowed in one batch', v_count
      using errcode = '22023';
  end if;
  v_tz := sms_monitor._reporting_timezone();

  select format('events[%s].%s', e.n - 1, p.problem)
    into v_problem
    from jsonb_array_elements(p_events) with ordinality as e(v, n)
    left join sms_monitor.metric_types t on t.metric_type = e.v ->> 'metric_type'
    cross join lateral (
      select case
        when jsonb_typeof(e.v) <> 'object' then
          format('(element): must be an object (got %s)', jsonb_typeof(e.v))
        when e.v - array['metric_type', 'user_id', 'value', 'occurred_at', 'metadata'] <> '{}'::jsonb then
          format('%s: unknown field (allowed: metric_type, user_id, value, occurred_at, metadata)',
            (select k from jsonb_object_keys(e.v) k
              where k not in ('metric_type', 'user_id', 'value', 'occurred_at', 'metadata') limit 1))
        when jsonb_typeof(e.v -> 'metric_type') is distinct from 'string' then
          'metric_type: is required and must be a string'
        when coalesce(jsonb_typeof(e.v -> 'user_id'), 'null') not in ('string', 'null') then
          'user_id: must be a UUID string or null'
        when coalesce(jsonb_typeof(e.v -> 'value'), 'number') <> 'number' then
          'value: must be a JSON number'
        when coalesce(jsonb_typeof(e.v -> 'occurred_at'), 'null') not in ('string', 'null')
          or not sms_monitor._looks_like_iso_time_with_offset(e.v ->> 'occurred_at') then
          'occurred_at: must be an ISO 8601 time with an offset, e.g. 2026-03-29T01:30:00Z'
        when coalesce(jsonb_typeof(e.v -> 'metadata'), 'null') not in ('object', 'null') then
          'metadata: must be a JSON object'
        else sms_monitor._metric_problem(
          t.kind, e.v ->> 'metric_type', coalesce((e.v ->> 'value')::numeric, 1), nullif(e.v -> 'metadata', 'null'::jsonb), 'value')
      end as problem
    ) p
   where p.problem is not null
   order by e.n
   limit 1;
  if v_problem is not null then
    raise exception '%', v_problem using errcode = '22023';
  end if;

  begin
    insert into sms_monitor.sms_metrics as m
      (metric_date, metric_hour, user_id, metric_type, metric_value, sample_count, metadata)
    select b.metric_date, b.metric_hour, b.user_id, b.metric_type,
           sum(b.value), count(*),
           coalesce(sms_monitor._jsonb_merge_agg(b.metadata order by b.n)
                      filter (where b.metadata <> '{}'::jsonb), '{}'::jsonb)
      from (
        select (x.at_local)::date as metric_date,
               extract(hour from x.at_local)::integer as metric_hour,
               (e.v ->> 'user_id')::uuid as user_id,
               e.v ->> 'metric_type' as metric_type,
               coalesce((e.v ->> 'value')::numeric, 1) as value,
               coalesce(nullif(e.v -> 'metadata', 'null'::jsonb), '{}'::jsonb) as metadata,
               e.n
          from jsonb_array_elements(p_events) with ordinality as e(v, n)
          cross join lateral (
            select coalesce((e.v ->> 'occurred_at')::timestamptz, v_now) at time zone v_tz as at_local
          ) x
      ) b
     group by b.metric_date, b.metric_hour, b.user_id, b.metric_type
     order by b.metric_date, b.metric_hour, b.user_id nulls first, b.metric_type
    on conflict on constraint sms_metrics_bucket_key do update
      set metric_value = m.metric_value + excluded.metric_value,
          sample_count = m.sample_count + excluded.sample_count,
          metadata = sms_monitor._merge_metadata(m.metadata, excluded.metadata),
          updated_at = now();
  exception when invalid_text_representation or datetime_field_overflow or invalid_datetime_format then
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

comment on function sms_monitor.record_sms_events(jsonb) is
  'Records a JSON array of events {metric_type, user_id?, value?, occurred_at?, metadata?} all or '
  'nothing; returns how many were recorded. The first bad element raises 22023 naming events[i].field.';
revoke all on function sms_monitor.record_sms_events(jsonb) from public;
grant execute on function sms_monitor.record_sms_events(jsonb) to sms_monitor_writer, sms_monitor_admin;
--! EndIncluded functions/record_sms_events.sql
--! Included functions/_record_metric.sql
-- The one write path for a single value: validate, then add into the bucket's single row.
-- The bucket key is unique NULLS NOT DISTINCT, so NULL hour (daily bucket) and NULL user
-- (system-wide) increment one row instead of inserting a new one each call.
create or replace function sms_monitor._record_metric(
  p_metric_date date,
  p_metric_hour integer,
  p_user_id uuid,
  p_metric_type text,
  p_metric_value numeric,
  p_metadata jsonb,
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
    set metric_value = m.metric_value + excluded.metric_value,
        sample_count = m.sample_count + 1,
        metadata = sms_monitor._merge_metadata(m.metadata, excluded.metadata),
        updated_at = now();
end;
$$;

comment on function sms_monitor._record_metric(date, integer, uuid, text, numeric, jsonb, text) is
  'Internal: validates one value and adds it into its (date, hour, user, type) bucket.';
revoke all on function sms_monitor._record_metric(date, integer, uuid, text, numeric, jsonb, text) from public;
--! EndIncluded functions/_record_metric.sql
--! Included functions/record_sms_metric.sql
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
begin
  -- PL/pgSQL, not SQL: a security definer SQL function is never inlined and re-plans its body on
  -- every call, while PL/pgSQL caches the plan for the connection.
  perform sms_monitor._record_metric(
    p_metric_date, p_metric_hour, p_user_id, p_metric_type, p_metric_value, p_metadata);
end;
$$;

comment on function sms_monitor.record_sms_metric(date, integer, uuid, text, numeric, jsonb) is
  'Adds a value into the bucket (date, hour or NULL for the day, user or NULL for system-wide, type). '
  'Timings (avg_*_ms) count one sample per call. Bad input raises 22023 and writes nothing.';
revoke all on function sms_monitor.record_sms_metric(date, integer, uuid, text, numeric, jsonb) from public;
grant execute on function sms_monitor.record_sms_metric(date, integer, uuid, text, numeric, jsonb)
  to sms_monitor_writer, sms_monitor_admin;
--! EndIncluded functions/record_sms_metric.sql
--! Included functions/_jsonb_merge_agg.sql
create or replace aggregate sms_monitor._jsonb_merge_agg(jsonb) (
  sfunc = sms_monitor._merge_metadata,
  stype = jsonb,
  initcond = '{}'
);

comment on aggregate sms_monitor._jsonb_merge_agg(jsonb) is
  'Internal: merges the metadata of several events into one bucket, bounded like _merge_metadata.';
revoke all on function sms_monitor._jsonb_merge_agg(jsonb) from public;
--! EndIncluded functions/_jsonb_merge_agg.sql
--! Included functions/get_sms_daily_metrics.sql
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
--! EndIncluded functions/get_sms_daily_metrics.sql
alter table sms_monitor.sms_metrics set (fillfactor = 80);
-- Unused since 000001 (every check raises its own 22023).
drop function if exists sms_monitor._raise_invalid(text, text);
-- Populated from the start, so get_sms_daily_metrics answers (empty) before pg_cron's first
-- refresh instead of raising 55000 "has not been populated".
do $$
begin
  if not (select c.relispopulated from pg_class c where c.oid = 'sms_monitor.sms_metrics_daily'::regclass) then
    refresh materialized view sms_monitor.sms_metrics_daily;
  end if;
end;
$$;
-- (end of foundation section)

-- == alert engine: rules, incidents, silences, outbox, schedules (issue 3) ==

-- The notifier daemon's role: claims and completes outbox rows, may run the checks.
do $$
begin
  if not exists (select from pg_roles where rolname = 'sms_monitor_notifier') then
    create role sms_monitor_notifier nologin;
  end if;
end;
$$;
comment on role sms_monitor_notifier is
  'sms-monitor: the notifier daemon: claims/completes outbox rows and may run check_sms_alerts().';
grant usage on schema sms_monitor to sms_monitor_notifier;

-- Retention settings (used by apply_sms_retention, the daily pg_cron job).
alter table sms_monitor.settings
  add column if not exists metric_retention_days integer not null default 400
    constraint settings_metric_retention_days_check check (metric_retention_days between 32 and 36500),
  add column if not exists notification_retention_days integer not null default 30
    constraint settings_notification_retention_days_check check (notification_retention_days between 1 and 36500),
  add column if not exists job_run_retention_days integer not null default 14
    constraint settings_job_run_retention_days_check check (job_run_retention_days between 1 and 36500);
comment on column sms_monitor.settings.metric_retention_days is
  'sms_metrics buckets older than this many reporting days are deleted by apply_sms_retention() (>= 32: '
  'the cost-spike baseline needs the previous 30 days).';
comment on column sms_monitor.settings.notification_retention_days is
  'Sent outbox rows (sms_alert_notifications) older than this many days are deleted by apply_sms_retention().';
comment on column sms_monitor.settings.job_run_retention_days is
  'pg_cron''s cron.job_run_details rows older than this many days are deleted by apply_sms_retention().';

-- The metrics an alert rule can watch, with their formulas (see docs/alerts.md).
create table if not exists sms_monitor.sms_alert_metrics (
  metric text primary key,
  label text not null,
  unit text not null,
  formula text not null,
  sample text not null
);
comment on table sms_monitor.sms_alert_metrics is
  'The metrics alert rules can watch: unit, formula over the rule''s window, and what the minimum sample counts.';
insert into sms_monitor.sms_alert_metrics (metric, label, unit, formula, sample) values
  ('delivery_rate', 'SMS delivery rate', 'percent',
   '100 * sum(delivered_count) / sum(sent_count) over the window',
   'sent_count in the window'),
  ('llm_failure_rate', 'LLM template fallback rate', 'percent',
   '100 * sum(template_fallback_count) / (sum(llm_success_count) + sum(template_fallback_count)) over the window',
   'llm_success_count + template_fallback_count in the window'),
  ('llm_cost_spike', 'LLM cost per active user vs the 30-day mean', 'ratio',
   '(sum(llm_cost_usd) / active users) in the window, divided by the baseline sum(llm_cost_usd) / sum(active_users) '
   'over the 30 reporting days before today (sms_metrics_daily: mean daily cost per active user); needs >= 7 '
   'baseline days with traffic and a non-zero baseline',
   'active users in the window'),
  ('opt_out_rate', 'Opt-out rate', 'percent',
   '100 * sum(opt_out_count) / active users in the window',
   'active users in the window'),
  ('daily_limit_hit_rate', 'Daily-limit hit rate', 'percent',
   '100 * (distinct users with daily_limit_hit_count > 0) / active users in the window',
   'active users in the window')
on conflict (metric) do update
  set label = excluded.label, unit = excluded.unit, formula = excluded.formula, sample = excluded.sample;
alter table sms_monitor.sms_alert_metrics enable row level security;
grant select on sms_monitor.sms_alert_metrics to sms_monitor_reader;
drop policy if exists sms_alert_metrics_read on sms_monitor.sms_alert_metrics;
create policy sms_alert_metrics_read on sms_monitor.sms_alert_metrics
  for select to sms_monitor_reader using (true);

create table if not exists sms_monitor.sms_alert_thresholds (
  alert_type text primary key
    constraint sms_alert_thresholds_alert_type_check check (alert_type ~ '^[a-z][a-z0-9_]{0,62}$'),
  metric text not null constraint sms_alert_thresholds_metric_fkey
    references sms_monitor.sms_alert_metrics (metric),
  comparison text not null
    constraint sms_alert_thresholds_comparison_check check (comparison in ('<', '<=', '>', '>=')),
  threshold_value numeric not null
    constraint sms_alert_thresholds_threshold_check check (threshold_value >= 0 and threshold_value < 'Infinity'),
  recovery_value numeric
    constraint sms_alert_thresholds_recovery_check check (
      recovery_value >= 0 and recovery_value < 'Infinity'
      and case when comparison in ('<', '<=') then recovery_value >= threshold_value
               else recovery_value <= threshold_value end),
  window_minutes integer not null default 60
    constraint sms_alert_thresholds_window_check check (window_minutes between 1 and 43200),
  min_sample integer not null default 20
    constraint sms_alert_thresholds_min_sample_check check (min_sample >= 1),
  pending_minutes integer not null default 0
    constraint sms_alert_thresholds_pending_check check (pending_minutes between 0 and 10080),
  cooldown_minutes integer not null default 60
    constraint sms_alert_thresholds_cooldown_check check (cooldown_minutes between 1 and 10080),
  severity text not null
    constraint sms_alert_thresholds_severity_check check (severity in ('critical', 'warning', 'info')),
  notification_channels text[] not null
    constraint sms_alert_thresholds_channels_check check (
      cardinality(notification_channels) >= 1
      and notification_channels <@ array['slack', 'pagerduty', 'email', 'log']
      and array_position(notification_channels, null) is null),
  is_enabled boolean not null default true,
  description text not null
    constraint sms_alert_thresholds_description_check check (btrim(description) <> ''),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
comment on table sms_monitor.sms_alert_thresholds is
  'One row per alert rule, tuned with plain SQL by sms_monitor_admin. A rule fires when '
  '"<metric over the last window_minutes> <comparison> threshold_value" holds on min_sample or more '
  '(for pending_minutes, if set); it resolves when the metric is no longer on the firing side of '
  'coalesce(recovery_value, threshold_value). See docs/alerts.md.';
comment on column sms_monitor.sms_alert_thresholds.metric is 'What the rule watches: a row of sms_alert_metrics.';
comment on column sms_monitor.sms_alert_thresholds.comparison is 'Fires when metric <comparison> threshold_value.';
comment on column sms_monitor.sms_alert_thresholds.recovery_value is
  'Hysteresis: an open incident resolves only once the metric is not <comparison> recovery_value '
  '(e.g. fire below 90, resolve at 92 or more). NULL = threshold_value.';
comment on column sms_monitor.sms_alert_thresholds.window_minutes is
  'The metric is computed over the hourly buckets overlapping the last window_minutes (rounded out to '
  'whole hours in the reporting timezone); a daily bucket (NULL hour) counts only when its whole day is covered.';
comment on column sms_monitor.sms_alert_thresholds.min_sample is
  'Below this many samples (see sms_alert_metrics.sample) the evaluation is no_data, never a breach.';
comment on column sms_monitor.sms_alert_thresholds.pending_minutes is
  'The condition must hold on every evaluation for this long before an incident opens (0 = at once).';
comment on column sms_monitor.sms_alert_thresholds.cooldown_minutes is
  'While an unacknowledged incident stays breached, a repeat notification goes out each time this long '
  'has passed since the last one.';
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
  if new.comparison is null or new.comparison not in ('<', '<=', '>', '>=') then
    raise exception 'comparison: unknown operator % (allowed: <, <=, >, >=)',
      coalesce(quote_literal(new.comparison), 'NULL') using errcode = '22023';
  end if;
  if new.threshold_value is null or new.threshold_value in ('NaN', 'Infinity', '-Infinity') then
    raise exception 'threshold_value: must be a finite number (got %)', coalesce(new.threshold_value::text, 'NULL')
      using errcode = '22023';
  end if;
  if new.threshold_value < 0 then
    raise exception 'threshold_value: must not be negative (got %)', new.threshold_value using errcode = '22023';
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
  if new.severity is null or new.severity not in ('critical', 'warning', 'info') then
    raise exception 'severity: unknown severity % (allowed: critical, warning, info)',
      coalesce(quote_literal(new.severity), 'NULL') using errcode = '22023';
  end if;
  if new.notification_channels is null or cardinality(new.notification_channels) = 0 then
    raise exception 'notification_channels: needs at least one of slack, pagerduty, email, log'
      using errcode = '22023';
  end if;
  select c into v_bad from unnest(new.notification_channels) c
   where c is null or c not in ('slack', 'pagerduty', 'email', 'log') limit 1;
  if found then
    raise exception 'notification_channels: unknown channel % (allowed: slack, pagerduty, email, log)',
      coalesce(quote_literal(v_bad), 'NULL') using errcode = '22023';
  end if;
  if cardinality(new.notification_channels) <> (select count(distinct c) from unnest(new.notification_channels) c) then
    raise exception 'notification_channels: lists a channel twice (%)', array_to_string(new.notification_channels, ', ')
      using errcode = '22023';
  end if;
  if new.description is null or btrim(new.description) = '' then
    raise exception 'description: is required (say what the rule watches and what to do)' using errcode = '22023';
  end if;
  new.updated_at := now();
  return new;
end;
$$;

comment on function sms_monitor._alert_thresholds_validate() is
  'Internal trigger: rejects a nonsensical alert rule with 22023 and a message naming the column.';
revoke all on function sms_monitor._alert_thresholds_validate() from public;
--! EndIncluded functions/_alert_thresholds_validate.sql
create or replace trigger sms_alert_thresholds_validate before insert or update on sms_monitor.sms_alert_thresholds
  for each row execute function sms_monitor._alert_thresholds_validate();
--! Included functions/_alert_thresholds_before_delete.sql
-- Trigger on sms_monitor.sms_alert_thresholds: a rule that ever fired cannot be deleted (its
-- incidents in sms_alert_history keep a reference to it, and the outbox to them); instead of the
-- bare foreign-key error, say so and say what to do: disable it. A rule that never fired is
-- deleted, with its state and silences.
create or replace function sms_monitor._alert_thresholds_before_delete()
returns trigger
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_count bigint;
begin
  select count(*) into v_count from sms_monitor.sms_alert_history h where h.alert_type = old.alert_type;
  if v_count > 0 then
    raise exception 'alert_type: rule % has % incident(s) in sms_alert_history, which keep a reference to it: '
      'disable it instead: update sms_monitor.sms_alert_thresholds set is_enabled = false where alert_type = %',
      quote_literal(old.alert_type), v_count, quote_literal(old.alert_type)
      using errcode = '23503';
  end if;
  return old;
end;
$$;

comment on function sms_monitor._alert_thresholds_before_delete() is
  'Trigger: refuses to delete a rule that has incidents (23503, saying to set is_enabled = false instead).';
revoke all on function sms_monitor._alert_thresholds_before_delete() from public;
--! EndIncluded functions/_alert_thresholds_before_delete.sql
create or replace trigger sms_alert_thresholds_before_delete before delete on sms_monitor.sms_alert_thresholds
  for each row execute function sms_monitor._alert_thresholds_before_delete();
insert into sms_monitor.sms_alert_thresholds
  (alert_type, metric, comparison, threshold_value, recovery_value, window_minutes, min_sample,
   pending_minutes, cooldown_minutes, severity, notification_channels, description)
values
  ('delivery_rate_critical', 'delivery_rate', '<', 90, 92, 60, 20, 0, 60, 'critical', '{pagerduty}',
   'SMS delivery rate (delivered / sent) below 90 % over the last hour; resolves at 92 % or more. '
   'Check the SMS provider status and failed_count.'),
  ('llm_failure_critical', 'llm_failure_rate', '>', 50, null, 60, 20, 0, 30, 'critical', '{pagerduty}',
   'More than half of the message texts fell back to a template over the last hour: the LLM is failing.'),
  ('llm_cost_spike_warning', 'llm_cost_spike', '>', 2, null, 60, 20, 0, 120, 'warning', '{slack}',
   'LLM cost per active user over the last hour is more than twice the mean daily cost per active user '
   'of the previous 30 days.'),
  ('opt_out_rate_warning', 'opt_out_rate', '>', 10, null, 60, 20, 0, 240, 'warning', '{slack}',
   'More than 10 % of the active users opted out over the last hour.'),
  ('daily_limit_hit_warning', 'daily_limit_hit_rate', '>', 20, null, 60, 20, 0, 180, 'warning', '{slack}',
   'More than 20 % of the active users hit their daily SMS limit over the last hour (users, not events).')
on conflict (alert_type) do nothing;
alter table sms_monitor.sms_alert_thresholds enable row level security;
grant select on sms_monitor.sms_alert_thresholds to sms_monitor_reader;
grant insert, update, delete on sms_monitor.sms_alert_thresholds to sms_monitor_admin;
drop policy if exists sms_alert_thresholds_read on sms_monitor.sms_alert_thresholds;
create policy sms_alert_thresholds_read on sms_monitor.sms_alert_thresholds
  for select to sms_monitor_reader using (true);
drop policy if exists sms_alert_thresholds_admin_write on sms_monitor.sms_alert_thresholds;
create policy sms_alert_thresholds_admin_write on sms_monitor.sms_alert_thresholds
  for all to sms_monitor_admin using (true) with check (true);

-- One row per incident: open (resolved_at is null) until resolved automatically or by hand.
create table if not exists sms_monitor.sms_alert_history (
  id uuid primary key default gen_random_uuid(),
  alert_type text not null constraint sms_alert_history_alert_type_fkey
    references sms_monitor.sms_alert_thresholds (alert_type) on update cascade,
  severity text not null
    constraint sms_alert_history_severity_check check (severity in ('critical', 'warning', 'info')),
  metric text not null,
  comparison text not null,
  metric_value numeric,
  threshold_value numeric not null,
  recovery_value numeric,
  window_minutes integer not null,
  sample_size bigint,
  message text not null,
  triggered_at timestamptz not null,
  last_value numeric,
  last_evaluated_at timestamptz,
  resolved_at timestamptz,
  resolved_by text,
  resolution_value numeric,
  acknowledged_at timestamptz,
  acknowledged_by text,
  silenced boolean not null default false,
  last_notified_at timestamptz,
  repeat_count integer not null default 0,
  notification_sent boolean not null default false,
  notification_error text,
  notification_status jsonb not null default '{}'::jsonb,
  created_at timestamptz not null default now(),
  constraint sms_alert_history_resolved_check check ((resolved_at is null) = (resolved_by is null))
);
create unique index if not exists sms_alert_history_one_open_per_rule
  on sms_monitor.sms_alert_history (alert_type) where resolved_at is null;
create index if not exists sms_alert_history_triggered_idx on sms_monitor.sms_alert_history (triggered_at desc);
comment on table sms_monitor.sms_alert_history is
  'One row per incident; at most one open (resolved_at is null) per rule. metric_value is the value that '
  'opened it, last_value the latest evaluated; silenced = held back by a silence and not announced yet; '
  'notification_sent / notification_error / notification_status come from the outbox rows.';
comment on column sms_monitor.sms_alert_history.notification_status is
  'Latest outbox status per "channel/event", e.g. {"pagerduty/trigger": "sent"}.';
comment on column sms_monitor.sms_alert_history.last_notified_at is
  'When the last trigger or repeat was queued (NULL = never announced, e.g. silenced): cooldowns count from it.';
alter table sms_monitor.sms_alert_history enable row level security;
grant select on sms_monitor.sms_alert_history to sms_monitor_reader, sms_monitor_notifier;
drop policy if exists sms_alert_history_read on sms_monitor.sms_alert_history;
create policy sms_alert_history_read on sms_monitor.sms_alert_history
  for select to sms_monitor_reader, sms_monitor_notifier using (true);

-- Per-rule evaluation state (pending timer, last result). Its row is also the rule's lock: every
-- evaluation and every resolve/acknowledge takes it FOR UPDATE first, so concurrent checks serialise
-- per rule and a breach opens one incident.
create table if not exists sms_monitor.sms_alert_rule_state (
  alert_type text primary key constraint sms_alert_rule_state_alert_type_fkey
    references sms_monitor.sms_alert_thresholds (alert_type) on update cascade on delete cascade,
  pending_since timestamptz,
  last_evaluated_at timestamptz,
  last_action text,
  last_value numeric,
  last_sample_size bigint
);
comment on table sms_monitor.sms_alert_rule_state is
  'Internal per-rule state: since when the condition is pending, and the last evaluation; its row is the rule''s lock.';
alter table sms_monitor.sms_alert_rule_state enable row level security;
grant select on sms_monitor.sms_alert_rule_state to sms_monitor_reader;
drop policy if exists sms_alert_rule_state_read on sms_monitor.sms_alert_rule_state;
create policy sms_alert_rule_state_read on sms_monitor.sms_alert_rule_state
  for select to sms_monitor_reader using (true);

create table if not exists sms_monitor.sms_alert_silences (
  id bigint generated always as identity primary key,
  alert_type text constraint sms_alert_silences_alert_type_fkey
    references sms_monitor.sms_alert_thresholds (alert_type) on update cascade on delete cascade,
  starts_at timestamptz not null,
  ends_at timestamptz not null,
  reason text not null constraint sms_alert_silences_reason_check check (btrim(reason) <> ''),
  created_by text not null,
  created_at timestamptz not null default now(),
  lifted_at timestamptz,
  lifted_by text,
  constraint sms_alert_silences_period_check check (ends_at > starts_at)
);
create index if not exists sms_alert_silences_active_idx on sms_monitor.sms_alert_silences (ends_at) where lifted_at is null;
comment on table sms_monitor.sms_alert_silences is
  'Silences: alert_type NULL = every rule. Active at t when starts_at <= t < ends_at and not lifted before t. '
  'Incidents open during a silence are recorded (silenced) and announced when it ends, if still open.';
alter table sms_monitor.sms_alert_silences enable row level security;
grant select on sms_monitor.sms_alert_silences to sms_monitor_reader;
drop policy if exists sms_alert_silences_read on sms_monitor.sms_alert_silences;
create policy sms_alert_silences_read on sms_monitor.sms_alert_silences
  for select to sms_monitor_reader using (true);

-- The outbox (docs: OUTBOX-CONTRACT): one row per incident x channel x event occurrence.
create table if not exists sms_monitor.sms_alert_notifications (
  id bigint generated always as identity primary key,
  alert_id uuid not null constraint sms_alert_notifications_alert_id_fkey
    references sms_monitor.sms_alert_history (id),
  channel text not null
    constraint sms_alert_notifications_channel_check check (channel in ('slack', 'pagerduty', 'email', 'log')),
  event text not null
    constraint sms_alert_notifications_event_check check (event in ('trigger', 'repeat', 'acknowledge', 'resolve')),
  status text not null default 'pending'
    constraint sms_alert_notifications_status_check check (status in ('pending', 'sent', 'failed', 'dead')),
  attempts integer not null default 0 constraint sms_alert_notifications_attempts_check check (attempts >= 0),
  max_attempts integer not null default 10
    constraint sms_alert_notifications_max_attempts_check check (max_attempts >= 1),
  next_attempt_at timestamptz not null default now(),
  locked_by text,
  locked_until timestamptz,
  last_error text,
  payload jsonb not null constraint sms_alert_notifications_payload_check check (jsonb_typeof(payload) = 'object'),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  sent_at timestamptz
);
-- trigger, acknowledge and resolve happen once per incident and channel; repeats may recur.
create unique index if not exists sms_alert_notifications_once
  on sms_monitor.sms_alert_notifications (alert_id, channel, event) where event <> 'repeat';
create index if not exists sms_alert_notifications_due_idx
  on sms_monitor.sms_alert_notifications (next_attempt_at, id) where status = 'pending';
create index if not exists sms_alert_notifications_alert_idx on sms_monitor.sms_alert_notifications (alert_id);
-- In-order delivery per incident and channel: the claim looks for an earlier pending row.
create index if not exists sms_alert_notifications_pending_order_idx
  on sms_monitor.sms_alert_notifications (alert_id, channel, id) where status = 'pending';
create index if not exists sms_alert_notifications_sent_idx
  on sms_monitor.sms_alert_notifications (sent_at) where status = 'sent';
comment on table sms_monitor.sms_alert_notifications is
  'Outbox: one row per (incident, channel, event occurrence). Inserting NOTIFYs sms_monitor_notifications '
  'with the new ids; the notifier claims rows with claim_sms_notifications() and records outcomes with '
  'complete_sms_notification(). The table, not the NOTIFY, is the truth.';
alter table sms_monitor.sms_alert_notifications enable row level security;
grant select on sms_monitor.sms_alert_notifications to sms_monitor_reader, sms_monitor_notifier;
drop policy if exists sms_alert_notifications_read on sms_monitor.sms_alert_notifications;
create policy sms_alert_notifications_read on sms_monitor.sms_alert_notifications
  for select to sms_monitor_reader, sms_monitor_notifier using (true);

--! Included functions/_notify_sms_notifications.sql
-- Statement-level AFTER INSERT trigger on sms_alert_notifications: one NOTIFY per statement on
-- channel sms_monitor_notifications whose payload is a JSON array of the new ids (ascending). A
-- NOTIFY payload must stay under 8000 bytes, so the array is cut to the first ids that fit in
-- 7000 bytes; the notifier treats NOTIFY only as a hint and drains the table anyway.
create or replace function sms_monitor._notify_sms_notifications()
returns trigger
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_ids text;
begin
  select '[' || coalesce(string_agg(x.id::text, ',' order by x.id), '') || ']'
    into v_ids
    from (
      select n.id, sum(length(n.id::text) + 1) over (order by n.id) as running
        from new_rows n
    ) x
   where x.running <= 6998;
  if v_ids <> '[]' then
    perform pg_notify('sms_monitor_notifications', v_ids);
  end if;
  return null;
end;
$$;

comment on function sms_monitor._notify_sms_notifications() is
  'Internal trigger: NOTIFY sms_monitor_notifications with a JSON array of the inserted ids (<= 7000 bytes).';
revoke all on function sms_monitor._notify_sms_notifications() from public;
--! EndIncluded functions/_notify_sms_notifications.sql
create or replace trigger sms_alert_notifications_notify after insert on sms_monitor.sms_alert_notifications
  referencing new table as new_rows
  for each statement execute function sms_monitor._notify_sms_notifications();
--! Included functions/_alert_sync_notification_status.sql
-- Keeps the notification columns of one incident true to its outbox rows: notification_sent is
-- true once any notification of the incident was delivered, notification_error holds the errors
-- of notifications not (yet) delivered, notification_status maps "channel/event" (latest
-- occurrence) to its status. Never a hard-coded true.
create or replace function sms_monitor._alert_sync_notification_status(p_alert_id uuid)
returns void
language sql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
  update sms_monitor.sms_alert_history h
     set notification_sent = s.any_sent,
         notification_error = s.errors,
         notification_status = s.status
    from (
      select coalesce(bool_or(n.status = 'sent'), false) as any_sent,
             string_agg(format('%s/%s (%s): %s', n.channel, n.event, n.status, n.last_error), '; ' order by n.id)
               filter (where n.status <> 'sent' and n.last_error is not null) as errors,
             coalesce((select jsonb_object_agg(l.channel || '/' || l.event, l.status)
                         from (select distinct on (o.channel, o.event) o.channel, o.event, o.status
                                 from sms_monitor.sms_alert_notifications o
                                where o.alert_id = p_alert_id
                                order by o.channel, o.event, o.id desc) l), '{}'::jsonb) as status
        from sms_monitor.sms_alert_notifications n
       where n.alert_id = p_alert_id
    ) s
   where h.id = p_alert_id;
$$;

comment on function sms_monitor._alert_sync_notification_status(uuid) is
  'Internal: recomputes notification_sent / notification_error / notification_status of an incident from the outbox.';
revoke all on function sms_monitor._alert_sync_notification_status(uuid) from public;
--! EndIncluded functions/_alert_sync_notification_status.sql
--! Included functions/claim_sms_notifications.sql
-- The notifier's claim: due rows (pending, next_attempt_at reached, no live lease), oldest first,
-- skipping rows another worker holds (for update skip locked). Each claim counts as an attempt
-- and leases the row to p_worker for p_lease_seconds; a crashed worker's rows come back when the
-- lease runs out. A row whose lease ran out on its last allowed attempt is marked dead instead of
-- being claimed again (a message that crashes the worker must not loop forever).
-- One incident's notifications to one channel go out in order: a row is due only when no earlier
-- row (lower id) of the same (alert_id, channel) is still pending, leased or waiting for a retry,
-- so a retried trigger can never reach the provider after its resolve.
create or replace function sms_monitor.claim_sms_notifications(
  p_worker text,
  p_limit integer default 10,
  p_lease_seconds integer default 60
)
returns setof sms_monitor.sms_alert_notifications
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_dead uuid[];
  v_alert uuid;
begin
  if p_worker is null or btrim(p_worker) = '' or length(p_worker) > 200 then
    raise exception 'worker: is required (1-200 characters)' using errcode = '22023';
  end if;
  if p_limit is null or p_limit < 1 or p_limit > 1000 then
    raise exception 'limit: must be between 1 and 1000 (got %)', coalesce(p_limit::text, 'NULL') using errcode = '22023';
  end if;
  if p_lease_seconds is null or p_lease_seconds < 1 or p_lease_seconds > 3600 then
    raise exception 'lease_seconds: must be between 1 and 3600 (got %)', coalesce(p_lease_seconds::text, 'NULL')
      using errcode = '22023';
  end if;

  with expired as (
    select n.id from sms_monitor.sms_alert_notifications n
     where n.status = 'pending' and n.locked_until <= now() and n.attempts >= n.max_attempts
     for update skip locked
  ), dead as (
    update sms_monitor.sms_alert_notifications n
       set status = 'dead', locked_by = null, locked_until = null, updated_at = now(),
           last_error = coalesce(n.last_error || '; ', '')
             || format('lease of %s expired on attempt %s of %s (worker crashed?)', n.locked_by, n.attempts, n.max_attempts)
      from expired e
     where n.id = e.id
    returning n.alert_id
  )
  select array_agg(distinct d.alert_id) into v_dead from dead d;
  foreach v_alert in array coalesce(v_dead, '{}') loop
    perform sms_monitor._alert_sync_notification_status(v_alert);
  end loop;

  return query
  with due as (
    select n.id from sms_monitor.sms_alert_notifications n
     where n.status = 'pending'
       and n.next_attempt_at <= now()
       and (n.locked_until is null or n.locked_until <= now())
       and not exists (
         select from sms_monitor.sms_alert_notifications p
          where p.alert_id = n.alert_id and p.channel = n.channel and p.status = 'pending' and p.id < n.id)
     order by n.next_attempt_at, n.id
     limit p_limit
     for update skip locked
  ), claimed as (
    update sms_monitor.sms_alert_notifications n
       set locked_by = p_worker,
           locked_until = now() + make_interval(secs => p_lease_seconds),
           attempts = n.attempts + 1,
           updated_at = now()
      from due
     where n.id = due.id
    returning n.*
  )
  select c.* from claimed c order by c.next_attempt_at, c.id;
end;
$$;

comment on function sms_monitor.claim_sms_notifications(text, integer, integer) is
  'Notifier: leases up to p_limit due outbox rows to p_worker for p_lease_seconds (for update skip locked), '
  'oldest first; each claim counts one attempt. A row waits while an earlier row of the same incident and '
  'channel is pending (in-order delivery: trigger, acknowledge, resolve).';
revoke all on function sms_monitor.claim_sms_notifications(text, integer, integer) from public;
grant execute on function sms_monitor.claim_sms_notifications(text, integer, integer)
  to sms_monitor_admin, sms_monitor_notifier;
--! EndIncluded functions/claim_sms_notifications.sql
--! Included functions/complete_sms_notification.sql
-- Records the outcome of one delivery attempt by the worker that holds the lease:
--   sent   -> status sent, sent_at now()
--   retry  -> pending again at coalesce(p_retry_at, now()), or dead once attempts >= max_attempts
--   failed -> failed (permanent: the provider said the request can never succeed)
--   defer  -> pending again at coalesce(p_retry_at, now()) WITHOUT counting the attempt (attempts - 1):
--             the notifier's own pacing (Slack's one message per second) kept it from trying; never
--             dead, last_error unchanged
-- p_error goes to last_error (provider text, never a secret). Returns the resulting status, or
-- 'lost' (nothing changed) when the row is no longer pending or is leased by another worker.
create or replace function sms_monitor.complete_sms_notification(
  p_id bigint,
  p_worker text,
  p_outcome text,
  p_error text default null,
  p_retry_at timestamptz default null
)
returns text
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_row sms_monitor.sms_alert_notifications;
  v_status text;
begin
  if p_id is null then
    raise exception 'id: is required' using errcode = '22023';
  end if;
  if p_outcome is null or p_outcome not in ('sent', 'retry', 'failed', 'defer') then
    raise exception 'outcome: must be sent, retry, failed or defer (got %)', coalesce(quote_literal(p_outcome), 'NULL')
      using errcode = '22023';
  end if;
  if p_retry_at is not null and not isfinite(p_retry_at) then
    raise exception 'retry_at: must be a finite time' using errcode = '22023';
  end if;
  select * into v_row from sms_monitor.sms_alert_notifications n where n.id = p_id for update;
  if not found then
    raise exception 'id: notification % does not exist', p_id using errcode = 'P0002';
  end if;
  if v_row.status <> 'pending' or v_row.locked_by is distinct from p_worker then
    return 'lost';
  end if;

  v_status := case
    when p_outcome = 'sent' then 'sent'
    when p_outcome = 'failed' then 'failed'
    when p_outcome = 'defer' then 'pending'
    when v_row.attempts >= v_row.max_attempts then 'dead'
    else 'pending'
  end;
  update sms_monitor.sms_alert_notifications n
     set status = v_status,
         sent_at = case when v_status = 'sent' then now() else n.sent_at end,
         next_attempt_at = case when v_status = 'pending' then coalesce(p_retry_at, now()) else n.next_attempt_at end,
         last_error = case when p_outcome in ('sent', 'defer') then n.last_error else left(p_error, 2000) end,
         attempts = case when p_outcome = 'defer' then greatest(n.attempts - 1, 0) else n.attempts end,
         locked_by = null,
         locked_until = null,
         updated_at = now()
   where n.id = p_id;
  perform sms_monitor._alert_sync_notification_status(v_row.alert_id);
  return v_status;
end;
$$;

comment on function sms_monitor.complete_sms_notification(bigint, text, text, text, timestamptz) is
  'Notifier: records a delivery outcome (sent | retry | failed | defer) for a row leased by p_worker; returns the new '
  'status (sent, pending, failed, dead) or lost when the lease was lost. defer: pending again at p_retry_at '
  '(default now) with the attempt not counted (the notifier''s own rate limit kept it from trying). '
  'NULL id or bad outcome: 22023; unknown id: P0002.';
revoke all on function sms_monitor.complete_sms_notification(bigint, text, text, text, timestamptz) from public;
grant execute on function sms_monitor.complete_sms_notification(bigint, text, text, text, timestamptz)
  to sms_monitor_admin, sms_monitor_notifier;
--! EndIncluded functions/complete_sms_notification.sql
--! Included functions/release_sms_notifications.sql
-- Graceful shutdown of a notifier: the pending rows p_worker holds go back to the queue at once,
-- the attempt not counted (they were never tried), and a NOTIFY tells the other notifiers.
create or replace function sms_monitor.release_sms_notifications(p_worker text)
returns integer
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_ids bigint[];
begin
  if p_worker is null or btrim(p_worker) = '' then
    raise exception 'worker: is required' using errcode = '22023';
  end if;
  with released as (
    update sms_monitor.sms_alert_notifications n
       set locked_by = null,
           locked_until = null,
           attempts = greatest(n.attempts - 1, 0),
           updated_at = now()
     where n.status = 'pending' and n.locked_by = p_worker
    returning n.id
  )
  select array_agg(r.id order by r.id) into v_ids from released r;
  -- Other notifiers pick the rows up at once (same payload shape as the insert trigger's NOTIFY,
  -- cut to the ids that fit in 7000 bytes; the table stays the truth).
  if v_ids is not null then
    perform pg_notify('sms_monitor_notifications', (
      select '[' || string_agg(x.id::text, ',' order by x.id) || ']'
        from (select u.id, sum(length(u.id::text) + 1) over (order by u.id) as running
                from unnest(v_ids) u(id)) x
       where x.running <= 6998));
  end if;
  return coalesce(cardinality(v_ids), 0);
end;
$$;

comment on function sms_monitor.release_sms_notifications(text) is
  'Notifier, graceful shutdown: rows leased by p_worker become claimable at once, the attempt not counted; '
  'returns how many were released and NOTIFYs sms_monitor_notifications with their ids.';
revoke all on function sms_monitor.release_sms_notifications(text) from public;
grant execute on function sms_monitor.release_sms_notifications(text) to sms_monitor_admin, sms_monitor_notifier;
--! EndIncluded functions/release_sms_notifications.sql
--! Included functions/next_sms_notification_due.sql
-- When the next pending row becomes claimable: its next_attempt_at, or the end of its lease when
-- a worker holds it (a crashed worker's row comes back then). NULL when nothing is pending. Rows
-- queued behind an earlier pending row of the same incident and channel are left out (they wait for
-- that row, not for a time; see claim_sms_notifications).
create or replace function sms_monitor.next_sms_notification_due()
returns timestamptz
language sql
stable
security definer
set search_path = pg_catalog, pg_temp
as $$
  select min(greatest(n.next_attempt_at, coalesce(n.locked_until, '-infinity'::timestamptz)))
    from sms_monitor.sms_alert_notifications n
   where n.status = 'pending'
     and not exists (
       select from sms_monitor.sms_alert_notifications p
        where p.alert_id = n.alert_id and p.channel = n.channel and p.status = 'pending' and p.id < n.id);
$$;

comment on function sms_monitor.next_sms_notification_due() is
  'Notifier: the earliest time a pending outbox row becomes claimable (next_attempt_at, or lease end when '
  'leased), or NULL when nothing is pending; rows queued behind an earlier pending row of their incident '
  'and channel are not counted.';
revoke all on function sms_monitor.next_sms_notification_due() from public;
grant execute on function sms_monitor.next_sms_notification_due() to sms_monitor_admin, sms_monitor_notifier;
--! EndIncluded functions/next_sms_notification_due.sql

-- Evaluation: metric values, incident lifecycle, manual resolve/acknowledge, silences.
--! Included functions/_alert_compare.sql
create or replace function sms_monitor._alert_compare(p_value numeric, p_comparison text, p_threshold numeric)
returns boolean
language sql
immutable
parallel safe
set search_path = pg_catalog, pg_temp
as $$
  select case p_comparison
    when '<' then p_value < p_threshold
    when '<=' then p_value <= p_threshold
    when '>' then p_value > p_threshold
    when '>=' then p_value >= p_threshold
  end;
$$;

comment on function sms_monitor._alert_compare(numeric, text, numeric) is
  'Internal: p_value <p_comparison> p_threshold (comparison one of <, <=, >, >=); NULL when the value is NULL.';
revoke all on function sms_monitor._alert_compare(numeric, text, numeric) from public;
--! EndIncluded functions/_alert_compare.sql
--! Included functions/_alert_format_value.sql
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
    else round(p_value, 4)::text
  end;
$$;

comment on function sms_monitor._alert_format_value(numeric, text) is
  'Internal: a metric value for a message: 85.30 % (percent), 2.50x (ratio).';
revoke all on function sms_monitor._alert_format_value(numeric, text) from public;
--! EndIncluded functions/_alert_format_value.sql
--! Included functions/_alert_window_stats.sql
-- The sums an alert window needs, in one pass over the buckets of the window.
-- Window: the hourly buckets that overlap [p_now - p_window_minutes, p_now], i.e. from the hour
-- containing p_now - window to the hour containing p_now (both in the reporting timezone): the
-- window is rounded out to whole hours, so it covers between window and window + 60 minutes.
-- A daily bucket (metric_hour NULL: recorded without an hour) counts only when its whole reporting
-- day lies inside that span: a day's total cannot be split into hours, and counting it in part
-- would mix a day of traffic into an hour.
-- Active user: a user (user_id not NULL) with any bucket in the window, whatever the metric, the
-- same definition as sms_metrics_daily.active_users. System-wide rows (user_id NULL) add to the
-- sums but are nobody's activity.
create or replace function sms_monitor._alert_window_stats(p_now timestamptz, p_window_minutes integer)
returns table (
  window_start timestamp,
  window_end timestamp,
  sent numeric,
  delivered numeric,
  llm_success numeric,
  template_fallback numeric,
  llm_cost numeric,
  opt_outs numeric,
  active_users bigint,
  limit_users bigint
)
language plpgsql
stable
rows 1
security invoker
set search_path = pg_catalog, pg_temp
-- the window bounds decide the plan (an hour or a month of buckets): plan with the real values
set plan_cache_mode = force_custom_plan
as $$
declare
  v_tz text := sms_monitor._reporting_timezone();
  v_from timestamp := date_trunc('hour', (p_now - make_interval(mins => p_window_minutes)) at time zone v_tz);
  v_to timestamp := date_trunc('hour', p_now at time zone v_tz);
  v_from_date date := v_from::date;
  v_from_hour smallint := extract(hour from v_from)::smallint;
  v_to_date date := v_to::date;
  v_to_hour smallint := extract(hour from v_to)::smallint;
  -- whole days inside [v_from, v_to + 1 hour)
  v_first_day date := case when v_from = v_from::date then v_from::date else v_from::date + 1 end;
  v_last_day date := (v_to + interval '1 hour')::date - 1;
begin
  -- The hourly range is split per day (first day from its hour, whole days between, last day up to
  -- its hour) so every branch is an equality or plain range on the bucket key's leading columns:
  -- the planner estimates those well and reads the index range (a row comparison
  -- (metric_date, metric_hour) >= (...) is estimated so badly that long windows got seq scans).
  return query
  with b as (
    select m.metric_type, m.metric_value, m.user_id
      from sms_monitor.sms_metrics m
     where v_from_date = v_to_date
       and m.metric_date = v_from_date and m.metric_hour between v_from_hour and v_to_hour
    union all
    select m.metric_type, m.metric_value, m.user_id
      from sms_monitor.sms_metrics m
     where v_from_date < v_to_date
       and m.metric_date = v_from_date and m.metric_hour >= v_from_hour
    union all
    select m.metric_type, m.metric_value, m.user_id
      from sms_monitor.sms_metrics m
     where m.metric_date > v_from_date and m.metric_date < v_to_date and m.metric_hour is not null
    union all
    select m.metric_type, m.metric_value, m.user_id
      from sms_monitor.sms_metrics m
     where v_from_date < v_to_date
       and m.metric_date = v_to_date and m.metric_hour <= v_to_hour
    union all
    select m.metric_type, m.metric_value, m.user_id
      from sms_monitor.sms_metrics m
     where m.metric_date between v_first_day and v_last_day
       and m.metric_hour is null
  )
  select v_from, v_to + interval '1 hour',
         coalesce(sum(b.metric_value) filter (where b.metric_type = 'sent_count'), 0),
         coalesce(sum(b.metric_value) filter (where b.metric_type = 'delivered_count'), 0),
         coalesce(sum(b.metric_value) filter (where b.metric_type = 'llm_success_count'), 0),
         coalesce(sum(b.metric_value) filter (where b.metric_type = 'template_fallback_count'), 0),
         coalesce(sum(b.metric_value) filter (where b.metric_type = 'llm_cost_usd'), 0),
         coalesce(sum(b.metric_value) filter (where b.metric_type = 'opt_out_count'), 0),
         count(distinct b.user_id),
         count(distinct b.user_id) filter (where b.metric_type = 'daily_limit_hit_count' and b.metric_value > 0)
    from b;
end;
$$;

comment on function sms_monitor._alert_window_stats(timestamptz, integer) is
  'Internal: sums, active users and users who hit the daily limit over the hourly buckets overlapping the '
  'last p_window_minutes before p_now (reporting timezone); daily buckets count only when their whole day is inside.';
revoke all on function sms_monitor._alert_window_stats(timestamptz, integer) from public;
--! EndIncluded functions/_alert_window_stats.sql
--! Included functions/_alert_cost_baseline.sql
-- The cost-spike baseline: mean daily LLM cost per active user over the 30 reporting days before
-- p_today, from sms_metrics_daily (30 rows, not 30 days of raw buckets): sum(llm_cost_usd) /
-- sum(active_users), i.e. cost per active user-day (a true mean, not an average of daily ratios).
-- days = how many of those days had traffic. NULLs when the view has never been refreshed.
create or replace function sms_monitor._alert_cost_baseline(p_today date)
returns table (cost_per_user_day numeric, days integer)
language plpgsql
stable
rows 1
security invoker
set search_path = pg_catalog, pg_temp
as $$
begin
  if not (select c.relispopulated from pg_class c where c.oid = 'sms_monitor.sms_metrics_daily'::regclass) then
    return query select null::numeric, 0;
    return;
  end if;
  return query
  select sum(d.llm_cost_usd) / nullif(sum(d.active_users), 0),
         (count(*) filter (where d.active_users > 0))::integer
    from sms_monitor.sms_metrics_daily d
   where d.metric_date between p_today - 30 and p_today - 1;
end;
$$;

comment on function sms_monitor._alert_cost_baseline(date) is
  'Internal: sum(llm_cost_usd) / sum(active_users) over the 30 reporting days before p_today (sms_metrics_daily), '
  'and how many of them had active users.';
revoke all on function sms_monitor._alert_cost_baseline(date) from public;
--! EndIncluded functions/_alert_cost_baseline.sql
--! Included functions/_alert_rule_values.sql
-- Every enabled rule's metric value and sample size at p_now, without side effects. Each window
-- length is computed once, however many rules share it. The formulas (also in sms_alert_metrics
-- and docs/alerts.md):
--   delivery_rate        = 100 * delivered / sent                           sample: sent
--   llm_failure_rate     = 100 * fallbacks / (llm successes + fallbacks)   sample: successes + fallbacks
--   llm_cost_spike       = (llm cost / active users in the window)
--                          / (sum of daily llm cost / sum of daily active users over the 30 days
--                             before today)                                 sample: active users
--                          (NULL = no_data unless >= 7 baseline days had traffic and the baseline > 0)
--   opt_out_rate         = 100 * opt-outs / active users                    sample: active users
--   daily_limit_hit_rate = 100 * users who hit the limit / active users     sample: active users
-- A rate with nothing to divide by is NULL (no data), never 0.
create or replace function sms_monitor._alert_rule_values(p_now timestamptz)
returns table (alert_type text, metric_value numeric, sample_size bigint, detail text)
language sql
stable
security invoker
set search_path = pg_catalog, pg_temp
set jit = off
as $$
  with rules as materialized (
    select t.alert_type, t.metric, t.window_minutes
      from sms_monitor.sms_alert_thresholds t
     where t.is_enabled
  ), stats as materialized (
    select w.window_minutes, s.*
      from (select distinct r.window_minutes from rules r) w
     cross join lateral sms_monitor._alert_window_stats(p_now, w.window_minutes) s
  ), base as materialized (
    select b.cost_per_user_day, b.days
      from sms_monitor._alert_cost_baseline(sms_monitor.reporting_today(p_now)) b
     where exists (select from rules r where r.metric = 'llm_cost_spike')
  )
  select r.alert_type, round(v.value, 4), v.sample,
         format('%s; window %s to %s (%s)', v.detail, to_char(s.window_start, 'YYYY-MM-DD HH24:MI'),
                to_char(s.window_end, 'YYYY-MM-DD HH24:MI'), sms_monitor._reporting_timezone())
    from rules r
    join stats s on s.window_minutes = r.window_minutes
    left join base b on true
   cross join lateral (
     select case r.metric
         when 'delivery_rate' then 100 * s.delivered / nullif(s.sent, 0)
         when 'llm_failure_rate' then 100 * s.template_fallback / nullif(s.llm_success + s.template_fallback, 0)
         when 'llm_cost_spike' then case when b.days >= 7 and b.cost_per_user_day > 0 then
             (s.llm_cost / nullif(s.active_users, 0)) / b.cost_per_user_day end
         when 'opt_out_rate' then 100 * s.opt_outs / nullif(s.active_users, 0)
         when 'daily_limit_hit_rate' then 100 * s.limit_users / nullif(s.active_users, 0)
       end as value,
       case r.metric
         when 'delivery_rate' then s.sent::bigint
         when 'llm_failure_rate' then (s.llm_success + s.template_fallback)::bigint
         else s.active_users
       end as sample,
       case r.metric
         when 'delivery_rate' then format('%s delivered of %s sent', s.delivered, s.sent)
         when 'llm_failure_rate' then format('%s template fallbacks, %s LLM successes', s.template_fallback, s.llm_success)
         when 'llm_cost_spike' then format('LLM cost %s USD for %s active users; baseline %s USD per active user-day over %s days',
             round(s.llm_cost, 4), s.active_users, coalesce(round(b.cost_per_user_day, 6)::text, 'none'), coalesce(b.days, 0))
         when 'opt_out_rate' then format('%s opt-outs, %s active users', s.opt_outs, s.active_users)
         when 'daily_limit_hit_rate' then format('%s users hit the daily limit, %s active users', s.limit_users, s.active_users)
       end as detail
   ) v;
$$;

comment on function sms_monitor._alert_rule_values(timestamptz) is
  'Internal: every enabled rule''s metric value, sample size and a detail line at p_now, over the hourly buckets '
  'overlapping the rule''s window (daily buckets only when their whole day is inside). delivery_rate = 100 * '
  'delivered / sent (sample: sent); llm_failure_rate = 100 * fallbacks / (llm successes + fallbacks) (sample: '
  'both); llm_cost_spike = (llm cost / active users) / (sum daily llm cost / sum daily active users over the 30 '
  'days before today, >= 7 days with traffic) (sample: active users); opt_out_rate = 100 * opt-outs / active '
  'users; daily_limit_hit_rate = 100 * users with a daily-limit hit / active users. Active user = a user_id with '
  'any bucket in the window. Nothing to divide by = NULL (no_data).';
revoke all on function sms_monitor._alert_rule_values(timestamptz) from public;
--! EndIncluded functions/_alert_rule_values.sql
--! Included functions/_alert_told_channels.sql
create or replace function sms_monitor._alert_told_channels(p_alert_id uuid)
returns text[]
language sql
stable
security invoker
set search_path = pg_catalog, pg_temp
as $$
  select coalesce(array_agg(distinct n.channel order by n.channel), '{}')
    from sms_monitor.sms_alert_notifications n
   where n.alert_id = p_alert_id and n.event in ('trigger', 'repeat');
$$;

comment on function sms_monitor._alert_told_channels(uuid) is
  'Internal: the channels an incident was announced on, by a trigger or a repeat (they get its acknowledge and resolve).';
revoke all on function sms_monitor._alert_told_channels(uuid) from public;
--! EndIncluded functions/_alert_told_channels.sql
--! Included functions/_alert_enqueue.sql
-- Queues one outbox row per channel for an event of an incident, with the payload the notifier
-- renders (OUTBOX-CONTRACT.md). The message depends on the event; metric_value is the latest
-- evaluated value (the value at resolution for a resolve). Returns how many rows were queued.
create or replace function sms_monitor._alert_enqueue(p_alert_id uuid, p_event text, p_channels text[])
returns integer
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
declare
  v_count integer;
begin
  if coalesce(cardinality(p_channels), 0) = 0 then
    return 0;
  end if;
  insert into sms_monitor.sms_alert_notifications (alert_id, channel, event, payload)
  select h.id, c.channel, p_event, jsonb_build_object(
           'alert_id', h.id,
           'alert_type', h.alert_type,
           'event', p_event,
           'severity', h.severity,
           'metric', h.metric,
           'comparison', h.comparison,
           'metric_value', x.value,
           'threshold_value', h.threshold_value,
           'recovery_value', h.recovery_value,
           'window_minutes', h.window_minutes,
           'sample_size', h.sample_size,
           'message', case p_event
               when 'trigger' then h.message
               when 'repeat' then format('Still firing since %s: %s is now %s (threshold: %s %s).',
                 to_char(h.triggered_at at time zone 'UTC', 'YYYY-MM-DD HH24:MI "UTC"'), m.label,
                 sms_monitor._alert_format_value(x.value, m.unit), h.comparison,
                 sms_monitor._alert_format_value(h.threshold_value, m.unit))
               when 'acknowledge' then format('Acknowledged by %s: %s', h.acknowledged_by, h.message)
               when 'resolve' then case when h.resolved_by = 'auto'
                 then format('Resolved: %s is back at %s. %s', m.label, sms_monitor._alert_format_value(x.value, m.unit), h.message)
                 else format('Resolved by %s: %s', h.resolved_by, h.message) end
             end,
           'description', t.description,
           'triggered_at', h.triggered_at,
           'resolved_at', h.resolved_at,
           'resolved_by', h.resolved_by,
           'acknowledged_at', h.acknowledged_at,
           'acknowledged_by', h.acknowledged_by,
           'dedup_key', left('sms-monitor/' || h.alert_type || '/' || h.id::text, 255))
    from sms_monitor.sms_alert_history h
    join sms_monitor.sms_alert_thresholds t on t.alert_type = h.alert_type
    join sms_monitor.sms_alert_metrics m on m.metric = h.metric
   cross join lateral (select case when p_event = 'resolve' and h.resolution_value is not null
                                   then h.resolution_value else coalesce(h.last_value, h.metric_value) end as value) x
   cross join lateral (select distinct u.channel from unnest(p_channels) u(channel)) c
   where h.id = p_alert_id
   order by c.channel;
  get diagnostics v_count = row_count;
  perform sms_monitor._alert_sync_notification_status(p_alert_id);
  return v_count;
end;
$$;

comment on function sms_monitor._alert_enqueue(uuid, text, text[]) is
  'Internal: queues an outbox row per channel for an incident event (trigger, repeat, acknowledge, resolve).';
revoke all on function sms_monitor._alert_enqueue(uuid, text, text[]) from public;
--! EndIncluded functions/_alert_enqueue.sql
--! Included functions/_alert_lock_rule.sql
-- Serialises everything that changes one rule's incidents (check_sms_alerts, resolve, acknowledge):
-- the rule's state row is taken FOR UPDATE (created first if missing). Held to the end of the
-- transaction, so a concurrent evaluation waits and then sees the committed incident.
create or replace function sms_monitor._alert_lock_rule(p_alert_type text)
returns sms_monitor.sms_alert_rule_state
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
declare
  v_state sms_monitor.sms_alert_rule_state;
begin
  insert into sms_monitor.sms_alert_rule_state (alert_type) values (p_alert_type) on conflict do nothing;
  select * into v_state from sms_monitor.sms_alert_rule_state s where s.alert_type = p_alert_type for update;
  return v_state;
end;
$$;

comment on function sms_monitor._alert_lock_rule(text) is
  'Internal: locks a rule (its sms_alert_rule_state row, FOR UPDATE) until the end of the transaction.';
revoke all on function sms_monitor._alert_lock_rule(text) from public;
--! EndIncluded functions/_alert_lock_rule.sql
--! Included functions/check_sms_alerts.sql
-- Evaluates every enabled rule at p_now and moves its incident along (and resolves the open
-- incident of a rule that was disabled); returns one row per rule with what it did:
--   no_data      too little data (value NULL or sample < min_sample): never a breach; an open
--                incident stays open, a pending timer restarts
--   ok           not breached, nothing open
--   pending      breached, but not yet for pending_minutes
--   fired        opened an incident and queued a trigger per channel
--   silenced     breached under a silence: the incident is recorded (silenced), nobody is told
--   unsilenced   the silence ended while the incident is open: the trigger is queued now
--   repeated     still breached, unacknowledged, cooldown elapsed since the last notification:
--                a repeat is queued
--   cooldown     still breached, within the cooldown
--   acknowledged still breached, acknowledged: no repeats
--   recovering   open, no longer breached but not yet past the recovery value (hysteresis)
--   resolved     past the recovery value (or the threshold): resolved automatically, a resolve
--                queued to the channels that were told
--   disabled_resolved  the rule was disabled while its incident was open: resolved with
--                resolved_by 'rule disabled', a resolve queued to the channels that were told
--   skipped      the rule was already evaluated at p_now or later (a concurrent or newer run):
--                nothing changed, so an older run can never undo a newer one
-- Concurrency: first every rule to evaluate (enabled, or disabled with an open incident) is locked
-- (_alert_lock_rule), in alert_type order; only then are the metric values computed, in a
-- statement whose snapshot sees everything committed before the locks were granted. Concurrent
-- runs serialise, and each sees the previous one's incidents and rule state (READ COMMITTED: every
-- statement takes a fresh snapshot). The partial unique index on open incidents is the last guard.
create or replace function sms_monitor.check_sms_alerts(p_now timestamptz default now())
returns table (
  alert_type text,
  action text,
  metric_value numeric,
  threshold_value numeric,
  sample_size bigint,
  alert_id uuid,
  detail text
)
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
set jit = off
as $$
#variable_conflict use_column
declare
  v_rule record;
  v_state sms_monitor.sms_alert_rule_state;
  v_open sms_monitor.sms_alert_history;
  v_no_data boolean;
  v_breached boolean;
  v_recovered boolean;
  v_silenced boolean;
  v_action text;
  v_alert uuid;
  v_types text[];
  v_type text;
begin
  if p_now is null or not isfinite(p_now) then
    raise exception 'now: must be a finite time' using errcode = '22023';
  end if;

  -- Lock first, compute after: values computed before the locks could be older than what a run
  -- that held them meanwhile saw and acted on.
  v_types := array(
    select t.alert_type from sms_monitor.sms_alert_thresholds t
     where t.is_enabled
        or exists (select from sms_monitor.sms_alert_history h where h.alert_type = t.alert_type and h.resolved_at is null)
     order by t.alert_type);
  foreach v_type in array v_types loop
    perform sms_monitor._alert_lock_rule(v_type);
  end loop;

  for v_rule in
    select t.alert_type, t.metric, t.comparison, t.threshold_value, t.recovery_value, t.window_minutes,
           t.min_sample, t.pending_minutes, t.cooldown_minutes, t.severity, t.notification_channels,
           t.is_enabled, m.label, m.unit, v.metric_value as value, v.sample_size as sample, v.detail
      from unnest(v_types) l(alert_type)
      join sms_monitor.sms_alert_thresholds t on t.alert_type = l.alert_type
      join sms_monitor.sms_alert_metrics m on m.metric = t.metric
      left join sms_monitor._alert_rule_values(p_now) v on v.alert_type = t.alert_type
     order by t.alert_type
  loop
    select * into v_state from sms_monitor.sms_alert_rule_state s where s.alert_type = v_rule.alert_type;
    select * into v_open from sms_monitor.sms_alert_history h
     where h.alert_type = v_rule.alert_type and h.resolved_at is null;
    v_alert := v_open.id;

    if v_state.last_evaluated_at >= p_now then
      -- a newer (or concurrent, same-instant) run got here first: acting on p_now could undo it
      alert_type := v_rule.alert_type;
      action := 'skipped';
      metric_value := v_rule.value;
      threshold_value := v_rule.threshold_value;
      sample_size := v_rule.sample;
      alert_id := v_alert;
      detail := format('already evaluated at %s (%s): nothing changed',
        to_char(v_state.last_evaluated_at at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS.US "UTC"'), v_state.last_action);
      return next;
      continue;
    end if;

    if not v_rule.is_enabled then
      if v_open.id is null then
        continue;  -- resolved meanwhile (by hand or by a concurrent run)
      end if;
      update sms_monitor.sms_alert_history h
         set resolved_at = p_now, resolved_by = 'rule disabled', silenced = false
       where h.id = v_open.id;
      perform sms_monitor._alert_enqueue(v_open.id, 'resolve', sms_monitor._alert_told_channels(v_open.id));
      update sms_monitor.sms_alert_rule_state s
         set pending_since = null, last_evaluated_at = p_now, last_action = 'disabled_resolved',
             last_value = null, last_sample_size = null
       where s.alert_type = v_rule.alert_type;
      alert_type := v_rule.alert_type;
      action := 'disabled_resolved';
      metric_value := null;
      threshold_value := v_rule.threshold_value;
      sample_size := null;
      alert_id := v_open.id;
      detail := 'the rule is disabled: its open incident is resolved';
      return next;
      continue;
    end if;

    v_no_data := v_rule.value is null or coalesce(v_rule.sample, 0) < v_rule.min_sample;
    v_breached := not v_no_data and sms_monitor._alert_compare(v_rule.value, v_rule.comparison, v_rule.threshold_value);
    v_recovered := not v_no_data and not sms_monitor._alert_compare(
      v_rule.value, v_rule.comparison, coalesce(v_rule.recovery_value, v_rule.threshold_value));
    v_silenced := exists (
      select from sms_monitor.sms_alert_silences s
       where (s.alert_type is null or s.alert_type = v_rule.alert_type)
         and s.starts_at <= p_now and s.ends_at > p_now
         and (s.lifted_at is null or s.lifted_at > p_now));

    if v_open.id is null then
      if not v_breached then
        v_action := case when v_no_data then 'no_data' else 'ok' end;
        v_state.pending_since := null;
      elsif v_rule.pending_minutes > 0
            and coalesce(v_state.pending_since, p_now) + make_interval(mins => v_rule.pending_minutes) > p_now then
        v_action := 'pending';
        v_state.pending_since := coalesce(v_state.pending_since, p_now);
      else
        insert into sms_monitor.sms_alert_history as h
          (alert_type, severity, metric, comparison, metric_value, threshold_value, recovery_value,
           window_minutes, sample_size, message, triggered_at, last_value, last_evaluated_at, silenced,
           last_notified_at)
        values
          (v_rule.alert_type, v_rule.severity, v_rule.metric, v_rule.comparison, v_rule.value,
           v_rule.threshold_value, v_rule.recovery_value, v_rule.window_minutes, v_rule.sample,
           format('%s is %s (threshold: %s %s) over the last %s min: %s.', v_rule.label,
             sms_monitor._alert_format_value(v_rule.value, v_rule.unit), v_rule.comparison,
             sms_monitor._alert_format_value(v_rule.threshold_value, v_rule.unit), v_rule.window_minutes,
             v_rule.detail),
           p_now, v_rule.value, p_now, v_silenced, case when v_silenced then null else p_now end)
        returning h.id into v_alert;
        if v_silenced then
          v_action := 'silenced';
        else
          perform sms_monitor._alert_enqueue(v_alert, 'trigger', v_rule.notification_channels);
          v_action := 'fired';
        end if;
        v_state.pending_since := null;
      end if;
    else
      v_state.pending_since := null;
      if v_no_data then
        v_action := 'no_data';
        update sms_monitor.sms_alert_history h set last_evaluated_at = p_now where h.id = v_open.id;
      elsif v_recovered then
        update sms_monitor.sms_alert_history h
           set resolved_at = p_now, resolved_by = 'auto', resolution_value = v_rule.value,
               last_value = v_rule.value, last_evaluated_at = p_now, silenced = false
         where h.id = v_open.id;
        perform sms_monitor._alert_enqueue(v_open.id, 'resolve', sms_monitor._alert_told_channels(v_open.id));
        v_action := 'resolved';
      else
        -- (silenced is left alone: it says "opened under a silence and not announced yet")
        update sms_monitor.sms_alert_history h
           set last_value = v_rule.value, last_evaluated_at = p_now
         where h.id = v_open.id;
        if v_silenced then
          v_action := 'silenced';
        elsif v_open.last_notified_at is null and v_breached then
          -- opened under a silence that has ended, and still breached: announce it now (in the
          -- hysteresis band it waits: it either breaches again or resolves without a word)
          update sms_monitor.sms_alert_history h set last_notified_at = p_now, silenced = false where h.id = v_open.id;
          perform sms_monitor._alert_enqueue(v_open.id, 'trigger', v_rule.notification_channels);
          if v_open.acknowledged_at is not null then
            -- acknowledged while nobody had been told: tell them both now
            perform sms_monitor._alert_enqueue(v_open.id, 'acknowledge', v_rule.notification_channels);
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
          perform sms_monitor._alert_enqueue(v_open.id, 'repeat', v_rule.notification_channels);
          v_action := 'repeated';
        else
          v_action := 'cooldown';
        end if;
      end if;
    end if;

    update sms_monitor.sms_alert_rule_state s
       set pending_since = v_state.pending_since, last_evaluated_at = p_now, last_action = v_action,
           last_value = v_rule.value, last_sample_size = v_rule.sample
     where s.alert_type = v_rule.alert_type;

    alert_type := v_rule.alert_type;
    action := v_action;
    metric_value := v_rule.value;
    threshold_value := v_rule.threshold_value;
    sample_size := v_rule.sample;
    alert_id := v_alert;
    detail := v_rule.detail;
    return next;
  end loop;
end;
$$;

comment on function sms_monitor.check_sms_alerts(timestamptz) is
  'Evaluates every enabled alert rule at p_now (default now()), opens/repeats/resolves incidents and queues '
  'notifications; resolves the open incident of a disabled rule; returns one row per rule with its action (fired, '
  'pending, repeated, cooldown, acknowledged, recovering, resolved, disabled_resolved, silenced, unsilenced, ok, '
  'no_data, skipped = already evaluated at p_now or later). Safe to run concurrently.';
revoke all on function sms_monitor.check_sms_alerts(timestamptz) from public;
grant execute on function sms_monitor.check_sms_alerts(timestamptz) to sms_monitor_admin, sms_monitor_notifier;
--! EndIncluded functions/check_sms_alerts.sql
--! Included functions/resolve_sms_alert.sql
-- Resolves an incident by hand and tells the channels it was announced on (a resolve per channel,
-- so PagerDuty closes it through the incident's dedup_key). Resolving an incident that is already
-- resolved changes nothing and queues nothing. Unknown id: P0002.
create or replace function sms_monitor.resolve_sms_alert(
  p_alert_id uuid,
  p_resolved_by text default null,
  p_now timestamptz default now()
)
returns sms_monitor.sms_alert_history
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_type text;
  v_row sms_monitor.sms_alert_history;
begin
  if p_now is null or not isfinite(p_now) then
    raise exception 'now: must be a finite time' using errcode = '22023';
  end if;
  if p_alert_id is null then
    raise exception 'alert_id: is required' using errcode = '22023';
  end if;
  select h.alert_type into v_type from sms_monitor.sms_alert_history h where h.id = p_alert_id;
  if not found then
    raise exception 'alert_id: alert % does not exist', p_alert_id using errcode = 'P0002';
  end if;
  perform sms_monitor._alert_lock_rule(v_type);
  select * into v_row from sms_monitor.sms_alert_history h where h.id = p_alert_id;
  if v_row.resolved_at is not null then
    return v_row;
  end if;
  update sms_monitor.sms_alert_history h
     set resolved_at = p_now,
         resolved_by = coalesce(nullif(btrim(p_resolved_by), ''), session_user::text),
         silenced = false
   where h.id = p_alert_id;
  perform sms_monitor._alert_enqueue(p_alert_id, 'resolve', sms_monitor._alert_told_channels(p_alert_id));
  select * into v_row from sms_monitor.sms_alert_history h where h.id = p_alert_id;
  return v_row;
end;
$$;

comment on function sms_monitor.resolve_sms_alert(uuid, text, timestamptz) is
  'Resolves an open incident by hand (resolved_by defaults to the session user) and queues a resolve to the '
  'channels that were told; idempotent on a resolved incident. Unknown id: P0002; NULL id or time: 22023.';
revoke all on function sms_monitor.resolve_sms_alert(uuid, text, timestamptz) from public;
grant execute on function sms_monitor.resolve_sms_alert(uuid, text, timestamptz) to sms_monitor_admin;
--! EndIncluded functions/resolve_sms_alert.sql
--! Included functions/acknowledge_sms_alert.sql
-- Acknowledges an open incident: no more repeat notifications; an acknowledge is queued to the
-- channels it was announced on (PagerDuty acknowledges the incident by its dedup_key). Already
-- acknowledged or resolved: changes nothing. Unknown id: P0002.
create or replace function sms_monitor.acknowledge_sms_alert(
  p_alert_id uuid,
  p_by text default null,
  p_now timestamptz default now()
)
returns sms_monitor.sms_alert_history
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_type text;
  v_row sms_monitor.sms_alert_history;
begin
  if p_now is null or not isfinite(p_now) then
    raise exception 'now: must be a finite time' using errcode = '22023';
  end if;
  if p_alert_id is null then
    raise exception 'alert_id: is required' using errcode = '22023';
  end if;
  select h.alert_type into v_type from sms_monitor.sms_alert_history h where h.id = p_alert_id;
  if not found then
    raise exception 'alert_id: alert % does not exist', p_alert_id using errcode = 'P0002';
  end if;
  perform sms_monitor._alert_lock_rule(v_type);
  select * into v_row from sms_monitor.sms_alert_history h where h.id = p_alert_id;
  if v_row.resolved_at is not null or v_row.acknowledged_at is not null then
    return v_row;
  end if;
  update sms_monitor.sms_alert_history h
     set acknowledged_at = p_now,
         acknowledged_by = coalesce(nullif(btrim(p_by), ''), session_user::text)
   where h.id = p_alert_id;
  perform sms_monitor._alert_enqueue(p_alert_id, 'acknowledge', sms_monitor._alert_told_channels(p_alert_id));
  select * into v_row from sms_monitor.sms_alert_history h where h.id = p_alert_id;
  return v_row;
end;
$$;

comment on function sms_monitor.acknowledge_sms_alert(uuid, text, timestamptz) is
  'Acknowledges an open incident (stops repeats) and queues an acknowledge to the channels that were told. '
  'Unknown id: P0002; NULL id or time: 22023.';
revoke all on function sms_monitor.acknowledge_sms_alert(uuid, text, timestamptz) from public;
grant execute on function sms_monitor.acknowledge_sms_alert(uuid, text, timestamptz) to sms_monitor_admin;
--! EndIncluded functions/acknowledge_sms_alert.sql
--! Included functions/silence_sms_alerts.sql
-- Silences one rule (or every rule when p_alert_type is NULL) from p_starts_at (default now) until
-- p_until. Incidents that open or stay open meanwhile are recorded, marked silenced and not
-- notified (no trigger, no repeat); when the silence ends and the incident is still open, the next
-- check announces it. Returns the silence (its id lifts it early: lift_sms_alert_silence).
create or replace function sms_monitor.silence_sms_alerts(
  p_alert_type text,
  p_until timestamptz,
  p_reason text,
  p_starts_at timestamptz default null
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
  if not isfinite(v_start) then
    raise exception 'starts_at: must be a finite time' using errcode = '22023';
  end if;
  if p_until is null or not isfinite(p_until) then
    raise exception 'until: is required and must be a finite time' using errcode = '22023';
  end if;
  if p_until <= v_start then
    raise exception 'until: % is not after the start of the silence (%)', p_until, v_start using errcode = '22023';
  end if;
  if p_reason is null or btrim(p_reason) = '' then
    raise exception 'reason: is required (say why, for whoever wonders where the alerts went)' using errcode = '22023';
  end if;
  insert into sms_monitor.sms_alert_silences (alert_type, starts_at, ends_at, reason, created_by)
  values (p_alert_type, v_start, p_until, btrim(p_reason), session_user::text)
  returning * into v_row;
  return v_row;
end;
$$;

comment on function sms_monitor.silence_sms_alerts(text, timestamptz, text, timestamptz) is
  'Silences a rule (NULL = all) from p_starts_at (default now) until p_until: incidents are recorded, not '
  'notified, and announced when the silence ends if still open. Returns the silence row.';
revoke all on function sms_monitor.silence_sms_alerts(text, timestamptz, text, timestamptz) from public;
grant execute on function sms_monitor.silence_sms_alerts(text, timestamptz, text, timestamptz) to sms_monitor_admin;
--! EndIncluded functions/silence_sms_alerts.sql
--! Included functions/list_sms_alert_silences.sql
create or replace function sms_monitor.list_sms_alert_silences(
  p_include_ended boolean default false,
  p_now timestamptz default now()
)
returns setof sms_monitor.sms_alert_silences
language plpgsql
stable
security definer
set search_path = pg_catalog, pg_temp
as $$
begin
  if p_now is null or not isfinite(p_now) then
    raise exception 'now: must be a finite time' using errcode = '22023';
  end if;
  return query
  select s.* from sms_monitor.sms_alert_silences s
   where coalesce(p_include_ended, false)
      or (s.ends_at > p_now and (s.lifted_at is null or s.lifted_at > p_now))
   order by s.starts_at, s.id;
end;
$$;

comment on function sms_monitor.list_sms_alert_silences(boolean, timestamptz) is
  'Silences that are active or upcoming at p_now (all of them with p_include_ended), by start time. NULL or infinite p_now: 22023.';
revoke all on function sms_monitor.list_sms_alert_silences(boolean, timestamptz) from public;
grant execute on function sms_monitor.list_sms_alert_silences(boolean, timestamptz)
  to sms_monitor_reader, sms_monitor_admin;
--! EndIncluded functions/list_sms_alert_silences.sql
--! Included functions/lift_sms_alert_silence.sql
-- Ends a silence early (at p_now). Open incidents it held back are announced by the next check.
-- A silence already lifted or over is returned unchanged. Unknown id: P0002; NULL id or time: 22023.
create or replace function sms_monitor.lift_sms_alert_silence(
  p_silence_id bigint,
  p_now timestamptz default now()
)
returns sms_monitor.sms_alert_silences
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_row sms_monitor.sms_alert_silences;
begin
  if p_silence_id is null then
    raise exception 'silence_id: is required' using errcode = '22023';
  end if;
  if p_now is null or not isfinite(p_now) then
    raise exception 'now: must be a finite time' using errcode = '22023';
  end if;
  select * into v_row from sms_monitor.sms_alert_silences s where s.id = p_silence_id for update;
  if not found then
    raise exception 'silence_id: silence % does not exist', p_silence_id using errcode = 'P0002';
  end if;
  if v_row.lifted_at is not null or v_row.ends_at <= p_now then
    return v_row;
  end if;
  update sms_monitor.sms_alert_silences s
     set lifted_at = p_now, lifted_by = session_user::text
   where s.id = p_silence_id
  returning * into v_row;
  return v_row;
end;
$$;

comment on function sms_monitor.lift_sms_alert_silence(bigint, timestamptz) is
  'Lifts a silence at p_now (default now); held-back open incidents are announced by the next check. Unknown id: P0002; NULL id or time: 22023.';
revoke all on function sms_monitor.lift_sms_alert_silence(bigint, timestamptz) from public;
grant execute on function sms_monitor.lift_sms_alert_silence(bigint, timestamptz) to sms_monitor_admin;
--! EndIncluded functions/lift_sms_alert_silence.sql
--! Included views/sms_alert_status.sql
-- One row per rule: its settings, what the last check did, the open incident (if any) and until
-- when it is silenced. For operators in psql and for dashboards. security_invoker: the caller's own
-- rights on the underlying tables apply (readers and admins).
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
         where (x.alert_type is null or x.alert_type = t.alert_type)
           and x.starts_at <= now() and x.ends_at > now() and x.lifted_at is null) as silenced_until
  from sms_monitor.sms_alert_thresholds t
  left join sms_monitor.sms_alert_rule_state s on s.alert_type = t.alert_type
  left join sms_monitor.sms_alert_history h on h.alert_type = t.alert_type and h.resolved_at is null;

comment on view sms_monitor.sms_alert_status is
  'One row per alert rule: settings, the last check''s action and value, the open incident and the end of an '
  'active silence (silenced_until).';
revoke all on sms_monitor.sms_alert_status from public;
grant select on sms_monitor.sms_alert_status to sms_monitor_reader;
--! EndIncluded views/sms_alert_status.sql

-- Schedules: retention, and the pg_cron jobs, registered only where pg_cron is installed (it can
-- only live in cron.database_name); elsewhere a superuser who adds pg_cron later runs
-- select * from sms_monitor.install_sms_monitor_schedule();
--! Included functions/apply_sms_retention.sql
-- The daily retention job (pg_cron 'sms-monitor-retention'). Deletes, per sms_monitor.settings:
--   sms_metrics buckets whose reporting day is more than metric_retention_days (default 400) before
--     the reporting day of p_now;
--   outbox rows delivered (status sent) more than notification_retention_days (default 30) ago, of
--     incidents resolved before that too (an open incident keeps them: they say whom to tell when it
--     is resolved); failed and dead rows stay as evidence until an operator looks at them;
--   pg_cron's cron.job_run_details rows that ended more than job_run_retention_days (default 14)
--     ago, when pg_cron is installed here (that table grows by a row per job run, forever).
-- Returns one row per target with how many rows went.
create or replace function sms_monitor.apply_sms_retention(p_now timestamptz default now())
returns table (target text, deleted bigint)
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_settings sms_monitor.settings;
  v_count bigint;
begin
  if p_now is null or not isfinite(p_now) then
    raise exception 'now: must be a finite time' using errcode = '22023';
  end if;
  select * into v_settings from sms_monitor.settings;

  delete from sms_monitor.sms_metrics m
   where m.metric_date < sms_monitor.reporting_today(p_now) - v_settings.metric_retention_days;
  get diagnostics v_count = row_count;
  target := 'sms_monitor.sms_metrics'; deleted := v_count; return next;

  -- only of incidents resolved before the cut-off: an open incident's sent trigger is how its
  -- acknowledge and resolve find the channels that were told (_alert_told_channels)
  delete from sms_monitor.sms_alert_notifications n
   using sms_monitor.sms_alert_history h
   where h.id = n.alert_id
     and n.status = 'sent' and n.sent_at < p_now - make_interval(days => v_settings.notification_retention_days)
     and h.resolved_at < p_now - make_interval(days => v_settings.notification_retention_days);
  get diagnostics v_count = row_count;
  target := 'sms_monitor.sms_alert_notifications'; deleted := v_count; return next;

  if to_regclass('cron.job_run_details') is not null then
    execute 'delete from cron.job_run_details where end_time < $1'
      using p_now - make_interval(days => v_settings.job_run_retention_days);
    get diagnostics v_count = row_count;
    target := 'cron.job_run_details'; deleted := v_count; return next;
  end if;
end;
$$;

comment on function sms_monitor.apply_sms_retention(timestamptz) is
  'Daily retention: deletes metric buckets older than settings.metric_retention_days (400), sent notifications '
  'older than notification_retention_days (30) of incidents resolved before then, and cron.job_run_details older than job_run_retention_days (14).';
revoke all on function sms_monitor.apply_sms_retention(timestamptz) from public;
grant execute on function sms_monitor.apply_sms_retention(timestamptz) to sms_monitor_admin;
--! EndIncluded functions/apply_sms_retention.sql
-- `notifier --evaluate-every` runs the pg_cron jobs itself where pg_cron is missing.
grant execute on function sms_monitor.refresh_sms_metrics_daily() to sms_monitor_notifier;
grant execute on function sms_monitor.apply_sms_retention(timestamptz) to sms_monitor_notifier;
--! Included functions/install_sms_monitor_schedule.sql
-- (Re)registers the pg_cron jobs of sms-monitor by name: an existing job of the same name is
-- updated in place (whichever role it runs as), so running it again is harmless. For the migration
-- (when pg_cron is present) and for a superuser who adds pg_cron later:
-- `select * from sms_monitor.install_sms_monitor_schedule();`.
-- pg_cron 1.4: five-field schedules, UTC, jobs run in cron.database_name as the installing role
-- unless an operator moves them to a LOGIN role (docs/alerts.md).
-- Called through dynamic SQL so this function exists even where the cron schema does not.
create or replace function sms_monitor.install_sms_monitor_schedule()
returns table (jobname text, schedule text, command text, jobid bigint)
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
declare
  v_job record;
begin
  if not exists (select from pg_extension e where e.extname = 'pg_cron') then
    raise exception 'pg_cron: the extension is not installed in database % (it can only be created in cron.database_name)',
      current_database() using errcode = '55000';
  end if;
  for v_job in
    select * from (values
      ('sms-monitor-check-alerts', '* * * * *', 'select sms_monitor.check_sms_alerts()'),
      ('sms-monitor-refresh-daily', '*/5 * * * *', 'select sms_monitor.refresh_sms_metrics_daily()'),
      ('sms-monitor-retention', '17 3 * * *', 'select sms_monitor.apply_sms_retention()')
    ) j(jobname, schedule, command)
  loop
    jobname := v_job.jobname;
    schedule := v_job.schedule;
    command := v_job.command;
    -- a job of that name (visible to us: any, for a superuser) is updated in place, keeping the role
    -- it runs as (an operator may have moved it with cron.alter_job(jobid, username => ...));
    -- cron.schedule would add a second job under our name instead
    execute 'select min(j.jobid) from cron.job j where j.jobname = $1' into jobid using v_job.jobname;
    if jobid is null then
      execute 'select cron.schedule($1, $2, $3)' into jobid using v_job.jobname, v_job.schedule, v_job.command;
    else
      execute 'select cron.alter_job($1, $2, $3)' using jobid, v_job.schedule, v_job.command;
    end if;
    return next;
  end loop;
end;
$$;

comment on function sms_monitor.install_sms_monitor_schedule() is
  'Registers (or updates) the pg_cron jobs by name: sms-monitor-check-alerts (every minute), '
  'sms-monitor-refresh-daily (every 5 minutes), sms-monitor-retention (03:17 UTC). Needs pg_cron (55000 otherwise).';
revoke all on function sms_monitor.install_sms_monitor_schedule() from public;
--! EndIncluded functions/install_sms_monitor_schedule.sql
--! Included functions/uninstall_sms_monitor_schedule.sql
create or replace function sms_monitor.uninstall_sms_monitor_schedule()
returns integer
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
declare
  v_count integer := 0;
  v_id bigint;
begin
  if not exists (select from pg_extension e where e.extname = 'pg_cron') then
    return 0;
  end if;
  for v_id in execute 'select jobid from cron.job where jobname like ''sms-monitor-%'' order by jobid' loop
    execute 'select cron.unschedule($1)' using v_id;
    v_count := v_count + 1;
  end loop;
  return v_count;
end;
$$;

comment on function sms_monitor.uninstall_sms_monitor_schedule() is
  'Removes the sms-monitor-* pg_cron jobs (e.g. where an external scheduler or notifier --evaluate-every runs the '
  'checks instead); returns how many were removed.';
revoke all on function sms_monitor.uninstall_sms_monitor_schedule() from public;
--! EndIncluded functions/uninstall_sms_monitor_schedule.sql
do $$
begin
  if exists (select from pg_extension where extname = 'pg_cron') then
    perform sms_monitor.install_sms_monitor_schedule();
    raise notice 'sms-monitor: pg_cron jobs registered (sms-monitor-check-alerts, sms-monitor-refresh-daily, sms-monitor-retention)';
  else
    raise notice 'sms-monitor: pg_cron is not installed in database %: no jobs registered. Run check_sms_alerts() '
      'from another scheduler (notifier --evaluate-every), or add pg_cron and run '
      'select * from sms_monitor.install_sms_monitor_schedule();', current_database();
  end if;
end;
$$;

-- (end of alert engine section)

-- == dashboard functions (issue 5) ==
-- The original's six dashboard endpoints as functions returning their jsonb bodies (docs/client.md).
--! Included functions/api_daily_metrics.sql
-- GET /api/sms/metrics/daily as a function: the daily rows of sms_metrics_daily from start to end
-- inclusive. Fixed from the original: end defaults to today in the reporting timezone (not the
-- server's), end before start and ranges over 366 days are refused, date_range.end is never null.
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
  if v_end < p_start_date then
    raise exception 'end_date: % is before start_date %', v_end, p_start_date using errcode = '22023';
  end if;
  if v_end - p_start_date + 1 > 366 then
    raise exception 'end_date: the range may span at most 366 days (got % days)', v_end - p_start_date + 1
      using errcode = '22023';
  end if;
  -- A view that was never refreshed (a brand-new database) has no days yet rather than an error.
  if (select c.relispopulated from pg_catalog.pg_class c where c.oid = 'sms_monitor.sms_metrics_daily'::regclass) then
    select coalesce(jsonb_agg(to_jsonb(d) order by d.metric_date), '[]'::jsonb)
      into v_data
      from sms_monitor.get_sms_daily_metrics(p_start_date, v_end) d;
  else
    v_data := '[]'::jsonb;
  end if;
  return jsonb_build_object(
    'success', true,
    'data', v_data,
    'date_range', jsonb_build_object('start', p_start_date, 'end', v_end));
end;
$$;

comment on function sms_monitor.api_daily_metrics(date, date) is
  'Dashboard (GET /daily): {success, data: [sms_metrics_daily rows], date_range: {start, end}} for start..end '
  'inclusive (end default today, at most 366 days). Bad parameters: 22023.';
revoke all on function sms_monitor.api_daily_metrics(date, date) from public;
grant execute on function sms_monitor.api_daily_metrics(date, date) to sms_monitor_reader, sms_monitor_admin;
--! EndIncluded functions/api_daily_metrics.sql
-- (p_now added to get_user_sms_metrics and api_user_metrics: drop the two-argument forms, no overloads)
drop function if exists sms_monitor.api_user_metrics(uuid, integer);
drop function if exists sms_monitor.get_user_sms_metrics(uuid, integer);
--! Included functions/get_user_sms_metrics.sql
-- One row per reporting day for one user: the last p_days days including today (the reporting day
-- that contains p_now, default now()), oldest first, never a day after it. Days without traffic
-- are present with zero counts and NULL rates/means.
-- Readers and admins may ask for anyone; the self-only role (PostgREST) only for its own sub.
create or replace function sms_monitor.get_user_sms_metrics(
  p_user_id uuid,
  p_days integer default 30,
  p_now timestamptz default now()
)
returns table (
  metric_date date,
  scheduled_count bigint,
  sent_count bigint,
  delivered_count bigint,
  failed_count bigint,
  cancelled_count bigint,
  llm_success_count bigint,
  template_fallback_count bigint,
  opt_out_count bigint,
  quiet_hours_skip_count bigint,
  daily_limit_hit_count bigint,
  llm_cost_usd numeric,
  sms_cost_usd numeric,
  avg_delivery_time_ms numeric,
  avg_generation_time_ms numeric,
  delivery_rate_percent numeric,
  llm_success_rate_percent numeric
)
language plpgsql
stable
security invoker
set search_path = pg_catalog, pg_temp
as $$
declare
  v_today date;
begin
  if p_user_id is null then
    raise exception 'user_id: is required' using errcode = '22023';
  end if;
  if p_days is null or p_days < 1 or p_days > 365 then
    raise exception 'days: must be between 1 and 365 (got %)', coalesce(p_days::text, 'NULL')
      using errcode = '22023';
  end if;
  if p_now is null or not isfinite(p_now) then
    raise exception 'now: must be a finite time' using errcode = '22023';
  end if;
  v_today := sms_monitor.reporting_today(p_now);
  perform sms_monitor._assert_can_read_user(p_user_id);

  return query
  with agg as (
    select m.metric_date as d,
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'scheduled_count'), 0)::bigint as scheduled,
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'sent_count'), 0)::bigint as sent,
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'delivered_count'), 0)::bigint as delivered,
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'failed_count'), 0)::bigint as failed,
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'cancelled_count'), 0)::bigint as cancelled,
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'llm_success_count'), 0)::bigint as llm_ok,
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'template_fallback_count'), 0)::bigint as fallback,
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'opt_out_count'), 0)::bigint as opt_out,
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'quiet_hours_skip_count'), 0)::bigint as quiet,
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'daily_limit_hit_count'), 0)::bigint as limit_hit,
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'llm_cost_usd'), 0) as llm_cost,
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'sms_cost_usd'), 0) as sms_cost,
           sum(m.metric_value) filter (where m.metric_type = 'avg_delivery_time_ms')
             / nullif(sum(m.sample_count) filter (where m.metric_type = 'avg_delivery_time_ms'), 0) as delivery_ms,
           sum(m.metric_value) filter (where m.metric_type = 'avg_generation_time_ms')
             / nullif(sum(m.sample_count) filter (where m.metric_type = 'avg_generation_time_ms'), 0) as generation_ms
      from sms_monitor.sms_metrics m
     where m.user_id = p_user_id
       and m.metric_date between v_today - (p_days - 1) and v_today
     group by m.metric_date
  )
  select g.d::date,
         coalesce(a.scheduled, 0), coalesce(a.sent, 0), coalesce(a.delivered, 0),
         coalesce(a.failed, 0), coalesce(a.cancelled, 0), coalesce(a.llm_ok, 0),
         coalesce(a.fallback, 0), coalesce(a.opt_out, 0), coalesce(a.quiet, 0),
         coalesce(a.limit_hit, 0), coalesce(a.llm_cost, 0), coalesce(a.sms_cost, 0),
         round(a.delivery_ms, 2), round(a.generation_ms, 2),
         round(100 * a.delivered::numeric / nullif(a.sent, 0), 2),
         round(100 * a.llm_ok::numeric / nullif(a.llm_ok + a.fallback, 0), 2)
    from generate_series(v_today - (p_days - 1), v_today, interval '1 day') as g(d)
    left join agg a on a.d = g.d::date
   order by g.d;
end;
$$;

comment on function sms_monitor.get_user_sms_metrics(uuid, integer, timestamptz) is
  'One row per reporting day for p_user_id over the last p_days days (1-365) up to and including '
  'the reporting day of p_now (default now()). '
  'Self-only callers may read only the user in request.jwt.claims.sub (else 42501).';
revoke all on function sms_monitor.get_user_sms_metrics(uuid, integer, timestamptz) from public;
grant execute on function sms_monitor.get_user_sms_metrics(uuid, integer, timestamptz)
  to sms_monitor_reader, sms_monitor_admin, sms_monitor_self;
--! EndIncluded functions/get_user_sms_metrics.sql
--! Included functions/api_user_metrics.sql
-- GET /api/sms/metrics/user as a function: one user's daily rows and a summary. Fixed from the
-- original: the summary's delivery rate is recomputed from the summed counts (never an average of
-- daily rates); a self-only caller (request.jwt.claims.sub) reads only itself (the original was an
-- IDOR) and omitting the user means "me", like the original's "defaults to current user".
create or replace function sms_monitor.api_user_metrics(
  p_user_id uuid default null,
  p_days integer default 30,
  p_now timestamptz default now()
)
returns jsonb
language plpgsql
stable
security invoker
set search_path = pg_catalog, pg_temp
as $$
declare
  v_user uuid := coalesce(p_user_id, sms_monitor._caller_user_id());
  v_metrics jsonb;
  v_summary jsonb;
begin
  if v_user is null then
    raise exception 'user_id: is required (or call as a signed-in user: request.jwt.claims.sub)'
      using errcode = '22023';
  end if;
  if p_days is null or p_days < 1 or p_days > 365 then
    raise exception 'days: must be between 1 and 365 (got %)', coalesce(p_days::text, 'NULL')
      using errcode = '22023';
  end if;
  if p_now is null or not isfinite(p_now) then
    raise exception 'now: must be a finite time' using errcode = '22023';
  end if;
  perform sms_monitor._assert_can_read_user(v_user);

  select coalesce(jsonb_agg(to_jsonb(r) order by r.metric_date), '[]'::jsonb),
         jsonb_build_object(
           'total_scheduled', coalesce(sum(r.scheduled_count), 0),
           'total_sent', coalesce(sum(r.sent_count), 0),
           'total_delivered', coalesce(sum(r.delivered_count), 0),
           'total_failed', coalesce(sum(r.failed_count), 0),
           'total_cancelled', coalesce(sum(r.cancelled_count), 0),
           'delivery_rate_percent', round(100 * sum(r.delivered_count)::numeric / nullif(sum(r.sent_count), 0), 2),
           'total_llm_cost_usd', round(coalesce(sum(r.llm_cost_usd), 0), 4)::text,
           'total_sms_cost_usd', round(coalesce(sum(r.sms_cost_usd), 0), 4)::text,
           'days', p_days)
    into v_metrics, v_summary
    from sms_monitor.get_user_sms_metrics(v_user, p_days, p_now) r;
  return jsonb_build_object(
    'success', true,
    'data', jsonb_build_object('metrics', v_metrics, 'summary', v_summary),
    'user_id', v_user);
end;
$$;

comment on function sms_monitor.api_user_metrics(uuid, integer, timestamptz) is
  'Dashboard (GET /user): {success, data: {metrics: [daily rows], summary}, user_id} for the last p_days days '
  '(1-365, default 30) up to and including the reporting day of p_now (default now()); NULL user = the '
  'caller (request.jwt.claims.sub). Self-only callers get 42501 for anyone else.';
revoke all on function sms_monitor.api_user_metrics(uuid, integer, timestamptz) from public;
grant execute on function sms_monitor.api_user_metrics(uuid, integer, timestamptz)
  to sms_monitor_reader, sms_monitor_admin, sms_monitor_self;
--! EndIncluded functions/api_user_metrics.sql
-- (p_live added after the first version: drop the one-argument forms where an earlier run made them)
drop function if exists sms_monitor.api_metrics_summary(timestamptz);
drop function if exists sms_monitor.api_today_metrics(timestamptz);
--! Included functions/api_today_metrics.sql
-- GET /api/sms/metrics/today as a function: today's figures plus health. By default they come from
-- sms_metrics_daily, like the original (pg_cron refreshes it every 5 minutes: sub-millisecond at
-- any size); p_live => true aggregates sms_metrics instead (exact to the last commit, but it reads
-- every bucket of the day: ~80 ms at 29,000 buckets a day). A view never refreshed is read live.
-- "source" says which ("sms_metrics_daily" or "live"). Health rules (docs/client.md):
--   delivery_healthy: delivered >= 90 % of sent;       NULL when nothing was sent today
--   llm_healthy:      LLM successes >= 50 % of texts;  NULL when no text was generated today
--   overall_healthy:  false if either is false, true if at least one is true and none false,
--                     NULL when both are NULL (no traffic yet is unknown, not unhealthy).
create or replace function sms_monitor.api_today_metrics(
  p_now timestamptz default now(),
  p_live boolean default false
)
returns jsonb
language plpgsql
stable
security invoker
set search_path = pg_catalog, pg_temp
as $$
declare
  v_today date;
  v_live boolean;
  v_d sms_monitor.sms_metrics_daily%rowtype;
  v_delivery_healthy boolean;
  v_llm_healthy boolean;
begin
  if p_now is null or not isfinite(p_now) then
    raise exception 'now: must be a finite time' using errcode = '22023';
  end if;
  v_today := sms_monitor.reporting_today(p_now);
  v_live := coalesce(p_live, false) or not (select c.relispopulated from pg_catalog.pg_class c
                                            where c.oid = 'sms_monitor.sms_metrics_daily'::regclass);
  if v_live then
    select v_today,
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'scheduled_count'), 0)::bigint,
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'sent_count'), 0)::bigint,
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'delivered_count'), 0)::bigint,
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'failed_count'), 0)::bigint,
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'cancelled_count'), 0)::bigint,
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'llm_success_count'), 0)::bigint,
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'template_fallback_count'), 0)::bigint,
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'opt_out_count'), 0)::bigint,
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'quiet_hours_skip_count'), 0)::bigint,
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'daily_limit_hit_count'), 0)::bigint,
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'llm_cost_usd'), 0),
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'sms_cost_usd'), 0),
           round(sum(m.metric_value) filter (where m.metric_type = 'avg_delivery_time_ms')
                 / nullif(sum(m.sample_count) filter (where m.metric_type = 'avg_delivery_time_ms'), 0), 2),
           round(sum(m.metric_value) filter (where m.metric_type = 'avg_generation_time_ms')
                 / nullif(sum(m.sample_count) filter (where m.metric_type = 'avg_generation_time_ms'), 0), 2),
           null, null,
           count(distinct m.user_id)
      into v_d
      from sms_monitor.sms_metrics m
     where m.metric_date = v_today;
  else
    select * into v_d from sms_monitor.sms_metrics_daily d where d.metric_date = v_today;
  end if;
  -- No row in the view (nothing recorded today as of its refresh): zeros and unknowns.
  v_d.metric_date := v_today;
  v_d.scheduled_count := coalesce(v_d.scheduled_count, 0);
  v_d.sent_count := coalesce(v_d.sent_count, 0);
  v_d.delivered_count := coalesce(v_d.delivered_count, 0);
  v_d.failed_count := coalesce(v_d.failed_count, 0);
  v_d.cancelled_count := coalesce(v_d.cancelled_count, 0);
  v_d.llm_success_count := coalesce(v_d.llm_success_count, 0);
  v_d.template_fallback_count := coalesce(v_d.template_fallback_count, 0);
  v_d.opt_out_count := coalesce(v_d.opt_out_count, 0);
  v_d.quiet_hours_skip_count := coalesce(v_d.quiet_hours_skip_count, 0);
  v_d.daily_limit_hit_count := coalesce(v_d.daily_limit_hit_count, 0);
  v_d.llm_cost_usd := coalesce(v_d.llm_cost_usd, 0);
  v_d.sms_cost_usd := coalesce(v_d.sms_cost_usd, 0);
  v_d.active_users := coalesce(v_d.active_users, 0);
  v_d.delivery_rate_percent := round(100 * v_d.delivered_count::numeric / nullif(v_d.sent_count, 0), 2);
  v_d.llm_success_rate_percent := round(100 * v_d.llm_success_count::numeric
                                        / nullif(v_d.llm_success_count + v_d.template_fallback_count, 0), 2);
  v_delivery_healthy := case when v_d.sent_count > 0 then 100 * v_d.delivered_count >= 90 * v_d.sent_count end;
  v_llm_healthy := case when v_d.llm_success_count + v_d.template_fallback_count > 0
                        then 100 * v_d.llm_success_count >= 50 * (v_d.llm_success_count + v_d.template_fallback_count) end;
  return jsonb_build_object(
    'success', true,
    'source', case when v_live then 'live' else 'sms_metrics_daily' end,
    'data', to_jsonb(v_d) || jsonb_build_object(
      'health', jsonb_build_object(
        'delivery_healthy', v_delivery_healthy,
        'llm_healthy', v_llm_healthy,
        'overall_healthy', case
          when v_delivery_healthy is false or v_llm_healthy is false then false
          when v_delivery_healthy is null and v_llm_healthy is null then null
          else true end)));
end;
$$;

comment on function sms_monitor.api_today_metrics(timestamptz, boolean) is
  'Dashboard (GET /today): {success, source, data: today''s figures + health {delivery_healthy (>= 90 % '
  'delivered), llm_healthy (>= 50 % LLM), overall_healthy}}; NULL health = no traffic yet, not unhealthy. '
  'From sms_metrics_daily (refreshed every 5 minutes) unless p_live.';
revoke all on function sms_monitor.api_today_metrics(timestamptz, boolean) from public;
grant execute on function sms_monitor.api_today_metrics(timestamptz, boolean) to sms_monitor_reader, sms_monitor_admin;
--! EndIncluded functions/api_today_metrics.sql
--! Included functions/api_metrics_summary.sql
-- GET /api/sms/metrics/summary as a function: today, the last 7 reporting days, open alerts and an
-- overall status. Fixed from the original: the week is 7 days including today (the original took
-- 8), unresolved_count counts every open incident (not the length of a limited list), and the
-- status follows written rules:
--   critical  an unresolved critical incident exists (acknowledged or not: it is still open)
--   degraded  otherwise, an unresolved warning incident exists, or today's delivery or LLM health
--             is false (api_today_metrics)
--   healthy   otherwise; no traffic (health unknown) and info incidents do not degrade
-- overall_healthy = (status = 'healthy'); reasons lists what decided the status.
-- The week reads the six previous days from sms_metrics_daily (refreshed every 5 minutes; not yet
-- populated = no rows) and today as api_today_metrics(p_now, p_live) does.
create or replace function sms_monitor.api_metrics_summary(
  p_now timestamptz default now(),
  p_live boolean default false
)
returns jsonb
language plpgsql
stable
security invoker
set search_path = pg_catalog, pg_temp
as $$
declare
  v_today_body jsonb;
  v_today jsonb;
  v_date date;
  v_week jsonb;
  v_prior jsonb;
  v_alerts jsonb;
  v_open_critical bigint;
  v_open_warning bigint;
  v_reasons text[] := '{}';
  v_status text;
begin
  v_today_body := sms_monitor.api_today_metrics(p_now, p_live);
  v_today := v_today_body -> 'data';
  v_date := (v_today ->> 'metric_date')::date;

  -- Scanning a never-refreshed view raises an error, so it is read only once populated.
  if (select c.relispopulated from pg_catalog.pg_class c where c.oid = 'sms_monitor.sms_metrics_daily'::regclass) then
    select jsonb_build_object(
             'scheduled', coalesce(sum(d.scheduled_count), 0), 'sent', coalesce(sum(d.sent_count), 0),
             'delivered', coalesce(sum(d.delivered_count), 0), 'failed', coalesce(sum(d.failed_count), 0),
             'cancelled', coalesce(sum(d.cancelled_count), 0), 'llm_success', coalesce(sum(d.llm_success_count), 0),
             'template_fallback', coalesce(sum(d.template_fallback_count), 0),
             'opt_out', coalesce(sum(d.opt_out_count), 0), 'llm_cost_usd', coalesce(sum(d.llm_cost_usd), 0),
             'sms_cost_usd', coalesce(sum(d.sms_cost_usd), 0))
      into v_prior
      from sms_monitor.sms_metrics_daily d
     where d.metric_date between v_date - 6 and v_date - 1;
  else
    v_prior := '{}'::jsonb;
  end if;
  with t as (
    select coalesce((v_prior ->> 'scheduled')::bigint, 0) + (v_today ->> 'scheduled_count')::bigint as scheduled,
           coalesce((v_prior ->> 'sent')::bigint, 0) + (v_today ->> 'sent_count')::bigint as sent,
           coalesce((v_prior ->> 'delivered')::bigint, 0) + (v_today ->> 'delivered_count')::bigint as delivered,
           coalesce((v_prior ->> 'failed')::bigint, 0) + (v_today ->> 'failed_count')::bigint as failed,
           coalesce((v_prior ->> 'cancelled')::bigint, 0) + (v_today ->> 'cancelled_count')::bigint as cancelled,
           coalesce((v_prior ->> 'llm_success')::bigint, 0) + (v_today ->> 'llm_success_count')::bigint as llm_ok,
           coalesce((v_prior ->> 'template_fallback')::bigint, 0) + (v_today ->> 'template_fallback_count')::bigint as fallback,
           coalesce((v_prior ->> 'opt_out')::bigint, 0) + (v_today ->> 'opt_out_count')::bigint as opt_out,
           coalesce((v_prior ->> 'llm_cost_usd')::numeric, 0) + (v_today ->> 'llm_cost_usd')::numeric as llm_cost,
           coalesce((v_prior ->> 'sms_cost_usd')::numeric, 0) + (v_today ->> 'sms_cost_usd')::numeric as sms_cost
  )
  select jsonb_build_object(
           'start_date', v_date - 6,
           'end_date', v_date,
           'days', 7,
           'totals', jsonb_build_object(
             'scheduled', t.scheduled, 'sent', t.sent, 'delivered', t.delivered, 'failed', t.failed,
             'cancelled', t.cancelled, 'llm_success', t.llm_ok, 'template_fallback', t.fallback,
             'opt_out', t.opt_out, 'llm_cost_usd', t.llm_cost, 'sms_cost_usd', t.sms_cost),
           'delivery_rate_percent', round(100 * t.delivered::numeric / nullif(t.sent, 0), 2),
           'llm_success_rate_percent', round(100 * t.llm_ok::numeric / nullif(t.llm_ok + t.fallback, 0), 2),
           'avg_daily_cost_usd', round((t.llm_cost + t.sms_cost) / 7, 4)::text)
    into v_week
    from t;

  select count(*) filter (where h.severity = 'critical'), count(*) filter (where h.severity = 'warning')
    into v_open_critical, v_open_warning
    from sms_monitor.sms_alert_history h
   where h.resolved_at is null;
  select jsonb_build_object(
           'unresolved_count', (select count(*) from sms_monitor.sms_alert_history h where h.resolved_at is null),
           'has_critical', v_open_critical > 0,
           'recent', coalesce(jsonb_agg(jsonb_build_object(
               'id', r.id, 'alert_type', r.alert_type, 'severity', r.severity, 'message', r.message,
               'metric_value', r.metric_value, 'threshold_value', r.threshold_value,
               'triggered_at', r.triggered_at, 'acknowledged_at', r.acknowledged_at)
             order by r.triggered_at desc, r.id), '[]'::jsonb))
    into v_alerts
    from (select * from sms_monitor.sms_alert_history h
           where h.resolved_at is null
           order by h.triggered_at desc, h.id
           limit 5) r;

  if v_open_critical > 0 then
    v_reasons := v_reasons || format('%s unresolved critical alert(s)', v_open_critical);
  end if;
  if v_open_warning > 0 then
    v_reasons := v_reasons || format('%s unresolved warning alert(s)', v_open_warning);
  end if;
  if (v_today #>> '{health,delivery_healthy}')::boolean is false then
    v_reasons := v_reasons || format('delivery rate today %s %% is below 90 %%', v_today ->> 'delivery_rate_percent');
  end if;
  if (v_today #>> '{health,llm_healthy}')::boolean is false then
    v_reasons := v_reasons || format('LLM success rate today %s %% is below 50 %%', v_today ->> 'llm_success_rate_percent');
  end if;
  v_status := case when v_open_critical > 0 then 'critical'
                   when cardinality(v_reasons) > 0 then 'degraded'
                   else 'healthy' end;

  return jsonb_build_object(
    'success', true,
    'source', v_today_body -> 'source',
    'data', jsonb_build_object(
      'today', v_today,
      'week', v_week,
      'alerts', v_alerts,
      'health', jsonb_build_object(
        'overall_healthy', v_status = 'healthy',
        'status', v_status,
        'reasons', to_jsonb(v_reasons))));
end;
$$;

comment on function sms_monitor.api_metrics_summary(timestamptz, boolean) is
  'Dashboard (GET /summary): {success, data: {today, week (7 days incl. today), alerts {unresolved_count, '
  'has_critical, recent (5)}, health {overall_healthy, status healthy|degraded|critical, reasons}}}.';
revoke all on function sms_monitor.api_metrics_summary(timestamptz, boolean) from public;
grant execute on function sms_monitor.api_metrics_summary(timestamptz, boolean) to sms_monitor_reader, sms_monitor_admin;
--! EndIncluded functions/api_metrics_summary.sql
--! Included functions/api_alerts.sql
-- GET /api/sms/metrics/alerts as a function: open incidents (default) or the history of a date
-- range. Fixed from the original: limit is checked (1-200), history needs start_date, end_date is
-- inclusive, and days are reporting days (settings.reporting_timezone), not the server's.
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
    select coalesce(jsonb_agg(to_jsonb(h) order by h.triggered_at desc, h.id), '[]'::jsonb)
      into v_data
      from (select * from sms_monitor.sms_alert_history a
             where a.resolved_at is null
             order by a.triggered_at desc, a.id
             limit v_limit) h;
    return jsonb_build_object('success', true, 'data', v_data, 'type', v_type);
  end if;

  if p_start_date is null then
    raise exception 'start_date: is required when type is history (YYYY-MM-DD)' using errcode = '22023';
  end if;
  v_end := coalesce(p_end_date, sms_monitor.reporting_today());
  if v_end < p_start_date then
    raise exception 'end_date: % is before start_date %', v_end, p_start_date using errcode = '22023';
  end if;
  select coalesce(jsonb_agg(to_jsonb(h) order by h.triggered_at desc, h.id), '[]'::jsonb)
    into v_data
    from (select * from sms_monitor.sms_alert_history a
           where a.triggered_at >= (p_start_date::timestamp at time zone v_tz)
             and a.triggered_at < ((v_end + 1)::timestamp at time zone v_tz)
           order by a.triggered_at desc, a.id
           limit v_limit) h;
  return jsonb_build_object('success', true, 'data', v_data, 'type', v_type,
    'date_range', jsonb_build_object('start', p_start_date, 'end', v_end));
end;
$$;

comment on function sms_monitor.api_alerts(text, integer, date, date) is
  'Dashboard (GET /alerts): {success, data: [incidents, newest first], type} for type unresolved (default) or '
  'history (start_date required, end_date inclusive, reporting days); limit 1-200 (default 50). Bad parameters: 22023.';
revoke all on function sms_monitor.api_alerts(text, integer, date, date) from public;
grant execute on function sms_monitor.api_alerts(text, integer, date, date) to sms_monitor_reader, sms_monitor_admin;
--! EndIncluded functions/api_alerts.sql
--! Included functions/api_resolve_alert.sql
-- POST /api/sms/metrics/alerts as a function: resolve an incident by hand. Fixed from the original
-- ("resolved successfully" for any id): an unknown id raises P0002, and an incident that is already
-- resolved answers success false with when and by whom, changing nothing.
create or replace function sms_monitor.api_resolve_alert(
  p_alert_id uuid,
  p_resolved_by text default null
)
returns jsonb
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
declare
  v_before sms_monitor.sms_alert_history;
  v_after sms_monitor.sms_alert_history;
  v_now timestamptz := clock_timestamp();
begin
  if p_alert_id is null then
    raise exception 'alert_id: is required' using errcode = '22023';
  end if;
  select * into v_before from sms_monitor.sms_alert_history h where h.id = p_alert_id;
  if not found then
    raise exception 'alert_id: alert % does not exist', p_alert_id using errcode = 'P0002';
  end if;
  if v_before.resolved_at is null then
    v_after := sms_monitor.resolve_sms_alert(
      p_alert_id,
      coalesce(nullif(btrim(p_resolved_by), ''), sms_monitor._caller_user_id()::text, session_user::text),
      v_now);
  end if;
  -- Resolved before, or by a concurrent call between our read and resolve_sms_alert's lock.
  if v_before.resolved_at is not null or v_after.resolved_at is distinct from v_now then
    v_after := coalesce(v_after, v_before);
    return jsonb_build_object(
      'success', false,
      'message', format('Alert already resolved at %s by %s', v_after.resolved_at, v_after.resolved_by),
      'alert_id', p_alert_id,
      'resolved_at', v_after.resolved_at,
      'resolved_by', v_after.resolved_by);
  end if;
  return jsonb_build_object(
    'success', true,
    'message', 'Alert resolved successfully',
    'alert_id', p_alert_id,
    'resolved_at', v_after.resolved_at,
    'resolved_by', v_after.resolved_by);
end;
$$;

comment on function sms_monitor.api_resolve_alert(uuid, text) is
  'Dashboard (POST /alerts): resolves an open incident: {success true, message, alert_id, resolved_at, '
  'resolved_by}; already resolved: success false saying when and by whom; unknown id: P0002.';
revoke all on function sms_monitor.api_resolve_alert(uuid, text) from public;
grant execute on function sms_monitor.api_resolve_alert(uuid, text) to sms_monitor_admin;
--! EndIncluded functions/api_resolve_alert.sql
-- (end of dashboard section)
