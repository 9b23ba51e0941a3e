-- Tests own their time: pg_cron (1.4+, cron.schedule_in_database) can run a job in any database of
-- the cluster. Every job is scheduled to run here, in cron.database_name, so none runs in the
-- databases where the other pgTAP files (sql/tests/no_scheduled_jobs_here.sql) and the vitest
-- files run.
begin;
set local search_path = pgtap, sms_monitor, pg_catalog;
select plan(2);
select is(current_database()::text, current_setting('cron.database_name', true),
  'the scheduler tests run in cron.database_name');
select is((select array_agg(format('%s -> %s', jobname, database) order by jobid) from cron.job
            where database <> current_database()), null,
  'no pg_cron job runs in another database');
select * from finish();
rollback;
