--! Previous: sha1:bfb1cf3f9a46012449aac17c6e8d2546157fe0c3
--! Hash: sha1:cc152a8f88ca9ea34ec86e3b53cb57a91d6b8d9d
--! Message: bounded input and powers, exactly-once batches, delivery that loses no page, notification retry, HTTP API and dashboard data

-- Work in progress for the next migration (tests apply it on top of the committed ones).
-- Tables and indexes inline; functions and views with --!include functions/<name>.sql.
-- Commit it with: bash scripts/migration-commit.sh

-- ==== issue 10: input and powers that cannot silence alerting; exactly-once batches ====
-- Bounds: one value <= 1e12 (_metric_problem), a bucket's running sum <= 1e15 (the writers refuse
-- the write that would pass it with 22023; this constraint is the safety net), and every reader
-- sums in numeric (sms_metrics_daily, get_user_sms_metrics, api_today_metrics, api_metrics_summary):
-- no accepted write can make a reader fail. NOT VALID: rows written before are not re-checked.
alter table sms_monitor.sms_metrics drop constraint if exists sms_metrics_value_bound;
alter table sms_monitor.sms_metrics add constraint sms_metrics_value_bound check (metric_value <= 1e15) not valid;

-- Exactly-once batches: record_sms_events(p_events, p_batch_id) records each id once, with its result.
create table if not exists sms_monitor.sms_ingest_batches (
  batch_id uuid primary key,
  recorded integer not null,
  created_at timestamptz not null default now()
);
create index if not exists sms_ingest_batches_created_idx on sms_monitor.sms_ingest_batches (created_at);
comment on table sms_monitor.sms_ingest_batches is
  'Batch ids record_sms_events has recorded (with how many events), so a retried batch is written once; '
  'apply_sms_retention() deletes ids older than 7 days.';
alter table sms_monitor.sms_ingest_batches enable row level security;
revoke all on sms_monitor.sms_ingest_batches from public;
grant select on sms_monitor.sms_ingest_batches to sms_monitor_reader;
drop policy if exists sms_ingest_batches_read on sms_monitor.sms_ingest_batches;
create policy sms_ingest_batches_read on sms_monitor.sms_ingest_batches
  for select to sms_monitor_reader using (true);

--! Included functions/_max_clock_skew.sql
-- The clock-skew allowance (a documented constant, docs/guarantees.md): how far ahead of the
-- server's clock a recorded event, a metric bucket, an evaluation time (check_sms_alerts) or an
-- operator's time (resolve/acknowledge) may lie. Further ahead is refused with 22023.
create or replace function sms_monitor._max_clock_skew()
returns interval
language sql
immutable
parallel safe
as $$
  select interval '5 minutes';
$$;

comment on function sms_monitor._max_clock_skew() is
  'Internal constant: 5 minutes, how far ahead of now() a recorded or operator-given time may lie.';
revoke all on function sms_monitor._max_clock_skew() from public;
--! EndIncluded functions/_max_clock_skew.sql
--! Included functions/_raise_22023.sql
-- Raises SQLSTATE 22023 with p_message; returns numeric only so it can stand in a CASE branch of
-- an expression (an upsert's SET list) that must refuse a value without a subtransaction.
-- Volatile so the planner never evaluates it ahead of the CASE condition.
create or replace function sms_monitor._raise_22023(p_message text)
returns numeric
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
begin
  raise exception '%', p_message using errcode = '22023';
end;
$$;

comment on function sms_monitor._raise_22023(text) is
  'Internal: raises 22023 with the message (for CASE branches inside SQL statements).';
revoke all on function sms_monitor._raise_22023(text) from public;
--! EndIncluded functions/_raise_22023.sql
--! Included functions/_reader_time_problem.sql
-- What is wrong with a time a reader or operator passes (dashboards' p_now, a silence's end, ...),
-- or NULL: it must be given, finite and inside 2000-01-01 .. 2199-12-31 (UTC), a range every date
-- computation downstream (a year of days back, a silence's length) can carry without 22008.
create or replace function sms_monitor._reader_time_problem(p_field text, p_value timestamptz)
returns text
language sql
stable
parallel safe
as $$
  select case
    when p_value is null then p_field || ': must be a finite time'
    when not isfinite(p_value) then p_field || ': must be a finite time'
    when p_value < '2000-01-01 00:00:00+00'::timestamptz or p_value >= '2200-01-01 00:00:00+00'::timestamptz then
      p_field || ': must lie between 2000-01-01 and 2199-12-31 (got ' || to_char(p_value at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS BC') || ' UTC)'
  end;
$$;

comment on function sms_monitor._reader_time_problem(text, timestamptz) is
  'Internal: "<field>: <problem>" when a time argument is NULL, infinite or outside 2000-01-01 .. 2199-12-31; else NULL.';
revoke all on function sms_monitor._reader_time_problem(text, timestamptz) from public;
grant execute on function sms_monitor._reader_time_problem(text, timestamptz)
  to sms_monitor_reader, sms_monitor_admin, sms_monitor_self, sms_monitor_notifier;
--! EndIncluded functions/_reader_time_problem.sql
--! Included functions/_reader_date_problem.sql
-- The date form of _reader_time_problem: given, finite, inside 2000-01-01 .. 2199-12-31.
create or replace function sms_monitor._reader_date_problem(p_field text, p_value date)
returns text
language sql
stable
parallel safe
as $$
  select case
    when p_value is null then p_field || ': is required (YYYY-MM-DD)'
    when not isfinite(p_value) then p_field || ': must be a finite date'
    when p_value < '2000-01-01'::date or p_value > '2199-12-31'::date then
      p_field || ': must lie between 2000-01-01 and 2199-12-31 (got ' || p_value::text || ')'
  end;
$$;

comment on function sms_monitor._reader_date_problem(text, date) is
  'Internal: "<field>: <problem>" when a date argument is NULL, infinite or outside 2000-01-01 .. 2199-12-31; else NULL.';
revoke all on function sms_monitor._reader_date_problem(text, date) from public;
grant execute on function sms_monitor._reader_date_problem(text, date)
  to sms_monitor_reader, sms_monitor_admin, sms_monitor_self, sms_monitor_notifier;
--! EndIncluded functions/_reader_date_problem.sql
--! Included functions/_bucket_time_problem.sql
-- What is wrong with the time of a bucket a writer is about to add into, or NULL. A bucket must lie
-- where a reader looks for it: not older than settings.metric_retention_days before the reporting
-- day of now() (retention would delete it at once), and not after now() + _max_clock_skew() (5
-- minutes): a bucket in the future is a value no window has seen yet, written to surface later.
-- p_field names what the caller passed (metric_date, metric_hour); the check uses the date first,
-- so an absurd year never reaches date arithmetic (no 22008).
create or replace function sms_monitor._bucket_time_problem(
  p_date_field text,
  p_hour_field text,
  p_date date,
  p_hour integer
)
returns text
language plpgsql
stable
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_tz text;
  v_days integer;
  v_today date;
  v_latest timestamptz := now() + sms_monitor._max_clock_skew();
  v_latest_day date;
begin
  select s.reporting_timezone, s.metric_retention_days into v_tz, v_days from sms_monitor.settings s;
  v_today := (now() at time zone v_tz)::date;
  v_latest_day := (v_latest at time zone v_tz)::date;
  if p_date is null then
    return p_date_field || ': is required';
  end if;
  if not isfinite(p_date) then
    return p_date_field || ': must be a finite date';
  end if;
  if p_date < v_today - v_days then
    return format('%s: %s is older than the %s days retention keeps (earliest: %s)',
      p_date_field, p_date::text, v_days, v_today - v_days);
  end if;
  if p_date > v_latest_day then
    return format('%s: %s is in the future (today is %s in %s; allowed clock skew: %s)',
      p_date_field, p_date::text, v_today, v_tz, sms_monitor._max_clock_skew());
  end if;
  if p_hour is not null and p_hour between 0 and 23
     and ((p_date + make_interval(hours => p_hour)) at time zone v_tz) > v_latest then
    return format('%s: %s hour %s has not begun yet (now: %s in %s; allowed clock skew: %s)',
      p_hour_field, p_date, p_hour, to_char(now() at time zone v_tz, 'YYYY-MM-DD HH24:MI'), v_tz,
      sms_monitor._max_clock_skew());
  end if;
  return null;
end;
$$;

comment on function sms_monitor._bucket_time_problem(text, text, date, integer) is
  'Internal: "<field>: <problem>" when a bucket (date, hour) is older than retention keeps or later than '
  'now() + 5 minutes (reporting timezone); else NULL.';
revoke all on function sms_monitor._bucket_time_problem(text, text, date, integer) from public;
--! EndIncluded functions/_bucket_time_problem.sql
--! Included functions/_metric_problem.sql
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
--! EndIncluded functions/_metric_problem.sql
--! Included functions/_is_timestamptz.sql
create or replace function sms_monitor._is_timestamptz(p_text text)
returns boolean
language plpgsql
stable
set search_path = pg_catalog, pg_temp
as $$
begin
  if p_text is null then
    return true;
  end if;
  perform p_text::timestamptz;
  return true;
exception when datetime_field_overflow or invalid_datetime_format or invalid_time_zone_displacement_value then
  return false;
end;
$$;

comment on function sms_monitor._is_timestamptz(text) is
  'Internal: whether a string casts to timestamptz (used to name the bad element of a batch).';
revoke all on function sms_monitor._is_timestamptz(text) from public;
--! EndIncluded functions/_is_timestamptz.sql
--! Included functions/_looks_like_iso_time_with_offset.sql
-- Cheap shape check for event times: a date (digits and two dashes), a time (digits, ':' and '.'
-- only) and an explicit offset (Z, +hh, +hhmm or +hh:mm, digits only). A time without an offset
-- would be read in the session's zone, which differs between services: the bug that split a send
-- and its delivery across days; a zone name or anything else between the time and the offset
-- (2026-12-01T10:00:00 Mars/Phobos+01:00, which PostgreSQL would read somehow) is refused too.
-- String functions only (no regex) because it runs once per event in record_sms_events; the cast
-- checks the calendar and the offset's range.
create or replace function sms_monitor._looks_like_iso_time_with_offset(p_text text)
returns boolean
language sql
immutable
parallel safe
as $$
  select p_text is null
      or (length(p_text) >= 17 and length(p_text) <= 40
          and substr(p_text, 5, 1) = '-' and substr(p_text, 8, 1) = '-'
          and translate(left(p_text, 10), '0123456789', '') = '--'
          and substr(p_text, 11, 1) in ('T', 't', ' ')
          and case
                when right(p_text, 1) in ('Z', 'z') then
                  translate(substr(p_text, 12, length(p_text) - 12), '0123456789:.', '') = ''
                when substr(p_text, length(p_text) - 5, 1) in ('+', '-') and substr(p_text, length(p_text) - 2, 1) = ':' then
                  translate(substr(p_text, 12, length(p_text) - 17), '0123456789:.', '') = ''
                  and translate(right(p_text, 5), '0123456789', '') = ':'
                when substr(p_text, length(p_text) - 4, 1) in ('+', '-') then
                  translate(substr(p_text, 12, length(p_text) - 16), '0123456789:.', '') = ''
                  and translate(right(p_text, 4), '0123456789', '') = ''
                when substr(p_text, length(p_text) - 2, 1) in ('+', '-') then
                  translate(substr(p_text, 12, length(p_text) - 14), '0123456789:.', '') = ''
                  and translate(right(p_text, 2), '0123456789', '') = ''
                else false
              end);
$$;

comment on function sms_monitor._looks_like_iso_time_with_offset(text) is
  'Internal: whether an event time is a date, a time and an explicit UTC offset and nothing else (cheap, no regex).';
revoke all on function sms_monitor._looks_like_iso_time_with_offset(text) from public;
--! EndIncluded functions/_looks_like_iso_time_with_offset.sql
--! Included functions/_record_metric.sql
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
  'Adds a value into the bucket (date, hour or NULL for the day, user or NULL for system-wide, type). '
  'Timings (avg_*_ms) count one sample per call. The bucket must lie within metric_retention_days and begin at most '
  '5 minutes after now(). Bad input raises 22023 and writes nothing.';
revoke all on function sms_monitor.record_sms_metric(date, integer, uuid, text, numeric, jsonb) from public;
grant execute on function sms_monitor.record_sms_metric(date, integer, uuid, text, numeric, jsonb)
  to sms_monitor_writer, sms_monitor_admin;
--! EndIncluded functions/record_sms_metric.sql
--! Included functions/record_sms_event.sql
-- One event at p_occurred_at (default now()), bucketed into the reporting timezone's date and hour.
-- The time must be finite, not more than _max_clock_skew() (5 minutes) ahead of the server clock
-- and not older than settings.metric_retention_days (retention would delete it at once): 22023
-- naming occurred_at otherwise. A text literal without a UTC offset passed for p_occurred_at is
-- converted by PostgreSQL before this function runs, in the session's TimeZone (docs/guarantees.md).
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
  v_tz text;
  v_days integer;
  v_earliest date;
begin
  if p_occurred_at is null then
    raise exception 'occurred_at: is required' using errcode = '22023';
  end if;
  if not isfinite(p_occurred_at) then
    raise exception 'occurred_at: must be a finite time' using errcode = '22023';
  end if;
  if p_occurred_at > now() + sms_monitor._max_clock_skew() then
    raise exception 'occurred_at: % is more than % ahead of the server clock (%)',
      to_char(p_occurred_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z" BC'), sms_monitor._max_clock_skew(),
      to_char(now() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') using errcode = '22023';
  end if;
  select s.reporting_timezone, s.metric_retention_days into v_tz, v_days from sms_monitor.settings s;
  if p_occurred_at < now() - make_interval(days => v_days + 2) then
    v_local := null;  -- far in the past: do not convert (4713 BC minus an offset does not exist)
  else
    v_local := p_occurred_at at time zone v_tz;
  end if;
  v_earliest := (now() at time zone v_tz)::date - v_days;
  if v_local is null or v_local::date < v_earliest then
    raise exception 'occurred_at: % is older than the % days retention keeps (earliest day: %)',
      to_char(p_occurred_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z" BC'), v_days, v_earliest
      using errcode = '22023';
  end if;
  perform sms_monitor._record_metric(
    v_local::date, extract(hour from v_local)::integer, p_user_id, p_metric_type, p_value, p_metadata, 'value');
end;
$$;

comment on function sms_monitor.record_sms_event(text, uuid, numeric, timestamptz, jsonb) is
  'Records one event, bucketed into the date and hour of p_occurred_at in the reporting timezone. p_occurred_at '
  'must be finite, at most 5 minutes ahead of the server clock and within metric_retention_days; else 22023.';
revoke all on function sms_monitor.record_sms_event(text, uuid, numeric, timestamptz, jsonb) from public;
grant execute on function sms_monitor.record_sms_event(text, uuid, numeric, timestamptz, jsonb)
  to sms_monitor_writer, sms_monitor_admin;
--! EndIncluded functions/record_sms_event.sql
drop function if exists sms_monitor.record_sms_events(jsonb);
--! Included functions/record_sms_events.sql
-- A batch of events, all or nothing. Elements are validated first (the error names the first bad
-- element: events[i].field; per-element casts that can fail, UUIDs and times, are checked on a slow
-- path only when the insert's cast fails), duplicates inside the batch are summed in memory, and the buckets are
-- upserted in one statement in a fixed key order, so concurrent overlapping batches take their row
-- locks in the same order and cannot deadlock.
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
    from jsonb_array_elements(p_events) with ordinality as e(v, n)
    left join sms_monitor.metric_types t on t.metric_type = e.v ->> 'metric_type'
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
            select coalesce((e.v ->> 'occurred_at')::timestamptz, v_now) as at
          ) t0
          cross join lateral (
            -- the bounds are plain comparisons; the raise runs only for a bad element
            select case
                     when t0.at > v_latest then sms_monitor._raise_22023(format(
                       'events[%s].occurred_at: %s is more than %s ahead of the server clock (%s)', e.n - 1,
                       e.v ->> 'occurred_at', sms_monitor._max_clock_skew(),
                       to_char(v_now at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')))::text::timestamp
                     when t0.at < v_now - make_interval(days => v_days + 2) or (t0.at at time zone v_tz) < v_earliest
                       then sms_monitor._raise_22023(format(
                       'events[%s].occurred_at: %s is older than the %s days retention keeps (earliest day: %s)', e.n - 1,
                       e.v ->> 'occurred_at', v_days, v_earliest::date))::text::timestamp
                     else t0.at at time zone v_tz
                   end as at_local
          ) x
      ) b
     group by b.metric_date, b.metric_hour, b.user_id, b.metric_type
     order by b.metric_date, b.metric_hour, b.user_id nulls first, b.metric_type
    on conflict on constraint sms_metrics_bucket_key do update
      set metric_value = m.metric_value + excluded.metric_value,
          sample_count = m.sample_count + excluded.sample_count,
          metadata = sms_monitor._merge_metadata(m.metadata, excluded.metadata),
          updated_at = now();
  exception when check_violation then
    -- sms_metrics_value_bound: a bucket would pass 1e15. Name the first element of the first
    -- bucket that would (slow path, only on failure).
    select format('events[%s].value: the bucket (%s, hour %s, user %s, %s) holds %s; this batch adds %s, '
                  'past the 1000000000000000 a bucket may hold', k.first_n - 1, k.metric_date,
                  coalesce(k.metric_hour::text, 'NULL'), coalesce(k.user_id::text, 'NULL'), k.metric_type,
                  coalesce(m.metric_value, 0), k.total)
      into v_problem
      from (
        select (x.at_local)::date as metric_date, extract(hour from x.at_local)::integer as metric_hour,
               (e.v ->> 'user_id')::uuid as user_id, e.v ->> 'metric_type' as metric_type,
               sum(coalesce((e.v ->> 'value')::numeric, 1)) as total, min(e.n) as first_n
          from jsonb_array_elements(p_events) with ordinality as e(v, n)
          cross join lateral (
            select coalesce((e.v ->> 'occurred_at')::timestamptz, v_now) at time zone v_tz as at_local) x
         group by 1, 2, 3, 4
      ) k
      left join sms_monitor.sms_metrics m
        on m.metric_date = k.metric_date and m.metric_hour is not distinct from k.metric_hour
       and m.user_id is not distinct from k.user_id and m.metric_type = k.metric_type
     where coalesce(m.metric_value, 0) + k.total > 1e15
     order by k.first_n
     limit 1;
    raise exception '%', coalesce(v_problem, 'events: a bucket would pass the 1000000000000000 it may hold')
      using errcode = '22023';
  when invalid_text_representation or datetime_field_overflow or invalid_datetime_format
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

-- Readers in numeric: the daily view's counters change type, so it is rebuilt (and refreshed
-- again if it was populated); get_sms_daily_metrics returns its rows and is rebuilt with it.
select set_config('sms_monitor.issue10_daily_populated',
  coalesce((select c.relispopulated::text from pg_catalog.pg_class c
             where c.oid = to_regclass('sms_monitor.sms_metrics_daily')), 'false'), true);
drop function if exists sms_monitor.get_sms_daily_metrics(date, date);
drop materialized view if exists sms_monitor.sms_metrics_daily;
--! Included views/sms_metrics_daily.sql
-- One row per reporting day (metric_date is already in the reporting timezone: rows are bucketed
-- at record time). Sums are summed, timings are sum / samples (true means, never an average of
-- averages), rates come from the day's summed counts and are NULL when there is nothing to divide
-- by. numeric without a typmod: a ratio above 999 % (duplicate receipts) never overflows, and the
-- counters are numeric too (not bigint): no sum of accepted buckets can make a reader fail.
create materialized view if not exists sms_monitor.sms_metrics_daily as
select s.metric_date,
       s.scheduled_count, s.sent_count, s.delivered_count, s.failed_count, s.cancelled_count,
       s.llm_success_count, s.template_fallback_count, s.opt_out_count,
       s.quiet_hours_skip_count, s.daily_limit_hit_count,
       s.llm_cost_usd, s.sms_cost_usd,
       round(s.delivery_time_sum / nullif(s.delivery_time_samples, 0), 2) as avg_delivery_time_ms,
       round(s.generation_time_sum / nullif(s.generation_time_samples, 0), 2) as avg_generation_time_ms,
       round(100 * s.delivered_count::numeric / nullif(s.sent_count, 0), 2) as delivery_rate_percent,
       round(100 * s.llm_success_count::numeric
             / nullif(s.llm_success_count + s.template_fallback_count, 0), 2) as llm_success_rate_percent,
       s.active_users
  from (
    select m.metric_date,
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'scheduled_count'), 0) as scheduled_count,
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'sent_count'), 0) as sent_count,
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'delivered_count'), 0) as delivered_count,
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'failed_count'), 0) as failed_count,
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'cancelled_count'), 0) as cancelled_count,
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'llm_success_count'), 0) as llm_success_count,
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'template_fallback_count'), 0) as template_fallback_count,
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'opt_out_count'), 0) as opt_out_count,
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'quiet_hours_skip_count'), 0) as quiet_hours_skip_count,
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'daily_limit_hit_count'), 0) as daily_limit_hit_count,
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'llm_cost_usd'), 0) as llm_cost_usd,
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'sms_cost_usd'), 0) as sms_cost_usd,
           sum(m.metric_value) filter (where m.metric_type = 'avg_delivery_time_ms') as delivery_time_sum,
           sum(m.sample_count) filter (where m.metric_type = 'avg_delivery_time_ms') as delivery_time_samples,
           sum(m.metric_value) filter (where m.metric_type = 'avg_generation_time_ms') as generation_time_sum,
           sum(m.sample_count) filter (where m.metric_type = 'avg_generation_time_ms') as generation_time_samples,
           count(distinct m.user_id) as active_users
      from sms_monitor.sms_metrics m
     group by m.metric_date
  ) s
