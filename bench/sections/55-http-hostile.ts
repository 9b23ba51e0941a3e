// The HTTP API under a hostile reader: one token sending 20 concurrent heavy requests (GET
// /top-users?days=7&live=true, the heaviest range a reader may ask for, each repeated as soon as
// it returns; 3 run, 16 wait, the rest get 429 and wait its Retry-After) on about 1.8 million
// sms_metrics rows, beside the same measurements without them:
//   /summary throughput: requests/s with 8 concurrent clients, each with a token of its own
//   (autocannon, 10 s); /healthz latency: p50 and p99 of one request at a time meanwhile.
// The rate limit is raised for the bench: the figures show what the cap of requests at a time per
// token, the statement_timeout and the pool of its own for /healthz do, not the limiter.
import { randomBytes, randomUUID } from 'node:crypto';
import autocannon from 'autocannon';
import pino from 'pino';
import { buildServer } from '../../server/app.ts';
import { serverLogin } from '../http-server.ts';
import { signToken } from '../../server/auth.ts';
import { median, percentile, printTable, type BenchSection } from '../lib.ts';

const HEAVY = '/api/sms/metrics/top-users?days=7&live=true&by=cost';
const SECONDS = 10;

const section: BenchSection = {
  name: 'http-hostile',
  title: 'HTTP API beside 20 heavy reader requests',
  async run(db) {
    const t0 = process.hrtime.bigint();
    await db.sql.unsafe(`
      insert into sms_monitor.sms_metrics (metric_date, metric_hour, user_id, metric_type, metric_value, sample_count)
      select current_date - d, h, ('b3000000-0000-0000-0000-' || lpad(u::text, 12, '0'))::uuid, t.metric_type,
             case when t.kind = 'counter' then (d + h + u) % 7 + 1 when t.kind = 'sum' then ((d + h + u) % 7) * 0.0012
                  else ((d * 7 + h * 3 + u) % 900) + 100 end,
             case when t.kind = 'timing' then 1 + (u % 3) else 1 end
        from generate_series(0, 30) d, generate_series(0, 23) h, generate_series(1, 200) u,
             (select metric_type, kind from sms_monitor.metric_types
               where metric_type not in ('delivery_success_rate', 'quiet_hours_skip_count', 'daily_limit_hit_count')) t`);
    await db.sql`select sms_monitor.refresh_sms_metrics_daily()`;
    await db.sql`analyze sms_monitor.sms_metrics`;
    const [{ n }] = await db.sql<[{ n: number }]>`select count(*)::int as n from sms_monitor.sms_metrics`;
    const login = await serverLogin(db);
    const secret = randomBytes(32).toString('base64url');
    const { app, limits } = await buildServer({ databaseUrl: login.url, jwtSecret: secret, logger: pino({ level: 'silent' }),
      limits: { ratePerMinute: 1_000_000_000 } });
    const base = await app.listen({ host: '127.0.0.1', port: 0 });
    const token = () => signToken(secret, { role: 'sms_monitor_reader', sub: randomUUID(), ttlSeconds: 3600 });
    const headers = { authorization: `Bearer ${await token()}` };
    const readers = await Promise.all(Array.from({ length: 8 }, token));
    console.log(`\n${n.toLocaleString('en-US')} sms_metrics rows (loaded in ${(Number(process.hrtime.bigint() - t0) / 1e9).toFixed(0)} s); `
      + `statement_timeout ${limits.statementTimeoutMs} ms, request pool 10 connections, /healthz on a pool of its own\n`);

    const measure = async (): Promise<[number, number, number]> => {
      const latencies: number[] = [];
      let stop = false;
      const probe = (async () => {
        while (!stop) {
          const s = process.hrtime.bigint();
          const res = await fetch(`${base}/healthz`);
          await res.arrayBuffer();
          if (res.status !== 200) throw new Error(`/healthz: HTTP ${res.status}`);
          latencies.push(Number(process.hrtime.bigint() - s) / 1e6);
        }
      })();
      let next = 0;
      const r = await autocannon({ url: `${base}/api/sms/metrics/summary`, connections: 8, duration: SECONDS,
        setupClient: (client) => { client.setHeaders({ authorization: `Bearer ${readers[next++ % readers.length]}` }); } });
      stop = true;
      await probe;
      if (r.non2xx > 0 || r.errors > 0) throw new Error(`/summary: ${r.non2xx} non-2xx, ${r.errors} errors`);
      return [r.requests.average, median(latencies), percentile(latencies, 99)];
    };

    const quiet = await measure();
    let running = true;
    const statuses = new Map<number, number>();
    const heavyMs: number[] = [];
    const heavy = Array.from({ length: 20 }, async () => {
      while (running) {
        const s = process.hrtime.bigint();
        const res = await fetch(base + HEAVY, { headers });
        await res.arrayBuffer();
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        if (res.status === 429) await new Promise((r) => setTimeout(r, Number(res.headers.get('retry-after') ?? 1) * 1000));
        else heavyMs.push(Number(process.hrtime.bigint() - s) / 1e6);
      }
    });
    const loaded = await measure();
    running = false;
    await Promise.all(heavy);
    printTable(['', '/summary requests/s', '/healthz p50 ms', '/healthz p99 ms'], [
      ['quiet', ...quiet],
      ['beside 20 heavy requests', ...loaded],
    ]);
    console.log(`\nheavy requests (${HEAVY}): ${heavyMs.length} answered, p50 ${median(heavyMs).toFixed(0)} ms (waiting for a slot of the token included), `
      + `statuses ${[...statuses].map(([s, c]) => `${s}: ${c}`).join(', ')}`);
    await app.close();
    await login.drop();
  },
};
export default section;
