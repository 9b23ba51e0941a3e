// The event stream under hostile use (a real server on 127.0.0.1, real PostgreSQL): caps per token
// and in total, HEAD, a stream ending when its token expires, a reader that never reads dropped,
// and NOTIFY payloads from any login treated as hints: a burst of injected ones makes one read of
// the database and no event; a real change makes exactly one.
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../test/client-helpers.ts';
import { startTestServer, type TestServer } from './harness.ts';

let t: TestServer;

/** An open stream: its text so far, read on demand, and a way to hang up. */
async function open(token: string) {
  const ac = new AbortController();
  const res = await fetch(`${t.base}/api/sms/metrics/events`, { headers: { authorization: `Bearer ${token}` }, signal: ac.signal });
  const reader = res.status === 200 ? res.body!.getReader() : null;
  const s = {
    res, text: '', done: false,
    async readUntil(pattern: RegExp): Promise<void> {
      while (!pattern.test(s.text)) {
        const { value, done } = await reader!.read();
        if (done) { s.done = true; throw new Error(`stream ended before ${pattern}: ${s.text}`); }
        s.text += new TextDecoder().decode(value);
      }
    },
    async readToEnd(): Promise<void> {
      for (;;) {
        const { value, done } = await reader!.read();
        if (done) { s.done = true; return; }
        s.text += new TextDecoder().decode(value);
      }
    },
    close: () => ac.abort(),
  };
  if (res.status !== 200) await res.text();
  return s;
}

beforeAll(async () => {
  t = await startTestServer({ limits: { streamsPerToken: 2, streamsTotal: 3 } });
});
afterAll(async () => { await t?.close(); });

describe('event streams', () => {
  it('at most 2 streams per token (429) and 3 in all (503), with Retry-After; HEAD answers', async () => {
    const a = await t.token('reader', randomUUID());
    const b = await t.token('reader', randomUUID());
    const streams = [await open(a), await open(a)];
    const third = await open(a);
    expect([third.res.status, third.res.headers.get('retry-after')]).toEqual([429, '5']);
    streams.push(await open(b));
    const full = await open(await t.token('reader', randomUUID()));
    expect([streams.map((s) => s.res.status), full.res.status, full.res.headers.get('retry-after')]).toEqual([[200, 200, 200], 503, '5']);
    for (const s of streams) s.close();
    await waitFor(() => t.server.events.size === 0, 'the streams to be dropped');
    const head = await fetch(`${t.base}/api/sms/metrics/events`, { method: 'HEAD', headers: { authorization: `Bearer ${a}` } });
    expect([head.status, head.headers.get('content-type'), await head.text(), t.server.events.size])
      .toEqual([200, 'text/event-stream; charset=utf-8', '', 0]);
    expect((await fetch(`${t.base}/api/sms/metrics/events`, { method: 'HEAD' })).status).toBe(401);
  });

  it('a stream ends with event: expired when its token expires', async () => {
    const s = await open(await t.token('reader', randomUUID(), 2));
    await s.readToEnd();
    expect(s.text).toMatch(/event: ready\n[\s\S]*event: expired\ndata: \{\}\n\n$/);
    await waitFor(() => t.server.events.size === 0, 'the stream to be forgotten');
  });

  it('injected NOTIFY payloads (any login may send them) make one read of the database and no event; a real change makes one', async () => {
    const s = await open(await t.token('reader', randomUUID()));
    await s.readUntil(/event: ready/);
    await waitFor(() => t.server.events.idle, 'the hub to be idle');
    const before = t.server.events.checks;
    await t.db.sql`select pg_notify('sms_monitor_notifications', '[' || i || ']') from generate_series(1, 50) i`;
    await t.db.sql`select pg_notify('sms_monitor_notifications', 'sms-monitor-ping:not-a-real-worker')`;
    await waitFor(() => t.server.events.checks > before && t.server.events.idle, 'the hints to be checked');
    expect(t.server.events.checks - before).toBeLessThanOrEqual(2);
    await t.db.sql`
      insert into sms_monitor.sms_alert_history (alert_type, severity, metric, comparison, metric_value, threshold_value,
        window_minutes, message, triggered_at)
      values ('opt_out_rate_warning', 'warning', 'opt_out_rate', '>', 12, 10, 60, 'opt-outs 12 %', now())`;
    await t.db.sql`select pg_notify('sms_monitor_notifications', 'anything')`;
    await s.readUntil(/event: change\n/);
    expect(s.text.match(/event: change/g)).toEqual(['event: change']);
    expect(s.text).not.toMatch(/\[\d+\]|ping/);
    s.close();
    await waitFor(() => t.server.events.size === 0, 'the stream to be dropped');
  });
});

describe('a reader that never reads', () => {
  let fast: TestServer;
  beforeAll(async () => {
    // A keep-alive comment every millisecond.
    fast = await startTestServer({ heartbeatMs: 1, limits: { streamBufferBytes: 16 * 1024 } });
  });
  afterAll(async () => { await fast?.close(); });

  it('is dropped once 16 KiB pile up unread: memory per stream is bounded', async () => {
    const token = await fast.token('reader');
    // Over a unix socket (whose kernel buffer is a fixed ~200 KiB, where TCP on loopback grows to
    // megabytes) handed to the server, a client that never reads backs the stream up within seconds.
    const dir = await mkdtemp(path.join(tmpdir(), 'sms-monitor-sse-'));
    const socketPath = path.join(dir, 'http.sock');
    const bridge = net.createServer((conn) => { fast.server.app.server.emit('connection', conn); });
    await new Promise<void>((resolve) => bridge.listen(socketPath, resolve));
    const client = net.connect(socketPath);
    client.on('error', () => { /* reset when dropped */ });
    try {
      client.write(`GET /api/sms/metrics/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\n\r\n`);
      client.pause();
      await waitFor(() => fast.server.events.size === 1, 'the stream to open');
      await waitFor(() => fast.server.events.size === 0, 'the stream to be dropped', 30_000);
      expect(fast.logs.some((l) => l.includes('dropping a stream whose reader does not read'))).toBe(true);
    } finally {
      client.destroy();
      await new Promise((resolve) => bridge.close(resolve));
      await rm(dir, { recursive: true, force: true });
    }
  });
});
