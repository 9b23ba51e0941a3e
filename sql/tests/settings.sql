-- settings: one row; reporting_timezone must be a real IANA zone.
begin;
set local search_path = pgtap, sms_monitor, pg_catalog;
select plan(6);

select is((select reporting_timezone from sms_monitor.settings), 'UTC', 'defaults to UTC');
select lives_ok($$update sms_monitor.settings set reporting_timezone = 'Australia/Lord_Howe'$$, 'an IANA zone is accepted');
select throws_ok($$update sms_monitor.settings set reporting_timezone = 'Mars/Olympus'$$,
  '22023', 'reporting_timezone: ''Mars/Olympus'' is not a known IANA time zone (e.g. UTC, Europe/Berlin)', 'unknown zone refused');
select throws_ok($$update sms_monitor.settings set reporting_timezone = 'UTC+5'$$,
  '22023', null, 'a POSIX offset string (sign-inverted by "at time zone") is refused');
select throws_ok($$insert into sms_monitor.settings (id) values (false)$$, '23514', null, 'only one row: id must be true');
select throws_ok($$insert into sms_monitor.settings default values$$, '23505', null, 'only one row');

select * from finish();
rollback;
