--! Previous: -
--! Hash: sha1:9f3c4f42c3342b570454eae73ed0ab8783e9ad44
--! Message: foundation: schema, roles, metric storage, settings, recording and daily metrics

-- Roles are cluster-wide: create them only when missing, so several databases can share them.
do $$
declare
  v_role text;
begin
  foreach v_role in array array['sms_monitor_writer', 'sms_monitor_reader', 'sms_monitor_admin',
                                'sms_monitor_self'] loop
    if not exists (select from pg_roles where rolname = v_role) then
      execute format('create role %I nologin', v_role);
    end if;
  end loop;
end;
$$;
comment on role sms_monitor_writer is 'sms-monitor: may call the record_* functions, nothing else.';
comment on role sms_monitor_reader is 'sms-monitor: may read metrics, alerts and dashboard functions.';
comment on role sms_monitor_admin is 'sms-monitor: reader plus thresholds, resolve, acknowledge, silence.';
comment on role sms_monitor_self is 'sms-monitor: self-only reads of the user in request.jwt.claims.sub.';
grant sms_monitor_reader to sms_monitor_admin;

-- PUBLIC gets nothing: not the schema, not the EXECUTE that new functions get by default.
alter default privileges revoke execute on functions from public;
create schema sms_monitor;
comment on schema sms_monitor is 'sms-monitor: SMS pipeline metrics, alerting and notifications.';
revoke all on schema sms_monitor from public;
grant usage on schema sms_monitor
  to sms_monitor_writer, sms_monitor_reader, sms_monitor_admin, sms_monitor_self;

-- Helpers that need no table come first: the row-level policies below use _caller_user_id.
--! Included functions/_caller_user_id.sql
-- The user id a PostgREST/Supabase-style caller is authenticated as: request.jwt.claims ->> 'sub'.
create or replace function sms_monitor._caller_user_id()
returns uuid
language plpgsql
stable
set search_path = pg_catalog, pg_temp
as $$
declare
  v_sub text;
begin
  v_sub := nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub';
  if v_sub ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' then
    return v_sub::uuid;
  end if;
  return null;
exception when invalid_text_representation then
  -- request.jwt.claims is not JSON: the caller has no identity, which denies every self-only read.
  return null;
end;
$$;

comment on function sms_monitor._caller_user_id() is
  'Internal: the uuid in request.jwt.claims.sub (PostgREST), or NULL when absent or malformed.';
revoke all on function sms_monitor._caller_user_id() from public;
grant execute on function sms_monitor._caller_user_id()
  to sms_monitor_reader, sms_monitor_admin, sms_monitor_self;
--! EndIncluded functions/_caller_user_id.sql
--! Included functions/_raise_invalid.sql
-- Raise SQLSTATE 22023 (invalid_parameter_value) with a message that names the field.
create or replace function sms_monitor._raise_invalid(p_field text, p_problem text)
returns void
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
begin
  raise exception '%: %', p_field, p_problem using errcode = '22023';
end;
$$;

comment on function sms_monitor._raise_invalid(text, text) is
  'Internal: raises SQLSTATE 22023 with "<field>: <problem>". Every bad-input error goes through it.';
--! EndIncluded functions/_raise_invalid.sql
--! Included functions/_metric_problem.sql
-- What is wrong with one metric value, or NULL when nothing is. Shared by every record path so the
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
immutable
parallel safe
set search_path = pg_catalog, pg_temp
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
--! EndIncluded functions/_metric_problem.sql
--! Included functions/_merge_metadata.sql
-- Merge metadata of repeated recordings into one bucket, keeping it bounded: keys merge (later
-- values win); once the merged object would pass 16 KiB, the bucket keeps what it had and is
-- marked "_metadata_truncated" so nobody mistakes it for complete.
create or replace function sms_monitor._merge_metadata(p_old jsonb, p_new jsonb)
returns jsonb
language sql
immutable
parallel safe
set search_path = pg_catalog, pg_temp
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
--! EndIncluded functions/_merge_metadata.sql
--! Included functions/_jsonb_merge_agg.sql
create or replace aggregate sms_monitor._jsonb_merge_agg(jsonb) (
  sfunc = sms_monitor._merge_metadata,
  stype = jsonb,
  initcond = '{}'
);

