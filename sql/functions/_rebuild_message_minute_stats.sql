-- Rebuilds the minute buckets (sms_message_minute_stats) of [p_from, p_to) from sms_messages: the
-- minutes' rows are deleted and grouped again (_message_minute_rows), and the hours the range
-- touches summed again from their minutes (sms_message_hour_stats). The upgrade backfills with
-- it and the read benchmark's seeder builds its buckets with it; the fold keeps them up to date by
-- deltas. The bounds must be whole minutes (22023). Minutes before the retention cut
-- (_message_bucket_cut) are left out, as the fold leaves them. Returns the rows written. Run it
-- where no fold runs concurrently over the same minutes (it takes the fold's lock: rollup_sms_messages).
create or replace function sms_monitor._rebuild_message_minute_stats(p_from timestamptz, p_to timestamptz)
returns bigint
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
declare
  v_count bigint;
  v_from timestamptz;
  v_h_from timestamptz;
  v_h_to timestamptz;
begin
  if p_from is null or p_to is null or p_to < p_from
     or date_bin('1 minute', p_from, timestamptz '2000-01-01 00:00:00+00') <> p_from
     or date_bin('1 minute', p_to, timestamptz '2000-01-01 00:00:00+00') <> p_to then
    raise exception 'rebuild: the range must be whole minutes, from before to (got % to %)', p_from, p_to
      using errcode = '22023';
  end if;
  perform pg_advisory_xact_lock(hashtext('sms_monitor rollup'), hashtext('sms_messages'));
  v_from := greatest(p_from, sms_monitor._message_bucket_cut());
  if v_from >= p_to then
    return 0;
  end if;
  delete from sms_monitor.sms_message_minute_stats t where t.minute >= v_from and t.minute < p_to;
  insert into sms_monitor.sms_message_minute_stats
    (minute, dimension, value, carrier_country, messages, sent, delivered, undelivered, failed, canceled, waiting, latency, error_codes)
  select r.* from sms_monitor._message_minute_rows(v_from, p_to, true, null) r
   order by r.dimension, r.minute, r.value collate "C", r.carrier_country collate "C";
  get diagnostics v_count = row_count;
  -- the hours the range touches, summed again from all their minutes
  v_h_from := date_bin('1 hour', v_from, timestamptz '2000-01-01 00:00:00+00');
  v_h_to := date_bin('1 hour', p_to - interval '1 microsecond', timestamptz '2000-01-01 00:00:00+00') + interval '1 hour';
  delete from sms_monitor.sms_message_hour_stats t where t.minute >= v_h_from and t.minute < v_h_to;
  insert into sms_monitor.sms_message_hour_stats
    (minute, dimension, value, carrier_country, messages, sent, delivered, undelivered, failed, canceled, waiting, latency, error_codes)
  select date_bin('1 hour', t.minute, timestamptz '2000-01-01 00:00:00+00'), t.dimension, t.value, t.carrier_country, sum(t.messages),
         sum(t.sent), sum(t.delivered), sum(t.undelivered), sum(t.failed), sum(t.canceled), sum(t.waiting),
         sms_monitor._latency_histogram_sum(t.latency), sms_monitor._count_map_sum(t.error_codes)
    from sms_monitor.sms_message_minute_stats t
   where t.minute >= v_h_from and t.minute < v_h_to
   group by 1, t.dimension, t.value, t.carrier_country
   order by t.dimension, 1, t.value collate "C", t.carrier_country collate "C";
  return v_count;
end;
$$;

comment on function sms_monitor._rebuild_message_minute_stats(timestamptz, timestamptz) is
  'Internal: recomputes the minute buckets of [p_from, p_to) (whole minutes) from sms_messages; returns the minute rows written.';
revoke all on function sms_monitor._rebuild_message_minute_stats(timestamptz, timestamptz) from public;
