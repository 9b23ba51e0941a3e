--! Previous: sha1:4d67331fba3f79c98c5ede8deb1186939073441b
--! Hash: sha1:81fc5ec19ee1c6ab837a51b254e406d38d85ebde
--! Message: Message ingest with the status lookup inlined and each event time parsed once; message reads computing percentiles in the merging query and reading partial hours as the hour minus outside minutes; alert windows placed by integer minutes

-- Work in progress for the next migration (tests apply it on top of the committed ones).
-- Tables and indexes inline; functions and views with --!include functions/<name>.sql.
-- Commit it with: bash scripts/migration-commit.sh

-- == hooks ==
-- Message event ingest: the status lookup inlined into record_sms_message_events.
--! Included functions/_sms_message_status_of.sql
-- A provider's status word as one of the six statuses: the mapping for that provider first, then
-- the one for any provider (sms_message_status_spellings, the only place spellings are mapped);
-- no row when it is not known. Case-insensitive. A set-returning SQL function without SET clauses,
-- so a query that joins it (lateral) has it inlined and planned once with the query, where a call
-- of the scalar _sms_message_status plans its query again in every statement that calls it.
create or replace function sms_monitor._sms_message_status_of(p_provider text, p_spelling text)
returns table (status text)
language sql
stable
parallel safe
rows 1
as $$
  select s.status
    from sms_monitor.sms_message_status_spellings s
   where s.spelling = lower(p_spelling)
     and s.provider in (coalesce(lower(p_provider), ''), '')
   order by s.provider desc
   limit 1;
$$;

comment on function sms_monitor._sms_message_status_of(text, text) is
  'Internal: the status a provider''s spelling maps to, as one row (none: unknown); joined laterally it is inlined.';
revoke all on function sms_monitor._sms_message_status_of(text, text) from public;
--! EndIncluded functions/_sms_message_status_of.sql
--! Included functions/_sms_message_status.sql
-- A provider's status word as one of the six statuses, or NULL when it is not known
-- (_sms_message_status_of holds the mapping).
create or replace function sms_monitor._sms_message_status(p_provider text, p_spelling text)
returns text
language sql
stable
parallel safe
as $$
  select s.status from sms_monitor._sms_message_status_of(p_provider, p_spelling) s;
$$;

comment on function sms_monitor._sms_message_status(text, text) is
  'Internal: maps a provider''s status spelling to queued, sent, delivered, undelivered, failed or canceled (NULL: unknown).';
revoke all on function sms_monitor._sms_message_status(text, text) from public;
--! EndIncluded functions/_sms_message_status.sql
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
      -- the status depends only on these keys: one lookup per distinct pair (any of the spellings
      -- that share a pair stands for them all); _sms_message_status_of is inlined here, planned
      -- with the statement (the scalar _sms_message_status would plan its query in every call)
      select k.provider_key, k.status_key, st.status
        from (select distinct on (1, 2) coalesce(lower(e.v ->> 'provider'), '') as provider_key,
                     lower(e.v ->> 'status') as status_key, e.v ->> 'provider' as provider, e.v ->> 'status' as status
                from jsonb_array_elements(p_events) e(v)
               order by 1, 2) k
        left join lateral sms_monitor._sms_message_status_of(k.provider, k.status) st on true
       where k.status_key is not null
    )
    insert into sms_monitor.sms_message_events (message_id, status, provider_status, occurred_at, user_id, attributes)
    select e.v ->> 'message_id', s.status, e.v ->> 'status', t.at, (e.v ->> 'user_id')::uuid,
           nullif(e.v - array['message_id', 'status', 'occurred_at', 'user_id'], '{}'::jsonb)
      -- each time parsed once: OFFSET 0 keeps the planner from copying the cast into each of the
      -- three bounds below and the inserted column (four parses an element, ~1.5 µs of ~23)
      from (select e.v, e.n, (e.v ->> 'occurred_at')::timestamptz as at
              from jsonb_array_elements(p_events) with ordinality as e(v, n)
            offset 0) e
      left join spelling s
        on s.provider_key = coalesce(lower(e.v ->> 'provider'), '') and s.status_key = lower(e.v ->> 'status')
     cross join lateral (select e.at) t
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

