-- GET /api/sms/metrics/receipts: receipt delays, apart from failures. Messages sent between
-- p_minutes and p_after_minutes before p_now (sent long enough ago that a receipt is due) that
-- still have no final status, per carrier and country: sent (all sent in that range), waiting
-- (without a final status), waiting_percent, and the oldest waiting send. Most waiting first; rows
-- with nothing waiting are left out. Counts from the message buckets (_message_stats), the oldest
-- waiting send from sms_messages. Row security applies: a self token sees its own messages.
create or replace function sms_monitor.api_message_receipts(
  p_after_minutes integer default 10,
  p_minutes integer default 1440,
  p_now timestamptz default now()
)
returns jsonb
language plpgsql
stable
security invoker
set search_path = pg_catalog, pg_temp
as $$
declare
  v_from timestamptz;
  v_to timestamptz;
  v_data jsonb;
begin
  if p_after_minutes is null or p_after_minutes < 1 or p_after_minutes > 10080 then
    raise exception 'after_minutes: must be between 1 and 10080 (7 days) (got %)', coalesce(p_after_minutes::text, 'NULL')
      using errcode = '22023';
  end if;
  if p_minutes is null or p_minutes <= p_after_minutes or p_minutes > 44640 then
    raise exception 'minutes: must be more than after_minutes (%) and at most 44640 (got %)', p_after_minutes,
      coalesce(p_minutes::text, 'NULL') using errcode = '22023';
  end if;
  select w.from_at into v_from from sms_monitor._message_window(p_minutes, null, null, p_now) w;
  v_to := p_now - make_interval(mins => p_after_minutes);

  -- sent and waiting per carrier and country from the carrier buckets (split by country); the
  -- oldest waiting send from the few messages still waiting (sms_messages_waiting_idx)
  with w as (
    select s.carrier, s.country, min(s.sent_at) as oldest
      from sms_monitor.sms_messages s
     where s.final_status is null and s.sent_at >= v_from and s.sent_at < v_to
     group by s.carrier, s.country
  ), k as (
    select m.value as carrier, m.carrier_country as country, m.sent, m.waiting, w.oldest
      from sms_monitor._message_stats('carrier', v_from, v_to, null, false, false, true) m
      join w on w.carrier is not distinct from m.value and w.country is not distinct from m.carrier_country
  )
  select coalesce(jsonb_agg(jsonb_build_object(
           'carrier', k.carrier, 'country', k.country, 'sent', k.sent, 'waiting', k.waiting,
           'waiting_percent', round(100 * k.waiting::numeric / k.sent, 2),
           'oldest_waiting_sent_at', sms_monitor._iso_utc(k.oldest))
         order by k.waiting desc, k.carrier collate "C" asc nulls last, k.country collate "C" asc nulls last), '[]'::jsonb)
    into v_data
    from k
   where k.waiting > 0;
  return jsonb_build_object(
    'success', true,
    'after_minutes', p_after_minutes,
    'start', sms_monitor._iso_utc(v_from),
    'end', sms_monitor._iso_utc(v_to),
    'data', v_data);
end;
$$;

comment on function sms_monitor.api_message_receipts(integer, integer, timestamptz) is
  'GET /receipts: {success, after_minutes, start, end, data: [{carrier, country, sent, waiting, waiting_percent, '
  'oldest_waiting_sent_at}]}: messages sent between p_minutes (default 1440) and p_after_minutes (default 10, 1-10080) '
  'ago still without a final status, per carrier and country, most waiting first. Bad parameters: 22023.';
revoke all on function sms_monitor.api_message_receipts(integer, integer, timestamptz) from public;
grant execute on function sms_monitor.api_message_receipts(integer, integer, timestamptz)
  to sms_monitor_reader, sms_monitor_self, sms_monitor_admin;
