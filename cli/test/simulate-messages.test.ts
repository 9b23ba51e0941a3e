// The simulator's message events: a seed fixes every message; each staged message incident,
// recorded through record_sms_message_events, gives the shape the breakdown, latency and receipts
// functions must show (values computed here from the simulator's own record of each message);
// the webhook path's callbacks carry signatures the twilio library (Twilio) or @vonage/sms
// (Vonage) accepts and land as the same messages. Simulated time starts at a fixed offset before the hour and the reads name their
// window (start/end, p_now), so nothing depends on the wall-clock minute.
import { execFile } from 'node:child_process';
import path from 'node:path';
import twilio from 'twilio';
import { AlgorithmTypes } from '@vonage/auth';
import { SMS } from '@vonage/sms';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase, type TestDatabase } from '../../test/db.ts';
import { startTestServer, type TestServer } from '../../server/test/harness.ts';
import {
  COLLAPSED_CARRIER, FILTERED_CARRIER, FILTERED_SENDER, type MessageEvent, type MessageIncidentKind, MessageTraffic,
  NO_RECEIPT_CARRIER, rpcSink, type SimMessage,
} from '../simulate-messages.ts';
import { twilioCallbackParams, twilioSignature, vonageReceiptParams, vonageSigned, webhookSink } from '../simulate-webhook.ts';
import { Simulator } from '../simulate.ts';
import { createSmsMonitor } from '../../client/client.ts';
import { repoRoot } from '../../client/migrate.ts';

let db: TestDatabase;
beforeAll(async () => { db = await freshDatabase(); });
afterAll(async () => { await db?.drop(); });

/** Three hours before the current UTC hour: inside retention, never in the future. */
const BASE = Math.floor(Date.now() / 3_600_000) * 3_600_000 - 3 * 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString();
/** A time as the API writes it (_iso_utc): whole seconds, or microseconds when it has a fraction. */
const apiIso = (ms: number) => iso(ms).replace(/\.000Z$/, 'Z').replace(/\.(\d{3})Z$/, '.$1000Z');

/** 180 ticks of 20 messages from 30 users, the incident from tick 60 on; every receipt recorded. */
async function stage(kind: MessageIncidentKind | undefined, start: number, seed: number): Promise<SimMessage[]> {
  const monitor = createSmsMonitor(db.url, { buffered: { flushIntervalMs: 50 }, strict: true });
  const traffic = new MessageTraffic(rpcSink((events, batchId) => monitor.rpc('record_sms_message_events',
    { p_events: events as never, p_batch_id: batchId })), { seed, start: new Date(start), incident: kind });
  const sim = new Simulator(monitor, { users: 30, rate: 20, seed, incident: kind, incidentAfterTicks: 60, incidentTicks: 1000, messages: traffic });
  for (let i = 0; i < 180; i++) await sim.tick();
  await traffic.drain();
  expect(traffic.pending()).toBe(0);
  await monitor.close();
  await db.sql`select sms_monitor.rollup_sms_messages()`; // the fold the rollup job runs every 2 s
  return traffic.messages;
}

async function call(fn: string, args: Record<string, unknown>): Promise<any> {
  const names = Object.keys(args);
  const params = names.map((n, i) => `${n} => $${i + 1}`).join(', ');
  const [row] = await db.sql.unsafe(`select sms_monitor.${fn}(${params}) as r`, Object.values(args) as never[]);
  return row!.r;
}

const pct = (part: number, whole: number) => Math.round((10_000 * part) / whole) / 100;
/** The API's percentile: the value at the percentile_disc rank (the first whose cumulative count
 * reaches p x n), shown as its latency histogram bucket's value: b = ceil(ln(ms) / ln(1.03)),
 * round(2 x 1.03^b / 2.03); 0 for <= 1 ms. */
function percentile(values: number[], p: number): number {
  const v = [...values].sort((a, b) => a - b);
  const ms = v[Math.max(0, Math.ceil(p * v.length - 1e-9) - 1)]!;
  if (ms <= 1) return 0;
  const bucket = Math.ceil(Math.log(ms) / Math.log(1.03));
  return Math.round((2 * 1.03 ** bucket) / 2.03);
}
const failed = (m: SimMessage) => m.final === 'undelivered' || m.final === 'failed';