-- == reads == message reads: the latency percentiles of every output row in the one query that
-- merges the buckets (_message_stats returns timed, p50, p95, p99 instead of the merged histogram),
-- partial hours of a window read as the hour bucket minus its other minutes where that reads fewer
drop function if exists sms_monitor._message_stats(sms_monitor.message_dimension, timestamptz, timestamptz, interval, boolean, boolean, boolean);
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

-- The representative latency in ms of bucket p_bucket, which percentiles read: 2 g^b / (g + 1)
-- (g = 1.03; relative error at most (g - 1) / (g + 1) = 1.48 % against any latency of the bucket),
-- 0 for bucket 0. No SET clause: inlined into the readers' queries.
create or replace function sms_monitor._latency_bucket_ms(p_bucket integer)
returns double precision
language sql
immutable
parallel safe
as $$
  select case when p_bucket = 0 then 0::double precision
              else 2 * pg_catalog.power(1.03::double precision, p_bucket) / 2.03 end
$$;

comment on function sms_monitor._latency_bucket_ms(integer) is
  'Internal: the representative latency in ms of a latency histogram bucket: 2 x 1.03^b / 2.03, 0 for bucket 0.';
revoke all on function sms_monitor._latency_bucket_ms(integer) from public;
grant execute on function sms_monitor._latency_bucket_ms(integer) to sms_monitor_reader, sms_monitor_self, sms_monitor_admin;
--! EndIncluded functions/_latency_bucket.sql
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
  select sms_monitor._latency_bucket_ms(c.b)
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
--! Included functions/_message_stats.sql
-- The message counts of the window [p_from, p_to) for the message readers, per value of
-- p_dimension (NULL: every message, value NULL) and, with p_step, per bucket of p_step aligned to
-- the UTC clock (at; NULL without p_step): merged from the minute buckets
-- (sms_message_minute_stats; sms_message_hour_stats for its whole hours unless p_step is not a
-- whole number of hours) for the window's whole minutes and computed from sms_messages
-- (_message_minute_rows) for the partial minutes at its edges, so the window stays exact to the
-- instant. A caller that may not read the buckets (a self token: they count every user's
-- messages) gets the whole window from sms_messages, under its row security. Only values with
-- messages are returned. Counts as in sms_message_minute_stats; error_codes merged only when asked
-- for (p_error_codes; else {}). The latency histograms are not returned but read, when p_latency
-- (else timed 0 and NULL percentiles), in the same query: timed = the latencies counted, p50 / p95
-- / p99 as _histogram_percentile gives them for the merged histogram (percentile_disc rank over the
-- buckets, the bucket's _latency_bucket_ms), every group's at once: the histograms expanded once,
-- summed per group and bucket, a running sum per group picks the buckets. With p_carrier_country
-- (p_dimension carrier) the rows are per carrier and country (carrier_country).
create or replace function sms_monitor._message_stats(
  p_dimension sms_monitor.message_dimension, p_from timestamptz, p_to timestamptz, p_step interval default null,
  p_latency boolean default true, p_error_codes boolean default false, p_carrier_country boolean default false
)
returns table (at timestamptz, value text, messages bigint, sent bigint, delivered bigint, undelivered bigint,
               failed bigint, canceled bigint, waiting bigint, timed bigint, p50 double precision,
               p95 double precision, p99 double precision, error_codes jsonb, carrier_country text)
language plpgsql
stable
security invoker
set search_path = pg_catalog, pg_temp
set plan_cache_mode = force_custom_plan
as $$
declare
  v_lo timestamptz := date_bin('1 minute', p_from, timestamptz '2000-01-01 00:00:00+00');
  v_hi timestamptz := date_bin('1 minute', p_to, timestamptz '2000-01-01 00:00:00+00');
  v_h_lo timestamptz;  -- hour buckets [v_h_lo, v_h_hi)
  v_h_hi timestamptz;
  v_m timestamptz[];   -- minute buckets added: [v_m[1], v_m[2]) and [v_m[3], v_m[4])
  v_s timestamptz[];   -- minute buckets subtracted: [v_s[1], v_s[2]) and [v_s[3], v_s[4])
begin
  if v_lo < p_from then
    v_lo := v_lo + interval '1 minute';
  end if;
  if v_hi <= v_lo or not has_table_privilege('sms_monitor.sms_message_minute_stats', 'select') then
    v_lo := p_to;
    v_hi := p_to;
  end if;
  -- [v_lo, v_hi) from the minute buckets, or, where it crosses an hour's start (and p_step is whole
  -- hours), the whole hours from the hour buckets and each partial hour at an end from its minutes,
  -- or, when it covers more than half of that hour, as the hour bucket minus the minutes outside
  -- (every hour bucket is the sum of its minutes); not for p_error_codes (maps are only added)
  v_h_lo := date_bin('1 hour', v_lo, timestamptz '2000-01-01 00:00:00+00');
  if v_h_lo < v_lo then
    v_h_lo := v_h_lo + interval '1 hour';
  end if;
  v_h_hi := date_bin('1 hour', v_hi, timestamptz '2000-01-01 00:00:00+00');
  v_s := array[v_hi, v_hi, v_hi, v_hi];
  if v_h_hi < v_h_lo or (p_step is not null and (p_step < interval '1 hour' or extract(epoch from p_step) % 3600 <> 0)) then
    v_m := array[v_lo, v_hi, v_hi, v_hi];
    v_h_lo := v_hi;
    v_h_hi := v_hi;
  else
    v_m := array[v_lo, v_h_lo, v_h_hi, v_hi];
    if not p_error_codes and v_h_lo - v_lo > interval '30 minutes' then
      v_s[1] := v_h_lo - interval '1 hour';
      v_s[2] := v_lo;
      v_m[2] := v_lo;
      v_h_lo := v_h_lo - interval '1 hour';
    end if;
    if not p_error_codes and v_hi - v_h_hi > interval '30 minutes' then
      v_s[3] := v_hi;
      v_s[4] := v_h_hi + interval '1 hour';
      v_m[3] := v_hi;
      v_h_hi := v_h_hi + interval '1 hour';
    end if;
  end if;
  -- the buckets' part only where it reads something: a caller without the privilege may not name the table
  return query execute format($q$
  with parts as (
    %5$s
    select r.minute, r.value, r.messages, r.sent, r.delivered, r.undelivered, r.failed, r.canceled, r.waiting,
           r.latency, r.error_codes, r.carrier_country, 1 as sign
      from sms_monitor._message_minute_rows($2, $3, false, $1) r
    union all
    select r.minute, r.value, r.messages, r.sent, r.delivered, r.undelivered, r.failed, r.canceled, r.waiting,
           r.latency, r.error_codes, r.carrier_country, 1
      from sms_monitor._message_minute_rows($4, $5, false, $1) r
  ), g as (
    select case when $6::interval is not null then date_bin($6, p.minute, timestamptz '2000-01-01 00:00:00+00') end as at,
           p.value, %4$s as cc, sum(p.sign * p.messages) as messages, sum(p.sign * p.sent) as sent,
           sum(p.sign * p.delivered) as delivered, sum(p.sign * p.undelivered) as undelivered,
           sum(p.sign * p.failed) as failed, sum(p.sign * p.canceled) as canceled, sum(p.sign * p.waiting) as waiting,
           %2$s as error_codes, %1$s
      from parts p
     group by 1, 2, 3
    having sum(p.sign * p.messages) > 0
  )
  -- each group's histograms expanded once, summed per bucket; the first bucket whose running sum
  -- reaches q x total (2 cum >= total for q = 0.5, in integers) is the q-quantile's
  select g.at, g.value, g.messages::bigint, g.sent::bigint, g.delivered::bigint, g.undelivered::bigint,
         g.failed::bigint, g.canceled::bigint, g.waiting::bigint, coalesce(h.timed, 0)::bigint,
         sms_monitor._latency_bucket_ms(h.b50), sms_monitor._latency_bucket_ms(h.b95),
         sms_monitor._latency_bucket_ms(h.b99), g.error_codes, g.cc
    from g
    left join lateral (
      select max(c.total) as timed, min(c.b) filter (where 2 * c.cum >= c.total) as b50,
             min(c.b) filter (where 100 * c.cum >= 95 * c.total) as b95,
             min(c.b) filter (where 100 * c.cum >= 99 * c.total) as b99
        from (select x.b, sum(x.n) over (order by x.b) as cum, sum(x.n) over () as total
                from (select e.key::integer as b, sum(m.s * e.value::integer) as n
                        from unnest(g.maps, g.signs) as m(l, s) cross join lateral jsonb_each_text(m.l) as e
                       group by 1) x
               where x.n > 0) c
    ) h on true$q$,
    case when p_latency then 'array_agg(p.latency) as maps, array_agg(p.sign) as signs'
         else 'null::jsonb[] as maps, null::integer[] as signs' end,
    case when p_error_codes then 'sms_monitor._count_map_sum(p.error_codes)' else '''{}''::jsonb' end,
    null,
    case when p_carrier_country then 'p.carrier_country' else 'null::text' end,
    case when v_lo < v_hi then format($b$
    select t.minute, t.value, t.messages, t.sent, t.delivered, t.undelivered, t.failed, t.canceled, t.waiting,
           t.latency, t.error_codes, t.carrier_country,
           case when (t.minute >= $9[1] and t.minute < $9[2]) or (t.minute >= $9[3] and t.minute < $9[4]) then -1 else 1 end as sign
      from sms_monitor.sms_message_minute_stats t
     where %1$s and ((t.minute >= $10[1] and t.minute < $10[2]) or (t.minute >= $10[3] and t.minute < $10[4])
                     or (t.minute >= $9[1] and t.minute < $9[2]) or (t.minute >= $9[3] and t.minute < $9[4]))
    union all
    select t.minute, t.value, t.messages, t.sent, t.delivered, t.undelivered, t.failed, t.canceled, t.waiting,
           t.latency, t.error_codes, t.carrier_country, 1
      from sms_monitor.sms_message_hour_stats t
     where %1$s and t.minute >= $7 and t.minute < $8
    union all$b$, case when p_dimension is null then 't.dimension is null'
                       else format('t.dimension = %L', p_dimension) end) else '' end)
  using p_dimension, p_from, v_lo, v_hi, p_to, p_step, v_h_lo, v_h_hi, v_s, v_m;
end;
$$;

comment on function sms_monitor._message_stats(sms_monitor.message_dimension, timestamptz, timestamptz, interval, boolean, boolean, boolean) is
  'Internal: the message counts and latency percentiles of [p_from, p_to) per value of p_dimension (and p_step bucket): minute buckets for '
  'whole minutes, sms_messages for the edges (or for all of it when the caller may not read the buckets).';
revoke all on function sms_monitor._message_stats(sms_monitor.message_dimension, timestamptz, timestamptz, interval, boolean, boolean, boolean) from public;
grant execute on function sms_monitor._message_stats(sms_monitor.message_dimension, timestamptz, timestamptz, interval, boolean, boolean, boolean)
  to sms_monitor_reader, sms_monitor_self, sms_monitor_admin;
--! EndIncluded functions/_message_stats.sql
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
--     (_message_stats, as _histogram_percentile: percentile_disc rank, relative error <= 1.48 %).
-- Sorted worst first: lowest delivery rate (keys without terminal messages last), then most
-- failures, then the key. Read from the minute buckets (_message_stats, exact to the instant), whose
-- attributes are complete whenever they arrived (a carrier named by the receipt counts for the
-- send). A self token sees its own messages (read from sms_messages under row security).
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

  with k as (
    select m.value as key, m.sent, m.delivered, m.undelivered + m.failed as failed, m.p50, m.p95
      from sms_monitor._message_stats(p_by::sms_monitor.message_dimension, v_from, v_to) m
  ), t as (
    select k.*, k.delivered + k.failed as terminal,
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
--! Included functions/api_message_latency.sql
-- GET /api/sms/metrics/latency: how long delivery takes, overall or per value of one attribute.
-- Over the messages sent in the window [start, end) that are delivered: delivered minus sent (at
-- least 0), percentiles p50, p95 and p99 in whole ms from the messages' latency histogram
-- (_latency_histogram; percentile_disc rank as _histogram_percentile, relative error <= 1.48 %),
-- merged from the minute buckets and read in one query (_message_stats; sent in the window: a delivered message with a
-- sent time enters the pipeline when sent).
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

  with k as (
    select m.value as key, m.timed as delivered, m.p50, m.p95, m.p99
      from sms_monitor._message_stats(p_by::sms_monitor.message_dimension, v_from, v_to) m
     where m.timed > 0
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
--! Included functions/api_message_series.sql
-- GET /api/sms/metrics/series: the incident view's minute-grain series. Buckets of p_step minutes
-- (1, 5, 15 or 60, aligned to the UTC clock) covering the last p_minutes up to and including the
-- bucket that holds p_now; a message counts in the bucket of the time it entered the pipeline
-- (sent, or final without a send), as in the breakdown. Per bucket: sent, delivered, failed
-- (undelivered + failed), delivery_rate_percent (delivered / terminal, NULL without terminal) and
-- p95_ms (of delivered minus sent, from the latency histogram, every bucket's in one query:
-- _message_stats, percentile_disc rank as _histogram_percentile). Without
-- p_by every bucket is listed (zeros when quiet);
-- with p_by one row per bucket and key that has messages. Read from the minute buckets
-- (_message_stats). Row security: self sees its own.
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

  with k as (
    select m.at as bucket, m.value as key, m.sent, m.delivered, m.undelivered + m.failed as failed,
           m.p95
      from sms_monitor._message_stats(p_by::sms_monitor.message_dimension, v_from, v_to, v_step) m
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
-- from the minute buckets (_message_stats), one row per rule (group_value NULL) or, for a rule with group_by, one row per
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
--                           (_message_stats: percentile_disc rank, <= 1.48 % off)
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
      -- waiting at p_now: no final status now (the buckets' waiting), or one reached at or after p_now
      return query
      with late as (
        select sms_monitor._message_value(s, r.group_by::sms_monitor.message_dimension) as key, count(*) as n
          from sms_monitor.sms_messages s
         where s.final_at >= p_now and s.sent_at >= v_from and s.sent_at < v_to
         group by 1
      ), k as (
        select m.value as key, m.sent, m.waiting + coalesce((select l.n from late l where l.key is not distinct from m.value), 0) as waiting
          from sms_monitor._message_stats(r.group_by::sms_monitor.message_dimension, v_from, v_to, null, false) m
         where m.sent > 0 and (r.group_by is null or m.value is not null)
      )
      select r.alert_type, k.key, 100 * k.waiting::numeric / k.sent, k.sent,
             format('%s of %s sent still without a final status; %s', k.waiting, k.sent, v_span)
        from k;
      continue;
    end if;

    if r.metric = 'delivery_latency_p95' then
      return query
      with k as (
        select m.value as key, m.timed, round(m.p95::numeric / 1000, 3) as p95
          from sms_monitor._message_stats(r.group_by::sms_monitor.message_dimension, v_from, v_to) m
         where m.timed > 0 and (r.group_by is null or m.value is not null)
      )
      select r.alert_type, k.key, k.p95, k.timed, format('p95 %s s over %s delivered; %s', round(k.p95, 3), k.timed, v_span)
        from k;
      continue;
    end if;

    -- message_delivery_rate, error_code_share: counts of terminal messages
    return query
    with k as (
      select m.value as key, m.delivered + m.undelivered + m.failed as terminal, m.delivered,
             m.undelivered + m.failed as bad,
             coalesce((select sum(e.value::bigint) from jsonb_each_text(m.error_codes) e where e.key = any (v_codes)), 0)::bigint as coded
        from sms_monitor._message_stats(r.group_by::sms_monitor.message_dimension, v_from, v_to, null, false,
                                       r.metric = 'error_code_share') m  -- the code counts only where they are read
       where m.delivered + m.undelivered + m.failed > 0 and (r.group_by is null or m.value is not null)
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
  'of its group_by (group_value NULL: system-wide), from the message minute buckets over [p_now - window, p_now).';
revoke all on function sms_monitor._alert_message_values(timestamptz, text) from public;
--! EndIncluded functions/_alert_message_values.sql

-- == today == dashboard reads under write load (api_today_metrics, api_health, alert windows)
--! Included functions/_alert_window_stats.sql
-- The sums an alert window needs, in one pass over the window's rows (rollups + the not-yet-rolled-up
-- tail of sms_metric_events, one snapshot: live and counted once).
-- Window, exact to the minute: the minute buckets from the minute containing p_now - window to
-- the minute containing p_now (reporting timezone), so it covers between window and window + 1
-- minute: an event 61 minutes before p_now is outside a 60-minute window, one 59 minutes before is
-- inside. Values recorded per hour (record_sms_metric with an hour: no minute) count when their
-- hour overlaps that span, and minutes older than _minute_rollup_days() (compacted into their hour)
-- likewise; a daily bucket (metric_hour NULL) counts only when its whole reporting day lies inside
-- the span: a day's total cannot be split, and counting it in part would mix a day into an hour.
-- Active user: a user (not the system-wide nil UUID) with any row in the window, whatever the
-- metric, the same definition as sms_metrics_daily.active_users. System-wide rows add to the sums
-- but are nobody's activity.
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
-- the window bounds decide the plan (an hour or a month of rows): plan with the real values
set plan_cache_mode = force_custom_plan
-- a window's rows are read in tens of milliseconds: starting parallel workers (on the cores the
-- writers and the rollup use) made it slower, not faster
set max_parallel_workers_per_gather = 0
as $$
declare
  v_tz text := sms_monitor._reporting_timezone();
  v_from timestamp := date_trunc('minute', (p_now - make_interval(mins => p_window_minutes)) at time zone v_tz);
  v_to timestamp := date_trunc('minute', p_now at time zone v_tz);
  v_from_date date := v_from::date;
  v_to_date date := v_to::date;
  -- whole days inside [v_from, v_to + 1 minute)
  v_first_day date := case when v_from = v_from::date then v_from::date else v_from::date + 1 end;
  v_last_day date := (v_to + interval '1 minute')::date - 1;
  v_nobody uuid := sms_monitor._system_wide_user();
  -- every minute or hour row that can count lies in the hours from the one containing v_from to
  -- the one containing v_to: the rollups are read by that hour range (index on date, hour), split
  -- per day so every branch is an equality or plain range on the index's leading columns (a row
  -- comparison (metric_date, metric_hour) >= (...) is estimated badly), then filtered exactly below
  v_from_hour smallint := extract(hour from v_from)::smallint;
  v_to_hour smallint := extract(hour from v_to)::smallint;
  -- the window's first and last minute as minutes of their days: a row's place is compared as
  -- integers (hour * 60 + minute), not as a timestamp built per row
  v_from_mod integer := extract(hour from v_from)::integer * 60 + extract(minute from v_from)::integer;
  v_to_mod integer := extract(hour from v_to)::integer * 60 + extract(minute from v_to)::integer;
begin
  return query
  with w_rows as (
    select r.metric_type, r.metric_value, r.user_id, r.metric_date, r.metric_hour, r.metric_minute
      from sms_monitor.sms_metric_rollups r
     where v_from_date = v_to_date
       and r.metric_date = v_from_date and r.metric_hour between v_from_hour and v_to_hour
    union all
    select r.metric_type, r.metric_value, r.user_id, r.metric_date, r.metric_hour, r.metric_minute
      from sms_monitor.sms_metric_rollups r
     where v_from_date < v_to_date
       and r.metric_date = v_from_date and r.metric_hour >= v_from_hour
    union all
    select r.metric_type, r.metric_value, r.user_id, r.metric_date, r.metric_hour, r.metric_minute
      from sms_monitor.sms_metric_rollups r
     where r.metric_date > v_from_date and r.metric_date < v_to_date and r.metric_hour is not null
    union all
    select r.metric_type, r.metric_value, r.user_id, r.metric_date, r.metric_hour, r.metric_minute
      from sms_monitor.sms_metric_rollups r
     where v_from_date < v_to_date
       and r.metric_date = v_to_date and r.metric_hour <= v_to_hour
    union all
    select r.metric_type, r.metric_value, r.user_id, r.metric_date, r.metric_hour, r.metric_minute
      from sms_monitor.sms_metric_rollups r
     where r.metric_date between v_first_day and v_last_day and r.metric_hour is null
    union all
    select e.metric_type, e.metric_value, e.user_id, e.metric_date, e.metric_hour, e.metric_minute
      from sms_monitor.sms_metric_events e
     where e.id > sms_monitor._rollup_watermark('sms_metrics')
       and e.metric_date between v_from_date and v_to_date
  ), b as (
    -- a minute row counts when its minute lies in [v_from, v_to]; an hour row (no minute) when its
    -- hour overlaps that span (its last minute >= v_from, its first <= v_to); a day row when its
    -- whole day lies inside
    select x.metric_type, x.metric_value, x.user_id
      from w_rows x
     where case
             when x.metric_hour is null then x.metric_date between v_first_day and v_last_day
             else (x.metric_date > v_from_date or x.metric_hour * 60 + coalesce(x.metric_minute, 59) >= v_from_mod)
                  and (x.metric_date < v_to_date or x.metric_hour * 60 + coalesce(x.metric_minute, 0) <= v_to_mod)
           end
  ), u as (
    -- per user first (a hash of a few thousand users, not a sort of every row for count(distinct))
    select b.user_id,
           sum(b.metric_value) filter (where b.metric_type = 'sent_count') as sent,
           sum(b.metric_value) filter (where b.metric_type = 'delivered_count') as delivered,
           sum(b.metric_value) filter (where b.metric_type = 'llm_success_count') as llm_success,
           sum(b.metric_value) filter (where b.metric_type = 'template_fallback_count') as template_fallback,
           sum(b.metric_value) filter (where b.metric_type = 'llm_cost_usd') as llm_cost,
           sum(b.metric_value) filter (where b.metric_type = 'opt_out_count') as opt_outs,
           bool_or(b.metric_type = 'daily_limit_hit_count' and b.metric_value > 0) as hit_limit
      from b
     group by b.user_id
  )
  select v_from, v_to + interval '1 minute',
         coalesce(sum(u.sent), 0), coalesce(sum(u.delivered), 0), coalesce(sum(u.llm_success), 0),
         coalesce(sum(u.template_fallback), 0), coalesce(sum(u.llm_cost), 0), coalesce(sum(u.opt_outs), 0),
         count(*) filter (where u.user_id <> v_nobody),
         count(*) filter (where u.user_id <> v_nobody and u.hit_limit)
    from u;
end;
$$;

comment on function sms_monitor._alert_window_stats(timestamptz, integer) is
  'Internal: sums, active users and users who hit the daily limit over the minutes from p_now - p_window_minutes '
  'to p_now (reporting timezone, live); hour-only values when their hour overlaps, daily ones when their whole day is inside.';
revoke all on function sms_monitor._alert_window_stats(timestamptz, integer) from public;
--! EndIncluded functions/_alert_window_stats.sql
