// The Twilio webhook through the real server: signed status callbacks (each request a new message,
// signed with twilio's getExpectedTwilioSignature) beside GET /healthz on the same server,
// autocannon with 16 keep-alive connections for 10 s each, as the HTTP section measures the API; then the sizes of the group commits the callbacks
// were written in (server/webhooks/batch.ts), from the server's log.
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import pino from 'pino';
import autocannon, { type RequestSpec } from 'autocannon';
import twilio from 'twilio';
import { buildServer } from '../../server/app.ts';
import { serverLogin } from '../http-server.ts';
import { median, percentile, printTable, type BenchSection } from '../lib.ts';

const PUBLIC_URL = 'https://monitor.bench.test';
const AUTH_TOKEN = randomBytes(16).toString('hex');

/** Mean requests/s of autocannon's 16 keep-alive connections for 10 s; throws on any non-2xx. */
async function load(base: string, request: RequestSpec & { setupRequest?: (r: RequestSpec) => RequestSpec }): Promise<number> {
  const r = await autocannon({ url: base, connections: 16, duration: 10, requests: [request] });
  if (r.non2xx > 0 || r.errors > 0) throw new Error(`${request.path}: ${r.non2xx} non-2xx, ${r.errors} errors`);
  return r.requests.average;
}

const section: BenchSection = {
  name: 'webhooks',
  title: 'Twilio webhook throughput',
  async run(db) {
    const login = await serverLogin(db);
    // info level, as in production: the one line per recorded callback is part of the cost
    const batchSizes: number[] = [];
    const sink = new Writable({ write(chunk, _enc, cb) {
      for (const line of String(chunk).split('\n')) {
        const m = /"batch":(\d+)/.exec(line);
        if (m) batchSizes.push(Number(m[1]));
      }
      cb();
    } });
    const { app } = await buildServer({ databaseUrl: login.url, jwtSecret: randomBytes(32).toString('base64url'),
      logger: pino({ level: 'info' }, sink), webhooks: { publicUrl: PUBLIC_URL, twilioAuthToken: AUTH_TOKEN, telnyxToleranceSeconds: 300 },
      // every callback of the bench comes from one address: the per-address webhook limit (30,000 a
      // minute) would answer 429 once the server outruns it, which a quiet machine does
      limits: { webhookRatePerMinute: 1_000_000_000 } });
    const base = await app.listen({ host: '127.0.0.1', port: 0 });
    const path = '/webhooks/twilio/status?user_id=b3000000-0000-0000-0000-000000000001&class=otp';
    let next = 0;
    const callback = { method: 'POST', path, setupRequest: (request: RequestSpec) => {
      const params = { MessageSid: `SMbench${String(next++).padStart(26, '0')}`, MessageStatus: 'sent', AccountSid: 'ACbench',
        From: '+15017122661', To: '+4915112345678', ApiVersion: '2010-04-01' };
      return { ...request, body: new URLSearchParams(params).toString(), headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-twilio-signature': twilio.getExpectedTwilioSignature(AUTH_TOKEN, PUBLIC_URL + path, params) } };
    } };
    await autocannon({ url: base, connections: 4, duration: 1, requests: [callback] }); // warm-up
    const healthz = await load(base, { method: 'GET', path: '/healthz' });
    batchSizes.length = 0;
    const twilioRps = await load(base, callback);
    console.log('\n(1) requests/s (mean), autocannon, 16 keep-alive connections, 10 s each (the server logging at info)\n');
    printTable(['endpoint', 'requests/s', 'ratio to /healthz'], [['GET /healthz (baseline)', Math.round(healthz), '1.00'],
      ['POST /webhooks/twilio/status (a new message each)', Math.round(twilioRps), (twilioRps / healthz).toFixed(2)]]);
    console.log('\n(2) callbacks per transaction (group commit) during (1)\n');
    printTable(['median', 'p95', 'max'], [[median(batchSizes), percentile(batchSizes, 95), Math.max(...batchSizes)]]);
    await app.close();
    await login.drop();
  },
};
export default section;
