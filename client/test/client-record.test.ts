// The client's record methods against a real database: every method's rows, fail-fast validation,
// the non-blocking default and strict mode, and who owns the connection pool.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createSmsMonitor,
  SmsMonitorClosedError,
  SmsMonitorConnectionError,
  SmsMonitorError,
  SmsMonitorPermissionError,
  SmsMonitorValidationError,
  type SmsMonitor,
} from 'sms-monitor';
import { freshDatabase, type TestDatabase } from '../../test/db.ts';
import { user, waitFor } from '../../test/client-helpers.ts';

let db: TestDatabase;
beforeAll(async () => { db = await freshDatabase(); });
afterAll(async () => { await db?.drop(); });

interface Row { type: string; user: string | null; value: string; samples: number; metadata: Record<string, unknown> }
async function rows(u: string | null): Promise<Row[]> {
  return db.sql<Row[]>`select metric_type as type, user_id::text as user, metric_value::text as value,
      sample_count::int as samples, metadata
    from sms_monitor.sms_metrics where user_id is not distinct from ${u}::uuid order by metric_type`;
}

describe('record methods write one event each, as documented', () => {
  let m: SmsMonitor;
  beforeAll(() => { m = createSmsMonitor(db.url, { strict: true }); });
  afterAll(async () => { await m.close(); });

  it('every method, values and samples checked in sms_metrics', async () => {
    const u = user(1);
    await m.recordScheduled(u, 3);
    await m.recordScheduled(u, 0); // a zero count is a no-op, not a sample
    await m.recordSent(u, 'msg-1', 'SM123');
    await m.recordSent(u, 'msg-2');
    await m.recordDelivered(u, 'msg-1', 1500);
    await m.recordDelivered(u, 'msg-2', 2500);
    await m.recordDelivered(u, 'msg-3'); // no timing: a delivery, no sample
    await m.recordFailed(u, 'msg-4', new Error('30003 unreachable'));
    await m.recordCancelled(u, 'msg-5', 'user cancelled');
    await m.recordLLMGeneration(u, 'llm', 0.0012, 800);
    await m.recordLLMGeneration(u, 'template', 0.0003, 1300);
    await m.recordLLMGeneration(u, 'llm');
    await m.recordOptOut(u);
    await m.recordQuietHoursSkip(u, 4);
    await m.recordDailyLimitHit(u);
    await m.recordSmsCost(u, 0.0079);
    await m.recordSmsCost(u, 0.0079);
    const r = await rows(u);
    const pick = (t: string) => r.find((x) => x.type === t);
    expect(r.map((x) => [x.type, x.value, x.samples])).toEqual([
      ['avg_delivery_time_ms', '4000', 2], // mean 2000 ms: 2 samples
      ['avg_generation_time_ms', '2100', 2],
      ['cancelled_count', '1', 1],
      ['daily_limit_hit_count', '1', 1],
      ['delivered_count', '3', 3],
      ['failed_count', '1', 1],
      ['llm_cost_usd', '0.0015', 2],
      ['llm_success_count', '2', 2],
      ['opt_out_count', '1', 1],
      ['quiet_hours_skip_count', '4', 1],
      ['scheduled_count', '3', 1],
      ['sent_count', '2', 2],
      ['sms_cost_usd', '0.0158', 2],
      ['template_fallback_count', '1', 1],
    ]);
    expect(pick('sent_count')?.metadata).toEqual({ last_message_id: 'msg-2', last_provider_sid: 'SM123' });
    expect(pick('failed_count')?.metadata).toEqual({ last_message_id: 'msg-4', last_error: '30003 unreachable' });
    expect(pick('cancelled_count')?.metadata).toEqual({ last_message_id: 'msg-5', last_cancel_reason: 'user cancelled' });
  });

  it('record(): system-wide, explicit time bucketed in the reporting timezone, metadata', async () => {
    await db.sql`update sms_monitor.settings set reporting_timezone = 'America/New_York'`;
    try {
      await m.record('sent_count', { value: 5, at: new Date('2026-03-08T06:59:00Z'), metadata: { src: 'a' } });
      await m.record('sent_count', { value: 2, at: '2026-03-08T07:00:00Z' }); // 03:00 EDT (DST began)
    } finally {
      await db.sql`update sms_monitor.settings set reporting_timezone = 'UTC'`;
    }
    const r = await db.sql`select metric_date::text as d, metric_hour as h, metric_value::int as v, metadata
      from sms_monitor.sms_metrics where user_id is null and metric_type = 'sent_count' order by metric_hour`;
    expect(r).toEqual([
      { d: '2026-03-08', h: 1, v: 5, metadata: { src: 'a' } },
      { d: '2026-03-08', h: 3, v: 2, metadata: {} },
    ]);
  });
});