comment on aggregate sms_monitor._jsonb_merge_agg(jsonb) is
  'Internal: merges the metadata of several events into one bucket, bounded like _merge_metadata.';
--! EndIncluded functions/_jsonb_merge_agg.sql
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
exception when datetime_field_overflow or invalid_datetime_format then
  return false;
end;
$$;

comment on function sms_monitor._is_timestamptz(text) is
  'Internal: whether a string casts to timestamptz (used to name the bad element of a batch).';
revoke all on function sms_monitor._is_timestamptz(text) from public;
--! EndIncluded functions/_is_timestamptz.sql

create table sms_monitor.metric_types (
  metric_type text primary key,
  kind text not null constraint metric_types_kind_check
    check (kind in ('counter', 'sum', 'timing', 'derived')),
  unit text not null,
  description text not null
);
comment on table sms_monitor.metric_types is
  'The 15 metric types: counters (whole events), sums (USD), timings (one sample per value, '
  'reported as the true mean) and the derived delivery_success_rate, which is never recorded.';
insert into sms_monitor.metric_types (metric_type, kind, unit, description) values
  ('scheduled_count', 'counter', 'messages', 'SMS scheduled for sending'),
  ('sent_count', 'counter', 'messages', 'SMS accepted by the provider'),
  ('delivered_count', 'counter', 'messages', 'Delivery receipts saying delivered'),
  ('failed_count', 'counter', 'messages', 'Sends or deliveries that failed'),
  ('cancelled_count', 'counter', 'messages', 'Messages cancelled before sending'),
  ('llm_success_count', 'counter', 'messages', 'Message texts generated by the LLM'),
  ('template_fallback_count', 'counter', 'messages', 'Message texts that fell back to a template'),
  ('opt_out_count', 'counter', 'users', 'Users who opted out'),
  ('quiet_hours_skip_count', 'counter', 'messages', 'Messages skipped for quiet hours'),
  ('daily_limit_hit_count', 'counter', 'events', 'Times a user hit the daily SMS limit'),
  ('llm_cost_usd', 'sum', 'USD', 'LLM generation cost'),
  ('sms_cost_usd', 'sum', 'USD', 'SMS delivery cost'),
  ('avg_delivery_time_ms', 'timing', 'ms', 'Time from sent to delivered, one sample per message'),
  ('avg_generation_time_ms', 'timing', 'ms', 'LLM generation time, one sample per generation'),
  ('delivery_success_rate', 'derived', 'percent', 'delivered_count / sent_count x 100, computed');

create table sms_monitor.sms_metrics (
  id bigint generated always as identity primary key,
  metric_date date not null,
  metric_hour smallint constraint sms_metrics_hour_check check (metric_hour between 0 and 23),
  user_id uuid,
  metric_type text not null constraint sms_metrics_metric_type_fkey
    references sms_monitor.metric_types (metric_type),
  metric_value numeric not null default 0 constraint sms_metrics_value_check
    check (metric_value >= 0 and metric_value < 'Infinity'),
  sample_count bigint not null default 0 constraint sms_metrics_sample_count_check
    check (sample_count >= 0),
  metadata jsonb not null default '{}'::jsonb constraint sms_metrics_metadata_check
    check (jsonb_typeof(metadata) = 'object'),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint sms_metrics_bucket_key
    unique nulls not distinct (metric_date, metric_hour, user_id, metric_type)
);
create index sms_metrics_user_date_idx on sms_monitor.sms_metrics (user_id, metric_date)
  where user_id is not null;
comment on table sms_monitor.sms_metrics is
  'One row per bucket (metric_date, metric_hour or NULL = the day, user_id or NULL = system-wide, '
  'metric_type) in the reporting timezone: metric_value is the sum of what was recorded, '
  'sample_count how many values were added. Written only through the record_* functions.';
