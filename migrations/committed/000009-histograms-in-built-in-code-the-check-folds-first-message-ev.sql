--! Previous: sha1:6f5fcd47e18b7d14d7db3d5f1b66b5597e2dc31d
--! Hash: sha1:40e0639d3be367b7139b60ed9dba6fb6d65599af
--! Message: histograms in built-in code; the check folds first; message events validated in one statement

-- Latency histograms aggregate in built-in code (the state was a jsonb rebuilt per row: 35 µs a
-- message); check_sms_alerts folds the message events before it evaluates; message events are
-- validated and appended in one statement, the bounds checks without regular-expression repeats.
drop aggregate if exists sms_monitor._latency_histogram(double precision);
drop function if exists sms_monitor._latency_histogram_add(jsonb, double precision);
--! Included functions/_latency_bucket.sql
-- Maps a delivery latency in ms to its bucket in the fixed log histograms (docs/messages.md):
-- bucket b >= 1 holds (g^(b-1), g^b] ms with g = 1.03, i.e. b = ceil(ln(ms) / ln(1.03)); bucket 0
-- holds 0 to 1 ms (and negative latencies, which readers clamp to 0). Buckets are fixed, so
-- histograms of any set of messages merge by adding counts per bucket. No SET clause, every name
-- qualified: the planner inlines it into the queries that bucket many latencies at once.
create or replace function sms_monitor._latency_bucket(p_ms double precision)
returns integer
language sql
immutable
parallel safe
as $$
  select case when p_ms is null then null
              when p_ms <= 1 then 0
              else pg_catalog.ceil(pg_catalog.ln(p_ms) / pg_catalog.ln(1.03::double precision))::integer end
$$;

comment on function sms_monitor._latency_bucket(double precision) is
  'Internal: the latency histogram bucket of p_ms: 0 for <= 1 ms, else ceil(ln(ms) / ln(1.03)).';
revoke all on function sms_monitor._latency_bucket(double precision) from public;
grant execute on function sms_monitor._latency_bucket(double precision) to sms_monitor_reader, sms_monitor_self, sms_monitor_admin;
--! EndIncluded functions/_latency_bucket.sql
--! Included functions/_latency_histogram.sql
-- Aggregate: the latency histogram {bucket: count} (_latency_bucket) of a set of latencies in ms;
-- NULLs are skipped, no rows give {}. _histogram_percentile reads percentiles from it.
-- The state is the array of latencies (array_append, built in: no function call of ours per row);
-- the final function buckets and counts them in one set-based query (_latency_bucket inlined).
create or replace function sms_monitor._latency_histogram_final(p_latencies double precision[])
returns jsonb
language sql
immutable
parallel safe
set search_path = pg_catalog, pg_temp
as $$
  select coalesce(jsonb_object_agg(s.b::text, s.n), '{}'::jsonb)
    from (select sms_monitor._latency_bucket(x) as b, count(*) as n
            from unnest(p_latencies) as u(x)
           where x is not null
           group by 1) s
$$;

comment on function sms_monitor._latency_histogram_final(double precision[]) is
  'Internal: the final function of _latency_histogram: the latencies counted per bucket.';
revoke all on function sms_monitor._latency_histogram_final(double precision[]) from public;
grant execute on function sms_monitor._latency_histogram_final(double precision[])
  to sms_monitor_reader, sms_monitor_self, sms_monitor_admin;

create aggregate sms_monitor._latency_histogram(double precision) (
  sfunc = pg_catalog.array_append,
  stype = double precision[],
  finalfunc = sms_monitor._latency_histogram_final,
  initcond = '{}'
);

comment on aggregate sms_monitor._latency_histogram(double precision) is
  'Internal: the latency histogram {bucket: count} of the latencies in ms (buckets of _latency_bucket).';
revoke all on function sms_monitor._latency_histogram(double precision) from public;
grant execute on function sms_monitor._latency_histogram(double precision)
  to sms_monitor_reader, sms_monitor_self, sms_monitor_admin;
