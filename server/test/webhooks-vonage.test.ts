// Vonage SMS API delivery receipts through the real server and a real database. Every receipt
// sent is signed by a signer written here from Vonage's "signing messages" steps and is first
// checked by Vonage's own library (@vonage/sms SMS.verifySignature): the library accepts what the
// server must accept and refuses what it must refuse. Receipts come as a form, as JSON and as a
// GET query; the carrier is the receipt's network-code.
import { createHash, createHmac } from 'node:crypto';
import { AlgorithmTypes } from '@vonage/auth';
import { SMS } from '@vonage/sms';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VONAGE_SIGNATURE_METHODS, vonageSignatureProblem } from '../webhooks/vonage.ts';
import { startTestServer, type TestServer } from './harness.ts';

const SECRET = 'vonage-test-signature-secret-0123456789';
const USER = 'e2000000-0000-0000-0000-000000000001';
const vonage = new SMS({ apiKey: 'abcd1234', apiSecret: 'not-used-here' });
const ALGORITHMS = { md5hash: AlgorithmTypes.md5hash, md5: AlgorithmTypes.md5hmac, sha1: AlgorithmTypes.sha1hmac,
  sha256: AlgorithmTypes.sha256hmac, sha512: AlgorithmTypes.sha512hmac } as const;
type Method = keyof typeof ALGORITHMS;

/** The receipt with timestamp, nonce and sig added, as Vonage signs it; the library must accept it. */
function signed(params: Record<string, string>, options: { method?: Method; secret?: string; at?: number } = {}): Record<string, string> {
  const method = options.method ?? 'md5hash';
  const secret = options.secret ?? SECRET;
  const all: Record<string, string> = { ...params, timestamp: String(options.at ?? Math.floor(Date.now() / 1000)), nonce: 'a1b2c3d4' };
  const text = Object.keys(all).sort().map((k) => `&${k}=${all[k]!.replaceAll('&', '_').replaceAll('=', '_')}`).join('');
  const sig = method === 'md5hash' ? createHash('md5').update(text + secret).digest('hex')
    : createHmac(method, secret).update(text).digest('hex');
  expect(vonage.verifySignature(sig, all, secret, ALGORITHMS[method])).toBe(true);
  return { ...all, sig };
}

/** 'YYYY-MM-DD HH:MM:SS' (UTC) of a time `s` seconds before the test's start. */
const started = Math.floor(Date.now() / 1000) * 1000;
const stamp = (s: number) => new Date(started - s * 1000).toISOString().slice(0, 19).replace('T', ' ');
const iso = (s: number) => new Date(started - s * 1000).toISOString();

function receipt(messageId: string, status: string, networkCode: string, msisdn: string, at: number, errCode = '0') {
  return { msisdn, to: 'AcmeInc', 'network-code': networkCode, messageId, price: '0.03330000', status,
    scts: '2001011400', 'err-code': errCode, 'api-key': 'abcd1234', 'message-timestamp': stamp(at),
    'client-ref': 'order=42&retry' }; // & and = in a value are signed as _
}

let t: TestServer;
beforeAll(async () => {
  process.env.VONAGE_SIGNATURE_SECRET = SECRET;
  delete process.env.VONAGE_SIGNATURE_METHOD;
  t = await startTestServer();
});
afterAll(async () => { await t?.close(); });

const PATH = `/webhooks/vonage/receipt?user_id=${USER}&class=otp`;
function postForm(params: Record<string, string>, base = t.base, path = PATH) {
  return fetch(base + path, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(params).toString() });
}
function postJson(params: Record<string, string>) {
  return fetch(t.base + PATH, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(params) });
}
async function logged(): Promise<number> {
  return Number((await t.db.sql`select count(*)::int as n from sms_monitor.sms_message_events`)[0]!.n);
}
async function fold(): Promise<void> {
  await t.db.sql`select sms_monitor.rollup_sms_messages()`;
}