comment on column sms_monitor.sms_metrics.sample_count is
  'How many values were added into metric_value; a timing''s mean is metric_value / sample_count.';
alter table sms_monitor.sms_metrics enable row level security;
grant select on sms_monitor.sms_metrics to sms_monitor_reader, sms_monitor_self;
create policy sms_metrics_reader_all on sms_monitor.sms_metrics
  for select to sms_monitor_reader using (true);
create policy sms_metrics_self_own on sms_monitor.sms_metrics
  for select to sms_monitor_self using (user_id = sms_monitor._caller_user_id());

create table sms_monitor.settings (
  id boolean primary key default true constraint settings_single_row check (id),
  reporting_timezone text not null default 'UTC',
  updated_at timestamptz not null default now()
);
comment on table sms_monitor.settings is
  'One row of system settings. reporting_timezone (IANA name) decides what a day and an hour are '
  'for every metric and alert; changing it affects new recordings, not buckets already written.';
insert into sms_monitor.settings default values;
alter table sms_monitor.settings enable row level security;
grant select on sms_monitor.settings to sms_monitor_reader, sms_monitor_writer;
grant update on sms_monitor.settings to sms_monitor_admin;
create policy settings_read on sms_monitor.settings
  for select to sms_monitor_reader, sms_monitor_writer using (true);
create policy settings_admin_update on sms_monitor.settings
  for update to sms_monitor_admin using (true) with check (true);
alter table sms_monitor.metric_types enable row level security;
grant select on sms_monitor.metric_types
  to sms_monitor_reader, sms_monitor_writer, sms_monitor_self;
create policy metric_types_read on sms_monitor.metric_types
  for select to sms_monitor_reader, sms_monitor_writer, sms_monitor_self using (true);

--! Included functions/_settings_validate.sql
-- Trigger on sms_monitor.settings: the reporting timezone must be a real IANA zone name (a POSIX
-- string such as 'UTC+5' would be accepted by "at time zone" and silently invert the offset).
create or replace function sms_monitor._settings_validate()
returns trigger
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
begin
  if new.reporting_timezone is null
     or not exists (select from pg_timezone_names z where z.name = new.reporting_timezone) then
    raise exception 'reporting_timezone: % is not a known IANA time zone (e.g. UTC, Europe/Berlin)',
      coalesce(quote_literal(new.reporting_timezone), 'NULL') using errcode = '22023';
  end if;
  return new;
end;
$$;

comment on function sms_monitor._settings_validate() is
  'Internal trigger: rejects an unknown reporting_timezone with 22023.';
revoke all on function sms_monitor._settings_validate() from public;
--! EndIncluded functions/_settings_validate.sql
create trigger settings_validate before insert or update on sms_monitor.settings
  for each row execute function sms_monitor._settings_validate();

--! Included functions/_reporting_timezone.sql
create or replace function sms_monitor._reporting_timezone()
returns text
language sql
stable
security definer
set search_path = pg_catalog, pg_temp
as $$
  select coalesce((select s.reporting_timezone from sms_monitor.settings s), 'UTC');
$$;

comment on function sms_monitor._reporting_timezone() is
  'Internal: the IANA zone that decides what a day and an hour are (sms_monitor.settings).';
revoke all on function sms_monitor._reporting_timezone() from public;
grant execute on function sms_monitor._reporting_timezone()
  to sms_monitor_writer, sms_monitor_reader, sms_monitor_admin, sms_monitor_self;
--! EndIncluded functions/_reporting_timezone.sql
--! Included functions/reporting_today.sql
create or replace function sms_monitor.reporting_today(p_now timestamptz default now())
returns date
language sql
stable
security invoker
set search_path = pg_catalog, pg_temp
as $$
  select (p_now at time zone sms_monitor._reporting_timezone())::date;
$$;

comment on function sms_monitor.reporting_today(timestamptz) is
  'The reporting day (in settings.reporting_timezone) that contains p_now, default now().';
revoke all on function sms_monitor.reporting_today(timestamptz) from public;
grant execute on function sms_monitor.reporting_today(timestamptz)
  to sms_monitor_writer, sms_monitor_reader, sms_monitor_admin, sms_monitor_self;