--! EndIncluded functions/_latency_histogram.sql
--! Included functions/check_sms_alerts.sql
-- Evaluates every enabled rule now (pg_cron every minute), after folding the message events not
-- folded yet (rollup_sms_messages), and moves incidents along: the actions
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
  detail text,
  group_by text,
  group_value text
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
  -- message events committed before this check count in it: fold them first (the rollup job folds
  -- every 2 s, but not in the 15 s of each minute between its runs, when this check starts)
  perform sms_monitor.rollup_sms_messages();
  return query select * from sms_monitor._alert_evaluate(p_now, false);
end;
$$;

comment on function sms_monitor.check_sms_alerts(timestamptz) is
  'Evaluates every enabled alert rule at p_now (default now(); at most 5 minutes ahead of the server clock, else '
  '22023), opens/repeats/resolves incidents and queues notifications; resolves the open incident of a disabled rule; '
  'returns one row per rule (per value of a per-dimension rule: group_by, group_value) with its action, a value of the enum sms_monitor.alert_action (skipped = already '
  'evaluated at p_now or later; error = the rule''s evaluation failed: SQLSTATE and message in detail, the other rules '
  'are unaffected). Safe to run concurrently.';
revoke all on function sms_monitor.check_sms_alerts(timestamptz) from public;
grant execute on function sms_monitor.check_sms_alerts(timestamptz) to sms_monitor_admin, sms_monitor_notifier;
--! EndIncluded functions/check_sms_alerts.sql
--! Included functions/_is_canonical_uuid.sql
-- Whether a string is a UUID in the canonical 8-4-4-4-12 hexadecimal form (either case): the cheap
-- test that spares _is_uuid's cast in a subtransaction for the usual spelling. Every string it
-- accepts casts to uuid; other spellings the cast accepts (braces, no hyphens) are left to
-- _is_uuid. Written with LIKE and one character class instead of a regular expression with
-- bounded repeats ({8}): ~0.4 µs a string instead of ~2 µs.
create or replace function sms_monitor._is_canonical_uuid(p_text text)
returns boolean
language sql
immutable
parallel safe
as $$
  select p_text like '________-____-____-____-____________'  -- 36 characters, hyphens at 9, 14, 19, 24
     and p_text !~ '[^0-9a-fA-F-]'
     and p_text not like '%-%-%-%-%-%';                      -- and no other hyphen
$$;

comment on function sms_monitor._is_canonical_uuid(text) is
  'Internal: whether a string is a UUID written 8-4-4-4-12 in hexadecimal (LIKE and one character class).';