describe('simulate: message events', () => {
  it('a seed fixes every message and event; the events of a message come in time order, the incident only where staged', async () => {
    const run = async (seed: number) => {
      const seen: MessageEvent[] = [];
      const traffic = new MessageTraffic({ send: async (e) => { seen.push(...e); } }, { seed, start: new Date(BASE), incident: 'carrier' });
      const idle = createSmsMonitor(db.url, { buffered: { flushIntervalMs: 50 } });
      const sim = new Simulator(idle, { users: 5, rate: 10, seed, incident: 'carrier', incidentAfterTicks: 10, incidentTicks: 20, messages: traffic });
      for (let i = 0; i < 40; i++) await sim.tick();
      await traffic.drain();
      await idle.close();
      return { seen, messages: traffic.messages };
    };
    const a = await run(9);
    const b = await run(9);
    expect(b.seen).toEqual(a.seen);
    expect((await run(10)).seen).not.toEqual(a.seen);
    expect(a.seen.filter((e) => e.status === 'queued').length).toBe(a.messages.length);
    // Each message: queued, then sent (unless it failed at the provider), then its receipt (unless none comes), in time order.
    const perMessage = new Map<string, MessageEvent[]>();
    for (const e of a.seen) perMessage.set(e.message_id, [...(perMessage.get(e.message_id) ?? []), e]);
    for (const m of a.messages) {
      const events = perMessage.get(m.message_id)!;
      expect(events.map((e) => e.status)).toEqual(['queued', ...(m.sent_ms !== null ? ['sent'] : []), ...(m.final ? [m.final] : [])]);
      const times = events.map((e) => Date.parse(e.occurred_at));
      expect([...times].sort((x, y) => x - y)).toEqual(times);
    }
    // The collapse hits only its carrier and only messages queued while the incident was on.
    const undelivered = a.messages.filter((m) => m.final === 'undelivered' && m.error_code === '30008');
    expect(undelivered.every((m) => m.carrier === COLLAPSED_CARRIER && m.queued_ms >= BASE + 10_000 && m.queued_ms < BASE + 30_000)).toBe(true);
    const collapsed = a.messages.filter((m) => m.carrier === COLLAPSED_CARRIER && m.queued_ms >= BASE + 10_000 && m.queued_ms < BASE + 30_000);
    expect(collapsed.filter(failed).length / collapsed.length).toBeGreaterThan(0.3);
  });

  it('--incident filtering: error 30007 on one sender at one carrier, as the breakdown by error code and by sender shows', async () => {
    const start = BASE;
    const msgs = await stage('filtering', start, 101);
    const window = { p_start: iso(start), p_end: iso(start + 20 * 60_000) };
    const filtered = msgs.filter((m) => m.error_code === '30007');
    expect(filtered.length).toBeGreaterThan(20);
    expect(new Set(filtered.map((m) => `${m.sender} at ${m.carrier}`))).toEqual(new Set([`${FILTERED_SENDER} at ${FILTERED_CARRIER}`]));
    expect(filtered.every((m) => m.queued_ms >= start + 60_000)).toBe(true);
    const byCode = await call('api_message_breakdown', { p_by: 'error_code', ...window });
    const row = byCode.data.find((r: any) => r.key === '30007');
    expect(row).toMatchObject({ failed: filtered.length, delivered: 0, terminal: filtered.length,
      terminal_share_percent: pct(filtered.length, msgs.filter((m) => m.final !== null).length),
      failure_share_percent: pct(filtered.length, msgs.filter(failed).length) });
    // The failures are mostly 30007: it is the first error code by count.
    const codes = byCode.data.filter((r: any) => r.key !== null).sort((x: any, y: any) => y.failed - x.failed);
    expect(codes[0].key).toBe('30007');
    const bySender = await call('api_message_breakdown', { p_by: 'sender', ...window });
    const mine = msgs.filter((m) => m.sender === FILTERED_SENDER);
    expect(bySender.data[0]).toMatchObject({ key: FILTERED_SENDER, sent: mine.filter((m) => m.sent_ms !== null).length,
      delivered: mine.filter((m) => m.final === 'delivered').length, failed: mine.filter(failed).length });
  });

  it('--incident carrier: one carrier\'s delivery collapses; it is the worst carrier, below 85 % with 50+ terminal messages in 15 minutes', async () => {
    const start = BASE + 30 * 60_000;
    const msgs = await stage('carrier', start, 202);
    // Messages entering the pipeline (sent, or failed at the provider) from 62 s on were all queued while it was on.
    const from = start + 62_000;
    const on = msgs.filter((m) => m.carrier === COLLAPSED_CARRIER && (m.sent_ms ?? m.final_ms!) >= from);
    const terminal = on.filter((m) => m.final === 'delivered' || m.final === 'undelivered');
    const delivered = on.filter((m) => m.final === 'delivered').length;
    expect(terminal.length).toBeGreaterThanOrEqual(50);
    expect(pct(delivered, terminal.length)).toBeLessThan(85);
    const byCarrier = await call('api_message_breakdown', { p_by: 'carrier', p_start: iso(from), p_end: iso(from + 15 * 60_000) });
    // Messages that failed at the provider never reached a carrier (key null); of the carriers, the collapsed one is worst.
    const carriers = byCarrier.data.filter((r: any) => r.key !== null);
    expect(carriers[0]).toMatchObject({ key: COLLAPSED_CARRIER, delivered, terminal: terminal.length,
      delivery_rate_percent: pct(delivered, terminal.length) });
    // Every other carrier keeps delivering.
    for (const r of carriers.slice(1)) expect(r.delivery_rate_percent).toBeGreaterThan(90);
  });

  it('--incident latency: delivery slows down, p95 over a minute, exactly the percentiles of the simulated delivery times', async () => {
    const start = BASE + 60 * 60_000;
    const msgs = await stage('latency', start, 303);
    const delays = (from: number, to: number) => msgs.filter((m) => m.final === 'delivered' && m.sent_ms! >= from && m.sent_ms! < to)
      .map((m) => m.final_ms! - m.sent_ms!);
    const before = delays(start, start + 60_000);
    const during = delays(start + 62_000, start + 180_000 + 2000);
    const read = async (from: number, to: number) => (await call('api_message_latency', { p_start: iso(from), p_end: iso(to) })).data[0];
    expect(await read(start, start + 60_000)).toMatchObject({ delivered: before.length, p50_ms: percentile(before, 0.5),
      p95_ms: percentile(before, 0.95), p99_ms: percentile(before, 0.99) });
    expect(percentile(before, 0.95)).toBeLessThan(15_000);
    const slow = await read(start + 62_000, start + 182_000);
    expect(slow).toMatchObject({ delivered: during.length, p95_ms: percentile(during, 0.95) });
    expect(slow.p95_ms).toBeGreaterThan(60_000);
  });

  it('--incident receipts: one carrier sends no final status; its messages wait, as api_message_receipts lists first', async () => {
    const start = BASE + 90 * 60_000;
    const msgs = await stage('receipts', start, 404);
    const waiting = msgs.filter((m) => m.sent_ms !== null && m.final === null);
    expect(waiting.length).toBeGreaterThan(20);
    expect(new Set(waiting.map((m) => m.carrier))).toEqual(new Set([NO_RECEIPT_CARRIER]));
    // Thirty minutes after the start: every message of the run was sent 26 to 30 minutes before.
    const receipts = await call('api_message_receipts', { p_after_minutes: 10, p_minutes: 40, p_now: iso(start + 30 * 60_000) });
    const gb = msgs.filter((m) => m.carrier === NO_RECEIPT_CARRIER && m.sent_ms !== null);
    expect(receipts.data[0]).toMatchObject({ carrier: NO_RECEIPT_CARRIER, country: 'GB', sent: gb.length, waiting: waiting.length,
      waiting_percent: pct(waiting.length, gb.length),
      oldest_waiting_sent_at: apiIso(Math.min(...waiting.map((m) => m.sent_ms!))) });
    expect(receipts.data.length).toBe(1);
  });
});

