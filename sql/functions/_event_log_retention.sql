-- How long the raw event log keeps a day's partition after every row in it was rolled up: the
-- rollups hold the figures; the raw rows are kept this long for inspection and re-rollups.
create or replace function sms_monitor._event_log_retention()
returns interval
language sql
immutable
parallel safe
as $$
  select interval '3 days';
$$;

comment on function sms_monitor._event_log_retention() is
  'Internal constant: 3 days, how long apply_sms_retention() keeps a rolled-up partition of sms_metric_events.';
revoke all on function sms_monitor._event_log_retention() from public;