--! EndIncluded functions/reporting_today.sql
--! Included functions/_assert_can_read_user.sql
-- Readers and admins may read any user's figures; the self-only role only its own (the original's
-- per-user endpoint was an IDOR). Raises 42501 otherwise.
create or replace function sms_monitor._assert_can_read_user(p_user_id uuid)
returns void
language plpgsql
stable
security invoker
set search_path = pg_catalog, pg_temp
as $$
declare
  v_caller uuid;
begin
  if pg_has_role(current_user, 'sms_monitor_reader', 'USAGE') then
    return;
  end if;
  v_caller := sms_monitor._caller_user_id();
  if v_caller is null or v_caller is distinct from p_user_id then
    raise exception 'user_id: permission denied to read metrics of user %', p_user_id
      using errcode = '42501',
            hint = 'A self-only caller may read only the user in request.jwt.claims.sub.';
  end if;
end;
$$;

comment on function sms_monitor._assert_can_read_user(uuid) is
  'Internal: raises 42501 unless the caller is a reader/admin or the self-only caller asking for itself.';
revoke all on function sms_monitor._assert_can_read_user(uuid) from public;
grant execute on function sms_monitor._assert_can_read_user(uuid)
  to sms_monitor_reader, sms_monitor_admin, sms_monitor_self;
--! EndIncluded functions/_assert_can_read_user.sql
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
  v_problem text;
begin
  v_problem := sms_monitor._metric_problem(
    (select t.kind from sms_monitor.metric_types t where t.metric_type = p_metric_type),
    p_metric_type, p_metric_value, p_metadata, p_value_field);
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
language sql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
  select sms_monitor._record_metric(
    p_metric_date, p_metric_hour, p_user_id, p_metric_type, p_metric_value, p_metadata);
$$;

comment on function sms_monitor.record_sms_metric(date, integer, uuid, text, numeric, jsonb) is
  'Adds a value into the bucket (date, hour or NULL for the day, user or NULL for system-wide, type). '
  'Timings (avg_*_ms) count one sample per call. Bad input raises 22023 and writes nothing.';
revoke all on function sms_monitor.record_sms_metric(date, integer, uuid, text, numeric, jsonb) from public;
grant execute on function sms_monitor.record_sms_metric(date, integer, uuid, text, numeric, jsonb)
  to sms_monitor_writer, sms_monitor_admin;
