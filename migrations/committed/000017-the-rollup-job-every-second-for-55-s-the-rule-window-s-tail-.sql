--! Previous: sha1:a54a5470ef3309ff928420b6a28e4a9bbedb5e0b
--! Hash: sha1:40f5ce67abe95b78979a2cf07d76c4e2be0f7add
--! Message: The rollup job every second for 55 s, the rule window's tail summed per user, empty message reads without planning, the /user read from the day grain

-- Work in progress for the next migration (tests apply it on top of the committed ones).
-- Tables and indexes inline; functions and views with --!include functions/<name>.sql.
-- Commit it with: bash scripts/migration-commit.sh

--! Included functions/run_sms_rollups.sql
-- The pg_cron rollup job's body (sms-monitor-rollup, every minute): runs rollup_sms_messages() (the
-- message fold, whose counters go to sms_metric_events) and then rollup_sms_metrics() every
-- p_pause_seconds (default 1) for p_seconds (default 55), committing after each run, so the
-- not-yet-rolled-up tail that live reads add stays about a second long instead of a minute.
-- Why 55 s and not the whole minute: pg_cron 1.4 schedules whole minutes only, and while a job
-- runs past the next minute its launcher starts no job at all (sms-monitor-check-alerts included)
-- until that job ends; ending 5 s before the minute leaves room for the last run.
-- A procedure so that it can commit: it must be CALLed outside an explicit transaction block, and
-- it is security invoker without a SET clause (either would forbid COMMIT); every name is
-- schema-qualified. Each run is exactly once on its own (both rollups), so stopping it at any
-- point loses and doubles nothing.
create or replace procedure sms_monitor.run_sms_rollups(
  p_seconds integer default 55,
  p_pause_seconds double precision default 1
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
  'The rollup job: rollup_sms_messages() and rollup_sms_metrics() every p_pause_seconds (1) for p_seconds (55), '
  'committing each run. CALL it '
  'outside a transaction block. Bad arguments: 22023.';
revoke all on procedure sms_monitor.run_sms_rollups(integer, double precision) from public;
grant execute on procedure sms_monitor.run_sms_rollups(integer, double precision) to sms_monitor_admin;
--! EndIncluded functions/run_sms_rollups.sql
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
  -- a database installed by an earlier release may still schedule sms-monitor-refresh-daily; the rollup job does its work
  execute 'select cron.unschedule(j.jobid) from cron.job j where j.jobname = ''sms-monitor-refresh-daily''';
  for v_job in
    select * from (values
      ('sms-monitor-check-alerts', '* * * * *', 'select sms_monitor.check_sms_alerts()'),
      ('sms-monitor-rollup', '* * * * *', 'call sms_monitor.run_sms_rollups()'),
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
  'sms-monitor-rollup (every minute: run_sms_rollups, a rollup every second for 55 s), sms-monitor-retention (03:17 UTC). Needs pg_cron (55000 otherwise).';
revoke all on function sms_monitor.install_sms_monitor_schedule() from public;
--! EndIncluded functions/install_sms_monitor_schedule.sql
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
  -- about every second, but not in the last 5 s of each minute, between its runs, when this check starts)
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
--! Included functions/record_sms_message_events.sql
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
--! EndIncluded functions/record_sms_message_events.sql
--! Included functions/rollup_sms_messages.sql
-- The message fold (about every second by run_sms_rollups, before rollup_sms_metrics): claims the message
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
--! Included functions/rollup_sms_metrics.sql
-- The incremental rollup (about every second by run_sms_rollups, the pg_cron job 'sms-monitor-rollup'; also refresh_sms_metrics_daily
-- and apply_sms_retention): adds the log rows past the watermark into sms_metric_rollups, one
-- transaction with the watermark (_rollup_claim_range), so every event counts exactly once however
-- runs overlap, retry or die; the day grains (sms_metric_rollups_daily per user, sms_metric_rollups_system_daily
-- for all users, sms_metric_active_users_daily) and the alert-window grains (sms_metric_rollups_system per
-- hour and minute, sms_metric_active_minutes) in the same transaction.
-- The window grains have a watermark of their own (sms_metrics_window_grains): a run with an earlier
-- body of this function (compiled before a migration committed) rolls events up without them, so
-- when it is behind the rollup's watermark, the days of the log rows in between are summed again
-- from the minute rollups (_rebuild_window_grains) before this run's range is added.
-- Returns how many log rows it rolled up.
create or replace function sms_monitor.rollup_sms_metrics()
returns bigint
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_range record;
  v_written record;
  v_grains bigint;
  v_day date;
begin
  if to_regclass(format('sms_monitor.sms_metric_events_%s',
                        to_char((now() at time zone 'UTC')::date + 1, 'YYYYMMDD'))) is null then
    -- (a day with rows in the default partition is left there: see _ensure_sms_event_partitions)
    perform sms_monitor._ensure_sms_event_partitions((now() at time zone 'UTC')::date, 3);
  end if;
  select * into v_range
    from sms_monitor._rollup_claim_range('sms_metrics', 'sms_monitor.sms_metric_events',
                                         'sms_monitor.sms_metric_events_id_seq');
  select g.last_id into v_grains from sms_monitor.sms_metrics_window_grains g for update;
  if v_grains is null then
    raise exception 'rollup sms_metrics: no row in sms_metrics_window_grains' using errcode = '55000';
  end if;
  if v_grains < v_range.from_id then
    -- the ids (v_grains, from_id] are in the minute rollups but not in the window grains
    for v_day in
      select distinct e.metric_date from sms_monitor.sms_metric_events e
       where e.id > v_grains and e.id <= v_range.from_id and e.metric_hour is not null
       order by 1
    loop
      perform sms_monitor._rebuild_window_grains(v_day, v_day);
    end loop;
  end if;
  if v_grains is distinct from v_range.to_id then
    update sms_monitor.sms_metrics_window_grains set last_id = v_range.to_id;
  end if;
  if v_range.to_id <= v_range.from_id then
    return 0;
  end if;
  -- one pass over the range: its minute buckets (m), from which every grain is added, keys in a
  -- fixed order (retention's compaction takes the same rows' locks in the same order), and the
  -- tables in a fixed order too: the select list reads each insert's result in turn
  with m as materialized (
    select e.user_id, e.metric_type, e.metric_date, e.metric_hour, e.metric_minute,
           sum(e.metric_value) as metric_value, count(*) as sample_count,
           coalesce(sms_monitor._jsonb_merge_agg(e.metadata order by e.id) filter (where e.metadata is not null),
                    '{}'::jsonb) as metadata
      from sms_monitor.sms_metric_events e
     where e.id > v_range.from_id and e.id <= v_range.to_id
     group by e.user_id, e.metric_type, e.metric_date, e.metric_hour, e.metric_minute
  ), minutes as (
    insert into sms_monitor.sms_metric_rollups as r
      (user_id, metric_type, metric_date, metric_hour, metric_minute, metric_value, sample_count, metadata)
    select m.user_id, m.metric_type, m.metric_date, m.metric_hour, m.metric_minute, m.metric_value, m.sample_count, m.metadata
      from m
     order by m.user_id, m.metric_type, m.metric_date, m.metric_hour, m.metric_minute
    on conflict on constraint sms_metric_rollups_key do update
      set metric_value = r.metric_value + excluded.metric_value,
          sample_count = r.sample_count + excluded.sample_count,
          metadata = sms_monitor._merge_metadata(r.metadata, excluded.metadata)
    returning 1
  ), days as (
    insert into sms_monitor.sms_metric_rollups_daily as r (user_id, metric_type, metric_date, metric_value, sample_count)
    select m.user_id, m.metric_type, m.metric_date, sum(m.metric_value), sum(m.sample_count)
      from m
     group by m.user_id, m.metric_type, m.metric_date
     order by m.user_id, m.metric_type, m.metric_date
    on conflict on constraint sms_metric_rollups_daily_pkey do update
      set metric_value = r.metric_value + excluded.metric_value,
          sample_count = r.sample_count + excluded.sample_count
    returning 1
  ), system_days as (
    -- the system-wide day grain and the day's users (what sms_metrics_daily reads)
    insert into sms_monitor.sms_metric_rollups_system_daily as r (metric_date, metric_type, metric_value, sample_count)
    select m.metric_date, m.metric_type, sum(m.metric_value), sum(m.sample_count)
      from m
     group by m.metric_date, m.metric_type
     order by m.metric_date, m.metric_type
    on conflict on constraint sms_metric_rollups_system_daily_pkey do update
      set metric_value = r.metric_value + excluded.metric_value,
          sample_count = r.sample_count + excluded.sample_count
    returning 1
  ), users as (
    insert into sms_monitor.sms_metric_active_users_daily (metric_date, user_id)
    select distinct m.metric_date, m.user_id
      from m
     where m.user_id <> sms_monitor._system_wide_user()
     order by m.metric_date, m.user_id
    on conflict on constraint sms_metric_active_users_daily_pkey do nothing
    returning 1
  ), system_hours as (
    -- the window grains: per hour all its rows, per minute its minute rows, all users together
    insert into sms_monitor.sms_metric_rollups_system as r (metric_date, metric_hour, metric_minute, metric_type, metric_value)
    select m.metric_date, m.metric_hour, m.metric_minute, m.metric_type, sum(m.metric_value)
      from m
     where m.metric_hour is not null
     group by grouping sets ((m.metric_date, m.metric_hour, m.metric_minute, m.metric_type),
                             (m.metric_date, m.metric_hour, m.metric_type))
    having grouping(m.metric_minute) = 1 or m.metric_minute is not null
     order by 1, 2, 3, 4
    on conflict on constraint sms_metric_rollups_system_key do update
      set metric_value = r.metric_value + excluded.metric_value
    returning 1
  ), minutes_active as (
    -- per user and hour the minutes with a row (an unchanged mask is not written again)
    insert into sms_monitor.sms_metric_active_minutes as a (metric_date, metric_hour, user_id, active_minutes, limit_minutes)
    select m.metric_date, m.metric_hour, m.user_id, bit_or(sms_monitor._minute_bits(m.metric_minute)),
           coalesce(bit_or(sms_monitor._minute_bits(m.metric_minute))
                      filter (where m.metric_type = 'daily_limit_hit_count' and m.metric_value > 0), 0)
      from m
     where m.metric_hour is not null and m.user_id <> sms_monitor._system_wide_user()
     group by m.metric_date, m.metric_hour, m.user_id
     order by 1, 2, 3
    on conflict on constraint sms_metric_active_minutes_pkey do update
      set active_minutes = a.active_minutes | excluded.active_minutes,
          limit_minutes = a.limit_minutes | excluded.limit_minutes
      where (a.active_minutes | excluded.active_minutes) <> a.active_minutes
         or (a.limit_minutes | excluded.limit_minutes) <> a.limit_minutes
    returning 1
  )
  select (select coalesce(sum(m.sample_count), 0)::bigint from m) as events, (select count(*) from minutes) as minutes,
         (select count(*) from days) as days, (select count(*) from system_days) as system_days,
         (select count(*) from users) as users, (select count(*) from system_hours) as system_hours,
         (select count(*) from minutes_active) as minutes_active
    into v_written;
  return v_written.events;
end;
$$;

comment on function sms_monitor.rollup_sms_metrics() is
  'Rolls the sms_metric_events rows past the watermark up into sms_metric_rollups, exactly once (one transaction '
  'with the watermark); returns how many rows. Readers never wait for it: the views add the tail.';
revoke all on function sms_monitor.rollup_sms_metrics() from public;
grant execute on function sms_monitor.rollup_sms_metrics() to sms_monitor_admin, sms_monitor_notifier;
--! EndIncluded functions/rollup_sms_metrics.sql
--! Included functions/_alert_window_stats.sql
-- The sums an alert window needs, from the alert-window grains plus the log rows past their
-- watermark (sms_metrics_window_grains), in one snapshot: live and counted once.
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
-- Rows read: the sums are the window's whole days (sms_metric_rollups_system_daily), the hours of
-- its partial days (sms_metric_rollups_system's hour rows: an hour row holds every value of its
-- hour), less the minutes of its first and last hour that lie outside it (the minute rows); the
-- users are those of the whole days (sms_metric_active_users_daily, and sms_metric_rollups_daily
-- for the daily limit) and those whose minute masks of the partial days' hours
-- (sms_metric_active_minutes), ANDed with the window's minutes of that hour, are not zero.
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
-- the window bounds decide the plan (which days, hours and minutes): plan with the real values
set plan_cache_mode = force_custom_plan
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
  -- the partial days' hours: the first day's from v_from_hour on (up to v_to_hour when it is also
  -- the last day), the last day's up to v_to_hour
  v_from_part boolean := v_from_date not between v_first_day and v_last_day;
  v_to_part boolean := v_to_date > v_last_day and v_to_date > v_from_date;
  v_from_hour smallint := extract(hour from v_from)::smallint;
  v_to_hour smallint := extract(hour from v_to)::smallint;
  v_from_minute smallint := extract(minute from v_from)::smallint;
  v_to_minute smallint := extract(minute from v_to)::smallint;
  -- the window's minutes of its first hour (v_from_minute .. 59) and of its last (0 .. v_to_minute)
  v_all bigint := sms_monitor._minute_bits(null);
  v_from_mask bigint := sms_monitor._minute_bits(null) # ((1::bigint << v_from_minute) - 1);
  v_to_mask bigint := (1::bigint << (v_to_minute + 1)) - 1;
  -- the log tail's rows are placed as integers (hour * 60 + minute), not as a timestamp per row
  v_from_mod integer := v_from_hour * 60 + v_from_minute;
  v_to_mod integer := v_to_hour * 60 + v_to_minute;
  v_nobody uuid := sms_monitor._system_wide_user();
  v_types text[] := array['sent_count', 'delivered_count', 'llm_success_count', 'template_fallback_count',
                          'llm_cost_usd', 'opt_out_count'];
  v_grains bigint;
  v_rolled bigint;
begin
  -- the log ids the grains hold (the rollup's watermark, or behind it until the next rollup run has
  -- summed again what a run with an earlier body of the rollup left out) and those the day tables
  -- hold; a STABLE function: this and the query below read one snapshot
  select g.last_id, sms_monitor._rollup_watermark('sms_metrics') into v_grains, v_rolled
    from sms_monitor.sms_metrics_window_grains g;
  return query
  with tail as materialized (
    -- the log rows past the watermark of the table that holds their place in the window, summed
    -- per user in the one scan (a few thousand users, not a row per value for the two reads below)
    select e.user_id,
           sum(e.metric_value) filter (where e.metric_type = 'sent_count') as sent,
           sum(e.metric_value) filter (where e.metric_type = 'delivered_count') as delivered,
           sum(e.metric_value) filter (where e.metric_type = 'llm_success_count') as llm_success,
           sum(e.metric_value) filter (where e.metric_type = 'template_fallback_count') as template_fallback,
           sum(e.metric_value) filter (where e.metric_type = 'llm_cost_usd') as llm_cost,
           sum(e.metric_value) filter (where e.metric_type = 'opt_out_count') as opt_outs,
           bool_or(e.metric_type = 'daily_limit_hit_count' and e.metric_value > 0) as hit_limit
      from sms_monitor.sms_metric_events e
     where e.id > least(v_grains, v_rolled)
       and (e.id > v_rolled or e.metric_date not between v_first_day and v_last_day)
       and (e.id > v_grains or e.metric_date between v_first_day and v_last_day)
       and e.metric_date between v_from_date and v_to_date
       and case
             when e.metric_hour is null then e.metric_date between v_first_day and v_last_day
             else (e.metric_date > v_from_date or e.metric_hour * 60 + coalesce(e.metric_minute, 59) >= v_from_mod)
                  and (e.metric_date < v_to_date or e.metric_hour * 60 + coalesce(e.metric_minute, 0) <= v_to_mod)
           end
     group by e.user_id
  ), sums as (
    select d.metric_type, d.metric_value
      from sms_monitor.sms_metric_rollups_system_daily d
     where d.metric_date between v_first_day and v_last_day and d.metric_type = any (v_types)
    union all
    select h.metric_type, h.metric_value
      from sms_monitor.sms_metric_rollups_system h
     where v_from_part and h.metric_date = v_from_date and h.metric_hour >= v_from_hour
       and (v_from_date < v_to_date or h.metric_hour <= v_to_hour)
       and h.metric_minute is null and h.metric_type = any (v_types)
    union all
    select h.metric_type, h.metric_value
      from sms_monitor.sms_metric_rollups_system h
     where v_to_part and h.metric_date = v_to_date and h.metric_hour <= v_to_hour
       and h.metric_minute is null and h.metric_type = any (v_types)
    union all
    -- the first hour's minutes before the window, the last hour's after it
    select m.metric_type, -m.metric_value
      from sms_monitor.sms_metric_rollups_system m
     where v_from_part and m.metric_date = v_from_date and m.metric_hour = v_from_hour
       and m.metric_minute < v_from_minute and m.metric_type = any (v_types)
    union all
    select m.metric_type, -m.metric_value
      from sms_monitor.sms_metric_rollups_system m
     where v_to_date > v_last_day and m.metric_date = v_to_date and m.metric_hour = v_to_hour
       and m.metric_minute > v_to_minute and m.metric_type = any (v_types)
  ), users as (
    select a.user_id, false as hit_limit
      from sms_monitor.sms_metric_active_users_daily a
     where a.metric_date between v_first_day and v_last_day
    union all
    select d.user_id, true
      from sms_monitor.sms_metric_rollups_daily d
     where d.metric_date between v_first_day and v_last_day
       and d.metric_type = 'daily_limit_hit_count' and d.metric_value > 0 and d.user_id <> v_nobody
    union all
    select a.user_id, (a.limit_minutes & w.mask) <> 0
      from sms_monitor.sms_metric_active_minutes a
     cross join lateral (
       select case when a.metric_hour = v_from_hour then v_from_mask else v_all end
              & case when v_from_date = v_to_date and a.metric_hour = v_to_hour then v_to_mask else v_all end as mask
     ) w
     where v_from_part and a.metric_date = v_from_date and a.metric_hour >= v_from_hour
       and (v_from_date < v_to_date or a.metric_hour <= v_to_hour)
       and (a.active_minutes & w.mask) <> 0
    union all
    select a.user_id, (a.limit_minutes & w.mask) <> 0
      from sms_monitor.sms_metric_active_minutes a
     cross join lateral (
       select case when a.metric_hour = v_to_hour then v_to_mask else v_all end as mask
     ) w
     where v_to_part and a.metric_date = v_to_date and a.metric_hour <= v_to_hour
       and (a.active_minutes & w.mask) <> 0
    union all
    select t.user_id, t.hit_limit
      from tail t
     where t.user_id <> v_nobody
  ), u as (
    -- per user first (a hash of a few thousand users, not a sort for count(distinct))
    select x.user_id, bool_or(x.hit_limit) as hit_limit from users x group by x.user_id
  )
  select v_from, v_to + interval '1 minute',
         coalesce(r.sent, 0) + coalesce(t.sent, 0), coalesce(r.delivered, 0) + coalesce(t.delivered, 0),
         coalesce(r.llm_success, 0) + coalesce(t.llm_success, 0),
         coalesce(r.template_fallback, 0) + coalesce(t.template_fallback, 0),
         coalesce(r.llm_cost, 0) + coalesce(t.llm_cost, 0), coalesce(r.opt_outs, 0) + coalesce(t.opt_outs, 0),
         (select count(*) from u),
         (select count(*) from u where u.hit_limit)
    from (select sum(s.metric_value) filter (where s.metric_type = 'sent_count') as sent,
                 sum(s.metric_value) filter (where s.metric_type = 'delivered_count') as delivered,
                 sum(s.metric_value) filter (where s.metric_type = 'llm_success_count') as llm_success,
                 sum(s.metric_value) filter (where s.metric_type = 'template_fallback_count') as template_fallback,
                 sum(s.metric_value) filter (where s.metric_type = 'llm_cost_usd') as llm_cost,
                 sum(s.metric_value) filter (where s.metric_type = 'opt_out_count') as opt_outs
            from sums s) r,
         (select sum(t.sent) as sent, sum(t.delivered) as delivered, sum(t.llm_success) as llm_success,
                 sum(t.template_fallback) as template_fallback, sum(t.llm_cost) as llm_cost, sum(t.opt_outs) as opt_outs
            from tail t) t;
end;
$$;

comment on function sms_monitor._alert_window_stats(timestamptz, integer) is
  'Internal: sums, active users and users who hit the daily limit over the minutes from p_now - p_window_minutes '
  'to p_now (reporting timezone, live); hour-only values when their hour overlaps, daily ones when their whole day is inside.';
revoke all on function sms_monitor._alert_window_stats(timestamptz, integer) from public;
--! EndIncluded functions/_alert_window_stats.sql
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
-- buckets, the bucket's _latency_bucket_ms), every group's at once. A group of one histogram (a
-- step-1 series minute) is read from its running totals (width_bucket, no expansion); for a
-- group of several the merged running total at a bucket is the sum of theirs (width_bucket in
-- each), and a bisection over the bucket index finds each quantile's bucket. With
-- p_carrier_country (p_dimension carrier) the rows are per carrier and country (carrier_country).
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
  v_any boolean;
begin
  if v_lo < p_from then
    v_lo := v_lo + interval '1 minute';
  end if;
  if v_hi <= v_lo or not has_table_privilege('sms_monitor.sms_message_minute_stats', 'select') then
    v_lo := p_to;
    v_hi := p_to;
  end if;
  -- Nothing to read: no message entering in the window (its edges) and no bucket row of this kind
  -- in the hours [v_lo, v_hi) touches (every bucket range below lies in them): no rows, without
  -- planning the query below, which is most of a read's cost when it finds nothing (three index
  -- probes instead). The buckets are probed in a statement of their own, only by a caller that may
  -- read them (a statement naming them is refused to any other, executed or not).
  v_any := exists (select from sms_monitor.sms_messages s
                    where coalesce(s.sent_at, s.final_at) >= p_from and coalesce(s.sent_at, s.final_at) < p_to);
  if not v_any and v_lo < v_hi then
    v_h_lo := date_bin('1 hour', v_lo, timestamptz '2000-01-01 00:00:00+00');
    v_h_hi := date_bin('1 hour', v_hi, timestamptz '2000-01-01 00:00:00+00') + interval '1 hour';
    v_any := exists (select from sms_monitor.sms_message_minute_stats t
                      where ((p_dimension is null and t.dimension is null) or t.dimension = p_dimension)
                        and t.minute >= v_h_lo and t.minute < v_h_hi)
          or exists (select from sms_monitor.sms_message_hour_stats t
                      where ((p_dimension is null and t.dimension is null) or t.dimension = p_dimension)
                        and t.minute >= v_h_lo and t.minute < v_h_hi);
  end if;
  if not v_any then
    return;
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
  -- the q-quantile's bucket is the first whose running total reaches q x total, i.e. the rank
  -- ceil(q x total) (in integers): in one histogram, after the totals below the rank
  -- (width_bucket); in several, by bisection
  select g.at, g.value, g.messages::bigint, g.sent::bigint, g.delivered::bigint, g.undelivered::bigint,
         g.failed::bigint, g.canceled::bigint, g.waiting::bigint, coalesce(h.timed, 0)::bigint,
         sms_monitor._latency_bucket_ms(h.b50), sms_monitor._latency_bucket_ms(h.b95),
         sms_monitor._latency_bucket_ms(h.b99), g.error_codes, g.cc
    from g
    %6$s$q$,
    case when p_latency then 'array_agg((p.sign, p.latency)::sms_monitor.latency_histogram_part) filter (where cardinality(p.latency) > 0) as parts'
         else 'null::sms_monitor.latency_histogram_part[] as parts' end,
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
                       else format('t.dimension = %L', p_dimension) end) else '' end,
    -- the latency part only where it is read (a read without it plans less)
    case when p_latency then $l$
    left join lateral (
      select o.t as timed, o.l[width_bucket((o.t + 1) / 2 - 1, o.c) + 1] as b50,
             o.l[width_bucket(((95 * o.t::bigint + 99) / 100 - 1)::integer, o.c) + 1] as b95,
             o.l[width_bucket(((99 * o.t::bigint + 99) / 100 - 1)::integer, o.c) + 1] as b99
        from (select x.l, x.l[cardinality(x.l)] as t, x.l[cardinality(x.l) / 2 + 1:] as c
                from (select (g.parts[1]).l as l) x) o
       where cardinality(g.parts) = 1 and (g.parts[1]).s = 1
      union all
      -- several: bisection over the bucket index. M(x), the running total of the merged
      -- histogram at bucket x, is the sum over the parts of each one's total at its last bucket
      -- <= x (width_bucket), so no histogram is expanded; for each quantile the smallest x with
      -- M(x) >= its rank, keeping M(lo) < rank <= M(hi) while halving [lo, hi] (about 10 steps)
      select * from (
        with recursive p as materialized (
          select m.s, m.l[1:cardinality(m.l) / 2] as b, m.l[cardinality(m.l) / 2 + 1:] as c
            from unnest(g.parts) as m(s, l)
        ), t as (
          select sum(p.s * p.c[cardinality(p.c)]) as n, min(p.b[1]) - 1 as lo, max(p.b[cardinality(p.b)]) as hi from p
        ), bs(q, r, lo, hi) as (
          select q.q, (q.q * t.n + 99) / 100, t.lo, t.hi from t, (values (50), (95), (99)) as q(q) where t.n > 0
          union all
          select bs.q, bs.r, case when y.m >= bs.r then bs.lo else x.mid end, case when y.m >= bs.r then x.mid else bs.hi end
            from bs
           cross join lateral (select (bs.lo + bs.hi) / 2 as mid) x
           cross join lateral (select sum(p.s * coalesce(p.c[width_bucket(x.mid, p.b)], 0)) as m from p) y
           where bs.hi - bs.lo > 1
        )
        select (select t.n from t) as timed,
               (select bs.hi from bs where bs.q = 50 and bs.hi - bs.lo <= 1) as b50,
               (select bs.hi from bs where bs.q = 95 and bs.hi - bs.lo <= 1) as b95,
               (select bs.hi from bs where bs.q = 99 and bs.hi - bs.lo <= 1) as b99
      ) several
       where cardinality(g.parts) > 1 or (g.parts[1]).s = -1
    ) h on true$l$
    else 'cross join (select 0::bigint as timed, null::integer as b50, null::integer as b95, null::integer as b99) h' end)
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