with no data;

create unique index if not exists sms_metrics_daily_metric_date_key
  on sms_monitor.sms_metrics_daily (metric_date);

comment on materialized view sms_monitor.sms_metrics_daily is
  'One row per reporting day: counters, costs, true mean timings, rates from summed counts (NULL '
  'without traffic) and active_users (distinct users with any metric that day). Refreshed by '
  'refresh_sms_metrics_daily() (pg_cron every few minutes).';
revoke all on sms_monitor.sms_metrics_daily from public;
grant select on sms_monitor.sms_metrics_daily to sms_monitor_reader, sms_monitor_admin;
--! EndIncluded views/sms_metrics_daily.sql
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
do $$
begin
  if current_setting('sms_monitor.issue10_daily_populated', true) = 'true' then
    refresh materialized view sms_monitor.sms_metrics_daily;
  end if;
end;
$$;
drop function if exists sms_monitor.get_user_sms_metrics(uuid, integer, timestamptz);
--! Included functions/get_user_sms_metrics.sql
-- One row per reporting day for one user: the last p_days days including today (the reporting day
-- that contains p_now, default now()), oldest first, never a day after it. Days without traffic
-- are present with zero counts and NULL rates/means. Counts are numeric, never bigint: a sum of
-- buckets can never overflow a reader (each bucket holds at most 1e15, but a day has many).
-- Readers and admins may ask for anyone; the self-only role (PostgREST) only for its own sub.
create or replace function sms_monitor.get_user_sms_metrics(
  p_user_id uuid,
  p_days integer default 30,
  p_now timestamptz default now()
)
returns table (
  metric_date date,
  scheduled_count numeric,
  sent_count numeric,
  delivered_count numeric,
  failed_count numeric,
  cancelled_count numeric,
  llm_success_count numeric,
  template_fallback_count numeric,
  opt_out_count numeric,
  quiet_hours_skip_count numeric,
  daily_limit_hit_count numeric,
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
  -- given, finite, 2000-01-01 .. 2199-12-31: a year of days back never leaves the date range (no 22008)
  if sms_monitor._reader_time_problem('now', p_now) is not null then
    raise exception '%', sms_monitor._reader_time_problem('now', p_now) using errcode = '22023';
  end if;
  v_today := sms_monitor.reporting_today(p_now);
  perform sms_monitor._assert_can_read_user(p_user_id);

  return query
  with agg as (
    select m.metric_date as d,
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'scheduled_count'), 0) as scheduled,
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'sent_count'), 0) as sent,
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'delivered_count'), 0) as delivered,
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'failed_count'), 0) as failed,
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'cancelled_count'), 0) as cancelled,
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'llm_success_count'), 0) as llm_ok,
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'template_fallback_count'), 0) as fallback,
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'opt_out_count'), 0) as opt_out,
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'quiet_hours_skip_count'), 0) as quiet,
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'daily_limit_hit_count'), 0) as limit_hit,
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
  -- given, finite, 2000-01-01 .. 2199-12-31: a year of days back never leaves the date range (no 22008)
  if sms_monitor._reader_time_problem('now', p_now) is not null then
    raise exception '%', sms_monitor._reader_time_problem('now', p_now) using errcode = '22023';
  end if;
  v_today := sms_monitor.reporting_today(p_now);
  v_live := coalesce(p_live, false) or not (select c.relispopulated from pg_catalog.pg_class c
                                            where c.oid = 'sms_monitor.sms_metrics_daily'::regclass);
  if v_live then
    select v_today,
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'scheduled_count'), 0),
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'sent_count'), 0),
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'delivered_count'), 0),
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'failed_count'), 0),
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'cancelled_count'), 0),
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'llm_success_count'), 0),
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'template_fallback_count'), 0),
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'opt_out_count'), 0),
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'quiet_hours_skip_count'), 0),
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'daily_limit_hit_count'), 0),
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
    select coalesce((v_prior ->> 'scheduled')::numeric, 0) + (v_today ->> 'scheduled_count')::numeric as scheduled,
           coalesce((v_prior ->> 'sent')::numeric, 0) + (v_today ->> 'sent_count')::numeric as sent,
           coalesce((v_prior ->> 'delivered')::numeric, 0) + (v_today ->> 'delivered_count')::numeric as delivered,
           coalesce((v_prior ->> 'failed')::numeric, 0) + (v_today ->> 'failed_count')::numeric as failed,
           coalesce((v_prior ->> 'cancelled')::numeric, 0) + (v_today ->> 'cancelled_count')::numeric as cancelled,
           coalesce((v_prior ->> 'llm_success')::numeric, 0) + (v_today ->> 'llm_success_count')::numeric as llm_ok,
           coalesce((v_prior ->> 'template_fallback')::numeric, 0) + (v_today ->> 'template_fallback_count')::numeric as fallback,
           coalesce((v_prior ->> 'opt_out')::numeric, 0) + (v_today ->> 'opt_out_count')::numeric as opt_out,
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

-- Per-rule isolation: a rule whose evaluation fails reports 'error'; its last error is kept.
alter table sms_monitor.sms_alert_rule_state add column if not exists last_error text;
comment on column sms_monitor.sms_alert_rule_state.last_error is
  'When the last evaluation of the rule failed (last_action = ''error''): "SQLSTATE: message"; NULL otherwise.';
-- The incident's PagerDuty dedup_key, fixed when it opens (a renamed rule keeps its incidents' keys).
alter table sms_monitor.sms_alert_history add column if not exists dedup_key text;
update sms_monitor.sms_alert_history h
   set dedup_key = left('sms-monitor/' || h.alert_type || '/' || h.id::text, 255)
 where h.dedup_key is null;
alter table sms_monitor.sms_alert_history alter column dedup_key set not null;
comment on column sms_monitor.sms_alert_history.dedup_key is
  'PagerDuty dedup_key of the incident (sms-monitor/<alert_type at open>/<id>), fixed at open, used by every event.';
--! Included functions/_alert_history_dedup_key.sql
-- Trigger (BEFORE INSERT on sms_alert_history): fixes the incident's PagerDuty dedup_key when it
-- opens, from its rule name and id at that moment; every later event of the incident (repeat,
-- acknowledge, resolve) is queued with this key, so renaming the rule while it is open cannot split
-- the trigger and the resolve into two PagerDuty incidents. An update cannot change it.
create or replace function sms_monitor._alert_history_dedup_key()
returns trigger
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
begin
  if tg_op = 'INSERT' then
    new.dedup_key := coalesce(new.dedup_key, left('sms-monitor/' || new.alert_type || '/' || new.id::text, 255));
  else
    new.dedup_key := old.dedup_key;
  end if;
  return new;
end;
$$;

comment on function sms_monitor._alert_history_dedup_key() is
  'Internal trigger: sets sms_alert_history.dedup_key at insert (sms-monitor/<alert_type>/<id>) and keeps it on update.';
revoke all on function sms_monitor._alert_history_dedup_key() from public;
--! EndIncluded functions/_alert_history_dedup_key.sql
create or replace trigger sms_alert_history_dedup_key before insert or update on sms_monitor.sms_alert_history
  for each row execute function sms_monitor._alert_history_dedup_key();
-- An incident is never resolved before it began or before it was acknowledged (NOT VALID: rows
-- written before are not re-checked).
alter table sms_monitor.sms_alert_history drop constraint if exists sms_alert_history_resolved_order_check;
alter table sms_monitor.sms_alert_history add constraint sms_alert_history_resolved_order_check
  check (resolved_at >= triggered_at and resolved_at >= acknowledged_at) not valid;