revoke all on function sms_monitor._is_canonical_uuid(text) from public;
--! EndIncluded functions/_is_canonical_uuid.sql
--! Included functions/_message_event_problem.sql
-- What is wrong with one message event (a JSON object), as "<field>: <problem>", or NULL. The
-- bounds of every field (docs/messages.md); p_status is the event's status as _sms_message_status
-- mapped it (NULL: unknown); the time window (retention, clock skew) is checked by the caller,
-- which knows the clock and the settings. No sub-select and no SET clause, so the planner inlines
-- it into the caller's query (a called SQL function costs ~0.1 ms per element). Lengths are checked
-- with length() and characters with an unanchored class: a bounded repeat such as {1,64} in a
-- regular expression costs ~3 µs per match, the length check and the class ~0.3 µs.
create or replace function sms_monitor._message_event_problem(p_event jsonb, p_status text)
returns text
language sql
stable
parallel safe
as $$
  select case
    when jsonb_typeof(p_event) <> 'object' then
      format('(element): must be an object (got %s)', jsonb_typeof(p_event))
    when p_event - array['message_id', 'status', 'occurred_at', 'user_id', 'provider', 'sender', 'sender_type',
                         'carrier', 'country', 'error_code', 'segments', 'price_usd', 'message_class'] <> '{}'::jsonb then
      sms_monitor._message_event_unknown_field(p_event)
    when jsonb_typeof(p_event -> 'message_id') is distinct from 'string'
      or length(p_event ->> 'message_id') not between 1 and 64 or (p_event ->> 'message_id') ~ '[^\x21-\x7e]' then
      'message_id: is required: the provider''s id, 1 to 64 printable ASCII characters without spaces'
    when coalesce(jsonb_typeof(p_event -> 'provider'), 'null') not in ('string', 'null')
      or length(p_event ->> 'provider') > 32 or (p_event ->> 'provider') !~ '^[a-z0-9][a-z0-9_.-]*$' then
      'provider: must be a lower-case name of at most 32 characters (a-z, 0-9, _ . -), e.g. twilio'
    when jsonb_typeof(p_event -> 'status') is distinct from 'string' then
      'status: is required: queued, sent, delivered, undelivered, failed, canceled or a provider spelling'
    when p_status is null then
      format('status: unknown status %s (queued, sent, delivered, undelivered, failed, canceled or a provider '
             'spelling listed in sms_message_status_spellings)', to_json(left(p_event ->> 'status', 40))::text)
    when jsonb_typeof(p_event -> 'occurred_at') is distinct from 'string'
      or not sms_monitor._looks_like_iso_time_with_offset(p_event ->> 'occurred_at') then
      'occurred_at: is required: an ISO 8601 time with an offset, e.g. 2026-03-29T01:30:00Z'
    when coalesce(jsonb_typeof(p_event -> 'user_id'), 'null') not in ('string', 'null')
      or ((p_event ->> 'user_id') is not null and not sms_monitor._is_canonical_uuid(p_event ->> 'user_id')
          and not sms_monitor._is_uuid(p_event ->> 'user_id')) then
      'user_id: must be a UUID string or null'
    when coalesce(jsonb_typeof(p_event -> 'sender'), 'null') not in ('string', 'null')
      or length(p_event ->> 'sender') not between 1 and 64 or (p_event ->> 'sender') ~ '[\x00-\x1f\x7f]' then
      'sender: must be a string of 1 to 64 characters without control characters (a number or a sender id)'
    when coalesce(jsonb_typeof(p_event -> 'sender_type'), 'null') not in ('string', 'null')
      or (p_event ->> 'sender_type') not in ('long_code', 'short_code', 'toll_free', 'alphanumeric', 'other') then
      'sender_type: must be long_code, short_code, toll_free, alphanumeric or other'
    when coalesce(jsonb_typeof(p_event -> 'carrier'), 'null') not in ('string', 'null')
      or length(p_event ->> 'carrier') not between 1 and 64 or (p_event ->> 'carrier') ~ '[\x00-\x1f\x7f]' then
      'carrier: must be a string of 1 to 64 characters without control characters'
    when coalesce(jsonb_typeof(p_event -> 'country'), 'null') not in ('string', 'null')
      or (p_event ->> 'country') !~ '^[A-Z]{2}$' then
      'country: must be an ISO 3166-1 alpha-2 code in capitals, e.g. US'
    when coalesce(jsonb_typeof(p_event -> 'error_code'), 'null') not in ('string', 'number', 'null')
      or length(p_event ->> 'error_code') not between 1 and 32 or (p_event ->> 'error_code') ~ '[^A-Za-z0-9_.-]' then
      'error_code: must be a string or a whole number of 1 to 32 characters (letters, digits, _ . -)'
    when coalesce(jsonb_typeof(p_event -> 'segments'), 'null') not in ('number', 'null')
      or length(p_event ->> 'segments') not between 1 and 3 or (p_event ->> 'segments') ~ '[^0-9]'
      or (p_event ->> 'segments')::integer not between 1 and 255 then
      'segments: must be a whole number from 1 to 255'
    when coalesce(jsonb_typeof(p_event -> 'price_usd'), 'null') not in ('number', 'null')
      or (p_event ->> 'price_usd')::numeric < 0 or (p_event ->> 'price_usd')::numeric > 1000
      or scale((p_event ->> 'price_usd')::numeric) > 10 then
      'price_usd: must be a number from 0 to 1000 with at most 10 decimal places (what the message cost)'
    when coalesce(jsonb_typeof(p_event -> 'message_class'), 'null') not in ('string', 'null')
      or (p_event ->> 'message_class') not in ('otp', 'transactional', 'marketing', 'other') then
      'message_class: must be otp, transactional, marketing or other'
  end;