describe('GET and POST /webhooks/vonage/receipt', () => {
  it('records a signed form receipt with its carrier; the retry of the same receipt counts once', async () => {
    const accepted = signed(receipt('V1', 'accepted', '23410', '447400123450', 63));
    const delivered = signed(receipt('V1', 'delivered', '23410', '447400123450', 60));
    for (const params of [accepted, delivered, delivered]) expect((await postForm(params)).status).toBe(204);
    expect(await logged()).toBe(3);
    await fold();
    const [m] = await t.db.sql`select user_id::text, provider, carrier, country, sender, sender_type, message_class, final_status,
      error_code, price_usd, sent_at, delivered_at from sms_monitor.sms_messages where message_id = 'V1'`;
    expect(m).toEqual({ user_id: USER, provider: 'vonage', carrier: '23410', country: 'GB', sender: 'AcmeInc',
      sender_type: 'alphanumeric', message_class: 'otp', final_status: 'delivered', error_code: null, price_usd: null,
      sent_at: new Date(iso(63)), delivered_at: new Date(iso(60)) });
    const [c] = await t.db.sql`select sum(metric_value) filter (where metric_type = 'sent_count')::int as sent,
      sum(metric_value) filter (where metric_type = 'delivered_count')::int as delivered from sms_monitor.sms_metrics`;
    expect(c).toEqual({ sent: 1, delivered: 1 });
  });

  it('takes JSON (POST-JSON) and GET receipts; err-code becomes error_code; each status through the vonage spellings', async () => {
    const json = [
      receipt('V2', 'expired', '23410', '447400123451', 50, '27'),
      receipt('V3', 'buffered', '26201', '4915112345678', 45),
      receipt('V3', 'rejected', '26201', '4915112345678', 40, '6'),
      receipt('V7', 'failed', '23410', '447400123457', 35, '5'),
    ];
    for (const params of json) expect((await postJson(signed(params))).status).toBe(204);
    // GET: the receipt is the query, beside the callback URL's own user_id and class
    const query = new URLSearchParams({ user_id: USER, class: 'otp', ...signed(receipt('V4', 'delivered', '26201', '4915112345679', 30)) });
    expect((await fetch(`${t.base}/webhooks/vonage/receipt?${query}`)).status).toBe(204);
    // unknown: no receipt will say more; the message stays sent
    expect((await postForm(signed(receipt('V5', 'unknown', '26201', '4915112345670', 20)))).status).toBe(204);
    await fold();
    const rows = await t.db.sql`select message_id, carrier, country, final_status, error_code, user_id::text, message_class,
      sent_at is not null as has_sent from sms_monitor.sms_messages where message_id in ('V2', 'V3', 'V4', 'V5', 'V7') order by message_id`;
    expect(rows).toEqual([
      { message_id: 'V2', carrier: '23410', country: 'GB', final_status: 'undelivered', error_code: '27', user_id: USER, message_class: 'otp', has_sent: false },
      { message_id: 'V3', carrier: '26201', country: 'DE', final_status: 'failed', error_code: '6', user_id: USER, message_class: 'otp', has_sent: true },
      { message_id: 'V4', carrier: '26201', country: 'DE', final_status: 'delivered', error_code: null, user_id: USER, message_class: 'otp', has_sent: false },
      { message_id: 'V5', carrier: '26201', country: 'DE', final_status: null, error_code: null, user_id: USER, message_class: 'otp', has_sent: true },
      { message_id: 'V7', carrier: '23410', country: 'GB', final_status: 'failed', error_code: '5', user_id: USER, message_class: 'otp', has_sent: false },
    ]);
  });

  it('the breakdown per carrier counts sent, delivered and failed per network-code', async () => {
    const res = await t.request('GET', '/api/sms/metrics/breakdown?by=carrier&minutes=60', { token: await t.token('reader') });
    expect(res.status).toBe(200);
    expect(res.body.data.map((r: Record<string, unknown>) => ({ key: r.key, sent: r.sent, delivered: r.delivered,
      failed: r.failed, terminal: r.terminal, delivery_rate_percent: r.delivery_rate_percent }))).toEqual([
      { key: '23410', sent: 1, delivered: 1, failed: 2, terminal: 3, delivery_rate_percent: 33.33 },
      { key: '26201', sent: 2, delivered: 1, failed: 1, terminal: 2, delivery_rate_percent: 50 },
    ]);
  });

  it('a missing, wrong or foreign sig is 403 and writes nothing, as the library refuses it', async () => {
    const before = await logged();
    const good = signed(receipt('V9', 'delivered', '23410', '447400123459', 10));
    const { sig: _sig, ...unsigned } = good;
    const missing = await postForm(unsigned);
    expect(missing.status).toBe(403);
    expect((await missing.json()).error.message).toBe('sig: missing');

    const changed: Record<string, string> = { ...good, status: 'failed' };
    expect(vonage.verifySignature(good.sig!, changed, SECRET, AlgorithmTypes.md5hash)).toBe(false);
    const r1 = await postForm(changed);
    expect(r1.status).toBe(403);
    expect((await r1.json()).error.message).toBe('sig: does not match');

    const foreign = signed(receipt('V9', 'delivered', '23410', '447400123459', 10), { secret: 'another-secret' });
    expect((await postForm(foreign)).status).toBe(403);
    const otherMethod = signed(receipt('V9', 'delivered', '23410', '447400123459', 10), { method: 'sha256' });
    expect((await postForm(otherMethod)).status).toBe(403);
    expect((await postJson(changed)).status).toBe(403);
    expect((await fetch(`${t.base}/webhooks/vonage/receipt?${new URLSearchParams(changed)}`)).status).toBe(403);
    expect(await logged()).toBe(before);
  });

  it('a receipt signed more than 300 s from the server clock is 403 and writes nothing', async () => {
    const before = await logged();
    const stale = signed(receipt('V9', 'delivered', '23410', '447400123459', 10), { at: Math.floor(Date.now() / 1000) - 600 });
    const res = await postForm(stale);
    expect(res.status).toBe(403);
    expect((await res.json()).error.message).toBe('timestamp: more than 300 s from the server clock');
    expect(await logged()).toBe(before);
  });

  it('a signed receipt with a bad field is 400 naming it, nothing written', async () => {
    const before = await logged();
    const badTime = await postForm(signed({ ...receipt('V9', 'delivered', '23410', '447400123459', 10), 'message-timestamp': '2026-13-01 10:00:00' }));
    expect(badTime.status).toBe(400);
    expect((await badTime.json()).error.message).toBe('message-timestamp: must be a UTC time as YYYY-MM-DD HH:MM:SS');
    const badStatus = await postForm(signed(receipt('V9', 'nope', '23410', '447400123459', 10)));
    expect(badStatus.status).toBe(400);
    expect((await badStatus.json()).error.message).toMatch(/^events\[0\]\.status: unknown status "nope"/);
    const badUser = await postForm(signed(receipt('V9', 'delivered', '23410', '447400123459', 10)), t.base,
      '/webhooks/vonage/receipt?user_id=not-a-uuid');
    expect(badUser.status).toBe(400);
    expect((await badUser.json()).error.message).toBe('events[0].user_id: must be a UUID string or null');
    expect(await logged()).toBe(before);
  });
});

