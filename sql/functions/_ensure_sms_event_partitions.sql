-- Creates the daily partitions of sms_metric_events for p_from and the p_days - 1 days after it
-- (UTC days of arrival) that do not exist yet; returns how many it created. Run by the migration,
-- by rollup_sms_metrics() when tomorrow's partition is missing, and by retention. A row whose
-- day has no partition lands in sms_metric_events_default (still recorded and rolled up; retention
-- deletes its rolled-up rows past the log's retention), and that day then stays in the default.
create or replace function sms_monitor._ensure_sms_event_partitions(p_from date, p_days integer)
returns integer
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
declare
  v_day date;
  v_created integer := 0;
begin
  for v_day in select p_from + g from generate_series(0, p_days - 1) g loop
    -- a day that already has rows in the default partition keeps them there (creating its partition
    -- would have to move them): it stays without a partition
    if to_regclass(format('sms_monitor.sms_metric_events_%s', to_char(v_day, 'YYYYMMDD'))) is null
       and not exists (select from sms_monitor.sms_metric_events_default d where d.recorded_on = v_day) then
      execute format('create table sms_monitor.%I partition of sms_monitor.sms_metric_events for values from (%L) to (%L)',
                     'sms_metric_events_' || to_char(v_day, 'YYYYMMDD'), v_day, v_day + 1);
      -- read through the parent only (its policies); the partition itself grants nothing
      execute format('alter table sms_monitor.%I enable row level security', 'sms_metric_events_' || to_char(v_day, 'YYYYMMDD'));
      v_created := v_created + 1;
    end if;
  end loop;
  return v_created;
end;
$$;

comment on function sms_monitor._ensure_sms_event_partitions(date, integer) is
  'Internal: creates the missing daily partitions sms_metric_events_YYYYMMDD for p_days days from p_from.';
revoke all on function sms_monitor._ensure_sms_event_partitions(date, integer) from public;
