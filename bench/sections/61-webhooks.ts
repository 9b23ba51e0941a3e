// The Twilio webhook through the real server: signed status callbacks (each request a new message,
// signed with twilio's getExpectedTwilioSignature) beside GET /healthz on the same server, 16
// concurrent keep-alive clients for 10 s each; then the sizes of the group commits the callbacks
// were written in (server/webhooks/batch.ts), from the server's log.
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import pino from 'pino';
import twilio from 'twilio';
import { buildServer } from '../../server/app.ts';
import { median, percentile, printTable, type BenchSection } from '../lib.ts';

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
  name: 'webhooks',
  title: 'Twilio webhook throughput',
  async run(db) {
    const role = `sms_monitor_http_bench_${randomBytes(4).toString('hex')}`;
    const password = randomBytes(16).toString('hex');
    await db.sql.unsafe(`create role ${role} login noinherit password '${password}' in role sms_monitor_authenticator`);
    const url = new URL(db.url);
    url.username = role;
    url.password = password;
    // info level, as in production: the one line per recorded callback is part of the cost
    const batchSizes: number[] = [];
    const sink = new Writable({ write(chunk, _enc, cb) {
      for (const line of String(chunk).split('\n')) {
        const m = /"batch":(\d+)/.exec(line);
        if (m) batchSizes.push(Number(m[1]));
      }
      cb();
    } });
    const { app } = await buildServer({ databaseUrl: url.toString(), jwtSecret: randomBytes(32).toString('base64url'),
      logger: pino({ level: 'info' }, sink), webhooks: { publicUrl: PUBLIC_URL, twilioAuthToken: AUTH_TOKEN, telnyxToleranceSeconds: 300 } });
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
    batchSizes.length = 0;
    const twilioRps = await load(16, 10, callback);
    console.log('\n(1) requests/s, 16 concurrent keep-alive clients, 10 s each (the server logging at info)\n');
    printTable(['endpoint', 'requests/s', 'ratio to /healthz'], [['GET /healthz (baseline)', Math.round(healthz), '1.00'],
      ['POST /webhooks/twilio/status (a new message each)', Math.round(twilioRps), (twilioRps / healthz).toFixed(2)]]);
    console.log('\n(2) callbacks per transaction (group commit) during (1)\n');
    printTable(['median', 'p95', 'max'], [[median(batchSizes), percentile(batchSizes, 95), Math.max(...batchSizes)]]);
    await app.close();
    await db.sql.unsafe(`drop role ${role}`).catch(() => {});
  },
};
export default section;
