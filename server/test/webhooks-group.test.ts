// Group commit through the real server (server/webhooks/batch.ts), made deterministic by holding the
// first write: a test connection locks the message log (SHARE: the write's INSERT waits for it), one
// callback starts a write that waits, the others are queued behind it (the batcher's queue is
// observed, no sleeps), then the lock is released. Callbacks are signed with the official twilio
// library. Each is answered only after its commit; every good callback is in the log once; a bad
// one gets its own 400; a retry queued while its first attempt is being written counts once.
import twilio from 'twilio';
import type postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './harness.ts';

const PUBLIC_URL = 'https://monitor.example.test';
const AUTH_TOKEN = 'twilio-test-auth-token-group-0123456789';
const USER = 'e3000000-0000-0000-0000-000000000001';
const PATH = `/webhooks/twilio/status?user_id=${USER}&class=otp`;

let t: TestServer;
let locker: postgres.Sql;

beforeAll(async () => {
  process.env.SMS_MONITOR_PUBLIC_URL = PUBLIC_URL;
  process.env.TWILIO_AUTH_TOKEN = AUTH_TOKEN;
  t = await startTestServer();
  locker = t.db.connect({ max: 1 });
});
afterAll(async () => { await t?.close(); });

const params = (sid: string) => ({ MessageSid: sid, MessageStatus: 'sent', AccountSid: 'AC00000000000000000000000000000001',
  From: '+15017122661', To: '+4915112345678', ApiVersion: '2010-04-01' });
const post = (pathAndQuery: string, p: Record<string, string>) => fetch(t.base + pathAndQuery, {
  method: 'POST', body: new URLSearchParams(p).toString(), headers: {
    'content-type': 'application/x-www-form-urlencoded',
    'x-twilio-signature': twilio.getExpectedTwilioSignature(AUTH_TOKEN, PUBLIC_URL + pathAndQuery, p) } });

/** Polls a condition (each poll a round trip or a turn of the event loop): synchronisation on state, not on time. */
async function until(what: string, condition: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 10_000; i++) {
    if (await condition()) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error(`never happened: ${what}`);
}

/**
 * Sends `first`, waits until its write waits for the lock, sends `rest` (queued behind it), waits
 * until all of them are queued, releases the lock; returns the responses in order.
 */
async function heldWrite(first: () => Promise<Response>, rest: Array<() => Promise<Response>>): Promise<Response[]> {
  const released = locker.begin(async (tx) => {
    await tx`lock table sms_monitor.sms_message_events in share mode`;
    const head = first();
    await until('the first write waits for the lock', async () => (await t.db.sql`
      select count(*)::int as n from pg_locks where not granted and relation = 'sms_monitor.sms_message_events'::regclass`)[0]!.n === 1);
    const others = rest.map((send) => send());
    await until('the others are queued', () => t.server.webhookWrites.queued === rest.length);
    return { responses: [head, ...others] }; // not an array: begin() would wait for its elements
  });
  return Promise.all((await released).responses);
}

async function logged(prefix: string): Promise<Record<string, number>> {
  const rows = await t.db.sql<{ message_id: string; n: number }[]>`
    select message_id, count(*)::int as n from sms_monitor.sms_message_events where message_id like ${`${prefix}%`} group by 1`;
  return Object.fromEntries(rows.map((r) => [r.message_id, r.n]));
}

describe('webhook group commit, the first write held', () => {
  it('callbacks arriving during a write are one group: each 204 after the commit, each in the log once; a retry counts once', async () => {
    const sids = Array.from({ length: 12 }, (_, i) => `SMG${String(i).padStart(31, '0')}`);
    // the first callback's retry arrives while the first attempt is being written
    const responses = await heldWrite(() => post(PATH, params(sids[0]!)),
      [...sids.slice(1).map((sid) => () => post(PATH, params(sid))), () => post(PATH, params(sids[0]!))]);
    expect(responses.map((r) => r.status)).toEqual(Array(13).fill(204));
    const batches = t.logs.map((l) => JSON.parse(l) as { batch?: number; msg?: string })
      .filter((l) => l.msg === 'webhook recorded').map((l) => l.batch).slice(-13);
    expect(batches.sort((a, b) => a! - b!)).toEqual([1, ...Array(12).fill(12)]);
    // the log keeps both attempts of the first; the fold counts each (message, status) once
    expect(await logged('SMG')).toEqual(Object.fromEntries(sids.map((sid, i) => [sid, i === 0 ? 2 : 1])));
    await t.db.sql`select sms_monitor.rollup_sms_messages()`;
    const [m] = await t.db.sql`select count(*)::int as n from sms_monitor.sms_messages where message_id like 'SMG%' and sent_at is not null`;
    expect(m!.n).toBe(12);
    const [c] = await t.db.sql`select sum(metric_value)::int as n from sms_monitor.sms_metrics where metric_type = 'sent_count'`;
    expect(c!.n).toBe(12);
  });

  it('one bad callback in a group gets its own 400; the others are recorded once each', async () => {
    const sids = Array.from({ length: 8 }, (_, i) => `SMH${String(i).padStart(31, '0')}`);
    const bad = '/webhooks/twilio/status?user_id=not-a-uuid';
    const responses = await heldWrite(() => post(PATH, params(sids[0]!)),
      sids.slice(1).map((sid, i) => () => post(i === 3 ? bad : PATH, params(sid))));
    expect(responses.map((r) => r.status)).toEqual([204, 204, 204, 204, 400, 204, 204, 204]);
    expect((await responses[4]!.json()).error.message).toBe('events[0].user_id: must be a UUID string or null');
    expect(await logged('SMH')).toEqual(Object.fromEntries(sids.filter((_, i) => i !== 4).map((sid) => [sid, 1])));
  });

  it('a group failing for a reason of the database (a cancelled statement) answers all its callbacks at once, none retried alone', async () => {
    const sids = Array.from({ length: 6 }, (_, i) => `SMJ${String(i).padStart(31, '0')}`);
    const cancelWaitingWrite = () => t.db.sql`select pg_cancel_backend(pid) from pg_locks
      where not granted and relation = 'sms_monitor.sms_message_events'::regclass`;
    const waiting = async () => (await t.db.sql`select count(*)::int as n from pg_locks
      where not granted and relation = 'sms_monitor.sms_message_events'::regclass`)[0]!.n === 1;
    // the lock stays held throughout and every write that waits for it is cancelled, counted: the
    // first callback's write, then the group's; a callback written again on its own would be a third
    const result = await locker.begin(async (tx) => {
      await tx`lock table sms_monitor.sms_message_events in share mode`;
      const head = post(PATH, params(sids[0]!));
      await until('the first write waits for the lock', waiting);
      const others = sids.slice(1).map((sid) => post(PATH, params(sid)));
      await until('the others are queued', () => t.server.webhookWrites.queued === others.length);
      let answered = 0;
      const all = [head, ...others].map((r) => r.then((res) => { answered++; return res.status; }));
      let cancelled = 0;
      await until('every callback answered', async () => {
        if (answered === all.length) return true;
        if (await waiting()) { await cancelWaitingWrite(); cancelled++; }
        return false;
      });
      return { statuses: await Promise.all(all), cancelled };
    });
    expect(result.cancelled).toBe(2);
    expect(result.statuses[0]).toBeGreaterThanOrEqual(500);
    expect(result.statuses).toEqual(Array(6).fill(result.statuses[0]));
    expect(await logged('SMJ')).toEqual({});
  });
});