describe('Vonage signature settings', () => {
  it('each of the five methods accepts what the library accepts and refuses the others', () => {
    const now = Math.floor(Date.now() / 1000);
    const params = receipt('X1', 'delivered', '23410', '447400123450', 5);
    expect(Object.keys(ALGORITHMS)).toEqual([...VONAGE_SIGNATURE_METHODS]);
    for (const method of VONAGE_SIGNATURE_METHODS) {
      const p = signed(params, { method, at: now });
      expect(vonageSignatureProblem(SECRET, method, [p], now, 300), method).toBeUndefined();
      // Vonage's hex may come in capitals: the library compares without case, so does the server
      const upper = { ...p, sig: p.sig!.toUpperCase() };
      expect(vonage.verifySignature(upper.sig, upper, SECRET, ALGORITHMS[method])).toBe(true);
      expect(vonageSignatureProblem(SECRET, method, [upper], now, 300), method).toBeUndefined();
      for (const other of VONAGE_SIGNATURE_METHODS.filter((m) => m !== method)) {
        expect(vonage.verifySignature(p.sig!, p, SECRET, ALGORITHMS[other])).toBe(false);
        expect(vonageSignatureProblem(SECRET, other, [p], now, 300)).toBe('sig: does not match');
      }
    }
  });

  it('a signature over the receipt together with the callback URL\'s user_id and class holds too', async () => {
    const all = signed({ ...receipt('V6', 'delivered', '23410', '447400123456', 5), user_id: USER, class: 'otp' });
    const { user_id: _u, class: _c, ...body } = all;
    expect((await postForm(body)).status).toBe(204);
    // but not for another user than the one signed
    const other = '/webhooks/vonage/receipt?user_id=e2000000-0000-0000-0000-000000000099&class=otp';
    expect((await postForm(body, t.base, other)).status).toBe(403);
  });

  it('VONAGE_SIGNATURE_METHOD=sha512 checks sha512 HMACs (md5hash ones refused)', async () => {
    process.env.VONAGE_SIGNATURE_METHOD = 'sha512';
    const s = await startTestServer();
    delete process.env.VONAGE_SIGNATURE_METHOD;
    try {
      const params = receipt('S1', 'delivered', '310260', '13125550100', 5);
      expect((await postForm(signed(params), s.base)).status).toBe(403);
      expect((await postForm(signed(params, { method: 'sha512' }), s.base)).status).toBe(204);
      await s.db.sql`select sms_monitor.rollup_sms_messages()`;
      expect(await s.db.sql`select carrier, country, final_status from sms_monitor.sms_messages`)
        .toEqual([{ carrier: '310260', country: 'US', final_status: 'delivered' }]);
    } finally {
      await s.close();
    }
  });

  it('without VONAGE_SIGNATURE_SECRET the route answers 503 and writes nothing', async () => {
    delete process.env.VONAGE_SIGNATURE_SECRET;
    const bare = await startTestServer();
    process.env.VONAGE_SIGNATURE_SECRET = SECRET;
    try {
      const res = await postForm(signed(receipt('S2', 'delivered', '23410', '447400123450', 5)), bare.base);
      expect(res.status).toBe(503);
      expect((await res.json()).error.message)
        .toBe('webhooks: VONAGE_SIGNATURE_SECRET is not set on the server, so nothing can be verified');
      expect((await bare.db.sql`select count(*)::int as n from sms_monitor.sms_message_events`)[0]!.n).toBe(0);
    } finally {
      await bare.close();
    }
  });
});
