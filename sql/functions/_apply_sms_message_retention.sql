-- Retention of the message tables (called by _apply_sms_retention with metric_retention_days):
-- the message buckets (sms_message_minute_stats, sms_message_hour_stats) before the whole hour
-- that contains now - p_days (_message_bucket_cut, advanced first: it locks the fold's watermark
-- row, so a running fold finishes first and the next one waits, then writes no bucket before the
-- cut): both grains are cut at the same hour, so every hour bucket kept is still the sum of its
-- minute buckets. Messages nothing has arrived for since the clock-skew bound before the cut
-- (sms_messages.updated_at): every event of such a message lies before the cut, so none of its
-- bucket counts is kept, and a late event for it (a new row) counts in no kept minute twice.
-- Message log rows that arrived before now - p_days. The counters live on in the rollups until
-- those age out too.
create or replace function sms_monitor._apply_sms_message_retention(p_now timestamptz, p_days integer)
returns table (target text, deleted bigint)
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
declare
  v_count bigint;
  v_bucket_cut timestamptz;
begin
  -- the cut never moves back (a longer retention setting does not bring deleted buckets back)
  update sms_monitor.sms_rollup_watermarks w
     set bucket_cut = greatest(w.bucket_cut,
                               date_bin('1 hour', p_now - make_interval(days => p_days), timestamptz '2000-01-01 00:00:00+00'))
   where w.rollup_name = 'sms_messages';
  v_bucket_cut := sms_monitor._message_bucket_cut();
  delete from sms_monitor.sms_messages m where m.updated_at < v_bucket_cut - sms_monitor._max_clock_skew();
  get diagnostics v_count = row_count;
  target := 'sms_monitor.sms_messages'; deleted := v_count; return next;
  delete from sms_monitor.sms_message_events e
   where e.recorded_on < ((p_now - make_interval(days => p_days)) at time zone 'UTC')::date;
  get diagnostics v_count = row_count;
  target := 'sms_monitor.sms_message_events'; deleted := v_count; return next;
  delete from sms_monitor.sms_message_minute_stats t where t.minute < v_bucket_cut;
  get diagnostics v_count = row_count;
  target := 'sms_monitor.sms_message_minute_stats'; deleted := v_count; return next;
  delete from sms_monitor.sms_message_hour_stats t where t.minute < v_bucket_cut;
  get diagnostics v_count = row_count;
  target := 'sms_monitor.sms_message_hour_stats'; deleted := v_count; return next;
end;
$$;

comment on function sms_monitor._apply_sms_message_retention(timestamptz, integer) is
  'Internal: deletes the minute and hour buckets before the whole hour containing now - p_days (advancing '
  '_message_bucket_cut), messages untouched since the clock-skew bound before that cut, and message log rows '
  'recorded before now - p_days.';
revoke all on function sms_monitor._apply_sms_message_retention(timestamptz, integer) from public;
