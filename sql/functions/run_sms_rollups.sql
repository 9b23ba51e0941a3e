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
