// Buffered mode against a real database: flush on interval, on size and on close; exact sums and
// true means after aggregation; 15-minute slices land in the right reporting hour even at a
// +05:45 offset; the memory bound; and a database that goes away and comes back loses nothing.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSmsMonitor, SmsMonitorConnectionError, type SmsMonitorError } from 'sms-monitor';
import { repoRoot } from '../migrate.ts';
import { freshDatabase, type TestDatabase } from '../../test/db.ts';
import { withDatabase } from '../../test/db-url.ts';
import { user, waitFor } from '../../test/client-helpers.ts';

let db: TestDatabase;
beforeAll(async () => { db = await freshDatabase(); });
afterAll(async () => { await db?.drop(); });

const NEVER = 3_600_000; // an interval that never fires during a test

// Counters and sums are compared by value: a flushed key is one element, so their sample_count
// counts writes, not events (nothing reads it). Timings are compared by value and samples.
async function total(type: string, u: string | null): Promise<{ value: string; samples: number } | undefined> {
  const [r] = await db.sql<Array<{ value: string; samples: number }>>`
    select sum(metric_value)::text as value, sum(sample_count)::int as samples from sms_monitor.sms_metrics
     where metric_type = ${type} and user_id is not distinct from ${u}::uuid having count(*) > 0`;
  return r;
}