describe('bad arguments fail fast, before any round trip', () => {
  // Port 1 is closed: a call that reached the network would fail with a connection error instead.
  const m = createSmsMonitor('postgres://nobody:x@127.0.0.1:1/none', { strict: true });
  afterAll(async () => { await m.close(); });
  const cases: Array<[string, () => unknown, string]> = [
    ['user id', () => m.recordSent('not-a-uuid', 'm'), 'userId: must be a UUID (got "not-a-uuid")'],
    ['negative count', () => m.recordScheduled(user(1), -1), 'count: must not be negative (got -1)'],
    ['fractional count', () => m.recordQuietHoursSkip(user(1), 1.5),
      'count: quiet_hours_skip_count counts events and needs a whole number (got 1.5)'],
    ['NaN timing', () => m.recordDelivered(user(1), 'm', Number.NaN), 'deliveryTimeMs: NaN is not a number'],
    ['infinite cost', () => m.recordLLMGeneration(user(1), 'llm', Infinity), 'costUsd: must be finite'],
    ['via', () => m.recordLLMGeneration(user(1), 'gpt' as 'llm'), "via: must be 'llm' or 'template' (got \"gpt\")"],
    ['derived type', () => m.record('delivery_success_rate' as 'sent_count'),
      'metric_type: delivery_success_rate is derived (delivered_count / sent_count) and cannot be recorded'],
    ['unknown type', () => m.record('sent' as 'sent_count'), 'metric_type: unknown metric type "sent"'],
    ['huge value', () => m.recordSmsCost(user(1), 1e15), 'usd: 1000000000000000 is more than the 1000000000000 one value may add'],
    ['bad time', () => m.record('sent_count', { at: 'yesterday' }),
      'at: must be an ISO 8601 time with a UTC offset, e.g. 2026-03-29T01:30:00Z (got "yesterday")'],
    // read in this process's zone it would land hours off on another service: refused
    ['time without an offset', () => m.record('sent_count', { at: '2026-03-29T01:30:00' }),
      'at: must be an ISO 8601 time with a UTC offset, e.g. 2026-03-29T01:30:00Z (got "2026-03-29T01:30:00")'],
    ['impossible date with an offset', () => m.record('sent_count', { at: '2026-02-30T25:00:00Z' }),
      'at: not a valid time (2026-02-30T25:00:00Z)'],
    ['metadata array', () => m.record('sent_count', { metadata: [] as unknown as Record<string, unknown> }),
      'metadata: must be a JSON object'],
    ['messageId', () => m.recordSent(user(1), 42 as unknown as string), 'messageId: must be a string (got number)'],
  ];
  for (const [name, call, message] of cases) {
    it(`${name}: a rejected promise (SmsMonitorValidationError), never a synchronous throw`, async () => {
      let result: unknown;
      expect(() => { result = call(); }).not.toThrow();
      expect(result).toBeInstanceOf(Promise);
      const e = await (result as Promise<void>).catch((error: unknown) => error);
      expect(e).toBeInstanceOf(SmsMonitorValidationError);
      expect(e).toMatchObject({ code: '22023', message });
    });
  }
  it('not strict: also reported to onError and counted; an unawaited call is not an unhandled rejection', async () => {
    const seen: Array<[string, string]> = [];
    const lax = createSmsMonitor('postgres://nobody:x@127.0.0.1:1/none', {
      onError: (e, ctx) => seen.push([ctx.operation, e.message]),
    });
    // A fire-and-forget caller's .catch() sees the typed error.
    const caught = await lax.recordSent('not-a-uuid', 'm').catch((e: unknown) => e);
    expect(caught).toMatchObject({ code: '22023', field: 'userId' });
    // Fire and forget: no throw into the caller and no unhandledRejection (vitest fails the run on one).
    lax.recordScheduled(user(1), -1);
    lax.record('sent' as 'sent_count');
    await new Promise((r) => setImmediate(r));
    expect(seen).toEqual([
      ['record', 'userId: must be a UUID (got "not-a-uuid")'],
      ['record', 'count: must not be negative (got -1)'],
      ['record', 'metric_type: unknown metric type "sent"'],
    ]);
    expect(lax.stats()).toMatchObject({ writeErrors: 3, writes: 0 });
    await lax.close();
    // After close(): a rejected promise with SmsMonitorClosedError, reported the same way.
    expect(() => lax.recordOptOut(user(1))).not.toThrow();
    await expect(lax.recordOptOut(user(1))).rejects.toBeInstanceOf(SmsMonitorClosedError);
    expect(seen.at(-1)).toEqual(['record', 'the sms-monitor client is closed']);
    expect(lax.stats().writeErrors).toBe(5);
  });
  it('the client accepts only a URL or a postgres.js instance', () => {
    expect(() => createSmsMonitor('mysql://x')).toThrow('url: must be a postgres:// or postgresql:// connection string');
    expect(() => createSmsMonitor({} as never)).toThrow('sql: pass a connection string or a postgres.js sql instance');
  });
});

