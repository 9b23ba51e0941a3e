// A real HTTP server on a bench database (port 0), a reader token, and per-endpoint latencies
// measured one request at a time over keep-alive fetch beside GET /healthz.
import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { buildServer } from '../server/app.ts';
import { signToken } from '../server/auth.ts';
import { median, percentile, type BenchDatabase } from './lib.ts';

export interface BenchServer { base: string; headers: Record<string, string>; close(): Promise<void> }

/**
 * A login role for a bench server, as `npm start` gives the server one: a member of
 * sms_monitor_authenticator (it switches to the token's role per request). `url` connects as it;
 * `drop()` removes it once the server is closed.
 */
export async function serverLogin(db: BenchDatabase): Promise<{ url: string; drop(): Promise<void> }> {
  const role = `sms_monitor_http_bench_${randomBytes(4).toString('hex')}`;
  const password = randomBytes(16).toString('hex');
  await db.sql.unsafe(`create role ${role} login noinherit password '${password}' in role sms_monitor_authenticator`);
  const url = new URL(db.url);
  url.username = role;
  url.password = password;
  return { url: url.toString(), drop: async () => { await db.sql.unsafe(`drop role ${role}`); } };
}

export async function startBenchServer(db: BenchDatabase): Promise<BenchServer> {
  const login = await serverLogin(db);
  const secret = randomBytes(32).toString('base64url');
  const { app } = await buildServer({ databaseUrl: login.url, jwtSecret: secret, logger: pino({ level: 'silent' }),
    limits: { ratePerMinute: 1_000_000_000, concurrentPerToken: 1_000 } });
  const base = await app.listen({ host: '127.0.0.1', port: 0 });
  const reader = await signToken(secret, { role: 'sms_monitor_reader', ttlSeconds: 3600 });
  return {
    base,
    headers: { authorization: `Bearer ${reader}` },
    async close() {
      await app.close();
      await login.drop();
    },
  };
}

/** The six dashboard endpoints and the other default reads, by display name. */
export function dashboardPaths(userId: string): Array<[string, string]> {
  const day = (n: number) => new Date(Date.now() - n * 86400_000).toISOString().slice(0, 10);
  return [
    ['GET /api/sms/metrics/today', '/api/sms/metrics/today'],
    ['GET /api/sms/metrics/summary', '/api/sms/metrics/summary'],
    ['GET /api/sms/metrics/daily (7 days)', `/api/sms/metrics/daily?start_date=${day(6)}&end_date=${day(0)}`],
    ['GET /api/sms/metrics/daily (366 days)', `/api/sms/metrics/daily?start_date=${day(365)}&end_date=${day(0)}`],
    ['GET /api/sms/metrics/user (30 days)', `/api/sms/metrics/user?user_id=${userId}&days=30`],
    ['GET /api/sms/metrics/alerts', '/api/sms/metrics/alerts'],
    ['GET /api/sms/metrics/health', '/api/sms/metrics/health'],
    ['GET /api/sms/metrics/top-users (7 days)', '/api/sms/metrics/top-users'],
    ['GET /metrics', '/metrics'],
  ];
}

/** Milliseconds of `count` sequential requests to `path` (after 10 warm-up requests); non-200 throws. */
export async function timeRequests(server: BenchServer, path: string, count: number): Promise<number[]> {
  const once = async () => {
    const res = await fetch(server.base + path, { headers: server.headers });
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`${path}: HTTP ${res.status}`);
  };
  for (let i = 0; i < 10; i++) await once();
  const ms: number[] = [];
  for (let i = 0; i < count; i++) {
    const s = process.hrtime.bigint();
    await once();
    ms.push(Number(process.hrtime.bigint() - s) / 1e6);
  }
  return ms;
}

export function summary(ms: number[]): { p50: number; p95: number } {
  return { p50: median(ms), p95: percentile(ms, 95) };
}