describe('simulate --messages (the command)', () => {
  it('--ticks records that many seconds of message events, every receipt in the past; bad --via or --provider, no secret or no server: clear errors', async () => {
    const run = (args: string[], env: Record<string, string> = {}) => new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile('node', [path.join(repoRoot, 'bin', 'sms-monitor.js'), 'simulate', ...args],
        { cwd: repoRoot, env: { ...process.env, DATABASE_URL: db.url, ...env }, timeout: 60_000 },
        (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }));
    });
    const r = await run(['--users', '3', '--rate', '5', '--seed', '8', '--ticks', '20', '--incident', 'carrier', '--after', '5s']);
    expect(r.stderr).toContain('as message events (record_sms_message_events)');
    expect(r.code).toBe(0);
    const printed = JSON.parse(r.stdout.trim());
    expect(printed).toMatchObject({ ticks: 20, message_events_pending: 0, sent_count: 0, delivered_count: 0 });
    const idle = createSmsMonitor(db.url);
    const users = new Simulator(idle, { users: 3, rate: 5, seed: 8 }).users;
    await idle.close();
    await db.sql`select sms_monitor.rollup_sms_messages()`;
    const [row] = await db.sql<[{ n: number; waiting: number; newest: Date }]>`
      select count(*)::int as n, count(*) filter (where final_status is null)::int as waiting, max(coalesce(final_at, sent_at)) as newest
        from sms_monitor.sms_messages where user_id = any(${users}::uuid[])`;
    expect(row.n).toBe(printed.messages);
    expect(row.waiting).toBe(0);
    expect(row.newest.getTime()).toBeLessThan(Date.now());
    const bad = await run(['--via', 'pigeon']);
    expect([bad.code, bad.stderr.trim()]).toEqual([2, 'sms-monitor simulate: --via: must be rpc or webhook']);
    const unsigned = await run(['--via', 'webhook', '--ticks', '1'], { TWILIO_AUTH_TOKEN: '' });
    expect([unsigned.code, unsigned.stderr.trim()]).toEqual([2,
      'sms-monitor simulate: --via webhook: TWILIO_AUTH_TOKEN must be set (the server\'s, to sign the callbacks)']);
    const pigeon = await run(['--via', 'webhook', '--provider', 'pigeon']);
    expect([pigeon.code, pigeon.stderr.trim()]).toEqual([2, 'sms-monitor simulate: --provider: must be twilio or vonage']);
    const unsignedVonage = await run(['--via', 'webhook', '--provider', 'vonage', '--ticks', '1'], { VONAGE_SIGNATURE_SECRET: '' });
    expect([unsignedVonage.code, unsignedVonage.stderr.trim()]).toEqual([2, 'sms-monitor simulate: --via webhook --provider '
      + 'vonage: VONAGE_SIGNATURE_SECRET must be set (the server\'s, to sign the receipts)']);
    // Nothing listens on port 9 here: the first callback fails, and the command says so and stops.
    const refused = await run(['--via', 'webhook', '--url', 'http://127.0.0.1:9', '--ticks', '3', '--users', '1'], { TWILIO_AUTH_TOKEN: 'x' });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('sms-monitor simulate: recording message events failed: fetch failed');
  });
});

