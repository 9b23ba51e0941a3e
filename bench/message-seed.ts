// Seeds sms_messages directly (the state rows the fold would have written), one statement per day,
// for the message read benchmark (bench/sections/63-message-reads.ts). The mix:
// - 8 carriers in 4 countries, the first ones busiest; 50 senders (35 long codes, 10 short codes,
//   3 toll-free, 2 alphanumeric); 100 users; Twilio 70 %, Telnyx 30 %; classes otp 40 %,
//   transactional 35 %, marketing 20 %, other 5 %; 1 or 2 segments.
// - final status: about 2 % undelivered or failed (8 % on one carrier), error codes 30003, 30005,
//   30006, 30007, 30008 among those; 0.3 % without a final status yet (receipts not arrived);
//   the rest delivered after 0.5 s plus an exponential tail (median about 2.2 s, p95 about 8 s).
// Sent times spread evenly over each day back from now. No sms_message_events or counters. Then
// the minute buckets the readers merge (sms_message_minute_stats) are built from sms_messages the
// way the upgrade backfills them (_rebuild_message_minute_stats), a day at a time.
import type postgres from 'postgres';

const SEED_DAY = `
with m as (
  select g,
         now() - make_interval(days => $1::int) - (g::double precision / $2::int) * interval '1 day' as sent_at,
         1 + least(7, floor(8 * power(random(), 1.6)))::int as c,
         random() as r_status, random() as r_lat, random() as r_code,
         floor(random() * 50)::int as s, random() as r_class
    from generate_series(1, $2::int) g
), a as (
  select m.*,
         (array['Verizon','T-Mobile','AT&T','Telekom DE','Vodafone DE','EE','O2 UK','Orange FR'])[c] as carrier,
         (array['US','US','US','DE','DE','GB','GB','FR'])[c] as country,
         case when r_status >= 0.997 then null
              when r_status < (case when c = 8 then 0.04 else 0.01 end) then 'undelivered'
              when r_status < (case when c = 8 then 0.08 else 0.02 end) then 'failed'
              else 'delivered' end as final_status,
         make_interval(secs => 0.5 + 2.5 * -ln(greatest(r_lat, 1e-9))) as latency
    from m
)
insert into sms_monitor.sms_messages (message_id, user_id, provider, sender, sender_type, carrier, country, error_code,
  segments, price_usd, price_at, message_class, queued_at, sent_at, delivered_at, undelivered_at, failed_at,
  final_status, final_at, final_user_id, first_recorded_at, updated_at)
select 'SMseed' || $1::int || 'x' || g,
       ('b4000000-0000-0000-0000-' || lpad((g % 100)::text, 12, '0'))::uuid,
       case when g % 10 < 7 then 'twilio' else 'telnyx' end,
       case when s < 35 then '+1555010' || lpad(s::text, 4, '0') when s < 45 then (20000 + s)::text
            when s < 48 then '+1888555' || lpad(s::text, 4, '0') else 'ACME' || s end,
       case when s < 35 then 'long_code' when s < 45 then 'short_code' when s < 48 then 'toll_free' else 'alphanumeric' end,
       carrier, country,
       case when final_status in ('undelivered', 'failed') then
         (array['30003','30003','30003','30005','30005','30006','30007','30007','30007','30008'])[1 + floor(r_code * 10)::int] end,
       1 + (g % 7 = 0)::int,
       case when final_status is not null then 0.0079 * (1 + (g % 7 = 0)::int) end,
       case when final_status is not null then sent_at + latency end,
       case when r_class < 0.4 then 'otp' when r_class < 0.75 then 'transactional' when r_class < 0.95 then 'marketing' else 'other' end,
       sent_at - interval '200 milliseconds', sent_at,
       case when final_status = 'delivered' then sent_at + latency end,
       case when final_status = 'undelivered' then sent_at + latency end,
       case when final_status = 'failed' then sent_at + latency end,
       final_status,
       case when final_status is not null then sent_at + latency end,
       case when final_status is not null then ('b4000000-0000-0000-0000-' || lpad((g % 100)::text, 12, '0'))::uuid end,
       sent_at - interval '200 milliseconds',
       coalesce(sent_at + case when final_status is not null then latency end, sent_at)
  from a`;

/** Inserts days x perDay messages (day 0 = the last 24 hours), builds their minute buckets and
 * analyzes; returns the seconds the messages and the buckets took. */
export async function seedMessages(sql: postgres.Sql, days: number, perDay: number,
  progress: (day: number) => void = () => {}): Promise<{ seconds: number; bucketSeconds: number }> {
  const t0 = process.hrtime.bigint();
  for (let d = 0; d < days; d++) {
    await sql.unsafe(SEED_DAY, [d, perDay]);
    progress(d);
  }
  const t1 = process.hrtime.bigint();
  await sql.unsafe(`
    do $$
    declare
      v_lo timestamptz;
      v_hi timestamptz;
    begin
      select date_bin('1 minute', min(coalesce(s.sent_at, s.final_at)), timestamptz '2000-01-01 00:00:00+00'),
             date_bin('1 minute', max(coalesce(s.sent_at, s.final_at)), timestamptz '2000-01-01 00:00:00+00') + interval '1 minute'
        into v_lo, v_hi
        from sms_monitor.sms_messages s;
      while v_lo < v_hi loop
        perform sms_monitor._rebuild_message_minute_stats(v_lo, least(v_hi, v_lo + interval '1 day'));
        v_lo := least(v_hi, v_lo + interval '1 day');
      end loop;
    end
    $$`);
  const t2 = process.hrtime.bigint();
  await sql`vacuum analyze sms_monitor.sms_messages`;
  await sql`vacuum analyze sms_monitor.sms_message_minute_stats`;
  const t3 = process.hrtime.bigint();
  return { seconds: Number(t1 - t0 + t3 - t2) / 1e9, bucketSeconds: Number(t2 - t1) / 1e9 };
}