describe('buffered writes', () => {
  it('flushes on the interval', async () => {
    const m = createSmsMonitor(db.url, { buffered: { flushIntervalMs: 50 } });
    for (let i = 0; i < 1000; i++) m.recordSent(user(10), `m${i}`);
    // Read before anything yields to the event loop, so the 50 ms interval cannot have fired
    // (a database round trip here could outlast it on a loaded machine): all buffered, none sent.
    expect(m.stats().buffer).toMatchObject({ accepted: 1000, pending: 1000, pendingKeys: 1, flushed: 0, batches: 0 });
    const r = await waitFor(() => total('sent_count', user(10)), 'the interval flush');
    expect(r).toEqual({ value: '1000', samples: 1 }); // one element for 1,000 events
    // The row is visible at commit; the client counts the batch when the reply reaches it.
    await waitFor(() => m.stats().buffer?.flushed === 1000, 'the flush to be counted');
    expect(m.stats().buffer).toMatchObject({ flushed: 1000, pending: 0, batches: 1 });
    await m.close();
  });

  it('flushes when the key limit is reached, without waiting for the interval', async () => {
    const m = createSmsMonitor(db.url, { buffered: { flushIntervalMs: NEVER, maxKeys: 5 } });
    for (let u = 0; u < 5; u++) m.recordOptOut(user(100 + u));
    const [n] = await waitFor(async () => {
      const r = await db.sql`select count(*)::int as n from sms_monitor.sms_metrics where metric_type = 'opt_out_count'`;
      return r[0]!.n === 5 ? r : null;
    }, 'the size flush');
    expect(n).toEqual({ n: 5 });
    await m.close();
  });

  it('close() drains; sums stay exact to the cent and timings stay true means', async () => {
    const m = createSmsMonitor(db.url, { buffered: { flushIntervalMs: NEVER } });
    for (let i = 0; i < 1000; i++) m.recordLLMGeneration(user(11), i % 4 === 0 ? 'template' : 'llm', 0.0012, 100 + (i % 10));
    for (let i = 0; i < 7; i++) m.recordSmsCost(user(11), 0.1);
    m.recordDelivered(user(11), 'a', 10);
    m.recordDelivered(user(11), 'b', 20);
    m.recordDelivered(user(11), 'c', 60);
    m.recordDelivered(user(11), 'd');
    await m.close();
    expect((await total('llm_cost_usd', user(11)))?.value).toBe('1.2'); // not 1.2000000000000002
    expect((await total('sms_cost_usd', user(11)))?.value).toBe('0.7');
    expect((await total('llm_success_count', user(11)))?.value).toBe('750');
    expect((await total('template_fallback_count', user(11)))?.value).toBe('250');
    // 1000 generation samples of 100..109 ms: sum 104,500, mean 104.5
    expect(await total('avg_generation_time_ms', user(11))).toEqual({ value: '104500', samples: 1000 });
    expect(await total('avg_delivery_time_ms', user(11))).toEqual({ value: '90', samples: 3 }); // mean 30
    expect((await total('delivered_count', user(11)))?.value).toBe('4');
    const [mean] = await db.sql`select round(metric_value / sample_count, 2)::text as ms from sms_monitor.sms_metrics
      where user_id = ${user(11)}::uuid and metric_type = 'avg_delivery_time_ms'`;
    expect(mean).toEqual({ ms: '30.00' });
  });

  it('15-minute slices land in the right reporting hour at a +05:45 offset (Asia/Kathmandu)', async () => {
    await db.sql`update sms_monitor.settings set reporting_timezone = 'Asia/Kathmandu'`;
    try {
      const m = createSmsMonitor(db.url, { buffered: { flushIntervalMs: NEVER } });
      m.record('scheduled_count', { userId: user(12), at: '2026-05-01T00:00:00Z' }); // 05:45 local
      m.record('scheduled_count', { userId: user(12), at: '2026-05-01T00:14:59.999Z' }); // 05:59:59.999
      m.record('scheduled_count', { userId: user(12), value: 10, at: '2026-05-01T00:15:00Z' }); // 06:00
      m.record('scheduled_count', { userId: user(12), value: 100, at: '2026-04-30T18:14:00Z' }); // 23:59 Apr 30
      m.record('scheduled_count', { userId: user(12), value: 1000, at: '2026-04-30T18:15:00Z' }); // 00:00 May 1
      await m.close();
    } finally {
      await db.sql`update sms_monitor.settings set reporting_timezone = 'UTC'`;
    }
    const r = await db.sql`select metric_date::text as d, metric_hour as h, metric_value::int as v
      from sms_monitor.sms_metrics where user_id = ${user(12)}::uuid order by 1, 2`;
    expect(r).toEqual([
      { d: '2026-04-30', h: 23, v: 100 },
      { d: '2026-05-01', h: 0, v: 1000 },
      { d: '2026-05-01', h: 5, v: 2 },
      { d: '2026-05-01', h: 6, v: 10 },
    ]);
  });

  it('memory is bounded: new keys past maxBufferedKeys are dropped, counted and reported', async () => {
    const reports: SmsMonitorError[] = [];
    const m = createSmsMonitor(db.url, {
      buffered: { flushIntervalMs: NEVER, maxKeys: 5, maxBufferedKeys: 5 },
      onError: (e, ctx) => { if (ctx.operation === 'buffer') reports.push(e); },
    });
    // Eight keys in one synchronous burst: the size flush cannot start before the burst ends.
    for (let u = 0; u < 8; u++) m.recordDailyLimitHit(user(200 + u));
    m.recordDailyLimitHit(user(200)); // an existing key still accepts increments
    expect(m.stats().buffer).toMatchObject({ accepted: 9, dropped: 3, pending: 6, pendingKeys: 5 });
    await m.close();
    expect(reports.map((e) => [e.code, e.message])).toEqual([
      ['BUFFER_FULL', 'buffer full (maxBufferedKeys 5): 3 events dropped since the last report'],
    ]);
    const [r] = await db.sql`select count(*)::int as keys, sum(metric_value)::int as v from sms_monitor.sms_metrics
      where metric_type = 'daily_limit_hit_count'`;
    expect(r).toEqual({ keys: 5, v: 6 });
  });

  it('timing samples count against maxBufferedKeys (one element each on the wire): past it, dropped and counted', async () => {
    const reports: string[] = [];
    const m = createSmsMonitor(db.url, {
      buffered: { flushIntervalMs: NEVER, maxKeys: 10, maxBufferedKeys: 10 },
      onError: (e, ctx) => { if (ctx.operation === 'buffer') reports.push(e.message); },
    });
    // One synchronous burst: one timing key, 15 samples; only 10 elements fit.
    for (let i = 0; i < 15; i++) m.record('avg_delivery_time_ms', { userId: user(30), value: 5 });
    m.recordOptOut(user(30)); // a new key: no room either
    expect(m.stats().buffer).toMatchObject({ accepted: 16, dropped: 6, pending: 10, pendingKeys: 1 });
    await m.close();
    expect(reports).toEqual(['buffer full (maxBufferedKeys 10): 6 events dropped since the last report']);
    expect(await total('avg_delivery_time_ms', user(30))).toEqual({ value: '50', samples: 10 });
    expect(await total('opt_out_count', user(30))).toBeUndefined();
  });

  it('a batch that fails mid-flush: earlier batches stay written, the failed one and the unbuilt rest are kept', async () => {
    const poisoned = user(999);
    await db.sql.unsafe(`
      create function public.refuse_poisoned() returns trigger language plpgsql as $$
      begin
        if new.user_id = '${poisoned}' then raise exception 'refused for the test'; end if;
        return new;
      end $$;
      create trigger refuse_poisoned before insert on sms_monitor.sms_metric_events
        for each row execute function public.refuse_poisoned()`);
    try {
      const m = createSmsMonitor(db.url, { buffered: { flushIntervalMs: NEVER, maxBatchEvents: 100 } });
      for (let u = 0; u < 150; u++) m.recordOptOut(user(300 + u));
      m.recordOptOut(poisoned);
      for (let i = 0; i < 120; i++) m.record('avg_generation_time_ms', { userId: user(998), value: 7 });
      // Batch 1: 100 keys. Batch 2: the other 50 keys, the poisoned one, 49 of the 120 samples
      // (fails). The other 71 samples were never put into a batch.
      const e = await m.flush().then(() => null, (error: unknown) => error);
      expect(e).toMatchObject({ code: 'P0001', message: 'refused for the test' });
      expect(m.stats().buffer).toMatchObject({ flushed: 100, batches: 1, failedFlushes: 1, pending: 171, pendingKeys: 52 });
      const [written] = await db.sql`select count(*)::int as n from sms_monitor.sms_metrics
        where metric_type = 'opt_out_count' and user_id >= ${user(300)}::uuid and user_id <= ${user(999)}::uuid`;
      expect(written).toEqual({ n: 100 });
      await db.sql.unsafe('drop trigger refuse_poisoned on sms_monitor.sms_metric_events');
      await m.close();
      expect(m.stats().buffer).toMatchObject({ accepted: 271, flushed: 271, dropped: 0, pending: 0 });
      const [all] = await db.sql`select count(*)::int as n, sum(metric_value)::int as v from sms_monitor.sms_metrics
        where metric_type = 'opt_out_count' and user_id >= ${user(300)}::uuid and user_id <= ${user(999)}::uuid`;
      expect(all).toEqual({ n: 151, v: 151 });
      expect(await total('avg_generation_time_ms', user(998))).toEqual({ value: '840', samples: 120 });
    } finally {
      await db.sql.unsafe('drop trigger if exists refuse_poisoned on sms_monitor.sms_metric_events; drop function public.refuse_poisoned()');
    }
  });

  it('buffered values are kept to 9 decimal places (documented); unbuffered writes store them as given', async () => {
    const b = createSmsMonitor(db.url, { buffered: { flushIntervalMs: NEVER } });
    b.recordSmsCost(user(40), 0.1234567894); // 10 decimal places: rounded to 0.123456789
    b.recordSmsCost(user(41), 0.1 + 0.2); // 0.30000000000000004: the float noise is rounded away
    b.record('avg_delivery_time_ms', { userId: user(41), value: 1.0000000004 });
    await b.close();
    const d = createSmsMonitor(db.url, { strict: true });
    await d.recordSmsCost(user(42), 0.1 + 0.2);
    await d.close();
    expect((await total('sms_cost_usd', user(40)))?.value).toBe('0.123456789');
    expect((await total('sms_cost_usd', user(41)))?.value).toBe('0.3');
    expect(await total('avg_delivery_time_ms', user(41))).toEqual({ value: '1', samples: 1 });
    expect((await total('sms_cost_usd', user(42)))?.value).toBe('0.30000000000000004');
  });

  it('strict changes nothing for buffered record calls; flush() and close() reject in every mode', async () => {
    const errors: string[] = [];
    const m = createSmsMonitor('postgres://nobody:x@127.0.0.1:1/none', {
      strict: true, buffered: { flushIntervalMs: NEVER },
      onError: (e, ctx) => errors.push(`${ctx.operation} ${e.code}`),
    });
    await expect(m.recordOptOut(user(43))).resolves.toBeUndefined(); // buffered: no round trip to fail
    await expect(m.recordOptOut('nope')).rejects.toMatchObject({ code: '22023' }); // bad arguments still reject
    await expect(m.flush()).rejects.toBeInstanceOf(SmsMonitorConnectionError);
    expect(m.stats()).toMatchObject({ writeErrors: 1, buffer: { pending: 1, failedFlushes: 1 } });
    await expect(m.close()).rejects.toThrow(/^close: 1 buffered events could not be written: database unreachable/);
    expect(errors).toEqual([]); // flush()/close() failures reach the caller, not the hook
  });

  it('batches larger than maxBatchEvents are split (timing samples count as elements)', async () => {
    const m = createSmsMonitor(db.url, { buffered: { flushIntervalMs: NEVER, maxBatchEvents: 100 } });
    for (let i = 0; i < 250; i++) m.recordDelivered(user(13), `m${i}`, 2);
    await m.close();
    expect(await total('avg_delivery_time_ms', user(13))).toEqual({ value: '500', samples: 250 });
    expect((await total('delivered_count', user(13)))?.value).toBe('250');
    expect(m.stats().buffer?.batches).toBe(3); // 1 + 250 elements: 100 + 100 + 51
  });
});

