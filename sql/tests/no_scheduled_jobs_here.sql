-- Tests own their time: the database these files run in is not cron.database_name, the only
-- database whose pg_cron jobs the launcher starts on its own. Together with
-- sql/tests/scheduler/jobs_stay_home.sql (no job there is scheduled to run in another database),
-- no scheduled job can run here between two statements of a test.
begin;
set local search_path = pgtap, sms_monitor, pg_catalog;
select plan(2);
select isnt(current_database()::text, current_setting('cron.database_name', true),
  'this database is not cron.database_name');
select is((select count(*)::int from pg_namespace where nspname = 'cron'), 0,
  'no cron schema here: no job can be scheduled from this database');
select * from finish();
rollback;
