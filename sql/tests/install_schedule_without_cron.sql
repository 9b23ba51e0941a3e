-- install_sms_monitor_schedule() where pg_cron is not installed (every database but
-- cron.database_name): it says so with 55000 instead of half-registering anything.
begin;
set local search_path = pgtap, sms_monitor, pg_catalog;
select plan(2);
select is((select count(*)::int from pg_extension where extname = 'pg_cron'), 0,
  'pg_cron is not installed in this database (npm test runs sql/tests/ outside cron.database_name)');
select throws_ok('select * from sms_monitor.install_sms_monitor_schedule()', '55000', null,
  'install without pg_cron says so (55000)');
select * from finish();
rollback;