-- The user's days are read from the day grain: the self-only role reads its own rows of it, as it
-- reads its own rows of the minute and hour grain.
grant select on sms_monitor.sms_metric_rollups_daily to sms_monitor_self;
drop policy if exists sms_metric_rollups_daily_self_own on sms_monitor.sms_metric_rollups_daily;
create policy sms_metric_rollups_daily_self_own on sms_monitor.sms_metric_rollups_daily
  for select to sms_monitor_self using (user_id = sms_monitor._caller_user_id());
--! Included functions/get_user_sms_metrics.sql
-- One row per reporting day for one user: the last p_days days including today (the reporting day
-- that contains p_now, default now()), oldest first, never a day after it. Days without traffic
-- are present with zero counts and NULL rates/means. Counts are numeric, never bigint: a sum of
-- buckets can never overflow a reader (each bucket holds at most 1e15, but a day has many).
-- Readers and admins may ask for anyone; the self-only role (PostgREST) only for its own sub.
-- Read from the user's day grain (sms_metric_rollups_daily: a row per type and day, whatever the
-- minute or hour rows it sums) plus the user's log rows past the rollup's watermark, in one
-- snapshot: live, each value once.
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
      from (
        select d.metric_date, d.metric_type, d.metric_value, d.sample_count
          from sms_monitor.sms_metric_rollups_daily d
         where d.user_id = p_user_id
           and d.metric_date between v_today - (p_days - 1) and v_today
        union all
        select e.metric_date, e.metric_type, e.metric_value, 1
          from sms_monitor.sms_metric_events e
         where e.id > sms_monitor._rollup_watermark('sms_metrics')
           and e.user_id = p_user_id
           and e.metric_date between v_today - (p_days - 1) and v_today
      ) m
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