$$;

comment on function sms_monitor._message_event_problem(jsonb, text) is
  'Internal: the validation rules for one message event; returns "<field>: <problem>" or NULL.';
revoke all on function sms_monitor._message_event_problem(jsonb, text) from public;
--! EndIncluded functions/_message_event_problem.sql
--! Included functions/record_sms_message_events.sql
-- A batch of message events, all or nothing (docs/messages.md). Every element is checked; the
-- first bad one raises 22023 naming events[i].field and nothing is written. Otherwise every event
-- is appended to the log sms_message_events, its status mapped (repeats included: the log is the
-- raw truth). Checking and appending are one statement over the whole batch; only a batch with a
-- bad element goes on to the element-by-element search for the first problem. Writers only
-- append; the fold (rollup_sms_messages, every 2 s) applies the log to sms_messages and the
-- counters, counting each (message, status) once whatever the order or repetition. Returns how
-- many events were accepted (whether a (message, status) is new is only known when it is folded).
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
  v_inserted bigint;
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
  -- The fast path, one statement for the whole batch: each element is parsed once, each distinct
  -- (provider, status) pair is mapped once, and every valid element is appended. When fewer than
  -- all are (an element is invalid), or a time that looks right does not parse (the cast raises),
  -- the subtransaction is rolled back and the slow path below finds the first problem and words it.
  begin
    with spelling as (
      -- _sms_message_status depends only on these keys: one lookup per distinct pair (any of the
      -- spellings that share a pair stands for them all)
      select k.provider_key, k.status_key, sms_monitor._sms_message_status(k.provider, k.status) as status
        from (select distinct on (1, 2) coalesce(lower(e.v ->> 'provider'), '') as provider_key,
                     lower(e.v ->> 'status') as status_key, e.v ->> 'provider' as provider, e.v ->> 'status' as status
                from jsonb_array_elements(p_events) e(v)
               order by 1, 2) k
       where k.status_key is not null
    )
    insert into sms_monitor.sms_message_events (message_id, status, provider_status, occurred_at, user_id, attributes)
    select e.v ->> 'message_id', s.status, e.v ->> 'status', t.at, (e.v ->> 'user_id')::uuid,
           nullif(e.v - array['message_id', 'status', 'occurred_at', 'user_id'], '{}'::jsonb)
      from jsonb_array_elements(p_events) with ordinality as e(v, n)
      left join spelling s
        on s.provider_key = coalesce(lower(e.v ->> 'provider'), '') and s.status_key = lower(e.v ->> 'status')
     cross join lateral (select (e.v ->> 'occurred_at')::timestamptz as at) t
     where sms_monitor._message_event_problem(e.v, s.status) is null
       and t.at <= v_latest and t.at >= v_earliest and (t.at at time zone v_tz)::date >= v_earliest_day
     order by e.n;
    get diagnostics v_inserted = row_count;
    if v_inserted < v_count then
      raise exception 'an element is invalid' using errcode = '22000';  -- rolls the block back
    end if;
  exception when data_exception then
    v_inserted := 0;  -- an invalid element, or a value the fast path could not cast: the slow path names it
  end;
  if v_inserted = v_count then
    if p_batch_id is not null then
      update sms_monitor.sms_ingest_batches b set recorded = v_count where b.batch_id = p_batch_id;
    end if;
    return v_count;
  end if;

  -- The slow path: the first bad element, in order. First try: the times are cast directly (one
  -- subtransaction for the batch instead of _is_timestamptz's one per element); a time that does
  -- not parse (a date like 2026-02-30 that looks right) aborts it, and the second try checks each
  -- time with _is_timestamptz first (CASE keeps that order), so it names the first bad element.
  -- Should it find nothing (the fast path stopped on a value it could not cast), the batch is
  -- appended below, element by element.
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