describe('non-blocking by default, strict on request', () => {
  it('an unreachable database: the promise resolves, onError and the counter see it', async () => {
    const seen: Array<[SmsMonitorError, string]> = [];
    const m = createSmsMonitor('postgres://nobody:x@127.0.0.1:1/none', {
      onError: (e, ctx) => seen.push([e, ctx.operation]),
    });
    await expect(m.recordSent(user(2), 'm1')).resolves.toBeUndefined();
    await expect(m.recordOptOut(user(2))).resolves.toBeUndefined();
    expect(m.stats().writeErrors).toBe(2);
    expect(seen).toHaveLength(2);
    expect(seen[0]![0]).toBeInstanceOf(SmsMonitorConnectionError);
    expect(seen[0]![0].code).toBe('CONNECTION');
    expect(seen[0]![1]).toBe('record');
    await m.close();
  });

  it('a database refusal (42501) surfaces typed with its SQLSTATE; strict rejects', async () => {
    // A login role without any sms-monitor grant: the record function refuses it.
    await db.sql.unsafe(`drop role if exists smsmon_nobody; create role smsmon_nobody login password 'pw'`);
    await db.sql.unsafe(`grant usage on schema sms_monitor to smsmon_nobody`);
    const u = new URL(db.url);
    u.username = 'smsmon_nobody';
    u.password = 'pw';
    const seen: SmsMonitorError[] = [];
    const lax = createSmsMonitor(u.toString(), { onError: (e) => seen.push(e) });
    await expect(lax.recordOptOut(user(3))).resolves.toBeUndefined();
    expect(seen[0]).toBeInstanceOf(SmsMonitorPermissionError);
    expect(seen[0]).toMatchObject({ code: '42501' });
    expect(lax.stats()).toMatchObject({ writeErrors: 1, writes: 0 });
    await lax.close();

    const strict = createSmsMonitor(u.toString(), { strict: true, onError: (e) => seen.push(e) });
    await expect(strict.recordOptOut(user(3))).rejects.toBeInstanceOf(SmsMonitorPermissionError);
    expect(seen).toHaveLength(2); // the hook hears about strict failures too
    await strict.close();
    expect(await rows(user(3))).toEqual([]);
    await db.sql.unsafe('drop owned by smsmon_nobody; drop role smsmon_nobody');
  });

  it('a throwing onError hook does not break the caller', async () => {
    const m = createSmsMonitor('postgres://nobody:x@127.0.0.1:1/none', { onError: () => { throw new Error('hook bug'); } });
    await expect(m.recordOptOut(user(4))).resolves.toBeUndefined();
    await m.close();
  });
});

describe('connections', () => {
  it('a given sql instance is used and left open; a URL pool is ended by close()', async () => {
    const shared = db.connect({ max: 1 });
    const m = createSmsMonitor(shared, { strict: true });
    await m.recordOptOut(user(5));
    await m.close();
    const [r] = await shared`select count(*)::int as n from sms_monitor.sms_metrics where user_id = ${user(5)}::uuid`;
    expect(r).toEqual({ n: 1 }); // still usable after close()

    const app = `smsmon-close-${process.pid}`;
    const own = createSmsMonitor(db.url, { strict: true, connection: { connection: { application_name: app } } });
    await own.recordOptOut(user(5));
    const count = async () => (await db.sql`select count(*)::int as n from pg_stat_activity where application_name = ${app}`)[0]!.n;
    expect(await count()).toBe(1);
    await own.close();
    // pg_stat_activity drops the backend once it has seen the Terminate message.
    // Wait for that event itself (a fixed 2 s of polling raced it on a loaded machine).
    await waitFor(async () => (await count()) === 0, 'the closed pool\'s backend to leave pg_stat_activity');
    expect(await count()).toBe(0);
    await expect(own.recordOptOut(user(5))).rejects.toThrow('the sms-monitor client is closed');
  });
});
