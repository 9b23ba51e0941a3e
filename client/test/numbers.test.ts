// Numbers in the caller's language (client/numbers.ts): bigint and numeric results come back as
// JavaScript numbers from every client method, on the client's own pool and on one it was given;
// what does not fit raises 22003 naming the column. And stats().writes counts the events written,
// buffered flushes included.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSmsMonitor, type SmsMonitor } from 'sms-monitor';
import { SmsMonitorError } from '../errors.ts';
import { withNumbers } from '../numbers.ts';
import { freshDatabase, type TestDatabase } from '../../test/db.ts';
import { user } from '../../test/client-helpers.ts';

let db: TestDatabase;
let m: SmsMonitor;
beforeAll(async () => {
  db = await freshDatabase();
  m = createSmsMonitor(db.url, { strict: true });
});
afterAll(async () => {
  await m?.close();
  await db?.drop();
});

const NOW = new Date('2026-11-30T12:00:00Z');
const AT = '2026-11-30T11:50:00Z';

describe('bigint and numeric results are numbers', () => {
  beforeAll(async () => {
    // 2048 of 2203 delivered in the last hour: delivery_rate_critical (< 90 %) sees 92.96... %.
    await m.record('sent_count', { userId: user(1), value: 2203, at: AT });
    await m.record('delivered_count', { userId: user(1), value: 2048, at: AT });
  });

  it('check(): metric_value, threshold_value and sample_size as numbers, equal to the database values', async () => {
    const rows = await m.check(NOW);
    const rate = rows.find((r) => r.alert_type === 'delivery_rate_critical')!;
    expect(typeof rate.metric_value).toBe('number');
    expect(typeof rate.sample_size).toBe('number');
    expect(typeof rate.threshold_value).toBe('number');
    const [state] = await db.sql<Array<{ v: string; n: string }>>`
      select last_value::text as v, last_sample_size::text as n from sms_monitor.sms_alert_rule_state
       where alert_type = 'delivery_rate_critical'`;
    expect(rate.metric_value).toBe(Number(state!.v));
    expect(rate.metric_value).toBeCloseTo((2048 / 2203) * 100, 3);
    expect(rate.sample_size).toBe(2203);
    expect(rate.sample_size).toBe(Number(state!.n));
    expect(rate.threshold_value).toBe(90);
  });

  it('a scalar bigint result (record_sms_events returns how many it recorded)', async () => {
    const n = await m.rpc('record_sms_events', {
      // A day outside the window the alert tests look at.
      p_events: [{ metric_type: 'sent_count', user_id: user(2), occurred_at: '2026-11-01T08:00:00Z' },
        { metric_type: 'sent_count', occurred_at: '2026-11-01T08:00:00Z' }],
    });
    expect(n).toBe(2);
  });

  it('thresholds() and updateThreshold(): numeric columns as numbers', async () => {
    const rules = await m.thresholds();
    const rule = rules.find((r) => r.alert_type === 'delivery_rate_critical')!;
    const [row] = await db.sql<Array<{ t: string; r: string }>>`
      select threshold_value::text as t, recovery_value::text as r from sms_monitor.sms_alert_thresholds
       where alert_type = 'delivery_rate_critical'`;
    expect(rule.threshold_value).toBe(Number(row!.t));
    expect(rule.recovery_value).toBe(Number(row!.r));
    const updated = await m.updateThreshold('delivery_rate_critical', { threshold_value: 88.5 });
    expect(updated.threshold_value).toBe(88.5);
    await m.updateThreshold('delivery_rate_critical', { threshold_value: Number(row!.t) });
  });

  it('on a postgres.js instance the client was given, too (its own parsers untouched)', async () => {
    const given = createSmsMonitor(db.sql);
    const rows = await given.check(NOW);
    const rate = rows.find((r) => r.alert_type === 'delivery_rate_critical')!;
    expect(rate.sample_size).toBe(2203);
    const [raw] = await db.sql`select 2203::bigint as n`;
    expect(raw).toEqual({ n: '2203' }); // the caller's own queries are not changed
    await given.close();
  });
});

