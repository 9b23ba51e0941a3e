import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase, type TestDatabase } from './db.ts';

let db: TestDatabase;
beforeAll(async () => { db = await freshDatabase(); });
afterAll(async () => { await db?.drop(); });

describe('concurrent recording', () => {
  it('4 connections incrementing one NULL-user key 2,000 times give the exact sum', async () => {
    const pools = Array.from({ length: 4 }, () => db.connect({ max: 1 }));
    const perConnection = 500;
    await Promise.all(pools.map(async (p, i) => {
      for (let n = 0; n < perConnection; n++) {
        await p`select sms_monitor.record_sms_metric('2026-05-01', null, null, 'sent_count', ${i + 1})`;
      }
    }));
    const rows = await db.sql`select metric_value::text as v, sample_count::int as n from sms_monitor.sms_metrics
      where metric_date = '2026-05-01' and metric_type = 'sent_count'`;
    // 500 × (1 + 2 + 3 + 4) = 5,000 in 2,000 samples, in exactly one row.
    expect(rows).toEqual([{ v: '5000', n: 2000 }]);
  });
});
