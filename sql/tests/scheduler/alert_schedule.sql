-- Schedules and retention: the pg_cron jobs, the install function, and apply_sms_retention's cut-offs.
-- This file needs the scheduler: npm test runs sql/tests/scheduler/ in cron.database_name, where
-- pg_cron is installed and really runs the jobs (the other pgTAP files run where it runs none).
begin;
set local search_path = pgtap, sms_monitor, pg_catalog;
select plan(19);

create function pg_temp.cron_tests() returns setof text language plpgsql as $f$
begin
  if not exists (select from pg_extension where extname = 'pg_cron') then
    return next skip('pg_cron is not installed in this database (only in cron.database_name)', 7);
    return;
  end if;
  return next is(
    (select array_agg(format('%s | %s | %s', jobname, schedule, command) order by jobname collate "C")
       from cron.job where jobname like 'sms-monitor-%'),
    array['sms-monitor-check-alerts | * * * * * | select sms_monitor.check_sms_alerts()',
          'sms-monitor-retention | 17 3 * * * | select sms_monitor.apply_sms_retention()',
          'sms-monitor-rollup | * * * * * | call sms_monitor.run_sms_rollups()'],
    'the migration registered the three named jobs');
  return next is((select count(*)::int from sms_monitor.install_sms_monitor_schedule()), 3, 'install returns the three jobs');
  return next is((select count(*)::int from cron.job where jobname like 'sms-monitor-%'), 3,
    'installing again updates the jobs by name (no duplicates)');
  -- an operator moves a job to a dedicated LOGIN role (docs/alerts.md); installing again keeps it there
  create role sms_monitor_cron_test login in role sms_monitor_admin;
  perform cron.alter_job(j.jobid, username => 'sms_monitor_cron_test') from cron.job j where j.jobname = 'sms-monitor-check-alerts';
  perform sms_monitor.install_sms_monitor_schedule();
  return next is((select count(*)::int from cron.job where jobname like 'sms-monitor-%'), 3,
    'installing again after a job was moved to another role adds no second set');
  return next is((select array_agg(username::text) from cron.job where jobname = 'sms-monitor-check-alerts'), '{sms_monitor_cron_test}',
    '... and leaves the job with the role it was moved to');
  return next is(sms_monitor.uninstall_sms_monitor_schedule(), 3, 'uninstall removes them');
  return next is((select count(*)::int from cron.job where jobname like 'sms-monitor-%'), 0, '... all of them');
end $f$;
select * from pg_temp.cron_tests();


-- retention
select is((select array[metric_retention_days, notification_retention_days, job_run_retention_days] from sms_monitor.settings),
  array[400, 30, 14], 'retention defaults: 400 days of metrics, 30 of sent notifications, 14 of job runs');
select throws_ok($$update sms_monitor.settings set metric_retention_days = 31$$, '23514', null,
  'metric retention below 32 days is refused (the cost baseline needs 30 days)');
select sms_monitor._record_metric('2030-06-01'::date - 401, 10, null, 'sent_count', 1);
select sms_monitor._record_metric('2030-06-01'::date - 401, null, null, 'sent_count', 1);
select sms_monitor._record_metric('2030-06-01'::date - 400, 10, null, 'sent_count', 1);
select sms_monitor._record_metric('2030-06-01', 10, null, 'sent_count', 1);
-- b1: resolved long ago; b2: still open (its sent trigger is how a resolve finds its channels);
-- b3: resolved after the cut-off (2030-05-02 12:00)
insert into sms_monitor.sms_alert_history (id, alert_type, severity, metric, comparison, threshold_value, window_minutes,
  message, triggered_at, resolved_at, resolved_by) values
  ('00000000-0000-0000-0000-0000000000b1', 'delivery_rate_critical', 'critical', 'delivery_rate', '<', 90, 60, 'old',
   '2030-04-01Z', '2030-04-02Z', 'auto'),
  ('00000000-0000-0000-0000-0000000000b2', 'llm_failure_critical', 'critical', 'llm_failure_rate', '>', 50, 60, 'open',
   '2030-04-01Z', null, null),
  ('00000000-0000-0000-0000-0000000000b3', 'opt_out_rate_warning', 'warning', 'opt_out_rate', '>', 10, 60, 'late',
   '2030-04-01Z', '2030-05-02 12:01Z', 'auto');
insert into sms_monitor.sms_alert_notifications (alert_id, channel, event, payload, status, sent_at) values
  ('00000000-0000-0000-0000-0000000000b2', 'pagerduty', 'trigger', '{"k": "open incident"}', 'sent', '2030-04-01 00:01Z'),
  ('00000000-0000-0000-0000-0000000000b3', 'slack', 'trigger', '{"k": "resolved after the cut-off"}', 'sent', '2030-04-01 00:01Z');
