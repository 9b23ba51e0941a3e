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
