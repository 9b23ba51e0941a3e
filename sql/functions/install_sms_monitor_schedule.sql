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