// A cluster of its own, stopped and started by this test (scripts/pg.sh, instance <test instance>-stop,
// e.g. test-stop under `npm test`), destroyed afterwards.
describe('the database goes away and comes back', () => {
  const script = path.join(repoRoot, 'scripts', 'pg.sh');
  const instance = `${process.env.SMS_MONITOR_TEST_INSTANCE ?? 'test'}-stop`;
  const pg = (...args: string[]) => execFileSync('bash', [script, ...args, instance], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  let url: string;

  beforeAll(async () => {
    pg('start');
    const admin = pg('admin-url');
    const a = postgres(admin, { max: 1, onnotice: () => {} });
    await a.unsafe('drop database if exists sms_monitor_stop');
    await a.unsafe('create database sms_monitor_stop');
    await a.end();
    url = withDatabase(admin, 'sms_monitor_stop');
    // In a child process: graphile-migrate keeps an idle pool that exits the process when the
    // server it points at stops.
    execFileSync('node', [path.join(repoRoot, 'bin', 'sms-monitor.js'), 'migrate', '--include-current', '--no-pgtap'],
      { env: { ...process.env, DATABASE_URL: url }, stdio: 'ignore' });
  }, 120_000);
  afterAll(() => { pg('destroy'); });

  it('stop the database, record, start it: the retry writes everything, nothing lost or doubled', async () => {
    const errors: Array<[string, string]> = [];
    const m = createSmsMonitor(url, {
      buffered: { flushIntervalMs: 50, retryBaseMs: 20, retryMaxMs: 200 },
      onError: (e, ctx) => errors.push([ctx.operation, e.code]),
    });
    for (let i = 0; i < 100; i++) m.recordSent(user(20), `before-${i}`);
    await m.flush();
    pg('stop');
    for (let i = 0; i < 50; i++) m.recordSent(user(20), `during-${i}`);
    m.recordDelivered(user(20), 'x', 250);
    const failed = await m.flush().then(() => null, (e: unknown) => e);
    expect(failed).toBeInstanceOf(SmsMonitorConnectionError);
    await waitFor(() => (m.stats().buffer?.failedFlushes ?? 0) >= 2, 'a timer retry that fails too');
    expect(m.stats().buffer).toMatchObject({ flushed: 100, pending: 52 });
    expect(errors.some(([op, code]) => op === 'flush' && code === 'CONNECTION')).toBe(true);
    for (let i = 0; i < 25; i++) m.recordSent(user(20), `later-${i}`); // merges into the kept data
    pg('start');
    await waitFor(() => m.stats().buffer?.pending === 0, 'the retry after the restart');
    await m.close();
    const check = postgres(url, { max: 1, onnotice: () => {} });
    const r = await check`select metric_type as t, sum(metric_value)::int as v, sum(sample_count)::int as n
      from sms_monitor.sms_metrics where user_id = ${user(20)}::uuid group by 1 order by 1`;
    await check.end();
    expect(r).toEqual([
      { t: 'avg_delivery_time_ms', v: 250, n: 1 },
      { t: 'delivered_count', v: 1, n: 1 },
      // the 100 before the stop; the failed batch of 50 resent as it was (same batch id, so it
      // counts once even had it committed); the 25 recorded meanwhile in a batch of their own
      { t: 'sent_count', v: 175, n: 3 },
    ]);
    expect(m.stats().buffer).toMatchObject({ accepted: 177, flushed: 177, dropped: 0 });
  }, 120_000);

  it('close() with the database down rejects and says how many events were not written', async () => {
    const m = createSmsMonitor(url, { buffered: { flushIntervalMs: NEVER } });
    m.recordOptOut(user(21));
    m.recordOptOut(user(22));
    pg('stop');
    const e = await m.close().then(() => null, (error: unknown) => error);
    expect(e).toMatchObject({ code: 'CONNECTION' });
    expect((e as Error).message).toMatch(/^close: 2 buffered events could not be written: database unreachable/);
  }, 60_000);
});
