-- Login roles for the services of docker-compose.yml, run by its `roles` step after
-- `sms-monitor migrate` (which creates the NOLOGIN group roles sms_monitor_*), as the owner:
--   sms_notifier  member of sms_monitor_notifier (the notifier daemon)
--   sms_server    NOINHERIT member of sms_monitor_authenticator (the HTTP server: it has no rights of its
--                 own and switches per request to the role the bearer token names, PostgREST-style)
-- Idempotent: each role is created once and gets its password on every run. Passwords come from
-- the environment (SMS_MONITOR_NOTIFIER_PASSWORD, SMS_MONITOR_SERVER_PASSWORD, read with \getenv),
-- never from this file or a command line; without SMS_MONITOR_SERVER_PASSWORD there is no server
-- role. SMS_MONITOR_NOTIFIER_ROLE and SMS_MONITOR_SERVER_ROLE rename the roles. Needs psql 15+.
\set ON_ERROR_STOP on
set client_min_messages = warning;
\getenv notifier_password SMS_MONITOR_NOTIFIER_PASSWORD
\getenv server_password SMS_MONITOR_SERVER_PASSWORD
\getenv notifier_role SMS_MONITOR_NOTIFIER_ROLE
\getenv server_role SMS_MONITOR_SERVER_ROLE
\if :{?notifier_role}
\else
  \set notifier_role sms_notifier
\endif
\if :{?server_role}
\else
  \set server_role sms_server
\endif

\if :{?notifier_password}
\else
  do $$ begin raise exception 'SMS_MONITOR_NOTIFIER_PASSWORD: must be set'; end $$;
\endif
select format('create role %I login', :'notifier_role')
 where not exists (select from pg_catalog.pg_roles where rolname = :'notifier_role') \gexec
select format('alter role %I with login password %L', :'notifier_role', :'notifier_password') \gexec
grant sms_monitor_notifier to :"notifier_role";

\if :{?server_password}
  select format('create role %I login noinherit', :'server_role')
   where not exists (select from pg_catalog.pg_roles where rolname = :'server_role') \gexec
  select format('alter role %I with login noinherit password %L', :'server_role', :'server_password') \gexec
  grant sms_monitor_authenticator to :"server_role";
\endif
