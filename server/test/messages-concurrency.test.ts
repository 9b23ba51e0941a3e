// record_sms_message_events from several connections at once, over the same messages in
// different orders: no deadlock, no lost or doubled count (each batch locks its messages in
// message_id order; each (message, status) counts once).
import { afterAll, beforeAll, expect, it } from 'vitest';
import { freshDatabase, type TestDatabase } from '../../test/db.ts';

let db: TestDatabase;
beforeAll(async () => { db = await freshDatabase(); });
afterAll(async () => { await db?.drop(); });

it('overlapping concurrent batches count every message once', async () => {
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
      }
    })();
  });
  await Promise.all(writers);
  const rows = await db.sql<{ metric_type: string; v: string; n: string }[]>`
    select metric_type, sum(metric_value)::text as v, sum(sample_count)::text as n from sms_monitor.sms_metrics group by 1 order by 1`;
  expect(rows).toEqual([
    { metric_type: 'avg_delivery_time_ms', v: '300000.000', n: '300' },
    { metric_type: 'delivered_count', v: '300', n: '300' },
    { metric_type: 'sent_count', v: '300', n: '300' },
  ]);
  expect((await db.sql`select count(*)::int as n from sms_monitor.sms_message_events`)[0]!.n).toBe(600);
});
