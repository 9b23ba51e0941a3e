-- The rows of sms_metrics_user_daily from p_from to p_to inclusive, or none while the view has
-- never been refreshed (scanning it then would be an error; a function's query is planned only
-- when it runs). For api_top_users.
create or replace function sms_monitor._user_days_from_view(p_from date, p_to date)
returns setof sms_monitor.sms_metrics_user_daily
language plpgsql
stable
security invoker
set search_path = pg_catalog, pg_temp
as $$
begin
  if (select c.relispopulated from pg_catalog.pg_class c
       where c.oid = 'sms_monitor.sms_metrics_user_daily'::regclass) then
    return query select d.* from sms_monitor.sms_metrics_user_daily d where d.metric_date between p_from and p_to;
  end if;
end;
$$;

comment on function sms_monitor._user_days_from_view(date, date) is
  'Internal: sms_metrics_user_daily rows of p_from..p_to, none before the view''s first refresh.';
revoke all on function sms_monitor._user_days_from_view(date, date) from public;
grant execute on function sms_monitor._user_days_from_view(date, date) to sms_monitor_reader, sms_monitor_admin;
