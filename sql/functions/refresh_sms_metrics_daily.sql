-- Refresh without blocking readers (CONCURRENTLY needs the unique index on metric_date). The very
-- first refresh of an unpopulated view cannot be concurrent; nobody can be reading it then.
-- A refresh error is raised, never swallowed (the original's froze the view silently).
create or replace function sms_monitor.refresh_sms_metrics_daily()
returns void
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
begin
  if (select c.relispopulated from pg_class c
       where c.oid = 'sms_monitor.sms_metrics_daily'::regclass) then
    refresh materialized view concurrently sms_monitor.sms_metrics_daily;
  else
    refresh materialized view sms_monitor.sms_metrics_daily;
  end if;
  -- The per-user days behind api_top_users (issue 8), refreshed on the same schedule.
  if (select c.relispopulated from pg_class c
       where c.oid = 'sms_monitor.sms_metrics_user_daily'::regclass) then
    refresh materialized view concurrently sms_monitor.sms_metrics_user_daily;
  else
    refresh materialized view sms_monitor.sms_metrics_user_daily;
  end if;
end;
$$;

comment on function sms_monitor.refresh_sms_metrics_daily() is
  'Refreshes sms_metrics_daily and sms_metrics_user_daily without blocking readers (REFRESH ... CONCURRENTLY).';
revoke all on function sms_monitor.refresh_sms_metrics_daily() from public;
grant execute on function sms_monitor.refresh_sms_metrics_daily() to sms_monitor_admin;