insert into sms_monitor.sms_alert_notifications (alert_id, channel, event, payload, status, sent_at) values
  ('00000000-0000-0000-0000-0000000000b1', 'slack', 'trigger', '{"k": "old sent"}', 'sent', '2030-05-02 11:59Z'),
  ('00000000-0000-0000-0000-0000000000b1', 'pagerduty', 'trigger', '{"k": "recent sent"}', 'sent', '2030-05-02 12:01Z'),
  ('00000000-0000-0000-0000-0000000000b1', 'email', 'trigger', '{"k": "old failed"}', 'failed', null),
  ('00000000-0000-0000-0000-0000000000b1', 'log', 'trigger', '{"k": "old pending"}', 'pending', null);
update sms_monitor.sms_alert_notifications set created_at = '2030-04-01Z' where alert_id = '00000000-0000-0000-0000-0000000000b1';

create function pg_temp.job_runs() returns setof text language plpgsql as $f$
begin
  if to_regclass('cron.job_run_details') is null then
    return next skip('no cron.job_run_details here', 1);
    return;
  end if;
  -- pg_cron really runs jobs in this database (cron.database_name) and adds rows of its own,
  -- ended now, so before the cut-off too: hold its writes until the rollback and count them.
  execute 'lock table cron.job_run_details in exclusive mode';
  execute $q$insert into cron.job_run_details (jobid, job_pid, database, username, command, status, return_message, start_time, end_time)
    values (1, 1, 'x', 'x', 'select 1', 'succeeded', 'old', '2030-05-17 11:00Z', '2030-05-17 11:59Z'),
           (1, 1, 'x', 'x', 'select 1', 'succeeded', 'new', '2030-05-18 12:00Z', '2030-05-18 12:01Z')$q$;
  execute $q$create temp table cron_before as
    select count(*) filter (where end_time < '2030-05-18 12:00Z') as old from cron.job_run_details$q$;
  return next ok(true, 'fake job runs inserted');
end $f$;
select * from pg_temp.job_runs();

create temp table ret as select * from sms_monitor._apply_sms_retention('2030-06-01 12:00Z');
select is((select deleted from ret where target = 'sms_monitor.sms_metrics'), 2::bigint,
  'metrics: the hourly and the daily bucket of day 401 go, day 400 stays');
select is((select array_agg(metric_date order by metric_date) from sms_monitor.sms_metrics),
  array['2030-06-01'::date - 400, '2030-06-01'], 'what is left');
select is((select deleted from ret where target = 'sms_monitor.sms_alert_notifications'), 1::bigint,
  'notifications: only the one sent more than 30 days ago, of an incident resolved before then');
select is((select array_agg(payload ->> 'k' order by id) from sms_monitor.sms_alert_notifications),
  array['open incident', 'resolved after the cut-off', 'recent sent', 'old failed', 'old pending'],
  'failed and pending rows are kept, whatever their age, and so are the sent rows of incidents open at the cut-off');
select is(sms_monitor._alert_told_channels('00000000-0000-0000-0000-0000000000b2'), '{pagerduty}',
  'so the open incident''s resolve still finds the channel it was announced on');

create function pg_temp.job_runs_after() returns setof text language plpgsql as $f$
begin
  if to_regclass('cron.job_run_details') is null then
    return next ok(not exists (select from ret where target = 'cron.job_run_details'), 'no cron.job_run_details: not a target');
    return next skip('no cron.job_run_details here', 1);
    return;
  end if;
  return next is((select deleted from ret where target = 'cron.job_run_details'), (select old from cron_before),
    'cron.job_run_details: every run that ended more than 14 days ago goes (ours, and pg_cron''s own of today)');
  return next results_eq($q$select return_message from cron.job_run_details where jobid = 1 and database = 'x'$q$,
    $q$values ('new')$q$, 'of the two fake runs, the old one went and the new one stays');
end $f$;
select * from pg_temp.job_runs_after();

update sms_monitor.settings set metric_retention_days = 32;
select is((select deleted from sms_monitor._apply_sms_retention('2030-06-01 12:00Z') where target = 'sms_monitor.sms_metrics'),
  1::bigint, 'a shorter metric retention setting takes effect');
select is((select array_agg(metric_date) from sms_monitor.sms_metrics), array['2030-06-01'::date], 'only the recent day is left');

select * from finish();
rollback;
