// Property (fast-check, seeded): any interleaving and duplication of one message's events, split
// into any batches of record_sms_message_events with the fold (rollup_sms_messages) run after any
// of them, ends in the same message state and the same counters as recording them in order, and
// after every fold the minute buckets (sms_message_minute_stats, kept by deltas) equal a
// from-scratch grouping of sms_messages (_message_minute_rows), every column, and the hour buckets
// (sms_message_hour_stats) the sums of their minutes.
// The events: sent (with price and sender), delivered 2.5 s later (with the carrier), undelivered
// 5 s later (with an error code), each repeated any number of times (a provider retrying a
// callback repeats an event exactly). Every run is its own message and user, so runs do not mix.
// Seeded: SMS_MONITOR_PROPERTY_SEED (default fixed); fast-check prints the seed and path of a
// failing case.
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { freshDatabase, type TestDatabase } from '../../test/db.ts';

let db: TestDatabase;
beforeAll(async () => { db = await freshDatabase(); }, 120_000);
afterAll(async () => { await db?.drop(); });

const T0 = Math.floor(Date.now() / 60_000) * 60_000 - 60 * 60_000;
const iso = (ms: number) => new Date(ms).toISOString();
/** Rows in the buckets and in their recomputation (from sms_messages; hours from minutes) that the other lacks. */
async function bucketDiff(): Promise<number> {
  const [d] = await db.sql<{ n: number }[]>`select count(*)::int as n from (
      (select * from sms_monitor.sms_message_minute_stats
       except all select * from sms_monitor._message_minute_rows('-infinity', 'infinity', true, null))
      union all
      (select * from sms_monitor._message_minute_rows('-infinity', 'infinity', true, null)
       except all select * from sms_monitor.sms_message_minute_stats)) d`;
  const [h] = await db.sql<{ n: number }[]>`with hours as (
      select date_bin('1 hour', t.minute, timestamptz '2000-01-01 00:00:00+00') as minute, t.dimension, t.value, t.carrier_country,
             sum(t.messages)::bigint as messages, sum(t.sent)::bigint as sent, sum(t.delivered)::bigint as delivered,
             sum(t.undelivered)::bigint as undelivered, sum(t.failed)::bigint as failed, sum(t.canceled)::bigint as canceled,
             sum(t.waiting)::bigint as waiting, sms_monitor._latency_histogram_sum(t.latency) as latency,
             sms_monitor._count_map_sum(t.error_codes) as error_codes
        from sms_monitor.sms_message_minute_stats t group by 1, t.dimension, t.value, t.carrier_country)
    select count(*)::int as n from (
      (select * from sms_monitor.sms_message_hour_stats except all select * from hours)
      union all
      (select * from hours except all select * from sms_monitor.sms_message_hour_stats)) d`;
  return d!.n + h!.n;
}

const BASE = [
  { status: 'sent', occurred_at: iso(T0), price_usd: 0.0125, sender: '+15550001111' },
  { status: 'delivered', occurred_at: iso(T0 + 2500), carrier: 'T-Mobile' },
  { status: 'undelivered', occurred_at: iso(T0 + 5000), error_code: '30003' },
];

it('any order, repetition, batching and fold timing gives the same message and counters', async () => {
  const seed = Number(process.env.SMS_MONITOR_PROPERTY_SEED ?? 1010);
  let run = 0;
  const arbPlan = fc.record({
    // each base event once, plus up to 5 repeats, in any order
    order: fc.array(fc.integer({ min: 0, max: 2 }), { maxLength: 5 })
      .chain((extra) => fc.shuffledSubarray([0, 1, 2, ...extra], { minLength: 3 + extra.length, maxLength: 3 + extra.length })),
    // after event i: end the batch there (cut), and fold after that batch (fold)
    cut: fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }),
    fold: fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }),
  });
  await fc.assert(fc.asyncProperty(arbPlan, async ({ order, cut, fold }) => {
    run++;
    const id = `PF${run}`;
    const user = `f0000000-0000-0000-0000-${String(run).padStart(12, '0')}`;
    let batch: Array<Record<string, unknown>> = [];
    for (let i = 0; i < order.length; i++) {
      batch.push({ ...BASE[order[i]!], message_id: id, user_id: user });
      if (cut[i] || i === order.length - 1) {
        await db.sql`select sms_monitor.record_sms_message_events(${JSON.stringify(batch)}::text::jsonb)`;
        batch = [];
        if (fold[i]) {
          await db.sql`select sms_monitor.rollup_sms_messages()`;
          expect(await bucketDiff()).toBe(0);
        }
      }
    }
    await db.sql`select sms_monitor.rollup_sms_messages()`;
    expect(await bucketDiff()).toBe(0);
    const [m] = await db.sql`select final_status, carrier, sender, error_code, price_usd::text,
        sent_at = ${iso(T0)}::timestamptz as sent_ok, delivered_at = ${iso(T0 + 2500)}::timestamptz as delivered_ok,
        undelivered_at = ${iso(T0 + 5000)}::timestamptz as undelivered_ok
      from sms_monitor.sms_messages where message_id = ${id}`;
    expect(m).toEqual({ final_status: 'delivered', carrier: 'T-Mobile', sender: '+15550001111', error_code: '30003',
      price_usd: '0.0125', sent_ok: true, delivered_ok: true, undelivered_ok: true });
    const counters = await db.sql<{ metric_type: string; v: string; n: string }[]>`
      select metric_type, sum(metric_value)::text as v, sum(sample_count)::text as n from sms_monitor.sms_metrics
       where user_id = ${user}::uuid and metric_type <> 'failed_count' group by 1 order by 1`;
    expect(counters).toEqual([
      { metric_type: 'avg_delivery_time_ms', v: '2500.000', n: '1' },
      { metric_type: 'delivered_count', v: '1', n: '1' },
      { metric_type: 'sent_count', v: '1', n: '1' },
      { metric_type: 'sms_cost_usd', v: '0.0125', n: '1' },
    ]);
    // an undelivered counted before the delivery arrived is taken back: it nets to 0
    const [f] = await db.sql`select coalesce(sum(metric_value), 0)::int as v from sms_monitor.sms_metrics
       where user_id = ${user}::uuid and metric_type = 'failed_count'`;
    expect(f).toEqual({ v: 0 });
  }), { seed, numRuns: 60, endOnFailure: true });
}, 300_000);