--! EndIncluded functions/record_sms_metric.sql
--! Included functions/record_sms_event.sql
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
--! EndIncluded functions/record_sms_event.sql
--! Included functions/record_sms_events.sql
-- A batch of events, all or nothing. Elements are validated first (the error names the first bad
-- element: events[i].field), duplicates inside the batch are summed in memory, and the buckets are
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
    cross join lateral (
      select case
        when jsonb_typeof(e.v) <> 'object' then
          format('(element): must be an object (got %s)', jsonb_typeof(e.v))
        when exists (select from jsonb_object_keys(e.v) k
                      where k not in ('metric_type', 'user_id', 'value', 'occurred_at', 'metadata')) then
          format('%s: unknown field (allowed: metric_type, user_id, value, occurred_at, metadata)',
            (select k from jsonb_object_keys(e.v) k
              where k not in ('metric_type', 'user_id', 'value', 'occurred_at', 'metadata') limit 1))
        when jsonb_typeof(e.v -> 'metric_type') is distinct from 'string' then
          'metric_type: is required and must be a string'
        when coalesce(jsonb_typeof(e.v -> 'user_id'), 'null') not in ('string', 'null')
          or (e.v ->> 'user_id') !~* '^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$' then
          'user_id: must be a UUID string or null'
        when coalesce(jsonb_typeof(e.v -> 'value'), 'number') <> 'number' then
          'value: must be a JSON number'
        when coalesce(jsonb_typeof(e.v -> 'occurred_at'), 'null') not in ('string', 'null')
          or (e.v ->> 'occurred_at') !~
            '^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|z|[+-]\d{2}(:?\d{2})?)$' then
          'occurred_at: must be an ISO 8601 time with an offset, e.g. 2026-03-29T01:30:00Z'
        when coalesce(jsonb_typeof(e.v -> 'metadata'), 'null') not in ('object', 'null') then
          'metadata: must be a JSON object'
        else sms_monitor._metric_problem(
          (select t.kind from sms_monitor.metric_types t where t.metric_type = e.v ->> 'metric_type'),
          e.v ->> 'metric_type', coalesce((e.v ->> 'value')::numeric, 1), e.v -> 'metadata', 'value')
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
           sum(b.value), count(*), sms_monitor._jsonb_merge_agg(b.metadata order by b.n)
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
  exception when datetime_field_overflow or invalid_datetime_format then
    -- The shape check passed but the calendar did not (month 13, 25 o'clock): name the element.
    select format('events[%s].occurred_at: %s is not a valid time', e.n - 1, e.v ->> 'occurred_at')
      into v_problem
      from jsonb_array_elements(p_events) with ordinality as e(v, n)
     where not sms_monitor._is_timestamptz(e.v ->> 'occurred_at')
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
--! Included views/sms_metrics_daily.sql
-- One row per reporting day (metric_date is already in the reporting timezone: rows are bucketed
-- at record time). Sums are summed, timings are sum / samples (true means, never an average of
-- averages), rates come from the day's summed counts and are NULL when there is nothing to divide
-- by. numeric without a typmod: a ratio above 999 % (duplicate receipts) never overflows.
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
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'scheduled_count'), 0)::bigint as scheduled_count,
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'sent_count'), 0)::bigint as sent_count,
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'delivered_count'), 0)::bigint as delivered_count,
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'failed_count'), 0)::bigint as failed_count,
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'cancelled_count'), 0)::bigint as cancelled_count,
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'llm_success_count'), 0)::bigint as llm_success_count,
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'template_fallback_count'), 0)::bigint as template_fallback_count,
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'opt_out_count'), 0)::bigint as opt_out_count,
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'quiet_hours_skip_count'), 0)::bigint as quiet_hours_skip_count,
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'daily_limit_hit_count'), 0)::bigint as daily_limit_hit_count,
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
end;
$$;

comment on function sms_monitor.refresh_sms_metrics_daily() is
  'Refreshes sms_metrics_daily without blocking readers (REFRESH ... CONCURRENTLY).';
revoke all on function sms_monitor.refresh_sms_metrics_daily() from public;
grant execute on function sms_monitor.refresh_sms_metrics_daily() to sms_monitor_admin;
--! EndIncluded functions/refresh_sms_metrics_daily.sql
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
--! Included functions/get_user_sms_metrics.sql
-- One row per reporting day for one user: the last p_days days including today, oldest first,
-- never a future day. Days without traffic are present with zero counts and NULL rates/means.
-- Readers and admins may ask for anyone; the self-only role (PostgREST) only for its own sub.
create or replace function sms_monitor.get_user_sms_metrics(
  p_user_id uuid,
  p_days integer default 30
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
  v_today date := sms_monitor.reporting_today();
begin
  if p_user_id is null then
    raise exception 'user_id: is required' using errcode = '22023';
  end if;
  if p_days is null or p_days < 1 or p_days > 365 then
    raise exception 'days: must be between 1 and 365 (got %)', coalesce(p_days::text, 'NULL')
      using errcode = '22023';
  end if;
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

comment on function sms_monitor.get_user_sms_metrics(uuid, integer) is
  'One row per reporting day for p_user_id over the last p_days days (1-365) including today. '
  'Self-only callers may read only the user in request.jwt.claims.sub (else 42501).';
revoke all on function sms_monitor.get_user_sms_metrics(uuid, integer) from public;
grant execute on function sms_monitor.get_user_sms_metrics(uuid, integer)
  to sms_monitor_reader, sms_monitor_admin, sms_monitor_self;
--! EndIncluded functions/get_user_sms_metrics.sql
