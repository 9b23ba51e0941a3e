// The Twilio webhook through the real server: signed status callbacks (each request a new message,
// signed with twilio's getExpectedTwilioSignature) beside GET /healthz on the same server,
// autocannon with 16 and then 64 keep-alive connections for 10 s each, run in a worker thread
// (bench/load.ts) for both, so the load generator and its signing do not share the server's event
// loop; three pairs per connection count, alternating, medians. At 16 connections /healthz keeps the
// server's thread busy while each callback waits for its group's commit (the rate is bound by that
// latency); 64 give the group commit enough callbacks to fill its writes. Then the sizes of the group commits the callbacks were written in
// (server/webhooks/batch.ts), from the server's log.
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import pino from 'pino';
import { buildServer } from '../../server/app.ts';
import { serverLogin } from '../http-server.ts';
import { median, percentile, printTable, type BenchSection } from '../lib.ts';
import { loadInWorker, type LoadSpec } from '../load.ts';

const PUBLIC_URL = 'https://monitor.bench.test';
const AUTH_TOKEN = randomBytes(16).toString('hex');
const PAIRS = 3;
const CONNECTIONS = [16, 64];

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
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    const healthz = (connections: number): LoadSpec => ({ url, method: 'GET', path: '/healthz', connections, duration: 10, tag: '' });
    const callbacks = (tag: string, connections: number, duration = 10): LoadSpec => ({ url, method: 'POST', connections, duration, tag,
      path: '/webhooks/twilio/status?user_id=b3000000-0000-0000-0000-000000000001&class=otp',
      twilio: { authToken: AUTH_TOKEN, publicUrl: PUBLIC_URL, params: { MessageStatus: 'sent', AccountSid: 'ACbench',
        From: '+15017122661', To: '+4915112345678', ApiVersion: '2010-04-01' } } });
    await loadInWorker(callbacks('w', 4, 1)); // warm-up
    for (const connections of CONNECTIONS) {
      const rows: Array<[number, number]> = [];
      for (let pair = 0; pair < PAIRS; pair++) {
        const h = await loadInWorker(healthz(connections));
        batchSizes.length = 0;
        rows.push([h, await loadInWorker(callbacks(`c${connections}p${pair}`, connections))]);
      }
      console.log(`\n(1) requests/s (completed ÷ seconds), autocannon in a worker thread, ${connections} keep-alive connections, 10 s each, ${PAIRS} pairs alternating (the server logging at info)\n`);
      printTable(['pair', 'GET /healthz (baseline)', 'POST /webhooks/twilio/status (a new message each)', 'ratio'],
        [...rows.map(([h, t], i) => [String(i + 1), Math.round(h), Math.round(t), (t / h).toFixed(2)]),
          ['median', Math.round(median(rows.map((r) => r[0]))), Math.round(median(rows.map((r) => r[1]))),
            median(rows.map(([h, t]) => t / h)).toFixed(2)]]);
      console.log(`\n(2) callbacks per transaction (group commit) during the last webhook run at ${connections} connections\n`);
      printTable(['median', 'p95', 'max'], [[median(batchSizes), percentile(batchSizes, 95), Math.max(...batchSizes)]]);
    }
    await app.close();
    await login.drop();
  },
};
export default section;