describe('simulate --via webhook', () => {
  const AUTH_TOKEN = 'simulator-test-auth-token-0123456789';
  const PUBLIC_URL = 'https://monitor.example.test';
  const VONAGE_SECRET = 'simulator-test-vonage-secret-0123456789';
  let t: TestServer;
  beforeAll(async () => {
    process.env.SMS_MONITOR_PUBLIC_URL = PUBLIC_URL;
    process.env.TWILIO_AUTH_TOKEN = AUTH_TOKEN;
    process.env.VONAGE_SIGNATURE_SECRET = VONAGE_SECRET;
    process.env.VONAGE_SIGNATURE_METHOD = 'sha256';
    // Three callbacks a message from one address: above the default per-address rate limit (SMS_MONITOR_RATE_LIMIT).
    t = await startTestServer({ limits: { ratePerMinute: 100_000 } });
  });
  afterAll(async () => { await t?.close(); });

  it('signs callbacks as the twilio library checks them; the server records the same messages', async () => {
    const seen: MessageEvent[] = [];
    const probe = new MessageTraffic({ send: async (e) => { seen.push(...e); } }, { seed: 5, start: new Date(BASE) });
    for (let i = 0; i < 20; i++) probe.plan('e2000000-0000-0000-0000-000000000001', 0, false);
    await probe.drain();
    for (const e of seen) {
      const params = twilioCallbackParams(e, 'AC00000000000000000000000000000001');
      const url = `${PUBLIC_URL}/webhooks/twilio/status?user_id=${e.user_id}&class=otp`;
      expect(twilio.validateRequest(AUTH_TOKEN, twilioSignature(AUTH_TOKEN, url, params), url, params)).toBe(true);
      expect(twilio.validateRequest('another-token', twilioSignature(AUTH_TOKEN, url, params), url, params)).toBe(false);
    }

    const sink = webhookSink({ provider: 'twilio', url: t.base, publicUrl: PUBLIC_URL, authToken: AUTH_TOKEN });
    const traffic = new MessageTraffic(sink, { seed: 6, start: new Date(BASE), incident: 'filtering' });
    const idle = createSmsMonitor(t.db.url, { buffered: { flushIntervalMs: 50 } });
    const sim = new Simulator(idle, { users: 4, rate: 15, seed: 6, incident: 'filtering', incidentAfterTicks: 0, messages: traffic });
    for (let i = 0; i < 8; i++) await sim.tick();
    await traffic.drain();
    await idle.close();
    const msgs = traffic.messages;
    expect(sink.posted).toBe(msgs.reduce((n, m) => n + 1 + (m.sent_ms !== null ? 1 : 0) + (m.final !== null ? 1 : 0), 0));
    await t.db.sql`select sms_monitor.rollup_sms_messages()`;
    const rows = await t.db.sql<Record<string, unknown>[]>`
      select message_id, user_id::text, final_status, sender, sender_type, country, error_code, segments, message_class,
             provider, carrier from sms_monitor.sms_messages where provider = 'twilio' order by message_id`;
    const expected = msgs.map((m) => ({ message_id: m.message_id, user_id: m.user_id, final_status: m.final, sender: m.sender,
      sender_type: m.sender_type, country: m.country, error_code: m.error_code, segments: m.segments,
      message_class: m.message_class, provider: 'twilio', carrier: null }))
      .sort((a, b) => (a.message_id < b.message_id ? -1 : 1));
    expect(rows).toEqual(expected);
    // A callback signed for another URL is refused and writes nothing.
    const bad = await fetch(`${t.base}/webhooks/twilio/status?user_id=${msgs[0]!.user_id}`, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded',
        'x-twilio-signature': twilioSignature(AUTH_TOKEN, `${PUBLIC_URL}/elsewhere`, { MessageSid: 'SMx', MessageStatus: 'sent' }) },
      body: 'MessageSid=SMx&MessageStatus=sent' });
    expect(bad.status).toBe(403);
  });

  it('--provider vonage: receipts signed as @vonage/sms checks them; the server records the same messages and carriers', async () => {
    const seen: MessageEvent[] = [];
    const probe = new MessageTraffic({ send: async (e) => { seen.push(...e); } }, { seed: 7, start: new Date(BASE) });
    for (let i = 0; i < 20; i++) probe.plan('e2000000-0000-0000-0000-000000000002', 0, false);
    await probe.drain();
    const vonage = new SMS({ apiKey: 'abcd1234', apiSecret: 'not-used-here' });
    expect(seen.filter((e) => e.status === 'queued').map(vonageReceiptParams)).toEqual(seen.filter((e) => e.status === 'queued').map(() => undefined));
    for (const e of seen.filter((x) => x.status !== 'queued')) {
      const signed = vonageSigned(vonageReceiptParams(e)!, VONAGE_SECRET, 'sha256', 1_700_000_000, 'n1');
      const { sig, ...params } = signed;
      expect(vonage.verifySignature(sig!, params, VONAGE_SECRET, AlgorithmTypes.sha256hmac)).toBe(true);
      expect(vonage.verifySignature(sig!, params, 'another-secret', AlgorithmTypes.sha256hmac)).toBe(false);
    }

    const sink = webhookSink({ provider: 'vonage', url: t.base, signatureSecret: VONAGE_SECRET, signatureMethod: 'sha256' });
    const traffic = new MessageTraffic(sink, { seed: 8, start: new Date(BASE), incident: 'carrier' });
    const idle = createSmsMonitor(t.db.url, { buffered: { flushIntervalMs: 50 } });
    const sim = new Simulator(idle, { users: 4, rate: 15, seed: 8, incident: 'carrier', incidentAfterTicks: 0, messages: traffic });
    for (let i = 0; i < 8; i++) await sim.tick();
    await traffic.drain();
    await idle.close();
    const msgs = traffic.messages;
    // no receipt for queued: the sent one (accepted) and the final one
    expect(sink.posted).toBe(msgs.reduce((n, m) => n + (m.sent_ms !== null ? 1 : 0) + (m.final !== null ? 1 : 0), 0));
    await t.db.sql`select sms_monitor.rollup_sms_messages()`;
    const rows = await t.db.sql<Record<string, unknown>[]>`
      select message_id, user_id::text, final_status, sender, sender_type, country, error_code, message_class, provider, carrier
        from sms_monitor.sms_messages where provider = 'vonage' order by message_id`;
    // a message failed before it was sent has only its failed receipt, which names no carrier
    const expected = msgs.filter((m) => m.sent_ms !== null || m.final !== null).map((m) => ({ message_id: m.message_id,
      user_id: m.user_id, final_status: m.final, sender: m.sender, sender_type: m.sender_type, country: m.country,
      error_code: m.error_code, message_class: m.message_class, provider: 'vonage', carrier: m.sent_ms !== null ? m.carrier : null }))
      .sort((a, b) => (a.message_id < b.message_id ? -1 : 1));
    expect(rows).toEqual(expected);
    expect(rows.filter((r) => r.carrier === COLLAPSED_CARRIER && r.final_status === 'undelivered').length).toBeGreaterThan(0);
  });
});
