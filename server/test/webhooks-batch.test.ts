// Group commit of webhook requests (server/webhooks/batch.ts) against a real database: requests
// queued behind a write under way go into the next write together; a request whose events are
// refused gets its own 22023 (with the index in its own array) and the requests batched with it are
// still recorded; through HTTP, signed callbacks sent at once are each answered after their commit.
import twilio from 'twilio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventBatcher, writerPool, type WriterPool } from '../webhooks/batch.ts';
import { startTestServer, type TestServer } from './harness.ts';

const PUBLIC_URL = 'https://monitor.example.test';
const AUTH_TOKEN = 'twilio-test-auth-token-batch-0123456789';
const USER = 'e2000000-0000-0000-0000-000000000001';

let t: TestServer;
let pool: WriterPool;

beforeAll(async () => {
  process.env.SMS_MONITOR_PUBLIC_URL = PUBLIC_URL;
  process.env.TWILIO_AUTH_TOKEN = AUTH_TOKEN;
  t = await startTestServer();
  pool = writerPool(t.loginUrl, 10_000);
});
afterAll(async () => {
  await pool?.end({ timeout: 5 });
  await t?.close();
});

const sentEvent = (id: string, extra: Record<string, unknown> = {}) => ({
  message_id: id, status: 'sent', provider: 'twilio', occurred_at: new Date(Date.now() - 60_000).toISOString(),
  user_id: USER, country: 'DE', ...extra,
});

/** The messages whose events were written (the log: writers append; the fold is not needed to see them). */
async function messages(prefix: string): Promise<string[]> {
  const rows = await t.db.sql<{ message_id: string }[]>`
    select distinct message_id from sms_monitor.sms_message_events where message_id like ${`${prefix}%`} order by message_id`;
  return rows.map((r) => r.message_id);
}

describe('EventBatcher', () => {
  it('requests queued behind a write go into the next write together', async () => {
    const batcher = new EventBatcher(pool);
    // the first starts at once; the other three wait for it and are written as one transaction
    const sizes = await Promise.all(['A1', 'A2', 'A3', 'A4'].map((id) => batcher.record([sentEvent(id)])));
    expect(sizes).toEqual([1, 3, 3, 3]);
    expect(await messages('A')).toEqual(['A1', 'A2', 'A3', 'A4']);
  });

  it('a refused request gets its own error; the requests batched with it are recorded', async () => {
    const batcher = new EventBatcher(pool);
    const results = await Promise.allSettled([
      batcher.record([sentEvent('B1')]),
      batcher.record([sentEvent('B2')]),
      batcher.record([sentEvent('B3'), sentEvent('B4', { user_id: 'not-a-uuid' })]),
      batcher.record([sentEvent('B5')]),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    const error = (results[2] as PromiseRejectedResult).reason as { code: string; message: string };
    expect(error.code).toBe('22023');
    expect(error.message).toBe('events[1].user_id: must be a UUID string or null');
    // B3 came with the refused B4 in one request: neither is written
    expect(await messages('B')).toEqual(['B1', 'B2', 'B5']);
  });

  it('a request with no events writes nothing', async () => {
    const batcher = new EventBatcher(pool);
    expect(await batcher.record([])).toBe(0);
  });
});

describe('POST /webhooks/twilio/status at once', () => {
  it('40 signed callbacks sent together: each 204 after its commit, the bad one 400 and alone unwritten', async () => {
    const path = `/webhooks/twilio/status?user_id=${USER}&class=otp`;
    const post = (pathAndQuery: string, params: Record<string, string>) => fetch(t.base + pathAndQuery, {
      method: 'POST', body: new URLSearchParams(params).toString(), headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-twilio-signature': twilio.getExpectedTwilioSignature(AUTH_TOKEN, PUBLIC_URL + pathAndQuery, params) } });
    const params = (i: number) => ({ MessageSid: `SMC${String(i).padStart(31, '0')}`, MessageStatus: 'sent',
      AccountSid: 'AC00000000000000000000000000000001', From: '+15017122661', To: '+4915112345678', ApiVersion: '2010-04-01' });
    const badPath = '/webhooks/twilio/status?user_id=not-a-uuid';
    const responses = await Promise.all(Array.from({ length: 40 }, (_, i) => (i === 17 ? post(badPath, params(i)) : post(path, params(i)))));
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 204)).toHaveLength(39);
    expect(statuses[17]).toBe(400);
    expect((await responses[17]!.json()).error.message).toBe('events[0].user_id: must be a UUID string or null');
    expect(await messages('SMC')).toEqual(Array.from({ length: 40 }, (_, i) => params(i).MessageSid).filter((_, i) => i !== 17));
  });
});
