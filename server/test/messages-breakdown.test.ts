// GET /api/sms/metrics/breakdown, /latency, /receipts and /series through the real server: exact rows for messages
// recorded just before, a self token sees only its own messages, tokens and parameters are checked.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './harness.ts';

const U1 = 'f1000000-0000-0000-0000-000000000001';
const U2 = 'f1000000-0000-0000-0000-000000000002';
let t: TestServer;
const now = Date.now();
const ago = (s: number) => new Date(now - s * 1000).toISOString();

beforeAll(async () => {
  t = await startTestServer();
  const events = [
    { message_id: 'M1', status: 'sent', occurred_at: ago(600), carrier: 'Vodafone', user_id: U1 },
    { message_id: 'M1', status: 'delivered', occurred_at: ago(590), user_id: U1 },
    { message_id: 'M2', status: 'sent', occurred_at: ago(600), carrier: 'Vodafone', user_id: U1 },
    { message_id: 'M2', status: 'undelivered', occurred_at: ago(500), error_code: '30003', user_id: U1 },
    { message_id: 'M3', status: 'sent', occurred_at: ago(300), carrier: 'O2', user_id: U2 },
    { message_id: 'M3', status: 'undelivered', occurred_at: ago(200), error_code: '30007', user_id: U2 },
  ];
  await t.db.sql`select sms_monitor.record_sms_message_events(${JSON.stringify(events)}::text::jsonb)`;
  // W1: sent 20 minutes ago, no receipt yet
  await t.db.sql`select sms_monitor.record_sms_message_event('W1', 'sent', ${ago(1200)}::timestamptz,
    '{"carrier": "Telia", "country": "SE"}'::jsonb)`;
  // the fold the rollup job runs every 2 s
  await t.db.sql`select sms_monitor.rollup_sms_messages()`;
});
afterAll(async () => { await t?.close(); });

describe('GET /api/sms/metrics/breakdown', () => {
  it('per carrier, worst first, for a reader', async () => {
    const res = await t.request('GET', '/api/sms/metrics/breakdown?by=carrier&minutes=60', { token: await t.token('reader') });
    expect(res.status).toBe(200);
    expect(res.body.by).toBe('carrier');
    expect(res.body.data).toEqual([
      { key: 'O2', sent: 1, delivered: 0, failed: 1, terminal: 1, delivery_rate_percent: 0,
        failure_share_percent: 50, terminal_share_percent: 33.33, latency_p50_ms: null, latency_p95_ms: null },
      { key: 'Vodafone', sent: 2, delivered: 1, failed: 1, terminal: 2, delivery_rate_percent: 50,
        failure_share_percent: 50, terminal_share_percent: 66.67, latency_p50_ms: 9971, latency_p95_ms: 9971 },
      // no terminal message yet: last
      { key: 'Telia', sent: 1, delivered: 0, failed: 0, terminal: 0, delivery_rate_percent: null,
        failure_share_percent: 0, terminal_share_percent: 0, latency_p50_ms: null, latency_p95_ms: null },
    ]);
  });

  it('a self token sees its own messages only', async () => {
    const res = await t.request('GET', '/api/sms/metrics/breakdown?by=error_code', { token: await t.token('self', U2) });
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual([{ key: '30007', sent: 1, delivered: 0, failed: 1, terminal: 1, delivery_rate_percent: 0,
      failure_share_percent: 100, terminal_share_percent: 100, latency_p50_ms: null, latency_p95_ms: null }]);
  });

  it('start/end select the window; a time without an offset, an unknown dimension or no token are refused', async () => {
    const reader = await t.token('reader');
    const window = await t.request('GET', `/api/sms/metrics/breakdown?by=carrier&start=${encodeURIComponent(ago(400))}`
      + `&end=${encodeURIComponent(ago(100))}`, { token: reader });
    expect(window.status).toBe(200);
    expect(window.body.data.map((r: { key: string }) => r.key)).toEqual(['O2']);
    expect((await t.request('GET', '/api/sms/metrics/breakdown?by=carrier&start=2026-06-01T10:00:00', { token: reader })).status).toBe(400);
    const unknown = await t.request('GET', '/api/sms/metrics/breakdown?by=network', { token: reader });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.message).toMatch(/^by: /);
    expect((await t.request('GET', '/api/sms/metrics/breakdown?by=carrier')).status).toBe(401);
  });
});

describe('GET /api/sms/metrics/latency', () => {
  it('overall and per carrier: M1 took 10 s, the only delivered message', async () => {
    const reader = await t.token('reader');
    const all = await t.request('GET', '/api/sms/metrics/latency?minutes=60', { token: reader });
    expect(all.status).toBe(200);
    expect(all.body.data).toEqual([{ key: null, delivered: 1, p50_ms: 9971, p95_ms: 9971, p99_ms: 9971 }]);
    const byCarrier = await t.request('GET', '/api/sms/metrics/latency?by=carrier', { token: reader });
    expect(byCarrier.body.data).toEqual([{ key: 'Vodafone', delivered: 1, p50_ms: 9971, p95_ms: 9971, p99_ms: 9971 }]);
    const self = await t.request('GET', '/api/sms/metrics/latency', { token: await t.token('self', U2) });
    expect(self.body.data).toEqual([]);
    expect((await t.request('GET', '/api/sms/metrics/latency?minutes=0', { token: reader })).status).toBe(400);
  });
});

describe('GET /api/sms/metrics/receipts', () => {
  it('lists messages still waiting for a receipt, per carrier and country', async () => {
    const reader = await t.token('reader');
    const sentAt = ago(1200);
    const res = await t.request('GET', '/api/sms/metrics/receipts?after_minutes=15&minutes=60', { token: reader });
    expect(res.status).toBe(200);
    // M1..M3 (sent 10 and 5 minutes ago) are not due yet; W1 (20 minutes ago) is
    expect(res.body.data).toEqual([{ carrier: 'Telia', country: 'SE', sent: 1, waiting: 1, waiting_percent: 100,
      // as the API writes times (_iso_utc): microseconds when the time has a fraction
      oldest_waiting_sent_at: sentAt.replace(/\.000Z$/, 'Z').replace(/\.(\d{3})Z$/, '.$1000Z') }]);
    expect((await t.request('GET', '/api/sms/metrics/receipts?after_minutes=60&minutes=60', { token: reader })).status).toBe(400);
  });
});

describe('GET /api/sms/metrics/series', () => {
  it('hourly buckets over the last day hold the messages of the last minutes', async () => {
    const res = await t.request('GET', '/api/sms/metrics/series?minutes=1440&step=60', { token: await t.token('reader') });
    expect(res.status).toBe(200);
    expect(res.body.data).toHaveLength(24);
    const totals = res.body.data.reduce((a: { sent: number; failed: number }, r: { sent: number; failed: number }) =>
      ({ sent: a.sent + r.sent, failed: a.failed + r.failed }), { sent: 0, failed: 0 });
    // M1, M2, M3 and W1 sent within the last hour or two; M2 and M3 undelivered
    expect(totals).toEqual({ sent: 4, failed: 2 });
    expect((await t.request('GET', '/api/sms/metrics/series?step=2', { token: await t.token('reader') })).status).toBe(400);
  });
});
