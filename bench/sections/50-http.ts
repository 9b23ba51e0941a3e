// The HTTP layer, at ~10 million sms_metrics rows (bench/lib.ts seedTenMillionMetrics):
// (1) p50/p95 of every endpoint through HTTP (keep-alive fetch, one request at a time, 200 each)
//     beside GET /healthz on the same server (a `select 1` through the pool: the framework, the
//     network and one round trip), the baseline of the ratio column;
// (2) requests/s of GET /api/sms/metrics/summary with 16 concurrent clients (autocannon, 10 s),
//     beside /healthz under the same load.
import autocannon from 'autocannon';
import { startBenchServer } from '../http-server.ts';
import { median, percentile, printTable, seedTenMillionMetrics, type BenchSection } from '../lib.ts';

const section: BenchSection = {
  name: 'http',
  title: 'HTTP API',
  async run(db) {
    const t0 = process.hrtime.bigint();
    const n = await seedTenMillionMetrics(db.sql);
    // startBenchServer raises the rate limit and the cap of requests at a time: every request of the bench uses one token.
    const server = await startBenchServer(db);
    const { base, headers } = server;
    const today = new Date().toISOString().slice(0, 10);
    const weekAgo = new Date(Date.now() - 6 * 86400_000).toISOString().slice(0, 10);
    const yearAgo = new Date(Date.now() - 365 * 86400_000).toISOString().slice(0, 10);
    console.log(`\n(1) endpoints on ${n.toLocaleString('en-US')} sms_metrics rows (loaded in `
      + `${(Number(process.hrtime.bigint() - t0) / 1e9).toFixed(0)} s), ms per request, 200 requests each\n`);
    const paths: Array<[string, string]> = [
      ['GET /healthz (baseline)', '/healthz'],
      ['GET /api/sms/metrics/today', '/api/sms/metrics/today'],
      ['GET /api/sms/metrics/summary', '/api/sms/metrics/summary'],
      ['GET /api/sms/metrics/daily (7 days)', `/api/sms/metrics/daily?start_date=${weekAgo}&end_date=${today}`],
      ['GET /api/sms/metrics/daily (366 days)', `/api/sms/metrics/daily?start_date=${yearAgo}&end_date=${today}`],
      ['GET /api/sms/metrics/user (30 days)', '/api/sms/metrics/user?user_id=b2000000-0000-0000-0000-000000000042&days=30'],
      ['GET /api/sms/metrics/alerts', '/api/sms/metrics/alerts'],
      ['GET /api/sms/metrics/alerts?type=history (200)', `/api/sms/metrics/alerts?type=history&start_date=${yearAgo}&limit=200`],
      ['GET /api/sms/metrics/health', '/api/sms/metrics/health'],
      ['GET /api/sms/metrics/top-users (7 days)', '/api/sms/metrics/top-users'],
      ['GET /api/sms/metrics/rules', '/api/sms/metrics/rules'],
      ['GET /api/sms/metrics/silences', '/api/sms/metrics/silences'],
      ['GET /metrics', '/metrics'],
    ];
    const rows: Array<[string, number, number, string]> = [];
    let baseP50 = 0;
    for (const [name, path] of paths) {
      const once = async () => {
        const res = await fetch(base + path, { headers });
        await res.arrayBuffer();
        if (res.status !== 200) throw new Error(`${path}: HTTP ${res.status}`);
      };
      for (let i = 0; i < 10; i++) await once(); // warm-up: plans, caches, connections
      const ms: number[] = [];
      for (let i = 0; i < 200; i++) {
        const s = process.hrtime.bigint();
        await once();
        ms.push(Number(process.hrtime.bigint() - s) / 1e6);
      }
      const p50 = median(ms);
      if (baseP50 === 0) baseP50 = p50;
      rows.push([name, p50, percentile(ms, 95), (p50 / baseP50).toFixed(1)]);
    }
    printTable(['endpoint', 'p50 ms', 'p95 ms', 'p50 ratio to /healthz'], rows);

    console.log('\n(2) requests/s with 16 concurrent clients (autocannon, 10 s each, keep-alive)\n');
    const load: Array<[string, number, number, number, string]> = [];
    let baseRps = 0;
    for (const [name, path] of [['GET /healthz (baseline)', '/healthz'], ['GET /api/sms/metrics/summary', '/api/sms/metrics/summary']] as const) {
      const r = await autocannon({ url: base + path, connections: 16, duration: 10, headers });
      if (r.non2xx > 0 || r.errors > 0) throw new Error(`${path}: ${r.non2xx} non-2xx, ${r.errors} errors`);
      const rps = r.requests.average;
      if (baseRps === 0) baseRps = rps;
      load.push([name, rps, r.latency.p50, r.latency.p97_5, (rps / baseRps).toFixed(2)]);
    }
    printTable(['endpoint', 'requests/s (mean)', 'latency p50 ms', 'latency p97.5 ms', 'ratio to /healthz'], load);
    await server.close();
  },
};
export default section;