describe('the conversion rule (withNumbers on real query results)', () => {
  it('bigint: safe integers become numbers; beyond 2^53 - 1 raises 22003 naming the column', async () => {
    const ok = withNumbers(await db.sql`select 9007199254740991::int8 as max, -9007199254740991::int8 as min, null::int8 as none`);
    expect(ok).toEqual([{ max: Number.MAX_SAFE_INTEGER, min: -Number.MAX_SAFE_INTEGER, none: null }]);
    const result = await db.sql`select 9007199254740992::int8 as big`;
    let error: unknown;
    try { withNumbers(result); } catch (e) { error = e; }
    expect(error).toBeInstanceOf(SmsMonitorError);
    expect(error).toMatchObject({ code: '22003', message: 'big: 9007199254740992 does not fit a JavaScript number (beyond +-(2^53 - 1))' });
  });

  it('numeric: the nearest double; trailing zeros do not matter; NaN and infinities as themselves', async () => {
    const [row] = withNumbers<Record<string, number>>(await db.sql`
      select 92.9641::numeric as rate, 1.50::numeric(10, 2) as scaled, 0.1::numeric as tenth,
             (1::numeric / 3) as third, 'NaN'::numeric as nan, 'Infinity'::numeric as inf,
             '-Infinity'::numeric as ninf, 123456789012345::numeric as fifteen`);
    expect(row).toEqual({ rate: 92.9641, scaled: 1.5, tenth: 0.1, third: 1 / 3, nan: Number.NaN,
      inf: Number.POSITIVE_INFINITY, ninf: Number.NEGATIVE_INFINITY, fifteen: 123456789012345 });
    const result = await db.sql`select ('1e400')::numeric as huge`;
    expect(() => withNumbers(result)).toThrow('huge: 1' + '0'.repeat(400) + ' does not fit a JavaScript number (beyond the double range)');
  });

  it('arrays of bigint and numeric element by element; other types untouched', async () => {
    const [row] = withNumbers(await db.sql`
      select array[1, null, 3]::int8[] as ids, array[[1.5, 2], [3, null]]::numeric[] as grid,
             'x'::text as t, 7::int as i, '{"a": "1"}'::jsonb as j`);
    expect(row).toEqual({ ids: [1, null, 3], grid: [[1.5, 2], [3, null]], t: 'x', i: 7, j: { a: '1' } });
  });
});

describe('stats().writes counts the events written', () => {
  it('direct writes: one per recorded value (a delivery with a time is two), none for a skipped zero', async () => {
    const c = createSmsMonitor(db.url, { strict: true });
    await c.recordDelivered(user(3), 'm1', 1200); // delivered_count + one timing sample
    await c.recordDelivered(user(3), 'm2');
    await c.recordScheduled(user(3), 0); // a zero count writes nothing
    await c.recordSent(user(3), 'm3');
    expect(c.stats()).toEqual({ writes: 4, writeErrors: 0, buffer: null });
    await c.close();
  });

  it('buffered: what the flushes wrote (3,350 events in batches)', async () => {
    const c = createSmsMonitor(db.url, { buffered: { flushIntervalMs: 3_600_000, maxBatchEvents: 1000 } });
    const users = Array.from({ length: 50 }, (_, i) => user(500 + i));
    for (let i = 0; i < 3000; i++) void c.record('sent_count', { userId: users[i % 50]!, at: AT });
    for (let i = 0; i < 350; i++) void c.record('delivered_count', { userId: users[0]!, at: AT });
    expect(c.stats()).toMatchObject({ writes: 0, buffer: { accepted: 3350, pending: 3350 } });
    await c.flush();
    expect(c.stats()).toMatchObject({ writes: 3350, writeErrors: 0, buffer: { flushed: 3350, pending: 0 } });
    const [sum] = await db.sql`select sum(metric_value)::int as n from sms_monitor.sms_metrics
      where user_id = any(${users}::uuid[])`;
    expect(sum).toEqual({ n: 3350 });
    await c.close();
  });
});
