// Provider webhooks through the real server and a real database, signed by the providers' own
// libraries: twilio's getExpectedTwilioSignature (and validateRequest as a cross-check), and for
// Telnyx an ed25519 key pair from node:crypto whose signatures the Telnyx SDK's own verifier
// (TelnyxWebhook) accepts. Bad or missing signatures get 403 and write nothing; a retried callback
// counts once; country, sender type, error code, carrier, delivery time and cost land where the
// SQL contract puts them.
import { generateKeyPairSync, sign } from 'node:crypto';
import { TelnyxWebhook } from 'telnyx/lib/webhooks';
import twilio from 'twilio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './harness.ts';

const PUBLIC_URL = 'https://monitor.example.test';
const AUTH_TOKEN = 'twilio-test-auth-token-0123456789abcdef';
const USER = 'e1000000-0000-0000-0000-000000000001';
const keys = generateKeyPairSync('ed25519');
const telnyxPublicKey = Buffer.from(keys.publicKey.export({ format: 'jwk' }).x!, 'base64url').toString('base64');

let t: TestServer;

beforeAll(async () => {
  process.env.SMS_MONITOR_PUBLIC_URL = PUBLIC_URL;
  process.env.TWILIO_AUTH_TOKEN = AUTH_TOKEN;
  process.env.TELNYX_PUBLIC_KEY = telnyxPublicKey;
  t = await startTestServer();
});
afterAll(async () => { await t?.close(); });

/** Runs the fold (rollup_sms_messages, every 2 s in the rollup job) so sms_messages and the counters show the events. */
async function fold(): Promise<void> {
  await t.db.sql`select sms_monitor.rollup_sms_messages()`;
}
async function counters(): Promise<Record<string, number>> {
  await fold();
  const rows = await t.db.sql<{ metric_type: string; v: string }[]>`
    select metric_type, sum(metric_value)::text as v from sms_monitor.sms_metrics group by metric_type`;
  return Object.fromEntries(rows.map((r) => [r.metric_type, Number(r.v)]));
}
async function logged(): Promise<number> {
  return Number((await t.db.sql`select count(*)::int as n from sms_monitor.sms_message_events`)[0]!.n);
}

function twilioPost(pathAndQuery: string, params: Record<string, string>, signature: string | null) {
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  if (signature !== null) headers['x-twilio-signature'] = signature;
  return fetch(t.base + pathAndQuery, { method: 'POST', headers, body: new URLSearchParams(params).toString() });
}

describe('POST /webhooks/twilio/status', () => {
  const path = `/webhooks/twilio/status?user_id=${USER}&class=otp`;
  const sent = { MessageSid: 'SM00000000000000000000000000000001', MessageStatus: 'sent', AccountSid: 'AC00000000000000000000000000000001',
    From: '+15017122661', To: '+4915112345678', ApiVersion: '2010-04-01', NumSegments: '2' };

  it('records a signed callback; the retry of the same callback counts once', async () => {
    const signature = twilio.getExpectedTwilioSignature(AUTH_TOKEN, PUBLIC_URL + path, sent);
    expect(twilio.validateRequest(AUTH_TOKEN, signature, PUBLIC_URL + path, sent)).toBe(true);
    const first = await twilioPost(path, sent, signature);
    expect(first.status).toBe(204);
    const retry = await twilioPost(path, sent, signature);
    expect(retry.status).toBe(204);
    expect(await logged()).toBe(2); // the log keeps every event; the fold counts the pair once
    expect((await counters()).sent_count).toBe(1);
    const [m] = await t.db.sql`select user_id::text, provider, sender, sender_type, country, segments, message_class, sent_at is not null as has_sent
      from sms_monitor.sms_messages where message_id = ${sent.MessageSid}`;
    expect(m).toEqual({ user_id: USER, provider: 'twilio', sender: '+15017122661', sender_type: 'long_code', country: 'DE',
      segments: 2, message_class: 'otp', has_sent: true });
  });

  it('ErrorCode becomes error_code; undelivered counts as failed', async () => {
    const params = { ...sent, MessageStatus: 'undelivered', ErrorCode: '30007' };
    const res = await twilioPost(path, params, twilio.getExpectedTwilioSignature(AUTH_TOKEN, PUBLIC_URL + path, params));
    expect(res.status).toBe(204);
    await fold();
    const [m] = await t.db.sql`select final_status, error_code from sms_monitor.sms_messages where message_id = ${sent.MessageSid}`;
    expect(m).toEqual({ final_status: 'undelivered', error_code: '30007' });
    expect((await counters()).failed_count).toBe(1);
  });

  it('a missing, wrong or foreign signature is 403 and writes nothing', async () => {
    const before = await logged();
    const params = { ...sent, MessageSid: 'SM00000000000000000000000000000002' };
    const missing = await twilioPost(path, params, null);
    expect(missing.status).toBe(403);
    expect((await missing.json()).error.message).toBe('X-Twilio-Signature: missing or does not match');
    const otherToken = await twilioPost(path, params, twilio.getExpectedTwilioSignature('another-token', PUBLIC_URL + path, params));
    expect(otherToken.status).toBe(403);
    // signed for another user: the query is part of what Twilio signs
    const tampered = await twilioPost(path.replace(USER, 'e1000000-0000-0000-0000-000000000099'), params,
      twilio.getExpectedTwilioSignature(AUTH_TOKEN, PUBLIC_URL + path, params));
    expect(tampered.status).toBe(403);
    // the body changed after signing
    const changed = await twilioPost(path, { ...params, MessageStatus: 'delivered' },
      twilio.getExpectedTwilioSignature(AUTH_TOKEN, PUBLIC_URL + path, params));
    expect(changed.status).toBe(403);
    expect(await logged()).toBe(before);
  });

  it('a signed callback with bad data is 400 naming the field, nothing written', async () => {
    const before = await logged();
    const badPath = '/webhooks/twilio/status?user_id=not-a-uuid';
    const params = { ...sent, MessageSid: 'SM00000000000000000000000000000003' };
    const res = await twilioPost(badPath, params, twilio.getExpectedTwilioSignature(AUTH_TOKEN, PUBLIC_URL + badPath, params));
    expect(res.status).toBe(400);
    expect((await res.json()).error.message).toBe('events[0].user_id: must be a UUID string or null');
    expect(await logged()).toBe(before);
  });
});

