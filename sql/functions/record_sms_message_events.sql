-- A batch of message events, all or nothing (docs/messages.md). Every element is checked; the
-- first bad one raises 22023 naming events[i].field and nothing is written. Otherwise every event
-- is appended to the log sms_message_events, its status mapped (repeats included: the log is the
-- raw truth). Checking and appending are one statement over the whole batch; only a batch with a
-- bad element goes on to the element-by-element search for the first problem. Writers only
-- append; the fold (rollup_sms_messages, about every second) applies the log to sms_messages and the
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
  v_inserted bigint := 0;
  v_small boolean;
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
  -- The fast path, one statement for the whole batch after one match of its text: every bound of
  -- _message_event_problem is tested for all elements at once (_message_events_shape over the
  -- batch's text, the lengths and the time window by their extremes in checked), each element is
  -- parsed once (e), each distinct (provider, status) pair is mapped once (spelling), and every
  -- element is appended. When the check fails, or fewer than all are appended (an unknown status),
  -- or a value does not cast (a time, a user_id: the cast raises), the subtransaction is rolled
  -- back and the slow path below finds the first problem and words it. The check may refuse a
  -- batch that passes (the slow path then appends it), never the reverse. The match costs ~0.3 ms
  -- however small the batch: a batch of fewer than 64 elements (a webhook group) is checked element
  -- by element in the statement instead (_message_event_problem, inlined, ~20 µs an element).
  v_small := v_count < 64;
  if v_small or p_events::text ~ sms_monitor._message_events_shape() then
    begin
      with e as materialized (
        select x.v, x.n, (x.v ->> 'occurred_at')::timestamptz as at,
               coalesce(lower(x.v ->> 'provider'), '') as provider_key, lower(x.v ->> 'status') as status_key
          from jsonb_array_elements(p_events) with ordinality as x(v, n)
      ),
      checked as (
        -- octet_length: no more characters than bytes (a long non-ASCII value goes the slow way)
        select max(octet_length(e.v ->> 'message_id')) <= 64
           and coalesce(max(octet_length(e.v ->> 'provider')) <= 32, true)
           and coalesce(max(octet_length(e.v ->> 'sender')) <= 64, true)
           and coalesce(max(octet_length(e.v ->> 'carrier')) <= 64, true)
           and coalesce(max(octet_length(e.v ->> 'error_code')) <= 32, true)
           and coalesce(max(scale((e.v ->> 'price_usd')::numeric)) <= 10, true)
           and min(octet_length(e.v ->> 'occurred_at')) >= 17 and max(octet_length(e.v ->> 'occurred_at')) <= 40
           and max(e.at) <= v_latest and min(e.at) >= v_earliest and (min(e.at) at time zone v_tz)::date >= v_earliest_day
               as ok
          from e
      ),
      spelling as materialized (
        -- the status depends only on these keys: one lookup per distinct pair (any of the spellings
        -- that share a pair stands for them all); _sms_message_status_of is inlined here, planned
        -- with the statement (the scalar _sms_message_status would plan its query in every call)
        select k.provider_key, k.status_key, st.status
          from (select distinct on (e.provider_key, e.status_key) e.provider_key, e.status_key,
                       e.v ->> 'provider' as provider, e.v ->> 'status' as status
                  from e
                 where e.status_key is not null) k
          left join lateral sms_monitor._sms_message_status_of(k.provider, k.status) st on true
      )
      insert into sms_monitor.sms_message_events (message_id, status, provider_status, occurred_at, user_id, attributes)
      select e.v ->> 'message_id', s.status, e.v ->> 'status', e.at, (e.v ->> 'user_id')::uuid,
             nullif(e.v - array['message_id', 'status', 'occurred_at', 'user_id'], '{}'::jsonb)
        from e
        join spelling s on s.provider_key = e.provider_key and s.status_key = e.status_key
       where (select c.ok from checked c) and s.status is not null
         and (not v_small or sms_monitor._message_event_problem(e.v, s.status) is null)
       order by e.n;
      get diagnostics v_inserted = row_count;
      if v_inserted < v_count then
        raise exception 'an element is invalid' using errcode = '22000';  -- rolls the block back
      end if;
    exception when data_exception then
      v_inserted := 0;  -- an invalid element, or a value the fast path could not cast: the slow path names it
    end;
  end if;
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
