-- The rows of sms_metrics_user_daily from p_from to p_to inclusive (a live view). For api_top_users.
create or replace function sms_monitor._user_days_from_view(p_from date, p_to date)
returns setof sms_monitor.sms_metrics_user_daily
language sql
stable
security invoker
set search_path = pg_catalog, pg_temp
as $$
  select d.* from sms_monitor.sms_metrics_user_daily d where d.metric_date between p_from and p_to;
$$;

comment on function sms_monitor._user_days_from_view(date, date) is
  'Internal: sms_metrics_user_daily rows of p_from..p_to.';
revoke all on function sms_monitor._user_days_from_view(date, date) from public;
grant execute on function sms_monitor._user_days_from_view(date, date) to sms_monitor_reader, sms_monitor_admin;