describe('POST /webhooks/telnyx', () => {
  const sentAt = new Date(Date.now() - 60_000);
  const completedAt = new Date(sentAt.getTime() + 2_500);
  const body = JSON.stringify({
    data: {
      event_type: 'message.finalized', id: 'b301ed3f-1490-491f-995f-6e64e69674d4', occurred_at: completedAt.toISOString(),
      record_type: 'event',
      payload: {
        id: '40385f64-5717-4562-b3fc-2c963f66afa6', direction: 'outbound', type: 'SMS', parts: 1,
        from: { phone_number: '+18885550100', carrier: 'Telnyx', line_type: 'VoIP' },
        to: [{ phone_number: '+13125550100', status: 'delivered', carrier: 'T-MOBILE USA, INC.', line_type: 'Wireless' }],
        cost: { amount: '0.0040', currency: 'USD' }, errors: [],
        sent_at: sentAt.toISOString(), completed_at: completedAt.toISOString(),
      },
    },
    meta: { attempt: 1, delivered_to: 'https://monitor.example.test/webhooks/telnyx' },
  });
  const signed = (payload: string, timestamp: number) => ({
    'content-type': 'application/json',
    'telnyx-timestamp': String(timestamp),
    'telnyx-signature-ed25519': sign(null, Buffer.from(`${timestamp}|${payload}`), keys.privateKey).toString('base64'),
  });

  it('records message.finalized with its carrier, delivery time and cost; the SDK accepts the signature', async () => {
    const headers = signed(body, Math.floor(Date.now() / 1000));
    await expect(new TelnyxWebhook(telnyxPublicKey).verify(body, headers)).resolves.toBeUndefined();
    const before = await counters();
    for (let attempt = 0; attempt < 2; attempt++) {
      const res = await fetch(`${t.base}/webhooks/telnyx?user_id=${USER}&class=transactional`, { method: 'POST', headers, body });
      expect(res.status).toBe(204);
    }
    await fold();
    const [m] = await t.db.sql`select carrier, country, sender, sender_type, final_status, price_usd::text, message_class
      from sms_monitor.sms_messages where message_id = '40385f64-5717-4562-b3fc-2c963f66afa6'`;
    expect(m).toEqual({ carrier: 'T-MOBILE USA, INC.', country: 'US', sender: '+18885550100', sender_type: 'toll_free',
      final_status: 'delivered', price_usd: '0.004', message_class: 'transactional' });
    const after = await counters();
    expect((after.sent_count ?? 0) - (before.sent_count ?? 0)).toBe(1);
    expect((after.delivered_count ?? 0) - (before.delivered_count ?? 0)).toBe(1);
    expect((after.avg_delivery_time_ms ?? 0) - (before.avg_delivery_time_ms ?? 0)).toBe(2500);
    expect((after.sms_cost_usd ?? 0) - (before.sms_cost_usd ?? 0)).toBeCloseTo(0.004, 10);
  });

  it('refuses a changed body, a foreign key and a stale timestamp (403, nothing written), as the SDK does', async () => {
    const before = await logged();
    const now = Math.floor(Date.now() / 1000);
    const changed = body.replace('delivered', 'delivery_failed');
    const tamperedHeaders = signed(body, now);
    await expect(new TelnyxWebhook(telnyxPublicKey).verify(changed, tamperedHeaders)).rejects.toThrow();
    const r1 = await fetch(`${t.base}/webhooks/telnyx`, { method: 'POST', headers: tamperedHeaders, body: changed });
    expect(r1.status).toBe(403);
    expect((await r1.json()).error.message).toBe('telnyx-signature-ed25519: does not match');

    const other = generateKeyPairSync('ed25519');
    const foreign = { ...signed(body, now),
      'telnyx-signature-ed25519': sign(null, Buffer.from(`${now}|${body}`), other.privateKey).toString('base64') };
    expect((await fetch(`${t.base}/webhooks/telnyx`, { method: 'POST', headers: foreign, body })).status).toBe(403);

    const staleHeaders = signed(body, now - 600);
    await expect(new TelnyxWebhook(telnyxPublicKey).verify(body, staleHeaders)).rejects.toThrow();
    const r3 = await fetch(`${t.base}/webhooks/telnyx`, { method: 'POST', headers: staleHeaders, body });
    expect(r3.status).toBe(403);
    expect((await r3.json()).error.message).toBe('telnyx-timestamp: more than 300 s from the server clock');

    const { 'telnyx-signature-ed25519': _omitted, ...unsigned } = signed(body, now);
    expect((await fetch(`${t.base}/webhooks/telnyx`, { method: 'POST', headers: unsigned, body })).status).toBe(403);
    expect(await logged()).toBe(before);
  });
});

