// The API keeps serving under hostile load (a real server on 127.0.0.1, real PostgreSQL): 40 heavy
// requests whose clients hang up are cancelled in the database and /healthz and /summary answer
// right after; a statement past statement_timeout is 503 with Retry-After; a token past its rate
// limit gets 429 with Retry-After; a body sent a byte at a time is cut; the database going away
// gives 503 with Retry-After and the API recovers by itself; a request is one log line, with a
// token in the query string redacted. Every wait is a bounded loop with a deadline (a liveness
// check, not a benchmark).
import { randomUUID } from 'node:crypto';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../test/client-helpers.ts';
import { CONNECTION_CHECK_MS } from '../limits.ts';
import { PER_TOKEN_QUEUE } from '../routes.ts';
import { startTestServer, type TestServer } from './harness.ts';

let t: TestServer;
const POOL = 4;
const RATE = 60;
const CONCURRENT = 4;
const REQUEST_TIMEOUT_MS = 1_500;
const STATEMENT_TIMEOUT_MS = 8_000; // longer than the bounds of the cancellation test: cancelling is what frees the pool

/** A reader token of its own (its own rate-limit budget): tokens signed in the same second are otherwise equal. */
const freshReader = () => t.token('reader', randomUUID());

/** The server's statements running pg_sleep (the stand-in for a heavy range) right now. */
async function sleepingStatements(): Promise<number> {
  const [{ n }] = await t.db.sql<[{ n: number }]>`
    select count(*)::int as n from pg_stat_activity
     where datname = current_database() and usename = ${new URL(t.loginUrl).username}
       and state = 'active' and query like '%api_top_users%'`;
  return n;
}

beforeAll(async () => {
  t = await startTestServer({ poolSize: POOL, limits: {
    ratePerMinute: RATE, concurrentPerToken: CONCURRENT, requestTimeoutMs: REQUEST_TIMEOUT_MS, statementTimeoutMs: STATEMENT_TIMEOUT_MS } });
  // A heavy range, made deterministic: api_top_users first sleeps a minute (longer than any
  // bound below), then answers as before.
  await t.db.sql.unsafe(`
    alter function sms_monitor.api_top_users(integer, text, integer, timestamptz, boolean) rename to api_top_users_fast;
    create function sms_monitor.api_top_users(p_days integer default 7, p_by text default 'sent', p_limit integer default 10,
      p_now timestamptz default now(), p_live boolean default false)
    returns jsonb language sql as $$ select pg_sleep(60); select sms_monitor.api_top_users_fast(p_days, p_by, p_limit, p_now, p_live) $$;
    grant execute on function sms_monitor.api_top_users(integer, text, integer, timestamptz, boolean) to sms_monitor_reader;`);
});
afterAll(async () => { await t?.close(); });

