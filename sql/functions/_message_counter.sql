-- Appends one counter value a message event causes to sms_metric_events, bucketed at p_at in the
-- reporting timezone (to the minute), so rollup_sms_metrics and every reader count it like a value
-- recorded with record_sms_events. p_value may be -1: a final status that lost to a higher-ranked
-- one takes its 1 back (docs/messages.md, "Two final statuses").
create or replace function sms_monitor._message_counter(
  p_user_id uuid,
  p_metric_type text,
  p_value numeric,
  p_at timestamptz,
  p_tz text
)
returns void
language sql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
  insert into sms_monitor.sms_metric_events
    (user_id, metric_type, metric_date, metric_hour, metric_minute, metric_value, metadata)
  select coalesce(p_user_id, sms_monitor._system_wide_user()), p_metric_type, (l.at)::date,
         extract(hour from l.at)::smallint, extract(minute from l.at)::smallint, p_value, null
    from (select p_at at time zone p_tz as at) l;
$$;

comment on function sms_monitor._message_counter(uuid, text, numeric, timestamptz, text) is
  'Internal: appends one counter value caused by a message event to sms_metric_events.';
revoke all on function sms_monitor._message_counter(uuid, text, numeric, timestamptz, text) from public;
