create or replace function sms_monitor.uninstall_sms_monitor_schedule()
returns integer
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
declare
  v_count integer := 0;
  v_id bigint;
begin
  if not exists (select from pg_extension e where e.extname = 'pg_cron') then
    return 0;
  end if;
  for v_id in execute 'select jobid from cron.job where jobname like ''sms-monitor-%'' order by jobid' loop
    execute 'select cron.unschedule($1)' using v_id;
    v_count := v_count + 1;
  end loop;
  return v_count;
end;
$$;

comment on function sms_monitor.uninstall_sms_monitor_schedule() is
  'Removes the sms-monitor-* pg_cron jobs (e.g. where an external scheduler or notifier --evaluate-every runs the '
  'checks instead); returns how many were removed.';
revoke all on function sms_monitor.uninstall_sms_monitor_schedule() from public;
