// record_sms_message_events and the fold from several connections at once, over the same
// messages in different orders: no deadlock, no lost or doubled count (writers only append; folds
// are serialized by their claim and take each logged event exactly once; each (message, status)
// counts once).
import { afterAll, beforeAll, expect, it } from 'vitest';
import { freshDatabase, type TestDatabase } from '../../test/db.ts';

let db: TestDatabase;
beforeAll(async () => { db = await freshDatabase(); });
afterAll(async () => { await db?.drop(); });

it('overlapping concurrent batches, each followed by a fold, count every message once', async () => {
  const ids = Array.from({ length: 300 }, (_, i) => `CC${String(i).padStart(4, '0')}`);
  const base = Date.now();
  const sentAt = new Date(base - 120_000).toISOString();
  const deliveredAt = new Date(base - 119_000).toISOString();
  const events = ids.flatMap((id) => [
    { message_id: id, status: 'sent', occurred_at: sentAt, carrier: 'Orange' },
    { message_id: id, status: 'delivered', occurred_at: deliveredAt },
  ]);
  // six writers: forward, backward and interleaved orders of the same events, each split in two batches
  const orders = [events, [...events].reverse(), events.filter((_, i) => i % 2 === 1).concat(events.filter((_, i) => i % 2 === 0))];
  const writers = [...orders, ...orders].map((order) => {
    const sql = db.connect({ max: 1 });
    return (async () => {
      for (const part of [order.slice(0, order.length / 2), order.slice(order.length / 2)]) {
        await sql`select sms_monitor.record_sms_message_events(${JSON.stringify(part)}::text::jsonb)`;
        await sql`select sms_monitor.rollup_sms_messages()`;
      }
    })();
  });
  await Promise.all(writers);
  // every fold ran after its own batch committed, so nothing is left for a last one
  expect((await db.sql`select sms_monitor.rollup_sms_messages()::int as n`)[0]!.n).toBe(0);
  const rows = await db.sql<{ metric_type: string; v: string; n: string }[]>`
    select metric_type, sum(metric_value)::text as v, sum(sample_count)::text as n from sms_monitor.sms_metrics group by 1 order by 1`;
  expect(rows).toEqual([
    { metric_type: 'avg_delivery_time_ms', v: '300000.000', n: '300' },
    { metric_type: 'delivered_count', v: '300', n: '300' },
    { metric_type: 'sent_count', v: '300', n: '300' },
  ]);
  // the log keeps every event: six writers x 600
  expect((await db.sql`select count(*)::int as n from sms_monitor.sms_message_events`)[0]!.n).toBe(3600);
});

it('the rollup job (run_sms_rollups) folds message events, then rolls their counters up', async () => {
  const at = new Date(Date.now() - 60_000).toISOString();
  await db.sql`select sms_monitor.record_sms_message_events(${JSON.stringify([
    { message_id: 'JOB1', status: 'sent', occurred_at: at, carrier: 'Orange' },
    { message_id: 'JOB1', status: 'failed', occurred_at: at, error_code: '30008' },
    { message_id: 'JOB1', status: 'failed', occurred_at: at },
  ])}::text::jsonb)`;
  expect((await db.sql`select count(*)::int as n from sms_monitor.sms_messages where message_id = 'JOB1'`)[0]!.n).toBe(0);
  await db.sql`call sms_monitor.run_sms_rollups(0, 0.1)`;
  const [m] = await db.sql`select final_status, error_code, carrier from sms_monitor.sms_messages where message_id = 'JOB1'`;
  expect(m).toEqual({ final_status: 'failed', error_code: '30008', carrier: 'Orange' });
  // both watermarks are at the end of their logs: the counters are in the rollups, no tail left
  const marks = await db.sql<{ rollup_name: string; behind: boolean }[]>`
    select rollup_name, last_id < coalesce(pg_sequence_last_value(case rollup_name when 'sms_messages'
             then 'sms_monitor.sms_message_events_id_seq' else 'sms_monitor.sms_metric_events_id_seq' end::regclass), 0) as behind
      from sms_monitor.sms_rollup_watermarks where rollup_name in ('sms_messages', 'sms_metrics') order by 1`;
  expect(marks).toEqual([{ rollup_name: 'sms_messages', behind: false }, { rollup_name: 'sms_metrics', behind: false }]);
  const [f] = await db.sql`select sum(metric_value)::int as v from sms_monitor.sms_metric_rollups where metric_type = 'failed_count'`;
  expect(f).toEqual({ v: 1 });
});