drop function if exists sms_monitor._alert_rule_values(timestamptz);
--! Included functions/_alert_rule_values.sql
-- Every enabled rule's (or only p_alert_type's) metric value and sample size at p_now, without side effects. Each window
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
create or replace function sms_monitor._alert_rule_values(p_now timestamptz, p_alert_type text default null)
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
     where t.is_enabled and (p_alert_type is null or t.alert_type = p_alert_type)
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
         -- saturating: a sample past bigint is as "enough" as any other (the sums stay numeric)
         when 'delivery_rate' then least(s.sent, 9223372036854775807)::bigint
         when 'llm_failure_rate' then least(s.llm_success + s.template_fallback, 9223372036854775807)::bigint
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

comment on function sms_monitor._alert_rule_values(timestamptz, text) is
  'Internal: every enabled rule''s (or p_alert_type''s) metric value, sample size and a detail line at p_now, over the hourly buckets '
  'overlapping the rule''s window (daily buckets only when their whole day is inside). delivery_rate = 100 * '
  'delivered / sent (sample: sent); llm_failure_rate = 100 * fallbacks / (llm successes + fallbacks) (sample: '
  'both); llm_cost_spike = (llm cost / active users) / (sum daily llm cost / sum daily active users over the 30 '
  'days before today, >= 7 days with traffic) (sample: active users); opt_out_rate = 100 * opt-outs / active '
  'users; daily_limit_hit_rate = 100 * users with a daily-limit hit / active users. Active user = a user_id with '
  'any bucket in the window. Nothing to divide by = NULL (no_data).';
