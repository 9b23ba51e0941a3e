import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase, type TestDatabase } from '../../test/db.ts';

let db: TestDatabase;
beforeAll(async () => { db = await freshDatabase(); });
afterAll(async () => { await db?.drop(); });

const user = (n: number) => `f0000000-0000-0000-0000-${String(n).padStart(12, '0')}`;

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

  it('concurrent overlapping batches finish and add up exactly', async () => {
    // 40 users × 3 types = 120 keys; every batch is a different shuffled subset of 80 of them (a
    // seeded generator keeps the run repeatable), so batches overlap partially and list keys in
    // different orders. The next test proves the fixed lock order that rules out deadlocks here.
    const keys: Array<{ metric_type: string; user_id: string | null; occurred_at: string }> = [];
    for (let u = 0; u < 40; u++) {
      for (const t of ['sent_count', 'delivered_count', 'failed_count']) {
        keys.push({ metric_type: t, user_id: u % 10 === 0 ? null : user(u), occurred_at: '2026-05-02T12:34:56Z' });
      }
    }
    let seed = 42;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    const batchFor = () => {
      const copy = keys.map((k, i) => ({ k, i, r: rand() })).sort((a, b) => a.r - b.r).slice(0, 80);
      return copy.map((c) => ({ ...c.k, value: 1 + (c.i % 3) }));
    };
    const connections = 6;
    const rounds = 15;
    const batches = Array.from({ length: connections }, () => Array.from({ length: rounds }, batchFor));
    // Expected totals, computed here: NULL users 0, 10, 20, 30 share one bucket per type.
    const expected = new Map<string, number>();
    for (const b of batches.flat(2)) {
      const k = `${b.user_id}|${b.metric_type}`;
      expected.set(k, (expected.get(k) ?? 0) + b.value);
    }
    const pools = Array.from({ length: connections }, () => db.connect({ max: 1 }));
    const recorded = await Promise.all(pools.map(async (p, i) => {
      let n = 0;
      for (const batch of batches[i]!) {
        const [row] = await p`select sms_monitor.record_sms_events(${JSON.stringify(batch)}::text::jsonb) as n`;
        n += row!.n as number;
      }
      return n;
    }));
    expect(recorded).toEqual(Array(connections).fill(80 * rounds));
    const rows = await db.sql<{ k: string; v: number }[]>`
      select coalesce(user_id::text, 'null') || '|' || metric_type as k, metric_value::int as v
        from sms_monitor.sms_metrics where metric_date = '2026-05-02'`;
    expect(new Map(rows.map((r) => [r.k, r.v]))).toEqual(expected);
  });

  it('a batch never waits on another writing the same buckets (writers only append)', async () => {
    // 20 existing buckets; another transaction has written all of them again and stays open. A
    // batch listing them backwards completes while it is open: no writer locks a bucket row.
    const keys = Array.from({ length: 20 }, (_, i) => ({
      metric_type: 'sent_count', user_id: user(100 + i), occurred_at: '2026-05-04T10:00:00Z',
    }));
    await db.sql`select sms_monitor.record_sms_events(${JSON.stringify(keys)}::text::jsonb)`;
    const holder = db.connect({ max: 1 });
    const batcher = db.connect({ max: 1 });
    let release!: () => void;
    const held = new Promise<void>((r) => { release = r; });
    let written!: () => void;
    const isWritten = new Promise<void>((r) => { written = r; });
    const holding = holder.begin(async (t) => {
      await t`select sms_monitor.record_sms_events(${JSON.stringify(keys)}::text::jsonb)`;
      written();
      await held;
    });
    try {
      await isWritten;
      const [r] = await batcher`select sms_monitor.record_sms_events(${JSON.stringify([...keys].reverse())}::text::jsonb) as n`;
      expect(r).toEqual({ n: 20 });
      // the open transaction's 20 are not visible yet; the two committed batches are
      const [before] = await db.sql`select sum(metric_value)::int as v from sms_monitor.sms_metrics where metric_date = '2026-05-04'`;
      expect(before).toEqual({ v: 40 });
    } finally {
      release();
      await holding;
      await holder.end();
      await batcher.end();
    }
    const [total] = await db.sql`select sum(metric_value)::int as v from sms_monitor.sms_metrics where metric_date = '2026-05-04'`;
    expect(total).toEqual({ v: 60 });
  });

  it('a batch with one bad element writes nothing and names the element', async () => {
    const before = await db.sql`select count(*)::int as n from sms_monitor.sms_metrics`;
    const err = await db.sql`select sms_monitor.record_sms_events(${JSON.stringify([
      { metric_type: 'sent_count', user_id: user(1) },
      { metric_type: 'sent_count', value: Number.MAX_SAFE_INTEGER * 1000 },
    ])}::text::jsonb)`.catch((e: unknown) => e as { code: string; message: string });
    expect(err).toMatchObject({ code: '22023', message: 'events[1].value: 9007199254740991000 is more than the 1000000000000 one value may add' });
    const after = await db.sql`select count(*)::int as n from sms_monitor.sms_metrics`;
    expect(after).toEqual(before);
  });
});

describe('refresh_sms_metrics_daily', () => {
  it('does not block readers while it runs', async () => {
    await db.sql`select sms_monitor.record_sms_metric('2026-05-03', 1, null, 'sent_count', 4)`;
    await db.sql`select sms_monitor.refresh_sms_metrics_daily()`;
    const refresher = db.connect({ max: 1 });
    const reader = db.connect({ max: 1 });
    // Hold a refresh open (its locks stay until commit) and read meanwhile; a blocking refresh
    // would make the read wait and hit lock_timeout (55P03) instead of answering.
    let release!: () => void;
    const held = new Promise<void>((r) => { release = r; });
    let refreshed!: () => void;
    const refreshedInTx = new Promise<void>((r) => { refreshed = r; });
    const tx = refresher.begin(async (t) => {
      await t`select sms_monitor.refresh_sms_metrics_daily()`;
      refreshed();
      await held;
    });
    await refreshedInTx;
    const rows = await reader.begin(async (t) => {
      await t`set local lock_timeout = '2s'`;
      return t`select sent_count::int as sent from sms_monitor.sms_metrics_daily where metric_date = '2026-05-03'`;
    });
    release();
    await tx;
    expect(rows).toEqual([{ sent: 4 }]);
  });
});
