-- Work in progress for the next migration (tests apply it on top of the committed ones).
-- Tables and indexes inline; functions and views with --!include functions/<name>.sql.
-- Commit it with: bash scripts/migration-commit.sh

-- ==== issue 8: HTTP API, dashboard page, simulator ====
-- The HTTP server (sms-monitor serve) connects as a LOGIN role that is a member of this one and,
-- per request, runs `set local role` to the role the bearer token names, PostgREST-style.
-- NOINHERIT: the authenticator itself has none of their rights until it switches.
do $$
begin
  if not exists (select from pg_roles where rolname = 'sms_monitor_authenticator') then
    create role sms_monitor_authenticator nologin noinherit;
  end if;
end;
$$;
alter role sms_monitor_authenticator noinherit;
comment on role sms_monitor_authenticator is
  'sms-monitor: the HTTP server''s role (PostgREST authenticator): may only SET ROLE to admin, reader or self.';
grant sms_monitor_admin, sms_monitor_reader, sms_monitor_self to sms_monitor_authenticator;
--!include views/sms_metrics_user_daily.sql
--!include functions/refresh_sms_metrics_daily.sql
--!include functions/_daily_metrics_series.sql
--!include functions/api_daily_metrics.sql
--!include functions/_user_days_from_view.sql
-- api_top_users gained p_live: no overloads (PostgREST cannot choose between them).
drop function if exists sms_monitor.api_top_users(integer, text, integer, timestamptz);
--!include functions/api_top_users.sql
--!include functions/api_health.sql
--!include functions/api_alert_detail.sql
--!include functions/api_alert_rules.sql
--!include functions/api_prometheus_metrics.sql