describe('a provider whose secret is not set', () => {
  it('answers 503 naming the missing setting and writes nothing', async () => {
    const saved = process.env.TWILIO_AUTH_TOKEN;
    delete process.env.TWILIO_AUTH_TOKEN;
    const bare = await startTestServer();
    process.env.TWILIO_AUTH_TOKEN = saved;
    try {
      const params = { MessageSid: 'SM00000000000000000000000000000009', MessageStatus: 'sent' };
      const res = await fetch(`${bare.base}/webhooks/twilio/status`, {
        method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded',
          'x-twilio-signature': twilio.getExpectedTwilioSignature(AUTH_TOKEN, `${PUBLIC_URL}/webhooks/twilio/status`, params) },
        body: new URLSearchParams(params).toString(),
      });
      expect(res.status).toBe(503);
      expect((await res.json()).error.message).toBe('webhooks: TWILIO_AUTH_TOKEN is not set on the server, so nothing can be verified');
      expect((await bare.db.sql`select count(*)::int as n from sms_monitor.sms_messages`)[0]!.n).toBe(0);
    } finally {
      await bare.close();
    }
  });
});

describe('the webhooks\' own rate limit', () => {
  it('is not the API\'s: with the API at 2 a minute, 5 signed callbacks from one address are recorded and the 6th is 429', async () => {
    const s = await startTestServer({ limits: { ratePerMinute: 2, webhookRatePerMinute: 5 } });
    try {
      const path = '/webhooks/twilio/status';
      const statuses: number[] = [];
      for (let i = 1; i <= 6; i++) {
        const params = { MessageSid: `SM1000000000000000000000000000000${i}`, MessageStatus: 'sent', To: '+4915112345678', From: '+15017122661' };
        const res = await fetch(s.base + path, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded',
          'x-twilio-signature': twilio.getExpectedTwilioSignature(AUTH_TOKEN, PUBLIC_URL + path, params) },
          body: new URLSearchParams(params).toString() });
        statuses.push(res.status);
        if (res.status === 429) expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
      }
      expect(statuses).toEqual([204, 204, 204, 204, 204, 429]);
      expect(Number((await s.db.sql`select count(*)::int as n from sms_monitor.sms_message_events`)[0]!.n)).toBe(5);
    } finally {
      await s.close();
    }
  });
});