revoke all on function sms_monitor._alert_rule_values(timestamptz, text) from public;
--! EndIncluded functions/_alert_rule_values.sql
--! Included functions/_alert_evaluate.sql
-- The alert engine behind check_sms_alerts (which bounds p_now to the server clock) and
-- preview_sms_alerts (which runs it with p_preview and rolls it back). Internal: owner only, so
-- tests can drive it at any instant.
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
--   error        the rule's evaluation raised: detail (and sms_alert_status.last_error) says
--                "SQLSTATE: message"; everything it had done is rolled back (an open incident
--                stays open) and the other rules are evaluated as usual
-- Isolation: each rule runs in its own subtransaction (a BEGIN ... EXCEPTION block). The metric
-- values of all rules are computed in one statement (shared windows); if that statement fails,
-- each rule computes its own, so one rule's failure is that rule's alone.
-- p_preview: queue no notifications (no outbox rows, no NOTIFY, no sequence use); the caller
-- (preview_sms_alerts) rolls back everything else.
-- Concurrency: first every rule to evaluate (enabled, or disabled with an open incident) is locked
-- (_alert_lock_rule), in alert_type order; only then are the metric values computed, in a
-- statement whose snapshot sees everything committed before the locks were granted. Concurrent
-- runs serialise, and each sees the previous one's incidents and rule state (READ COMMITTED: every
-- statement takes a fresh snapshot). The partial unique index on open incidents is the last guard.
create or replace function sms_monitor._alert_evaluate(p_now timestamptz, p_preview boolean default false)
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
security invoker
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
  v_values jsonb;
  v_value jsonb;
  v_id uuid;
  v_error text;
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

  -- Every rule's value in one statement; when it fails, each rule computes its own below.
  begin
    select jsonb_object_agg(v.alert_type, jsonb_build_object('value', v.metric_value, 'sample', v.sample_size, 'detail', v.detail))
      into v_values
      from sms_monitor._alert_rule_values(p_now) v;
    v_values := coalesce(v_values, '{}'::jsonb);
  exception when others then
    v_values := null;
  end;

  for v_rule in
    select t.alert_type, t.metric, t.comparison, t.threshold_value, t.recovery_value, t.window_minutes,
           t.min_sample, t.pending_minutes, t.cooldown_minutes, t.severity, t.notification_channels,
           t.is_enabled, m.label, m.unit, null::numeric as value, null::bigint as sample, null::text as detail
      from unnest(v_types) l(alert_type)
      join sms_monitor.sms_alert_thresholds t on t.alert_type = l.alert_type
      join sms_monitor.sms_alert_metrics m on m.metric = t.metric
     order by t.alert_type
  loop
   begin  -- one subtransaction per rule: its failure is reported as 'error' and undone, alone
    if v_rule.is_enabled then
      if v_values is not null then
        v_value := v_values -> v_rule.alert_type;
      else
        select jsonb_build_object('value', v.metric_value, 'sample', v.sample_size, 'detail', v.detail)
          into v_value
          from sms_monitor._alert_rule_values(p_now, v_rule.alert_type) v;
      end if;
      v_rule.value := (v_value ->> 'value')::numeric;
      v_rule.sample := (v_value ->> 'sample')::bigint;
      v_rule.detail := v_value ->> 'detail';
    end if;
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
         set resolved_at = greatest(p_now, h.acknowledged_at), resolved_by = 'rule disabled', silenced = false
       where h.id = v_open.id;
      if not p_preview then
        perform sms_monitor._alert_enqueue(v_open.id, 'resolve', sms_monitor._alert_told_channels(v_open.id));
      end if;
      update sms_monitor.sms_alert_rule_state s
         set pending_since = null, last_evaluated_at = p_now, last_action = 'disabled_resolved',
             last_value = null, last_sample_size = null, last_error = null
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
        -- dedup_key is fixed here, at open, for every later event of the incident (a renamed
        -- rule keeps its incidents' keys): _alert_history_dedup_key sets it from the id
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
          if not p_preview then
            perform sms_monitor._alert_enqueue(v_alert, 'trigger', v_rule.notification_channels);
          end if;
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
           set resolved_at = greatest(p_now, h.acknowledged_at), resolved_by = 'auto', resolution_value = v_rule.value,
               last_value = v_rule.value, last_evaluated_at = p_now, silenced = false
         where h.id = v_open.id;
        if not p_preview then
          perform sms_monitor._alert_enqueue(v_open.id, 'resolve', sms_monitor._alert_told_channels(v_open.id));
        end if;
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

    update sms_monitor.sms_alert_rule_state s
       set pending_since = v_state.pending_since, last_evaluated_at = p_now, last_action = v_action,
           last_value = v_rule.value, last_sample_size = v_rule.sample, last_error = null
     where s.alert_type = v_rule.alert_type;

    alert_type := v_rule.alert_type;
    action := v_action;
    metric_value := v_rule.value;
    threshold_value := v_rule.threshold_value;
    sample_size := v_rule.sample;
    alert_id := v_alert;
    detail := v_rule.detail;
    return next;
   exception when others then
    -- everything this rule did is undone; its incident (if open) stays as it was
    v_error := format('%s: %s', sqlstate, sqlerrm);
    select h.id into v_id from sms_monitor.sms_alert_history h
     where h.alert_type = v_rule.alert_type and h.resolved_at is null;
    update sms_monitor.sms_alert_rule_state s
       set last_evaluated_at = p_now, last_action = 'error', last_value = null, last_sample_size = null,
           last_error = left(v_error, 2000)
     where s.alert_type = v_rule.alert_type;
    alert_type := v_rule.alert_type;
    action := 'error';
    metric_value := null;
    threshold_value := v_rule.threshold_value;
    sample_size := null;
    alert_id := v_id;
    detail := left(v_error, 2000);
    return next;
   end;
  end loop;
end;
$$;

comment on function sms_monitor._alert_evaluate(timestamptz, boolean) is
  'Internal: the alert engine (check_sms_alerts and preview_sms_alerts call it); any p_now, each rule isolated; '
  'p_preview queues no notifications.';
revoke all on function sms_monitor._alert_evaluate(timestamptz, boolean) from public;
--! EndIncluded functions/_alert_evaluate.sql
--! Included functions/check_sms_alerts.sql
-- Evaluates every enabled rule now (pg_cron every minute) and moves incidents along: the actions
-- and the engine are described in _alert_evaluate.sql and docs/alerts.md. p_now may lie at most
-- _max_clock_skew() (5 minutes) ahead of the server clock: a run "in 2100" would make every real
-- evaluation until then 'skipped' (alerting off). For a what-if at any time use
-- preview_sms_alerts(p_now), which changes nothing. A rule whose evaluation fails reports 'error'
-- and does not stop the others.
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
as $$
declare
  v_problem text := sms_monitor._reader_time_problem('now', p_now);
begin
  if v_problem is not null then
    raise exception '%', v_problem using errcode = '22023';
  end if;
  if p_now > now() + sms_monitor._max_clock_skew() then
    raise exception 'now: % is more than % ahead of the server clock (%): an evaluation in the future would '
      'make every real one until then skipped; use preview_sms_alerts(p_now) for a what-if',
      to_char(p_now at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), sms_monitor._max_clock_skew(),
      to_char(now() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') using errcode = '22023';
  end if;
  return query select * from sms_monitor._alert_evaluate(p_now, false);
end;
$$;

comment on function sms_monitor.check_sms_alerts(timestamptz) is
  'Evaluates every enabled alert rule at p_now (default now(); at most 5 minutes ahead of the server clock, else '
  '22023), opens/repeats/resolves incidents and queues notifications; resolves the open incident of a disabled rule; '
  'returns one row per rule with its action (fired, pending, repeated, cooldown, acknowledged, recovering, resolved, '
  'disabled_resolved, silenced, unsilenced, ok, no_data, skipped = already evaluated at p_now or later, error = the '
  'rule''s evaluation failed: SQLSTATE and message in detail; the other rules are unaffected). Safe to run concurrently.';
revoke all on function sms_monitor.check_sms_alerts(timestamptz) from public;
grant execute on function sms_monitor.check_sms_alerts(timestamptz) to sms_monitor_admin, sms_monitor_notifier;
--! EndIncluded functions/check_sms_alerts.sql
--! Included functions/preview_sms_alerts.sql
-- What check_sms_alerts(p_now) would do, at any p_now (a "what if" in the future included), with
-- no effect: the engine runs with p_preview (no notification is queued, so no outbox row, no
-- NOTIFY and no sequence value is used) inside a subtransaction that is always rolled back, so
-- incidents, rule state and silences are as before. It takes the rules' locks for the moment it
-- runs, like a check. Needs a read-write transaction (it writes, then undoes).
create or replace function sms_monitor.preview_sms_alerts(p_now timestamptz default now())
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
as $$
declare
  v_problem text := sms_monitor._reader_time_problem('now', p_now);
  v_rows jsonb;
begin
  if v_problem is not null then
    raise exception '%', v_problem using errcode = '22023';
  end if;
  begin
    select coalesce(jsonb_agg(to_jsonb(r) order by r.n), '[]'::jsonb) into v_rows
      from sms_monitor._alert_evaluate(p_now, true) with ordinality as r(alert_type, action, metric_value,
           threshold_value, sample_size, alert_id, detail, n);
    raise exception 'preview: rolled back' using errcode = 'SMP01';
  exception when sqlstate 'SMP01' then
    null;  -- v_rows survives the rollback (PL/pgSQL variables are not transactional)
  end;
  return query
    select x.alert_type, x.action, x.metric_value, x.threshold_value, x.sample_size, x.alert_id, x.detail
      from jsonb_to_recordset(v_rows) as x(alert_type text, action text, metric_value numeric, threshold_value numeric,
                                           sample_size bigint, alert_id uuid, detail text, n bigint)
     order by x.n;
end;
$$;

comment on function sms_monitor.preview_sms_alerts(timestamptz) is
  'What check_sms_alerts(p_now) would do at any p_now (default now()), changing nothing: same rows; an incident it '
  'would open has an alert_id that does not exist. No notification, no NOTIFY.';
revoke all on function sms_monitor.preview_sms_alerts(timestamptz) from public;
grant execute on function sms_monitor.preview_sms_alerts(timestamptz) to sms_monitor_reader, sms_monitor_admin;
--! EndIncluded functions/preview_sms_alerts.sql
--! Included functions/_alert_operator_problem.sql
-- What is wrong with what an operator passes to resolve_sms_alert / acknowledge_sms_alert, or
-- NULL. The name: at most 200 characters, and not one of the engine's labels ('auto', 'rule
-- disabled': an 'auto' resolve tells the channels the metric is back, which only the engine
-- knows). The time: finite, not before the incident began (triggered_at) and not after the server
-- clock plus _max_clock_skew(). Unknown id: P0002 (raised here, like _alert_lock_incident).
create or replace function sms_monitor._alert_operator_problem(
  p_alert_id uuid,
  p_by_field text,
  p_by text,
  p_now timestamptz
)
returns text
language plpgsql
stable
security invoker
set search_path = pg_catalog, pg_temp
as $$
declare
  v_triggered timestamptz;
begin
  if p_alert_id is null then
    return 'alert_id: is required';
  end if;
  if p_by is not null and length(p_by) > 200 then
    return format('%s: %s characters is more than the 200 allowed', p_by_field, length(p_by));
  end if;
  if lower(btrim(p_by)) in ('auto', 'rule disabled') then
    return format('%s: %s is reserved for the alert engine', p_by_field, quote_literal(btrim(p_by)));
  end if;
  if p_now is null or not isfinite(p_now) then
    return 'now: must be a finite time';
  end if;
  select h.triggered_at into v_triggered from sms_monitor.sms_alert_history h where h.id = p_alert_id;
  if not found then
    raise exception 'alert_id: alert % does not exist', p_alert_id using errcode = 'P0002';
  end if;
  if p_now < v_triggered then
    return format('now: %s is before the incident began (%s)',
      to_char(p_now at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z" BC'),
      to_char(v_triggered at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'));
  end if;
  if p_now > now() + sms_monitor._max_clock_skew() then
    return format('now: %s is after the server clock (%s; allowed skew %s)',
      to_char(p_now at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z" BC'),
      to_char(now() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), sms_monitor._max_clock_skew());
  end if;
  return null;
end;
$$;

comment on function sms_monitor._alert_operator_problem(uuid, text, text, timestamptz) is
  'Internal: "<field>: <problem>" for an operator''s resolve/acknowledge arguments (name length, reserved engine '
  'labels, time between triggered_at and now() + 5 minutes); P0002 for an unknown id; else NULL.';
revoke all on function sms_monitor._alert_operator_problem(uuid, text, text, timestamptz) from public;
--! EndIncluded functions/_alert_operator_problem.sql
--! Included functions/_alert_resolve.sql
-- Internal (owner only): the body of resolve_sms_alert, which first bounds what an operator may
-- pass (time between the incident's start and now, no 'auto', length). Any p_now here, for tests.
-- resolved_at is never before acknowledged_at (a resolve that queued behind a later acknowledge
-- takes the acknowledge's time).
-- Resolves an incident by hand and tells the channels it was announced on (a resolve per channel,
-- so PagerDuty closes it through the incident's dedup_key). Resolving an incident that is already
-- resolved changes nothing and queues nothing. Unknown id: P0002.
create or replace function sms_monitor._alert_resolve(
  p_alert_id uuid,
  p_resolved_by text default null,
  p_now timestamptz default now()
)
returns sms_monitor.sms_alert_history
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
declare
  v_row sms_monitor.sms_alert_history;
begin
  v_row := sms_monitor._alert_lock_incident(p_alert_id, p_now);
  if v_row.resolved_at is not null then
    return v_row;
  end if;
  update sms_monitor.sms_alert_history h
     set resolved_at = greatest(p_now, h.acknowledged_at),
         resolved_by = coalesce(nullif(btrim(p_resolved_by), ''), session_user::text),
         silenced = false
   where h.id = p_alert_id;
  perform sms_monitor._alert_enqueue(p_alert_id, 'resolve', sms_monitor._alert_told_channels(p_alert_id));
  select * into v_row from sms_monitor.sms_alert_history h where h.id = p_alert_id;
  return v_row;
end;
$$;

comment on function sms_monitor._alert_resolve(uuid, text, timestamptz) is
  'Internal: resolves an open incident at p_now (not before its acknowledgement) and queues the resolves.';
revoke all on function sms_monitor._alert_resolve(uuid, text, timestamptz) from public;
--! EndIncluded functions/_alert_resolve.sql
--! Included functions/_alert_acknowledge.sql
-- Internal (owner only): the body of acknowledge_sms_alert, which first bounds what an operator
-- may pass. Any p_now here, for tests.
-- Acknowledges an open incident: no more repeat notifications; an acknowledge is queued to the
-- channels it was announced on (PagerDuty acknowledges the incident by its dedup_key). Already
-- acknowledged or resolved: changes nothing. Unknown id: P0002.
create or replace function sms_monitor._alert_acknowledge(
  p_alert_id uuid,
  p_by text default null,
  p_now timestamptz default now()
)
returns sms_monitor.sms_alert_history
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
declare
  v_row sms_monitor.sms_alert_history;
begin
  v_row := sms_monitor._alert_lock_incident(p_alert_id, p_now);
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

comment on function sms_monitor._alert_acknowledge(uuid, text, timestamptz) is
  'Internal: acknowledges an open incident at p_now and queues the acknowledges.';
revoke all on function sms_monitor._alert_acknowledge(uuid, text, timestamptz) from public;
--! EndIncluded functions/_alert_acknowledge.sql
--! Included functions/resolve_sms_alert.sql
-- Resolves an incident by hand and tells the channels it was announced on (a resolve per channel,
-- so PagerDuty closes it through the incident's dedup_key). Resolving an incident that is already
-- resolved changes nothing and queues nothing. Unknown id: P0002. p_resolved_by: at most 200
-- characters, never 'auto' or 'rule disabled' (the engine's); p_now between the incident's
-- triggered_at and the server clock (+ 5 minutes): 22023 otherwise.
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
  v_problem text := sms_monitor._alert_operator_problem(p_alert_id, 'resolved_by', p_resolved_by, p_now);
begin
  if v_problem is not null then
    raise exception '%', v_problem using errcode = '22023';
  end if;
  return sms_monitor._alert_resolve(p_alert_id, p_resolved_by, p_now);
end;
$$;

comment on function sms_monitor.resolve_sms_alert(uuid, text, timestamptz) is
  'Resolves an open incident by hand (resolved_by defaults to the session user; at most 200 characters, not '
  '''auto''/''rule disabled'') at p_now (between triggered_at and now() + 5 minutes; never before its acknowledgement) '
  'and queues a resolve to the channels that were told; idempotent on a resolved incident. Unknown id: P0002; '
  'bad arguments: 22023.';
revoke all on function sms_monitor.resolve_sms_alert(uuid, text, timestamptz) from public;
grant execute on function sms_monitor.resolve_sms_alert(uuid, text, timestamptz) to sms_monitor_admin;
--! EndIncluded functions/resolve_sms_alert.sql
--! Included functions/acknowledge_sms_alert.sql
-- Acknowledges an open incident: no more repeat notifications; an acknowledge is queued to the
-- channels it was announced on (PagerDuty acknowledges the incident by its dedup_key). Already
-- acknowledged or resolved: changes nothing. Unknown id: P0002. p_by: at most 200 characters;
-- p_now between the incident's triggered_at and the server clock (+ 5 minutes): 22023 otherwise.
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
  v_problem text := sms_monitor._alert_operator_problem(p_alert_id, 'acknowledged_by', p_by, p_now);
begin
  if v_problem is not null then
    raise exception '%', v_problem using errcode = '22023';
  end if;
  return sms_monitor._alert_acknowledge(p_alert_id, p_by, p_now);
end;
$$;

comment on function sms_monitor.acknowledge_sms_alert(uuid, text, timestamptz) is
  'Acknowledges an open incident (stops repeats) at p_now (between triggered_at and now() + 5 minutes) and queues an '
  'acknowledge to the channels that were told. p_by at most 200 characters. Unknown id: P0002; bad arguments: 22023.';
revoke all on function sms_monitor.acknowledge_sms_alert(uuid, text, timestamptz) from public;
grant execute on function sms_monitor.acknowledge_sms_alert(uuid, text, timestamptz) to sms_monitor_admin;
--! EndIncluded functions/acknowledge_sms_alert.sql
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
  if new.severity is null or new.severity not in ('critical', 'warning', 'info') then
    raise exception 'severity: unknown severity % (allowed: critical, warning, info)',
      coalesce(quote_literal(new.severity), 'NULL') using errcode = '22023';
  end if;
  if new.notification_channels is not null and array_ndims(new.notification_channels) > 1 then
    raise exception 'notification_channels: must be a flat list such as {slack,log} (got % dimensions)',
      array_ndims(new.notification_channels) using errcode = '22023';
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
  if length(new.description) > 2000 then
    raise exception 'description: % characters is more than the 2000 allowed', length(new.description)
      using errcode = '22023';
  end if;
  new.updated_at := now();
  return new;
end;
$$;

comment on function sms_monitor._alert_thresholds_validate() is
  'Internal trigger: rejects a nonsensical alert rule with 22023 and a message naming the column.';
revoke all on function sms_monitor._alert_thresholds_validate() from public;
--! EndIncluded functions/_alert_thresholds_validate.sql
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
-- Retention at the server's clock for everyone; the p_now form is internal (owner only).
drop function if exists sms_monitor.apply_sms_retention(timestamptz);
--! Included functions/_apply_sms_retention.sql
-- Internal (owner only): retention at any p_now, for tests. Everyone else runs apply_sms_retention(),
-- which uses the server's now(): a caller who could choose the cut-off could delete everything.
-- The daily retention job (pg_cron 'sms-monitor-retention'). Deletes, per sms_monitor.settings:
--   sms_metrics buckets whose reporting day is more than metric_retention_days (default 400) before
--     the reporting day of p_now;
--   outbox rows delivered (status sent) more than notification_retention_days (default 30) ago, of
--     incidents resolved before that too (an open incident keeps them: they say whom to tell when it
--     is resolved); failed and dead rows stay as evidence until an operator looks at them;
--   pg_cron's cron.job_run_details rows that ended more than job_run_retention_days (default 14)
--     ago, when pg_cron is installed here (that table grows by a row per job run, forever).
--   batch ids of record_sms_events (sms_ingest_batches) older than 7 days: a retry later than that
--     would be recorded again (the buffered client gives up on a batch long before);
-- Returns one row per target with how many rows went.
create or replace function sms_monitor._apply_sms_retention(p_now timestamptz)
returns table (target text, deleted bigint)
language plpgsql
volatile
security invoker
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

  delete from sms_monitor.sms_ingest_batches b where b.created_at < p_now - interval '7 days';
  get diagnostics v_count = row_count;
  target := 'sms_monitor.sms_ingest_batches'; deleted := v_count; return next;

  if to_regclass('cron.job_run_details') is not null then
    execute 'delete from cron.job_run_details where end_time < $1'
      using p_now - make_interval(days => v_settings.job_run_retention_days);
    get diagnostics v_count = row_count;
    target := 'cron.job_run_details'; deleted := v_count; return next;
  end if;
end;
$$;

comment on function sms_monitor._apply_sms_retention(timestamptz) is
  'Internal: apply_sms_retention at any p_now (owner only).';
revoke all on function sms_monitor._apply_sms_retention(timestamptz) from public;
--! EndIncluded functions/_apply_sms_retention.sql
--! Included functions/apply_sms_retention.sql
-- The daily retention job (pg_cron 'sms-monitor-retention', or the notifier where pg_cron is
-- missing), always at the server's now(): no caller chooses the cut-off (with "now() + 3000 years"
-- it would delete every metric and every cron run record). What it deletes: _apply_sms_retention.sql.
create or replace function sms_monitor.apply_sms_retention()
returns table (target text, deleted bigint)
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
begin
  return query select * from sms_monitor._apply_sms_retention(now());
end;
$$;

comment on function sms_monitor.apply_sms_retention() is
  'Daily retention at the server''s now(): deletes metric buckets older than settings.metric_retention_days (400), sent '
  'notifications older than notification_retention_days (30) of incidents resolved before then, batch ids older than '
  '7 days and cron.job_run_details older than job_run_retention_days (14).';
revoke all on function sms_monitor.apply_sms_retention() from public;
grant execute on function sms_monitor.apply_sms_retention() to sms_monitor_admin, sms_monitor_notifier;
--! EndIncluded functions/apply_sms_retention.sql
-- Reader arguments: times and dates given, finite and within 2000-01-01 .. 2199-12-31 (22023, not 22008).
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
  if sms_monitor._reader_date_problem('start_date', p_start_date) is not null then
    raise exception '%', sms_monitor._reader_date_problem('start_date', p_start_date) using errcode = '22023';
  end if;
  if sms_monitor._reader_date_problem('end_date', v_end) is not null then
    raise exception '%', sms_monitor._reader_date_problem('end_date', v_end) using errcode = '22023';
  end if;
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
  -- given, finite, 2000-01-01 .. 2199-12-31: a year of days back never leaves the date range (no 22008)
  if sms_monitor._reader_time_problem('now', p_now) is not null then
    raise exception '%', sms_monitor._reader_time_problem('now', p_now) using errcode = '22023';
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
  -- given, finite, 2000-01-01 .. 2199-12-31: a year of days back never leaves the date range (no 22008)
  if sms_monitor._reader_time_problem('now', p_now) is not null then
    raise exception '%', sms_monitor._reader_time_problem('now', p_now) using errcode = '22023';
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
  -- given, finite, 2000-01-01 .. 2199-12-31: a year of days back never leaves the date range (no 22008)
  if sms_monitor._reader_time_problem('now', p_now) is not null then
    raise exception '%', sms_monitor._reader_time_problem('now', p_now) using errcode = '22023';
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
-- ==== issue 11: delivery that loses no page ====
-- Temporary failures (429, 5xx, timeouts) retry until retry_until (24 h after queueing) and do not
-- use up max_attempts (retries counts them; max_attempts bounds leases that ran out, i.e. crashes).
alter table sms_monitor.sms_alert_notifications
  add column if not exists retries integer not null default 0,
  add column if not exists retry_until timestamptz not null default (now() + interval '24 hours');
alter table sms_monitor.sms_alert_notifications
  drop constraint if exists sms_alert_notifications_retries_check;
alter table sms_monitor.sms_alert_notifications
  add constraint sms_alert_notifications_retries_check check (retries >= 0);
-- superseded: the incident resolved before its trigger reached the channel (nobody is paged for it).
alter table sms_monitor.sms_alert_notifications drop constraint if exists sms_alert_notifications_status_check;
alter table sms_monitor.sms_alert_notifications add constraint sms_alert_notifications_status_check
  check (status in ('pending', 'sent', 'failed', 'dead', 'superseded'));
comment on column sms_monitor.sms_alert_notifications.retries is
  'Temporary failures (429, 5xx, timeout, network) so far; they do not count against max_attempts.';
comment on column sms_monitor.sms_alert_notifications.retry_until is
  'A row still failing temporarily after this time is dead (default: 24 h after it was queued).';
-- The wake-up after a provider recovers looks for a channel's rows waiting after a retry.
create index if not exists sms_alert_notifications_retrying_idx
  on sms_monitor.sms_alert_notifications (channel, next_attempt_at) where status = 'pending' and retries > 0;
-- The claim looks for pending resolves whose trigger never got through (superseded instead).
create index if not exists sms_alert_notifications_pending_resolve_idx
  on sms_monitor.sms_alert_notifications (alert_id, channel) where status = 'pending' and event = 'resolve';

-- Which channels the running notifiers serve: rows of a channel nobody serves wait, and
-- sms_alert_status says "N waiting: <channel> not configured".
create table if not exists sms_monitor.sms_notifier_heartbeats (
  worker text primary key constraint sms_notifier_heartbeats_worker_check check (length(worker) between 1 and 200),
  channels text[] not null
    constraint sms_notifier_heartbeats_channels_check check (channels <@ array['slack', 'pagerduty', 'email', 'log']),
  started_at timestamptz not null default now(),
  last_seen_at timestamptz not null default now(),
  expires_at timestamptz not null
);
comment on table sms_monitor.sms_notifier_heartbeats is
  'One row per running notifier (sms_notifier_heartbeat()): the channels it is configured for, live until expires_at.';
alter table sms_monitor.sms_notifier_heartbeats enable row level security;
revoke all on sms_monitor.sms_notifier_heartbeats from public;
grant select on sms_monitor.sms_notifier_heartbeats to sms_monitor_reader, sms_monitor_notifier;
drop policy if exists sms_notifier_heartbeats_read on sms_monitor.sms_notifier_heartbeats;
create policy sms_notifier_heartbeats_read on sms_monitor.sms_notifier_heartbeats
  for select to sms_monitor_reader, sms_monitor_notifier using (true);

-- New signatures (no overloads in the public schema).
drop function if exists sms_monitor.claim_sms_notifications(text, integer, integer);
drop function if exists sms_monitor.next_sms_notification_due();
--! Included functions/_alert_supersede_unreached.sql
-- An incident that resolved before its trigger reached a channel (the provider was down, or no
-- notifier served the channel, the whole time): nobody is paged for what is over. For each channel
-- with a pending resolve of the incident where no trigger or repeat was ever sent and nothing is in
-- flight (no live lease):
--   pagerduty    -> the waiting trigger/repeat/acknowledge rows AND the resolve become 'superseded'
--                   (PagerDuty never hears of the incident)
--   slack, email, log -> the waiting rows before the resolve become 'superseded'; the resolve stays
--                   and its payload says so (unreached: true), so the one message sent reads "fired
--                   and recovered while the channel was unreachable"
-- last_error says why; the history (notification_status) shows every row. The rows of the incident
-- are locked first (skip locked: a channel with a row locked elsewhere is left alone for now), so a
-- row a notifier claims meanwhile is seen as in flight and left alone.
-- Returns how many rows were superseded.
create or replace function sms_monitor._alert_supersede_unreached(p_alert_id uuid)
returns integer
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_channel text;
  v_resolve_id bigint;
  v_count integer := 0;
  v_n integer;
begin
  for v_channel, v_resolve_id in
    select n.channel, n.id from sms_monitor.sms_alert_notifications n
     where n.alert_id = p_alert_id and n.event = 'resolve' and n.status = 'pending'
     order by n.channel
  loop
    -- Lock the channel's rows without waiting: a row locked elsewhere is being claimed or
    -- completed right now (in flight); that path supersedes later if it must (complete's own call,
    -- or the next claim). Never waiting here keeps the lock order of the callers (history row, then
    -- outbox rows) from deadlocking against a notifier's complete (outbox row, then history row).
    select count(*) into v_n from sms_monitor.sms_alert_notifications n
     where n.alert_id = p_alert_id and n.channel = v_channel;
    continue when v_n <> (select count(*) from (
      select from sms_monitor.sms_alert_notifications n
       where n.alert_id = p_alert_id and n.channel = v_channel
       order by n.id
         for update skip locked) l);
    continue when exists (
      select from sms_monitor.sms_alert_notifications n
       where n.alert_id = p_alert_id and n.channel = v_channel
         and ((n.event in ('trigger', 'repeat') and n.status = 'sent')
           or (n.status = 'pending' and n.locked_until > now())));
    continue when not exists (
      select from sms_monitor.sms_alert_notifications n
       where n.alert_id = p_alert_id and n.channel = v_channel and n.event in ('trigger', 'repeat'));
    update sms_monitor.sms_alert_notifications n
       set status = 'superseded', locked_by = null, locked_until = null, updated_at = now(),
           last_error = left(coalesce(n.last_error || '; ', '') || format(
             'superseded: the incident resolved before its trigger reached %s', v_channel), 2000)
     where n.alert_id = p_alert_id and n.channel = v_channel and n.status = 'pending'
       and (n.id < v_resolve_id or v_channel = 'pagerduty');
    get diagnostics v_n = row_count;
    v_count := v_count + v_n;
    if v_channel <> 'pagerduty' then
      update sms_monitor.sms_alert_notifications n
         set payload = n.payload || jsonb_build_object('unreached', true), updated_at = now()
       where n.id = v_resolve_id;
    end if;
  end loop;
  if v_count > 0 then
    perform sms_monitor._alert_sync_notification_status(p_alert_id);
  end if;
  return v_count;
end;
$$;

comment on function sms_monitor._alert_supersede_unreached(uuid) is
  'Internal: supersedes the notifications of a resolved incident whose trigger never reached a channel '
  '(PagerDuty: trigger and resolve; other channels: one "fired and recovered" resolve is sent instead).';
revoke all on function sms_monitor._alert_supersede_unreached(uuid) from public;
--! EndIncluded functions/_alert_supersede_unreached.sql
--! Included functions/claim_sms_notifications.sql
-- The notifier's claim: due rows (pending, next_attempt_at reached, no live lease) of the channels
-- p_channels (the ones this notifier is configured for; NULL = every channel), oldest first,
-- skipping rows another worker holds (for update skip locked). Each claim counts as an attempt and
-- leases the row to p_worker for p_lease_seconds (the notifier renews the lease while a delivery is
-- in flight: renew_sms_notification_leases); a crashed worker's rows come back when the lease runs
-- out. A row whose lease ran out max_attempts times without an answer (attempts - retries: the
-- worker crashed on it each time) is marked dead instead of being claimed again (a message that
-- crashes the worker must not loop forever); temporary provider failures (retries) do not count.
-- One incident's notifications to one channel go out in order: a row is due only when no earlier
-- row (lower id) of the same (alert_id, channel) is still pending, leased or waiting for a retry,
-- so a retried trigger can never reach the provider after its resolve.
create or replace function sms_monitor.claim_sms_notifications(
  p_worker text,
  p_limit integer default 10,
  p_lease_seconds integer default 60,
  p_channels text[] default null
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
  if p_channels is not null and (cardinality(p_channels) > 4
      or not p_channels <@ array['slack', 'pagerduty', 'email', 'log']) then
    raise exception 'channels: must list only slack, pagerduty, email or log (got %)', p_channels::text
      using errcode = '22023';
  end if;

  with expired as (
    select n.id from sms_monitor.sms_alert_notifications n
     where n.status = 'pending' and n.locked_until <= now() and n.attempts - n.retries >= n.max_attempts
       and (p_channels is null or n.channel = any(p_channels))
     for update skip locked
  ), dead as (
    update sms_monitor.sms_alert_notifications n
       set status = 'dead', locked_by = null, locked_until = null, updated_at = now(),
           last_error = coalesce(n.last_error || '; ', '')
             || format('lease of %s expired on attempt %s of %s (worker crashed?)', n.locked_by, n.attempts - n.retries, n.max_attempts)
      from expired e
     where n.id = e.id
    returning n.alert_id
  )
  select array_agg(distinct d.alert_id) into v_dead from dead d;
  foreach v_alert in array coalesce(v_dead, '{}') loop
    perform sms_monitor._alert_sync_notification_status(v_alert);
  end loop;

  -- An incident resolved before its trigger reached one of these channels: supersede what waits
  -- (_alert_supersede_unreached) rather than page for what is over. Catches what the resolve's own
  -- attempt left alone because a row was in flight at that moment.
  for v_alert in
    select distinct r.alert_id from sms_monitor.sms_alert_notifications r
     where r.status = 'pending' and r.event = 'resolve'
       and (p_channels is null or r.channel = any(p_channels))
       and exists (select from sms_monitor.sms_alert_notifications t
                    where t.alert_id = r.alert_id and t.channel = r.channel and t.status = 'pending'
                      and t.event in ('trigger', 'repeat') and t.id < r.id)
       and not exists (select from sms_monitor.sms_alert_notifications t
                        where t.alert_id = r.alert_id and t.channel = r.channel and t.status = 'sent'
                          and t.event in ('trigger', 'repeat'))
  loop
    perform sms_monitor._alert_supersede_unreached(v_alert);
  end loop;

  return query
  with due as (
    select n.id from sms_monitor.sms_alert_notifications n
     where n.status = 'pending'
       and n.next_attempt_at <= now()
       and (n.locked_until is null or n.locked_until <= now())
       and (p_channels is null or n.channel = any(p_channels))
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

comment on function sms_monitor.claim_sms_notifications(text, integer, integer, text[]) is
  'Notifier: leases up to p_limit due outbox rows of the channels p_channels (NULL: all) to p_worker for '
  'p_lease_seconds (for update skip locked), oldest first; each claim counts one attempt. A row waits while an '
  'earlier row of the same incident and channel is pending (in-order delivery: trigger, acknowledge, resolve).';
revoke all on function sms_monitor.claim_sms_notifications(text, integer, integer, text[]) from public;
grant execute on function sms_monitor.claim_sms_notifications(text, integer, integer, text[])
  to sms_monitor_admin, sms_monitor_notifier;
--! EndIncluded functions/claim_sms_notifications.sql
--! Included functions/complete_sms_notification.sql
-- Records the outcome of one delivery attempt by the worker that holds the lease:
--   sent   -> status sent, sent_at now(); the provider answers again, so the channel's other rows
--             that wait after a temporary failure are due at once (quick recovery after an outage)
--   retry  -> temporary (429, 5xx, timeout, network): pending again at coalesce(p_retry_at, now()),
--             retries + 1; it does not use up max_attempts. Dead only once retry_until (24 h after
--             the row was queued) has passed.
--   failed -> failed (permanent: the provider said the request can never succeed)
--   defer  -> pending again at coalesce(p_retry_at, now()) WITHOUT counting the attempt (attempts - 1):
--             the notifier's own pacing (Slack's one message per second) kept it from trying; never
--             dead, last_error unchanged
-- p_error goes to last_error (provider text, never a secret). Returns the resulting status, or
-- 'lost' (nothing changed) when the row is no longer pending or is leased by another worker.
-- A trigger that did not get through while its incident's resolve waits behind it is superseded
-- (_alert_supersede_unreached): nobody is paged for what is over.
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
  if p_worker is not null and length(p_worker) > 200 then
    raise exception 'worker: must be at most 200 characters' using errcode = '22023';
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
    when now() >= v_row.retry_until then 'dead'
    else 'pending'
  end;
  update sms_monitor.sms_alert_notifications n
     set status = v_status,
         sent_at = case when v_status = 'sent' then now() else n.sent_at end,
         next_attempt_at = case when v_status = 'pending' then coalesce(p_retry_at, now()) else n.next_attempt_at end,
         last_error = case
           when p_outcome in ('sent', 'defer') then n.last_error
           when v_status = 'dead' then left(coalesce(p_error, 'temporary failure') || format(
             '; gave up: still failing %s h after it was queued', floor(extract(epoch from now() - n.created_at) / 3600)::bigint), 2000)
           else left(p_error, 2000) end,
         attempts = case when p_outcome = 'defer' then greatest(n.attempts - 1, 0) else n.attempts end,
         retries = case when p_outcome = 'retry' then n.retries + 1 else n.retries end,
         locked_by = null,
         locked_until = null,
         updated_at = now()
   where n.id = p_id;
  if v_status = 'sent' then
    -- The provider is back: what waits on this channel after a temporary failure goes now.
    -- (skip locked: a row locked elsewhere stays on its own schedule; no lock waits, no deadlocks)
    update sms_monitor.sms_alert_notifications n
       set next_attempt_at = now(), updated_at = now()
     where n.id in (
       select w.id from sms_monitor.sms_alert_notifications w
        where w.status = 'pending' and w.channel = v_row.channel and w.retries > 0 and w.next_attempt_at > now()
          and (w.locked_until is null or w.locked_until <= now())
          for update skip locked);
  elsif v_row.event <> 'resolve' then
    if sms_monitor._alert_supersede_unreached(v_row.alert_id) > 0 then
      select n.status into v_status from sms_monitor.sms_alert_notifications n where n.id = p_id;
    end if;
  end if;
  perform sms_monitor._alert_sync_notification_status(v_row.alert_id);
  return v_status;
end;
$$;

comment on function sms_monitor.complete_sms_notification(bigint, text, text, text, timestamptz) is
  'Notifier: records a delivery outcome (sent | retry | failed | defer) for a row leased by p_worker; returns the new '
  'status (sent, pending, failed, dead, superseded) or lost when the lease was lost. retry: pending again at p_retry_at, '
  'not counted against max_attempts, dead only after retry_until (24 h). sent: the channel''s rows waiting after a '
  'temporary failure are due at once. defer: pending again at p_retry_at with the attempt not counted. '
  'NULL id or bad outcome: 22023; unknown id: P0002.';
revoke all on function sms_monitor.complete_sms_notification(bigint, text, text, text, timestamptz) from public;
grant execute on function sms_monitor.complete_sms_notification(bigint, text, text, text, timestamptz)
  to sms_monitor_admin, sms_monitor_notifier;
--! EndIncluded functions/complete_sms_notification.sql
--! Included functions/renew_sms_notification_leases.sql
-- A notifier with deliveries in flight extends the leases of those rows (it calls this every third
-- of the lease): leases can be short, so the rows of a notifier that was killed come back within
-- one lease, while a slow request is never taken over by another notifier. Only rows that are
-- still pending and leased by p_worker are renewed; returns how many.
create or replace function sms_monitor.renew_sms_notification_leases(
  p_worker text,
  p_ids bigint[],
  p_lease_seconds integer
)
returns integer
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_count integer;
begin
  if p_worker is null or btrim(p_worker) = '' or length(p_worker) > 200 then
    raise exception 'worker: is required (1-200 characters)' using errcode = '22023';
  end if;
  if p_ids is null or cardinality(p_ids) > 1000 then
    raise exception 'ids: must be an array of at most 1000 ids' using errcode = '22023';
  end if;
  if p_lease_seconds is null or p_lease_seconds < 1 or p_lease_seconds > 3600 then
    raise exception 'lease_seconds: must be between 1 and 3600 (got %)', coalesce(p_lease_seconds::text, 'NULL')
      using errcode = '22023';
  end if;
  update sms_monitor.sms_alert_notifications n
     set locked_until = now() + make_interval(secs => p_lease_seconds)
   where n.id = any(p_ids) and n.status = 'pending' and n.locked_by = p_worker;
  get diagnostics v_count = row_count;
  return v_count;
end;
$$;

comment on function sms_monitor.renew_sms_notification_leases(text, bigint[], integer) is
  'Notifier: extends to now() + p_lease_seconds the leases p_worker holds on the rows p_ids (deliveries in '
  'flight); returns how many were renewed. Bad arguments: 22023.';
revoke all on function sms_monitor.renew_sms_notification_leases(text, bigint[], integer) from public;
grant execute on function sms_monitor.renew_sms_notification_leases(text, bigint[], integer)
  to sms_monitor_admin, sms_monitor_notifier;
--! EndIncluded functions/renew_sms_notification_leases.sql
--! Included functions/next_sms_notification_due.sql
-- When the next pending row of the channels p_channels (NULL = every channel) becomes claimable:
-- its next_attempt_at, or the end of its lease when a worker holds it (a crashed worker's row comes
-- back then). NULL when nothing is pending. Rows queued behind an earlier pending row of the same
-- incident and channel are left out (they wait for that row, not for a time; see
-- claim_sms_notifications).
create or replace function sms_monitor.next_sms_notification_due(p_channels text[] default null)
returns timestamptz
language sql
stable
security definer
set search_path = pg_catalog, pg_temp
as $$
  select min(greatest(n.next_attempt_at, coalesce(n.locked_until, '-infinity'::timestamptz)))
    from sms_monitor.sms_alert_notifications n
   where n.status = 'pending'
     and (p_channels is null or n.channel = any(p_channels))
     and not exists (
       select from sms_monitor.sms_alert_notifications p
        where p.alert_id = n.alert_id and p.channel = n.channel and p.status = 'pending' and p.id < n.id);
$$;

comment on function sms_monitor.next_sms_notification_due(text[]) is
  'Notifier: the earliest time a pending outbox row of the channels p_channels (NULL: all) becomes claimable '
  '(next_attempt_at, or lease end when leased), or NULL when nothing is pending; rows queued behind an earlier '
  'pending row of their incident and channel are not counted.';
revoke all on function sms_monitor.next_sms_notification_due(text[]) from public;
grant execute on function sms_monitor.next_sms_notification_due(text[]) to sms_monitor_admin, sms_monitor_notifier;
--! EndIncluded functions/next_sms_notification_due.sql
--! Included functions/sms_notifier_heartbeat.sql
-- A running notifier says which channels it serves (configured for), every few seconds: the row
-- lives until expires_at (now() + p_ttl_seconds). A channel no live notifier serves is "not
-- configured": its rows wait (pending) and sms_alert_status says so. p_channels NULL signs the
-- worker off (graceful shutdown). Rows that expired more than a day ago are cleaned up.
create or replace function sms_monitor.sms_notifier_heartbeat(
  p_worker text,
  p_channels text[],
  p_ttl_seconds integer default 30
)
returns void
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
begin
  if p_worker is null or btrim(p_worker) = '' or length(p_worker) > 200 then
    raise exception 'worker: is required (1-200 characters)' using errcode = '22023';
  end if;
  if p_channels is not null and (cardinality(p_channels) > 4
      or not p_channels <@ array['slack', 'pagerduty', 'email', 'log']) then
    raise exception 'channels: must list only slack, pagerduty, email or log (got %)', p_channels::text
      using errcode = '22023';
  end if;
  if p_ttl_seconds is null or p_ttl_seconds < 1 or p_ttl_seconds > 3600 then
    raise exception 'ttl_seconds: must be between 1 and 3600 (got %)', coalesce(p_ttl_seconds::text, 'NULL')
      using errcode = '22023';
  end if;
  delete from sms_monitor.sms_notifier_heartbeats h where h.expires_at < now() - interval '1 day';
  if p_channels is null then
    delete from sms_monitor.sms_notifier_heartbeats h where h.worker = p_worker;
    return;
  end if;
  insert into sms_monitor.sms_notifier_heartbeats as h (worker, channels, started_at, last_seen_at, expires_at)
  values (p_worker, (select coalesce(array_agg(distinct c order by c), '{}') from unnest(p_channels) c),
          now(), now(), now() + make_interval(secs => p_ttl_seconds))
  on conflict (worker) do update
     set channels = excluded.channels, last_seen_at = now(), expires_at = excluded.expires_at;
end;
$$;

comment on function sms_monitor.sms_notifier_heartbeat(text, text[], integer) is
  'Notifier: records that p_worker is alive and serves p_channels until now() + p_ttl_seconds; NULL channels '
  'signs it off. Bad arguments: 22023.';
revoke all on function sms_monitor.sms_notifier_heartbeat(text, text[], integer) from public;
grant execute on function sms_monitor.sms_notifier_heartbeat(text, text[], integer) to sms_monitor_notifier;
--! EndIncluded functions/sms_notifier_heartbeat.sql
--! Included functions/_alert_enqueue.sql
-- Queues one outbox row per channel for an event of an incident, with the payload the notifier
-- renders (OUTBOX-CONTRACT.md). The message depends on the event; metric_value is the latest
-- evaluated value (the value at resolution for a resolve), trigger_value the value it fired with;
-- value_text / trigger_value_text are the same with the metric's unit ("93.02 %"). A resolve of an
-- incident whose trigger never reached a channel supersedes what waits there
-- (_alert_supersede_unreached). Returns how many rows were queued.
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
                 then format('Resolved: %s was %s, back at %s.', m.label,
                   sms_monitor._alert_format_value(h.metric_value, m.unit), sms_monitor._alert_format_value(x.value, m.unit))
                 else format('Resolved by %s: %s', h.resolved_by, h.message) end
             end,
           'trigger_value', h.metric_value,
           'value_text', sms_monitor._alert_format_value(x.value, m.unit),
           'trigger_value_text', sms_monitor._alert_format_value(h.metric_value, m.unit),
           'description', t.description,
           'triggered_at', h.triggered_at,
           'resolved_at', h.resolved_at,
           'resolved_by', h.resolved_by,
           'acknowledged_at', h.acknowledged_at,
           'acknowledged_by', h.acknowledged_by,
           -- fixed when the incident opened (issue 10): a renamed rule keeps its incidents' keys
           'dedup_key', coalesce(h.dedup_key, left('sms-monitor/' || h.alert_type || '/' || h.id::text, 255)))
    from sms_monitor.sms_alert_history h
    join sms_monitor.sms_alert_thresholds t on t.alert_type = h.alert_type
    join sms_monitor.sms_alert_metrics m on m.metric = h.metric
   cross join lateral (select case when p_event = 'resolve' and h.resolution_value is not null
                                   then h.resolution_value else coalesce(h.last_value, h.metric_value) end as value) x
   cross join lateral (select distinct u.channel from unnest(p_channels) u(channel)) c
   where h.id = p_alert_id
   order by c.channel;
  get diagnostics v_count = row_count;
  if p_event = 'resolve' then
    perform sms_monitor._alert_supersede_unreached(p_alert_id);
  end if;
  perform sms_monitor._alert_sync_notification_status(p_alert_id);
  return v_count;
end;
$$;

comment on function sms_monitor._alert_enqueue(uuid, text, text[]) is
  'Internal: queues an outbox row per channel for an incident event (trigger, repeat, acknowledge, resolve).';
revoke all on function sms_monitor._alert_enqueue(uuid, text, text[]) from public;
--! EndIncluded functions/_alert_enqueue.sql
--! Included views/sms_alert_status.sql
-- One row per rule: its settings, what the last check did, the open incident (if any) and until
-- when it is silenced. For operators in psql and for dashboards. security_invoker: the caller's own
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
         where (x.alert_type is null or x.alert_type = t.alert_type)
           and x.starts_at <= now() and x.ends_at > now() and x.lifted_at is null) as silenced_until,
       s.last_error,
       coalesce(w.waiting, 0) as notifications_waiting,
       w.delivery_status
  from sms_monitor.sms_alert_thresholds t
  left join sms_monitor.sms_alert_rule_state s on s.alert_type = t.alert_type
  left join sms_monitor.sms_alert_history h on h.alert_type = t.alert_type and h.resolved_at is null
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

-- ==== issue 9: CLI (notifications retry) ====
--! Included functions/retry_sms_notifications.sql
-- Re-sends what failed: failed and dead outbox rows go back to pending, due now, with their
-- attempts reset (last_error is kept until the next attempt tells a new story), and the notifier
-- hears of them at once (NOTIFY sms_monitor_notifications with the ids, as the insert trigger
-- does). Which rows:
--   p_id          one notification (failed or dead; anything else is 22023, unknown P0002)
--   p_alert_id    every failed or dead notification of one incident (unknown incident P0002)
--   neither       every failed or dead notification
-- A row followed by a delivered notification of the same incident and channel (a failed trigger
-- whose resolve went out) is never re-sent: it would reach the provider out of order (PagerDuty
-- would open an incident nobody resolves). Naming such a row by id is 22023. Returns the rows it
-- reset, by id. Admin only.
create or replace function sms_monitor.retry_sms_notifications(
  p_id bigint default null,
  p_alert_id uuid default null
)
returns setof sms_monitor.sms_alert_notifications
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_row sms_monitor.sms_alert_notifications;
  v_later text;
  v_ids bigint[];
  v_alerts uuid[];
  v_alert uuid;
  v_payload text;
begin
  if p_id is not null and p_alert_id is not null then
    raise exception 'id: give a notification id or an alert id, not both' using errcode = '22023';
  end if;
  if p_id is not null and p_id < 1 then
    raise exception 'id: must be a positive notification id (got %)', p_id using errcode = '22023';
  end if;
  if p_id is not null then
    select * into v_row from sms_monitor.sms_alert_notifications n where n.id = p_id for update;
    if not found then
      raise exception 'id: notification % does not exist', p_id using errcode = 'P0002';
    end if;
    if v_row.status not in ('failed', 'dead') then
      raise exception 'id: notification % is %; only failed or dead notifications are retried', p_id, v_row.status
        using errcode = '22023';
    end if;
    select l.channel || '/' || l.event into v_later
      from sms_monitor.sms_alert_notifications l
     where l.alert_id = v_row.alert_id and l.channel = v_row.channel and l.id > v_row.id and l.status = 'sent'
     order by l.id
     limit 1;
    if v_later is not null then
      raise exception 'id: notification % (%/%) was followed by % which was delivered: re-sending it would arrive out of order',
        p_id, v_row.channel, v_row.event, v_later using errcode = '22023';
    end if;
  end if;
  if p_alert_id is not null
     and not exists (select from sms_monitor.sms_alert_history h where h.id = p_alert_id) then
    raise exception 'alert_id: alert % does not exist', p_alert_id using errcode = 'P0002';
  end if;

  with chosen as (
    select n.id from sms_monitor.sms_alert_notifications n
     where n.status in ('failed', 'dead')
       and (p_id is null or n.id = p_id)
       and (p_alert_id is null or n.alert_id = p_alert_id)
       and not exists (
         select from sms_monitor.sms_alert_notifications l
          where l.alert_id = n.alert_id and l.channel = n.channel and l.id > n.id and l.status = 'sent')
     order by n.id
     for update
  ), reset as (
    update sms_monitor.sms_alert_notifications n
       set status = 'pending', attempts = 0, next_attempt_at = now(), locked_by = null, locked_until = null,
           updated_at = now()
      from chosen c
     where n.id = c.id
    returning n.id, n.alert_id
  )
  select array_agg(r.id order by r.id), array_agg(distinct r.alert_id) into v_ids, v_alerts from reset r;

  if v_ids is null then
    return;
  end if;
  foreach v_alert in array v_alerts loop
    perform sms_monitor._alert_sync_notification_status(v_alert);
  end loop;
  -- The same hint as the insert trigger: a JSON array of ids under 7000 bytes (the table is the truth).
  select '[' || string_agg(x.id::text, ',' order by x.id) || ']' into v_payload
    from (select i.id, sum(length(i.id::text) + 1) over (order by i.id) as running
            from unnest(v_ids) as i(id)) x
   where x.running <= 6998;
  perform pg_notify('sms_monitor_notifications', v_payload);

  return query
  select n.* from sms_monitor.sms_alert_notifications n where n.id = any (v_ids) order by n.id;
end;
$$;

comment on function sms_monitor.retry_sms_notifications(bigint, uuid) is
  'Admin: re-sends failed and dead notifications (one by p_id, one incident''s by p_alert_id, or all): pending, '
  'due now, attempts 0, NOTIFY sms_monitor_notifications. Rows followed by a delivered notification of the same '
  'incident and channel are skipped (out of order). Returns the rows reset. Not failed/dead, out of order, bad id: '
  '22023; unknown id: P0002.';
revoke all on function sms_monitor.retry_sms_notifications(bigint, uuid) from public;
grant execute on function sms_monitor.retry_sms_notifications(bigint, uuid) to sms_monitor_admin;
--! EndIncluded functions/retry_sms_notifications.sql
-- ==== issue 8: HTTP API, dashboard page, simulator ====
-- The HTTP server (sms-monitor serve) connects as a LOGIN role that is a member of this one and,
-- per request, runs `set local role` to the role the bearer token names, PostgREST-style.
-- NOINHERIT: the authenticator itself has none of their rights until it switches.
do $$
begin
  if not exists (select from pg_roles where rolname = 'sms_monitor_authenticator') then
    create role sms_monitor_authenticator nologin noinherit;
  end if;
end;
$$;
alter role sms_monitor_authenticator noinherit;
comment on role sms_monitor_authenticator is
  'sms-monitor: the HTTP server''s role (PostgREST authenticator): may only SET ROLE to admin, reader or self.';
grant sms_monitor_admin, sms_monitor_reader, sms_monitor_self to sms_monitor_authenticator;
--! Included views/sms_metrics_user_daily.sql
-- One row per (reporting day, user) with the figures the top-users ranking needs: sends,
-- deliveries, failures and costs. Refreshed with sms_metrics_daily (refresh_sms_metrics_daily, every
-- 5 minutes by pg_cron); api_top_users reads it (unless p_live), so a ranking over 7 days reads
-- 7 x users rows instead of every bucket.
create materialized view if not exists sms_monitor.sms_metrics_user_daily as
select m.metric_date,
       m.user_id,
       coalesce(sum(m.metric_value) filter (where m.metric_type = 'sent_count'), 0)::bigint as sent_count,
       coalesce(sum(m.metric_value) filter (where m.metric_type = 'delivered_count'), 0)::bigint as delivered_count,
       coalesce(sum(m.metric_value) filter (where m.metric_type = 'failed_count'), 0)::bigint as failed_count,
       coalesce(sum(m.metric_value) filter (where m.metric_type = 'llm_cost_usd'), 0) as llm_cost_usd,
       coalesce(sum(m.metric_value) filter (where m.metric_type = 'sms_cost_usd'), 0) as sms_cost_usd
  from sms_monitor.sms_metrics m
 where m.user_id is not null
   and m.metric_type in ('sent_count', 'delivered_count', 'failed_count', 'llm_cost_usd', 'sms_cost_usd')
 group by m.metric_date, m.user_id
with no data;

create unique index if not exists sms_metrics_user_daily_key
  on sms_monitor.sms_metrics_user_daily (metric_date, user_id);

comment on materialized view sms_monitor.sms_metrics_user_daily is
  'One row per (reporting day, user): sent, delivered, failed, LLM and SMS cost. Refreshed by '
  'refresh_sms_metrics_daily() with sms_metrics_daily; api_top_users reads it unless p_live.';
revoke all on sms_monitor.sms_metrics_user_daily from public;
grant select on sms_monitor.sms_metrics_user_daily to sms_monitor_reader, sms_monitor_admin;
--! EndIncluded views/sms_metrics_user_daily.sql
--! Included functions/refresh_sms_metrics_daily.sql
-- Refresh without blocking readers (CONCURRENTLY needs the unique index on metric_date). The very
-- first refresh of an unpopulated view cannot be concurrent; nobody can be reading it then.
-- A refresh error is raised, never swallowed (the original's froze the view silently).
create or replace function sms_monitor.refresh_sms_metrics_daily()
returns void
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
begin
  if (select c.relispopulated from pg_class c
       where c.oid = 'sms_monitor.sms_metrics_daily'::regclass) then
    refresh materialized view concurrently sms_monitor.sms_metrics_daily;
  else
    refresh materialized view sms_monitor.sms_metrics_daily;
  end if;
  -- The per-user days behind api_top_users (issue 8), refreshed on the same schedule.
  if (select c.relispopulated from pg_class c
       where c.oid = 'sms_monitor.sms_metrics_user_daily'::regclass) then
    refresh materialized view concurrently sms_monitor.sms_metrics_user_daily;
  else
    refresh materialized view sms_monitor.sms_metrics_user_daily;
  end if;
end;
$$;

comment on function sms_monitor.refresh_sms_metrics_daily() is
  'Refreshes sms_metrics_daily and sms_metrics_user_daily without blocking readers (REFRESH ... CONCURRENTLY).';
revoke all on function sms_monitor.refresh_sms_metrics_daily() from public;
grant execute on function sms_monitor.refresh_sms_metrics_daily() to sms_monitor_admin;
--! EndIncluded functions/refresh_sms_metrics_daily.sql
--! Included functions/_daily_metrics_series.sql
-- Every reporting day from p_start_date to p_end_date inclusive, oldest first, in the shape of
-- sms_metrics_daily: a day without traffic is present with zero counts and costs, active_users 0
-- and NULL means and rates (nothing to divide by is "no data", never 0 %). Days come from the
-- materialized view (refreshed every 5 minutes); a view that was never refreshed is aggregated from
-- sms_metrics instead, so a brand-new database shows what was recorded rather than nothing.
create or replace function sms_monitor._daily_metrics_series(
  p_start_date date,
  p_end_date date
)
returns setof sms_monitor.sms_metrics_daily
language plpgsql
stable
security invoker
set search_path = pg_catalog, pg_temp
as $$
begin
  if p_start_date is null or p_end_date is null then
    raise exception 'start_date: both ends of the range are required' using errcode = '22023';
  end if;
  if p_end_date < p_start_date then
    raise exception 'end_date: % is before start_date %', p_end_date, p_start_date using errcode = '22023';
  end if;
  if p_end_date - p_start_date + 1 > 366 then
    raise exception 'end_date: the range may span at most 366 days (got % days)', p_end_date - p_start_date + 1
      using errcode = '22023';
  end if;
  if (select c.relispopulated from pg_catalog.pg_class c where c.oid = 'sms_monitor.sms_metrics_daily'::regclass) then
    return query
    select g.d::date,
           coalesce(v.scheduled_count, 0), coalesce(v.sent_count, 0), coalesce(v.delivered_count, 0),
           coalesce(v.failed_count, 0), coalesce(v.cancelled_count, 0), coalesce(v.llm_success_count, 0),
           coalesce(v.template_fallback_count, 0), coalesce(v.opt_out_count, 0),
           coalesce(v.quiet_hours_skip_count, 0), coalesce(v.daily_limit_hit_count, 0),
           coalesce(v.llm_cost_usd, 0), coalesce(v.sms_cost_usd, 0),
           v.avg_delivery_time_ms, v.avg_generation_time_ms, v.delivery_rate_percent, v.llm_success_rate_percent,
           coalesce(v.active_users, 0)
      from pg_catalog.generate_series(p_start_date::timestamp, p_end_date::timestamp, interval '1 day') g(d)
      left join sms_monitor.sms_metrics_daily v on v.metric_date = g.d::date
     order by g.d;
    return;
  end if;
  return query
  with s as (
    select m.metric_date,
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'scheduled_count'), 0)::numeric as scheduled,
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'sent_count'), 0)::numeric as sent,
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'delivered_count'), 0)::numeric as delivered,
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'failed_count'), 0)::numeric as failed,
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'cancelled_count'), 0)::numeric as cancelled,
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'llm_success_count'), 0)::numeric as llm_ok,
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'template_fallback_count'), 0)::numeric as fallback,
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'opt_out_count'), 0)::numeric as opt_out,
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'quiet_hours_skip_count'), 0)::numeric as quiet,
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'daily_limit_hit_count'), 0)::numeric as limit_hit,
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'llm_cost_usd'), 0) as llm_cost,
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'sms_cost_usd'), 0) as sms_cost,
           sum(m.metric_value) filter (where m.metric_type = 'avg_delivery_time_ms')
             / nullif(sum(m.sample_count) filter (where m.metric_type = 'avg_delivery_time_ms'), 0) as delivery_ms,
           sum(m.metric_value) filter (where m.metric_type = 'avg_generation_time_ms')
             / nullif(sum(m.sample_count) filter (where m.metric_type = 'avg_generation_time_ms'), 0) as generation_ms,
           count(distinct m.user_id) as users
      from sms_monitor.sms_metrics m
     where m.metric_date between p_start_date and p_end_date
     group by m.metric_date
  )
  select g.d::date,
         coalesce(s.scheduled, 0), coalesce(s.sent, 0), coalesce(s.delivered, 0), coalesce(s.failed, 0),
         coalesce(s.cancelled, 0), coalesce(s.llm_ok, 0), coalesce(s.fallback, 0), coalesce(s.opt_out, 0),
         coalesce(s.quiet, 0), coalesce(s.limit_hit, 0), coalesce(s.llm_cost, 0), coalesce(s.sms_cost, 0),
         round(s.delivery_ms, 2), round(s.generation_ms, 2),
         round(100 * s.delivered::numeric / nullif(s.sent, 0), 2),
         round(100 * s.llm_ok::numeric / nullif(s.llm_ok + s.fallback, 0), 2),
         coalesce(s.users, 0)
    from pg_catalog.generate_series(p_start_date::timestamp, p_end_date::timestamp, interval '1 day') g(d)
    left join s on s.metric_date = g.d::date
   order by g.d;
end;
$$;

comment on function sms_monitor._daily_metrics_series(date, date) is
  'Internal: every reporting day of start..end (at most 366) in the shape of sms_metrics_daily, quiet days with '
  'zero counts, active_users 0 and NULL rates and means; from the view, or from sms_metrics before its first refresh.';
revoke all on function sms_monitor._daily_metrics_series(date, date) from public;
grant execute on function sms_monitor._daily_metrics_series(date, date) to sms_monitor_reader, sms_monitor_admin;
--! EndIncluded functions/_daily_metrics_series.sql
--! Included functions/api_daily_metrics.sql
-- GET /api/sms/metrics/daily as a function: one row per reporting day from start to end inclusive,
-- days without traffic included (zero counts, NULL rates and means; _daily_metrics_series). Fixed
-- from the original: end defaults to today in the reporting timezone (not the server's), end before
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
--! EndIncluded functions/api_daily_metrics.sql
--! Included functions/_user_days_from_view.sql
-- The rows of sms_metrics_user_daily from p_from to p_to inclusive, or none while the view has
-- never been refreshed (scanning it then would be an error; a function's query is planned only
-- when it runs). For api_top_users.
create or replace function sms_monitor._user_days_from_view(p_from date, p_to date)
returns setof sms_monitor.sms_metrics_user_daily
language plpgsql
stable
security invoker
set search_path = pg_catalog, pg_temp
as $$
begin
  if (select c.relispopulated from pg_catalog.pg_class c
       where c.oid = 'sms_monitor.sms_metrics_user_daily'::regclass) then
    return query select d.* from sms_monitor.sms_metrics_user_daily d where d.metric_date between p_from and p_to;
  end if;
end;
$$;

comment on function sms_monitor._user_days_from_view(date, date) is
  'Internal: sms_metrics_user_daily rows of p_from..p_to, none before the view''s first refresh.';
revoke all on function sms_monitor._user_days_from_view(date, date) from public;
grant execute on function sms_monitor._user_days_from_view(date, date) to sms_monitor_reader, sms_monitor_admin;
--! EndIncluded functions/_user_days_from_view.sql
-- api_top_users gained p_live: no overloads (PostgREST cannot choose between them).
drop function if exists sms_monitor.api_top_users(integer, text, integer, timestamptz);
--! Included functions/api_top_users.sql
-- Top users over the last p_days reporting days including today (the reporting day of p_now):
-- ranked by sent volume (p_by 'sent'), total cost ('cost': LLM + SMS, USD) or failures
-- ('failures': failed_count), highest first, ties by user_id; only users with a non-zero value of
-- the ranking figure. Each row has the user's delivery rate (delivered / sent, NULL when nothing
-- was sent). From sms_metrics_user_daily (refreshed every 5 minutes, like sms_metrics_daily) by
-- default, from sms_metrics (exact to the last commit) with p_live, or while the view was never
-- refreshed. Readers and admins only: it names other users.
create or replace function sms_monitor.api_top_users(
  p_days integer default 7,
  p_by text default 'sent',
  p_limit integer default 10,
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
  v_by text := coalesce(p_by, 'sent');
  v_today date;
  v_data jsonb;
  v_view boolean;
begin
  if p_days is null or p_days < 1 or p_days > 365 then
    raise exception 'days: must be between 1 and 365 (got %)', coalesce(p_days::text, 'NULL') using errcode = '22023';
  end if;
  if v_by not in ('sent', 'cost', 'failures') then
    raise exception 'by: must be sent, cost or failures (got %)', quote_literal(v_by) using errcode = '22023';
  end if;
  if p_limit is null or p_limit < 1 or p_limit > 100 then
    raise exception 'limit: must be between 1 and 100 (got %)', coalesce(p_limit::text, 'NULL') using errcode = '22023';
  end if;
  if p_now is null or not isfinite(p_now) then
    raise exception 'now: must be a finite time' using errcode = '22023';
  end if;
  v_today := sms_monitor.reporting_today(p_now);

  -- From sms_metrics_user_daily (as of its last refresh, every 5 minutes, like the daily view), or
  -- from sms_metrics itself (exact to the last commit) with p_live or before the view's first refresh.
  v_view := not coalesce(p_live, false)
            and (select c.relispopulated from pg_catalog.pg_class c
                  where c.oid = 'sms_monitor.sms_metrics_user_daily'::regclass);
  with days as (
    select d.user_id, d.sent_count as sent, d.delivered_count as delivered, d.failed_count as failed,
           d.llm_cost_usd as llm_cost, d.sms_cost_usd as sms_cost
      from sms_monitor._user_days_from_view(v_today - (p_days - 1), v_today) d
     where v_view
    union all
    select m.user_id,
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'sent_count'), 0)::bigint,
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'delivered_count'), 0)::bigint,
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'failed_count'), 0)::bigint,
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'llm_cost_usd'), 0),
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'sms_cost_usd'), 0)
      from sms_monitor.sms_metrics m
     where not v_view
       and m.metric_date between v_today - (p_days - 1) and v_today
       and m.user_id is not null
       and m.metric_type in ('sent_count', 'delivered_count', 'failed_count', 'llm_cost_usd', 'sms_cost_usd')
     group by m.user_id
  ), per_user as (
    select d.user_id, sum(d.sent)::bigint as sent, sum(d.delivered)::bigint as delivered,
           sum(d.failed)::bigint as failed, sum(d.llm_cost) as llm_cost, sum(d.sms_cost) as sms_cost
      from days d
     group by d.user_id
  ), ranked as (
    select u.*, case v_by when 'sent' then u.sent::numeric
                          when 'cost' then u.llm_cost + u.sms_cost
                          else u.failed::numeric end as score
      from per_user u
  ), top as (
    select r.*, row_number() over (order by r.score desc, r.user_id) as rank
      from ranked r
     where r.score > 0
     order by r.score desc, r.user_id
     limit p_limit
  )
  select coalesce(jsonb_agg(jsonb_build_object(
           'rank', t.rank,
           'user_id', t.user_id,
           'sent', t.sent,
           'delivered', t.delivered,
           'failed', t.failed,
           'delivery_rate_percent', round(100 * t.delivered::numeric / nullif(t.sent, 0), 2),
           'llm_cost_usd', round(t.llm_cost, 4),
           'sms_cost_usd', round(t.sms_cost, 4),
           'cost_usd', round(t.llm_cost + t.sms_cost, 4)) order by t.rank), '[]'::jsonb)
    into v_data
    from top t;
  return jsonb_build_object(
    'success', true,
    'data', v_data,
    'by', v_by,
    'days', p_days,
    'date_range', jsonb_build_object('start', v_today - (p_days - 1), 'end', v_today));
end;
$$;

comment on function sms_monitor.api_top_users(integer, text, integer, timestamptz, boolean) is
  'Dashboard (GET /top-users): {success, data: [{rank, user_id, sent, delivered, failed, delivery_rate_percent, '
  'llm_cost_usd, sms_cost_usd, cost_usd}], by, days, date_range} for the last p_days (1-365, default 7) reporting '
  'days up to p_now, ranked by p_by sent|cost|failures (default sent; ties by user_id; zero values left out), '
  'at most p_limit (1-100, default 10) users; from sms_metrics_user_daily (5-minute refresh) unless p_live. Bad parameters: 22023.';
revoke all on function sms_monitor.api_top_users(integer, text, integer, timestamptz, boolean) from public;
grant execute on function sms_monitor.api_top_users(integer, text, integer, timestamptz, boolean)
  to sms_monitor_reader, sms_monitor_admin;
--! EndIncluded functions/api_top_users.sql
--! Included functions/api_health.sql
-- The health that agrees with the alert engine: it comes from the open incidents and from every
-- enabled rule's value over the rule's own window (_alert_rule_values, the function
-- check_sms_alerts uses), never from a whole-day rate. Status, in order:
--   critical  an open critical incident (acknowledged or silenced: it is still open)
--   degraded  an open warning incident, or a rule breaching its threshold right now (with at
--             least min_sample samples) whose incident is not open yet (pending, or waiting for
--             the next check)
--   healthy   no open critical/warning incident, nothing breaching, at least one rule with data
--   unknown   the same, but no rule has enough data (no traffic yet): not known to be healthy
-- driving_rule names the rule that decided (the most severe, then the oldest incident, then
-- alert_type); NULL when healthy or unknown. Info incidents are listed but never degrade.
create or replace function sms_monitor.api_health(p_now timestamptz default now())
returns jsonb
language plpgsql
stable
security definer
set search_path = pg_catalog, pg_temp
set jit = off
as $$
declare
  v_rules jsonb;
  v_open jsonb;
  v_incident record;
  v_breach record;
  v_any_data boolean;
  v_status text;
  v_driver text;
  v_reason text;
begin
  if p_now is null or not isfinite(p_now) then
    raise exception 'now: must be a finite time' using errcode = '22023';
  end if;

  with r as (
    select t.alert_type, t.severity, t.metric, t.comparison, t.threshold_value, t.recovery_value,
           t.window_minutes, t.min_sample, v.metric_value, v.sample_size, v.detail,
           case when v.metric_value is null or v.sample_size < t.min_sample then 'no_data'
                when sms_monitor._alert_compare(v.metric_value, t.comparison, t.threshold_value) then 'breached'
                else 'ok' end as state,
           h.id as open_alert_id
      from sms_monitor._alert_rule_values(p_now) v
      join sms_monitor.sms_alert_thresholds t on t.alert_type = v.alert_type
      left join sms_monitor.sms_alert_history h on h.alert_type = t.alert_type and h.resolved_at is null
  )
  select coalesce(jsonb_agg(jsonb_build_object(
           'alert_type', r.alert_type, 'severity', r.severity, 'metric', r.metric, 'comparison', r.comparison,
           'threshold_value', r.threshold_value, 'recovery_value', r.recovery_value,
           'window_minutes', r.window_minutes, 'min_sample', r.min_sample, 'value', r.metric_value,
           'sample_size', r.sample_size, 'state', r.state, 'open_alert_id', r.open_alert_id, 'detail', r.detail)
           order by r.alert_type), '[]'::jsonb),
         coalesce(bool_or(r.state <> 'no_data'), false)
    into v_rules, v_any_data
    from r;

  select coalesce(jsonb_agg(jsonb_build_object(
           'id', h.id, 'alert_type', h.alert_type, 'severity', h.severity, 'message', h.message,
           'metric_value', h.metric_value, 'last_value', h.last_value, 'threshold_value', h.threshold_value,
           'triggered_at', h.triggered_at, 'acknowledged_at', h.acknowledged_at, 'silenced', h.silenced)
           order by case h.severity when 'critical' then 0 when 'warning' then 1 else 2 end,
                    h.triggered_at, h.alert_type), '[]'::jsonb)
    into v_open
    from sms_monitor.sms_alert_history h
   where h.resolved_at is null;

  select h.alert_type, h.severity, h.message, h.triggered_at into v_incident
    from sms_monitor.sms_alert_history h
   where h.resolved_at is null and h.severity in ('critical', 'warning')
   order by case h.severity when 'critical' then 0 else 1 end, h.triggered_at, h.alert_type
   limit 1;
  select e ->> 'alert_type' as alert_type, e ->> 'severity' as severity, e ->> 'metric' as metric,
         e ->> 'value' as metric_value, e ->> 'comparison' as comparison, e ->> 'threshold_value' as threshold_value,
         e ->> 'window_minutes' as window_minutes
    into v_breach
    from jsonb_array_elements(v_rules) e
   where e ->> 'state' = 'breached' and e -> 'open_alert_id' = 'null'::jsonb
     and e ->> 'severity' in ('critical', 'warning')
   order by case e ->> 'severity' when 'critical' then 0 else 1 end, e ->> 'alert_type'
   limit 1;

  if v_incident.alert_type is not null and v_incident.severity = 'critical' then
    v_status := 'critical';
    v_driver := v_incident.alert_type;
    v_reason := format('%s: critical incident open since %s: %s', v_incident.alert_type,
                       to_char(v_incident.triggered_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), v_incident.message);
  elsif v_incident.alert_type is not null then
    v_status := 'degraded';
    v_driver := v_incident.alert_type;
    v_reason := format('%s: warning incident open since %s: %s', v_incident.alert_type,
                       to_char(v_incident.triggered_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), v_incident.message);
  elsif v_breach.alert_type is not null then
    v_status := 'degraded';
    v_driver := v_breach.alert_type;
    v_reason := format('%s: %s %s %s %s over the last %s minutes; no incident open yet', v_breach.alert_type,
                       v_breach.metric, v_breach.metric_value, v_breach.comparison, v_breach.threshold_value,
                       v_breach.window_minutes);
  elsif v_any_data then
    v_status := 'healthy';
    v_reason := 'no open critical or warning incident, no rule breaching its threshold';
  else
    v_status := 'unknown';
    v_reason := 'no rule has enough data yet (no traffic in its window)';
  end if;

  return jsonb_build_object(
    'success', true,
    'data', jsonb_build_object(
      'status', v_status,
      'driving_rule', v_driver,
      'reason', v_reason,
      'as_of', p_now,
      'open_incidents', v_open,
      'rules', v_rules));
end;
$$;

comment on function sms_monitor.api_health(timestamptz) is
  'Dashboard health that agrees with the alert engine: {success, data: {status critical|degraded|healthy|unknown, '
  'driving_rule, reason, as_of, open_incidents, rules: [each enabled rule''s value over its window, state '
  'breached|ok|no_data, open_alert_id]}}. Critical = an open critical incident; degraded = an open warning '
  'incident or a rule breaching without an incident yet; unknown = no rule has data.';
revoke all on function sms_monitor.api_health(timestamptz) from public;
grant execute on function sms_monitor.api_health(timestamptz) to sms_monitor_reader, sms_monitor_admin;
--! EndIncluded functions/api_health.sql
--! Included functions/api_alert_detail.sql
-- One incident with its notifications: every outbox row (channel, event, status, attempts, last
-- error, when) oldest first, and per channel the latest row's state in words, e.g.
-- {"channel": "pagerduty", "event": "trigger", "status": "failed", "summary": "failed: not configured"}.
-- Channels the rule lists that have no row yet say "not queued" (a silenced incident, say); a
-- pending row of a channel no live notifier serves says "waiting, not configured".
-- Unknown id: P0002.
create or replace function sms_monitor.api_alert_detail(p_alert_id uuid)
returns jsonb
language plpgsql
stable
security invoker
set search_path = pg_catalog, pg_temp
as $$
declare
  v_alert sms_monitor.sms_alert_history;
  v_channels text[];
  v_rows jsonb;
  v_per_channel jsonb;
begin
  if p_alert_id is null then
    raise exception 'alert_id: is required' using errcode = '22023';
  end if;
  select * into v_alert from sms_monitor.sms_alert_history h where h.id = p_alert_id;
  if not found then
    raise exception 'alert_id: alert % does not exist', p_alert_id using errcode = 'P0002';
  end if;
  select t.notification_channels into v_channels
    from sms_monitor.sms_alert_thresholds t where t.alert_type = v_alert.alert_type;

  select coalesce(jsonb_agg(jsonb_build_object(
           'id', n.id, 'channel', n.channel, 'event', n.event, 'status', n.status, 'attempts', n.attempts,
           'max_attempts', n.max_attempts, 'last_error', n.last_error, 'next_attempt_at', n.next_attempt_at,
           'created_at', n.created_at, 'sent_at', n.sent_at) order by n.id), '[]'::jsonb)
    into v_rows
    from sms_monitor.sms_alert_notifications n
   where n.alert_id = p_alert_id;

  with c as (
    select x.channel from unnest(coalesce(v_channels, '{}'::text[])) x(channel)
    union
    select distinct n.channel from sms_monitor.sms_alert_notifications n where n.alert_id = p_alert_id
  ), latest as (
    select c.channel, l.event, l.status, l.attempts, l.last_error, l.sent_at
      from c
      left join lateral (
        select n.event, n.status, n.attempts, n.last_error, n.sent_at
          from sms_monitor.sms_alert_notifications n
         where n.alert_id = p_alert_id and n.channel = c.channel
         order by n.id desc limit 1) l on true
  )
  select coalesce(jsonb_agg(jsonb_build_object(
           'channel', l.channel, 'event', l.event, 'status', l.status, 'attempts', l.attempts,
           'last_error', l.last_error, 'sent_at', l.sent_at,
           'summary', case
             when l.status is null then 'not queued'
             -- no live notifier serves the channel (sms_notifier_heartbeats): it waits for one
             when l.status = 'pending' and l.channel <> 'log' and not exists (
               select from sms_monitor.sms_notifier_heartbeats b
                where b.expires_at > now() and l.channel = any(b.channels)) then 'waiting, not configured'
             when l.status = 'pending' and l.attempts = 0 then 'waiting'
             when l.status = 'pending' then format('waiting, retrying after %s attempt(s)%s', l.attempts,
                                                   coalesce(': ' || l.last_error, ''))
             when l.status = 'sent' then 'sent'
             else l.status || coalesce(': ' || l.last_error, '') end)
           order by l.channel), '[]'::jsonb)
    into v_per_channel
    from latest l;

  return jsonb_build_object(
    'success', true,
    'data', jsonb_build_object('alert', to_jsonb(v_alert), 'channels', v_per_channel, 'notifications', v_rows));
end;
$$;

comment on function sms_monitor.api_alert_detail(uuid) is
  'Dashboard (GET /alerts/:id): {success, data: {alert (the sms_alert_history row), channels: [per channel the '
  'latest notification: event, status, attempts, last_error, summary in words], notifications: [every outbox row]}}. '
  'Unknown id: P0002.';
revoke all on function sms_monitor.api_alert_detail(uuid) from public;
grant execute on function sms_monitor.api_alert_detail(uuid) to sms_monitor_reader, sms_monitor_admin;
--! EndIncluded functions/api_alert_detail.sql
--! Included functions/api_alert_rules.sql
-- Every alert rule with its settings and what the last check did (sms_alert_status): for the
-- dashboard's rules table and GET /rules. Ordered by alert_type.
create or replace function sms_monitor.api_alert_rules()
returns jsonb
language sql
stable
security invoker
set search_path = pg_catalog, pg_temp
as $$
  select jsonb_build_object(
    'success', true,
    'data', coalesce((
      select jsonb_agg(to_jsonb(s) || jsonb_build_object(
               'description', t.description, 'notification_channels', t.notification_channels,
               'min_sample', t.min_sample, 'pending_minutes', t.pending_minutes,
               'cooldown_minutes', t.cooldown_minutes)
             order by s.alert_type)
        from sms_monitor.sms_alert_status s
        join sms_monitor.sms_alert_thresholds t on t.alert_type = s.alert_type), '[]'::jsonb));
$$;

comment on function sms_monitor.api_alert_rules() is
  'Dashboard (GET /rules): {success, data: [every rule: sms_alert_status (settings, last_evaluated_at, last_action, '
  'last_value, open_alert_id, silenced_until) plus description, channels, min_sample, pending and cooldown minutes]}.';
revoke all on function sms_monitor.api_alert_rules() from public;
grant execute on function sms_monitor.api_alert_rules() to sms_monitor_reader, sms_monitor_admin;
--! EndIncluded functions/api_alert_rules.sql
--! Included functions/api_prometheus_metrics.sql
-- GET /metrics as a function: the Prometheus text exposition format (version 0.0.4), for people
-- who already run Prometheus and Grafana. Every family has HELP and TYPE; all are gauges (today's
-- figures restart at midnight of the reporting timezone, so they are not counters):
--   sms_monitor_today_events{type}                today's count per counter type
--   sms_monitor_today_cost_usd{kind}              today's LLM and SMS cost
--   sms_monitor_today_rate_percent{rate}          delivery and LLM success rate (absent without traffic)
--   sms_monitor_today_active_users                distinct users today
--   sms_monitor_open_incidents{rule,severity}     1 while the rule has an open incident, else 0
--   sms_monitor_outbox_notifications{channel,status}  outbox rows (every channel x status, zeros included)
--   sms_monitor_oldest_pending_notification_age_seconds  0 when nothing is pending
-- Today's figures come from api_today_metrics (sms_metrics_daily, refreshed every 5 minutes).
create or replace function sms_monitor.api_prometheus_metrics(p_now timestamptz default now())
returns text
language plpgsql
stable
security invoker
set search_path = pg_catalog, pg_temp
as $$
declare
  v_today jsonb;
  v_out text[] := '{}';
  v_type text;
  v_line text;
begin
  if p_now is null or not isfinite(p_now) then
    raise exception 'now: must be a finite time' using errcode = '22023';
  end if;
  v_today := sms_monitor.api_today_metrics(p_now) -> 'data';

  v_out := v_out || '# HELP sms_monitor_today_events Events recorded today (reporting timezone), per metric type.'::text
                 || '# TYPE sms_monitor_today_events gauge'::text;
  foreach v_type in array array['scheduled_count', 'sent_count', 'delivered_count', 'failed_count', 'cancelled_count',
                                'llm_success_count', 'template_fallback_count', 'opt_out_count',
                                'quiet_hours_skip_count', 'daily_limit_hit_count'] loop
    v_out := v_out || format('sms_monitor_today_events{type="%s"} %s', v_type, v_today ->> v_type);
  end loop;
  v_out := v_out || '# HELP sms_monitor_today_cost_usd Cost recorded today in USD, per kind.'::text
                 || '# TYPE sms_monitor_today_cost_usd gauge'::text
                 || format('sms_monitor_today_cost_usd{kind="llm"} %s', v_today ->> 'llm_cost_usd')
                 || format('sms_monitor_today_cost_usd{kind="sms"} %s', v_today ->> 'sms_cost_usd');
  v_out := v_out || '# HELP sms_monitor_today_rate_percent Today''s delivery rate (delivered / sent) and LLM success rate, in percent; absent without traffic.'::text
                 || '# TYPE sms_monitor_today_rate_percent gauge'::text;
  if v_today ->> 'delivery_rate_percent' is not null then
    v_out := v_out || format('sms_monitor_today_rate_percent{rate="delivery"} %s', v_today ->> 'delivery_rate_percent');
  end if;
  if v_today ->> 'llm_success_rate_percent' is not null then
    v_out := v_out || format('sms_monitor_today_rate_percent{rate="llm_success"} %s', v_today ->> 'llm_success_rate_percent');
  end if;
  v_out := v_out || '# HELP sms_monitor_today_active_users Distinct users with any metric today.'::text
                 || '# TYPE sms_monitor_today_active_users gauge'::text
                 || format('sms_monitor_today_active_users %s', v_today ->> 'active_users');

  v_out := v_out || '# HELP sms_monitor_open_incidents 1 while the alert rule has an open incident, else 0.'::text
                 || '# TYPE sms_monitor_open_incidents gauge'::text;
  for v_line in
    select format('sms_monitor_open_incidents{rule="%s",severity="%s"} %s', t.alert_type, t.severity,
                  (exists (select from sms_monitor.sms_alert_history h
                            where h.alert_type = t.alert_type and h.resolved_at is null))::int)
      from sms_monitor.sms_alert_thresholds t
     order by t.alert_type
  loop
    v_out := v_out || v_line;
  end loop;

  v_out := v_out || '# HELP sms_monitor_outbox_notifications Notification outbox rows per channel and status.'::text
                 || '# TYPE sms_monitor_outbox_notifications gauge'::text;
  for v_line in
    select format('sms_monitor_outbox_notifications{channel="%s",status="%s"} %s', c.channel, s.status,
                  (select count(*) from sms_monitor.sms_alert_notifications n
                    where n.channel = c.channel and n.status = s.status))
      from unnest(array['email', 'log', 'pagerduty', 'slack']) c(channel)
     cross join unnest(array['dead', 'failed', 'pending', 'sent', 'superseded']) s(status)
     order by c.channel, s.status
  loop
    v_out := v_out || v_line;
  end loop;

  v_out := v_out || '# HELP sms_monitor_oldest_pending_notification_age_seconds Age of the oldest pending notification (0 when none).'::text
                 || '# TYPE sms_monitor_oldest_pending_notification_age_seconds gauge'::text
                 || format('sms_monitor_oldest_pending_notification_age_seconds %s', coalesce((
                      select round(greatest(extract(epoch from p_now - min(n.created_at)), 0), 3)
                        from sms_monitor.sms_alert_notifications n where n.status = 'pending'), 0));
  return array_to_string(v_out, E'\n') || E'\n';
end;
$$;

comment on function sms_monitor.api_prometheus_metrics(timestamptz) is
  'GET /metrics: Prometheus text format (0.0.4): today''s events, costs, rates and active users, open incidents by '
  'rule and severity, outbox rows by channel and status, the age of the oldest pending notification. All gauges.';
revoke all on function sms_monitor.api_prometheus_metrics(timestamptz) from public;
grant execute on function sms_monitor.api_prometheus_metrics(timestamptz) to sms_monitor_reader, sms_monitor_admin;
--! EndIncluded functions/api_prometheus_metrics.sql