describe('hostile load', () => {
  it('40 abandoned heavy requests are cancelled: their statements end long before their minute, then /healthz and /summary answer', async () => {
    // Ten readers, each with as many requests at a time as its token may have.
    const readers = await Promise.all(Array.from({ length: 10 }, () => freshReader()));
    const clients = Array.from({ length: 40 }, () => new AbortController());
    const requests = clients.map((c, i) => fetch(`${t.base}/api/sms/metrics/top-users?days=365`,
      { headers: { authorization: `Bearer ${readers[i % 10]}` }, signal: c.signal }).catch((e: Error) => e.name));
    // Every connection of the request pool is busy with one of them, the rest are queued.
    await waitFor(async () => (await sleepingStatements()) === POOL, 'the pool to be saturated with heavy statements');
    for (const c of clients) c.abort();
    expect(new Set(await Promise.all(requests))).toEqual(new Set(['AbortError']));
    // The cancelled statements are gone from the database, not merely unanswered: each would sleep
    // 60 s, so gone within 30 s means cancelled (how fast is the HTTP bench's business, not a test's).
    await waitFor(async () => (await sleepingStatements()) === 0, 'the abandoned statements to be cancelled', 30_000);
    const health = await fetch(`${t.base}/healthz`);
    expect(health.status).toBe(200);
    const summary = await fetch(`${t.base}/api/sms/metrics/summary`, { headers: { authorization: `Bearer ${await freshReader()}` } });
    expect(summary.status).toBe(200);
  });

  it(`one token has at most ${CONCURRENT} requests running and ${PER_TOKEN_QUEUE} waiting at a time: the next are 429 at once`, async () => {
    const token = await freshReader();
    const clients = Array.from({ length: CONCURRENT + PER_TOKEN_QUEUE + 3 }, () => new AbortController());
    const settled: unknown[] = [];
    const requests = clients.map((c) => fetch(`${t.base}/api/sms/metrics/top-users?days=7`,
      { headers: { authorization: `Bearer ${token}` }, signal: c.signal })
      .then(async (r) => [r.status, r.headers.get('retry-after'), (await r.json()).error.message], (e: Error) => e.name)
      .then((r) => { settled.push(r); return r; }));
    await waitFor(async () => (await sleepingStatements()) === CONCURRENT, 'the token\'s requests to run');
    // The three past the queue are answered at once; the others run or wait (a minute's sleep each).
    await waitFor(() => settled.length >= 3, 'the requests past the queue to be refused');
    expect(settled).toEqual(Array(3).fill([429, '1',
      `concurrency: at most ${CONCURRENT} requests at a time per token and ${PER_TOKEN_QUEUE} waiting; retry when one has answered`]));
    expect(await sleepingStatements()).toBe(CONCURRENT);
    for (const c of clients) c.abort();
    expect((await Promise.all(requests)).filter((r) => r === 'AbortError').length).toBe(CONCURRENT + PER_TOKEN_QUEUE);
    await waitFor(async () => (await sleepingStatements()) === 0, 'the abandoned statements to be cancelled', 5_000);
    expect((await t.request('GET', '/api/sms/metrics/rules', { token })).status).toBe(200);
  });

  it('a statement past statement_timeout is cancelled by the database: 503 with Retry-After', async () => {
    const r = await t.request('GET', '/api/sms/metrics/top-users?days=7', { token: await freshReader() });
    expect([r.status, r.headers.get('retry-after'), r.body.error.code, r.body.error.message]).toEqual([503, '5', 'timeout',
      `statement_timeout: the query ran longer than ${STATEMENT_TIMEOUT_MS} ms (ask for a shorter range)`]);
  });

  it('a live range is bounded: days above 7 with live=true is 400 before any query', async () => {
    const r = await t.request('GET', '/api/sms/metrics/top-users?days=365&live=true', { token: await freshReader() });
    expect([r.status, r.body.error.message]).toEqual([400,
      'days: at most 7 with live=true (365 asked; without live the 5-minute view serves up to 365)']);
  });

  it(`the rate limit: ${RATE} requests a minute per token, then 429 with Retry-After; another token is unaffected`, async () => {
    const token = await freshReader();
    const statuses: number[] = [];
    for (let i = 0; i < RATE; i += 1) statuses.push((await t.request('GET', '/api/sms/metrics/rules', { token })).status);
    expect(statuses).toEqual(Array(RATE).fill(200));
    const over = await t.request('GET', '/api/sms/metrics/rules', { token });
    expect([over.status, over.body.error.code]).toEqual([429, 'rate_limited']);
    expect(Number(over.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await t.request('GET', '/api/sms/metrics/rules', { token: await freshReader() })).status).toBe(200);
    expect((await t.request('GET', '/healthz')).status).toBe(200);
  });

  it(`a body sent one byte at a time is cut within requestTimeout + ${CONNECTION_CHECK_MS} ms`, async () => {
    const { port } = new URL(t.base);
    const sockets = Array.from({ length: 10 }, () => net.connect(Number(port), '127.0.0.1'));
    const closed = sockets.map((s) => new Promise<string>((resolve) => {
      let answer = '';
      s.on('data', (d) => { answer += String(d); });
      s.on('error', () => { /* reset by the server: closed all the same */ });
      s.on('close', () => resolve(answer.split('\r\n')[0] ?? ''));
    }));
    for (const s of sockets) {
      s.write('POST /api/sms/metrics/silences HTTP/1.1\r\nHost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{');
    }
    const drip = setInterval(() => { for (const s of sockets) if (!s.destroyed) s.write(' '); }, 200);
    const started = Date.now();
    try {
      const lines = await Promise.all(closed);
      expect(new Set(lines)).toEqual(new Set(['HTTP/1.1 408 Request Timeout']));
    } finally {
      clearInterval(drip);
    }
    expect(Date.now() - started).toBeLessThan(REQUEST_TIMEOUT_MS + CONNECTION_CHECK_MS + 3_000);
  });

  it('the database unreachable: 503 with Retry-After on API routes and /healthz; then it recovers by itself', async () => {
    const token = await freshReader();
    const login = new URL(t.loginUrl).username;
    await t.db.sql.unsafe(`alter role ${login} connection limit 0`);
    try {
      await t.db.sql`select pg_terminate_backend(pid) from pg_stat_activity where usename = ${login}`;
      const r = await t.request('GET', '/api/sms/metrics/summary', { token });
      expect([r.status, r.headers.get('retry-after'), r.body.error.code]).toEqual([503, '5', 'unavailable']);
      const h = await t.request('GET', '/healthz');
      expect([h.status, h.headers.get('retry-after')]).toEqual([503, '5']);
    } finally {
      await t.db.sql.unsafe(`alter role ${login} connection limit -1`);
    }
    await waitFor(async () => (await t.request('GET', '/api/sms/metrics/summary', { token })).status === 200, 'the API to recover');
    expect((await t.request('GET', '/healthz')).status).toBe(200);
  });

  it('one log line per request, a token in the query string redacted', async () => {
    const token = await freshReader();
    const before = t.logs.length;
    const r = await t.request('GET', `/api/sms/metrics/summary?token=${token}`);
    expect(r.status).toBe(400);
    const lines = t.logs.slice(before).map((l) => JSON.parse(l));
    const requestLines = lines.filter((l) => l.msg === 'request');
    expect(requestLines.map((l) => [l.method, l.url, l.status])).toEqual([['GET', '/api/sms/metrics/summary?token=[redacted]', 400]]);
    expect(t.logs.some((l) => l.includes(token))).toBe(false);
    // A refused token: still one line, with the reason.
    const from = t.logs.length;
    const refused = await t.request('GET', '/api/sms/metrics/summary', { token: `${token}x` });
    const own = t.logs.slice(from).map((l) => JSON.parse(l)).filter((l) => l.reqId === refused.headers.get('x-request-id'));
    expect(own.map((l) => [l.msg, l.status, l.reason])).toEqual([['request', 401, 'token: bad signature']]);
  });
});
