// Message events: (1) record_sms_message_events with batches of 1,000 new messages (sent, with
// attributes) and then their receipts (delivered), events/s per batch, beside a raw batched INSERT
// of the same events into the log (no validation: the floor of an append); (2) the fold
// (rollup_sms_messages) of everything (1) logged, events/s; (3) Twilio status callbacks through
// the real server (each request a new message, signed with twilio's getExpectedTwilioSignature)
// beside GET /healthz, 16 concurrent keep-alive clients for 10 s each.
import { randomBytes } from 'node:crypto';
import pino from 'pino';
import twilio from 'twilio';
import { buildServer } from '../../server/app.ts';
import { median, printTable, type BenchSection } from '../lib.ts';

const PUBLIC_URL = 'https://monitor.bench.test';
const AUTH_TOKEN = randomBytes(16).toString('hex');

/** Requests/s of `request` from `clients` concurrent loops for `seconds`. */
async function load(clients: number, seconds: number, request: (i: number) => Promise<Response>): Promise<number> {
  const end = Date.now() + seconds * 1000;
  let done = 0;
  let next = 0;
  await Promise.all(Array.from({ length: clients }, async () => {
    while (Date.now() < end) {
      const res = await request(next++);
      await res.arrayBuffer();
      if (res.status >= 300) throw new Error(`HTTP ${res.status}`);
      done++;
    }
  }));
  return done / seconds;
}

const section: BenchSection = {
  name: 'messages',
  title: 'Message events and the Twilio webhook',
  async run(db) {
    const at = (s: number) => new Date(Date.now() - s * 1000).toISOString();
    const batches = 20;
    const sendRates: number[] = [];
    const receiptRates: number[] = [];
    const rawRates: number[] = [];
    await db.sql`select sms_monitor.rollup_sms_messages()`; // whatever earlier sections left
    for (let b = 0; b < batches; b++) {
      const ids = Array.from({ length: 1000 }, (_, i) => `BM${b}-${i}`);
      const sent = ids.map((id, i) => ({ message_id: id, status: 'sent', occurred_at: at(120), provider: 'twilio',
        sender: '+15017122661', sender_type: 'long_code', country: 'US', carrier: ['Verizon', 'T-Mobile', 'AT&T'][i % 3],
        user_id: `b3000000-0000-0000-0000-${String(i % 50).padStart(12, '0')}`, price_usd: 0.0079, segments: 1 }));
      const delivered = ids.map((id) => ({ message_id: id, status: 'delivered', occurred_at: at(115) }));
      for (const [events, rates] of [[sent, sendRates], [delivered, receiptRates]] as const) {
        const s = process.hrtime.bigint();
        await db.sql`select sms_monitor.record_sms_message_events(${JSON.stringify(events)}::text::jsonb)`;
        rates.push(1000 / (Number(process.hrtime.bigint() - s) / 1e9));
      }
      const raw = sent.map((e) => ({ ...e, message_id: `BR${e.message_id}` }));
      const s = process.hrtime.bigint();
      await db.sql`insert into sms_monitor.sms_message_events (message_id, status, provider_status, occurred_at, user_id, attributes)
        select e.v ->> 'message_id', 'sent', e.v ->> 'status', (e.v ->> 'occurred_at')::timestamptz, (e.v ->> 'user_id')::uuid,
               e.v - array['message_id', 'status', 'occurred_at', 'user_id']
          from jsonb_array_elements(${JSON.stringify(raw)}::text::jsonb) e(v)`;
      rawRates.push(1000 / (Number(process.hrtime.bigint() - s) / 1e9));
    }
    console.log(`\n(1) record_sms_message_events, ${batches} batches of 1,000 events each, events/s (median)\n`);
    printTable(['batch', 'events/s'], [['1,000 new messages (sent, 9 attributes)', Math.round(median(sendRates))],
      ['1,000 receipts (delivered, for those messages)', Math.round(median(receiptRates))],
      ['raw INSERT of 1,000 sent events into the log (no validation)', Math.round(median(rawRates))]]);

    const foldStart = process.hrtime.bigint();
    const [{ n }] = await db.sql<[{ n: string }]>`select sms_monitor.rollup_sms_messages()::text as n`;
    const foldSeconds = Number(process.hrtime.bigint() - foldStart) / 1e9;
    console.log(`\n(2) the fold (rollup_sms_messages) of everything (1) logged: one run\n`);
    printTable(['events', 'seconds', 'events/s'], [[Number(n), foldSeconds.toFixed(2), Math.round(Number(n) / foldSeconds)]]);

    const role = `sms_monitor_http_bench_${randomBytes(4).toString('hex')}`;
    const password = randomBytes(16).toString('hex');
    await db.sql.unsafe(`create role ${role} login noinherit password '${password}' in role sms_monitor_authenticator`);
    const url = new URL(db.url);
    url.username = role;
    url.password = password;
    const { app } = await buildServer({ databaseUrl: url.toString(), jwtSecret: randomBytes(32).toString('base64url'),
      logger: pino({ level: 'silent' }), webhooks: { publicUrl: PUBLIC_URL, twilioAuthToken: AUTH_TOKEN, telnyxToleranceSeconds: 300 } });
    const base = await app.listen({ host: '127.0.0.1', port: 0 });
    const path = '/webhooks/twilio/status?user_id=b3000000-0000-0000-0000-000000000001&class=otp';
    const callback = (i: number) => {
      const params = { MessageSid: `SMbench${String(i).padStart(26, '0')}`, MessageStatus: 'sent', AccountSid: 'ACbench',
        From: '+15017122661', To: '+4915112345678', ApiVersion: '2010-04-01' };
      return fetch(base + path, { method: 'POST', body: new URLSearchParams(params).toString(), headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-twilio-signature': twilio.getExpectedTwilioSignature(AUTH_TOKEN, PUBLIC_URL + path, params) } });
    };
    await load(4, 1, (i) => callback(1_000_000 + i)); // warm-up
    const healthz = await load(16, 10, () => fetch(`${base}/healthz`));
    const twilioRps = await load(16, 10, callback);
    console.log('\n(3) requests/s, 16 concurrent keep-alive clients, 10 s each\n');
    printTable(['endpoint', 'requests/s', 'ratio to /healthz'], [['GET /healthz (baseline)', Math.round(healthz), '1.00'],
      ['POST /webhooks/twilio/status (a new message each)', Math.round(twilioRps), (twilioRps / healthz).toFixed(2)]]);
    await app.close();
    await db.sql.unsafe(`drop role ${role}`).catch(() => {});
  },
};
export default section;
