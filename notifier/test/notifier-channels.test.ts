// Channels against fake Slack, PagerDuty and SMTP servers (real servers on 127.0.0.1), and the
// configuration loader. No database here; the daemon tests cover the outbox.
import { getEventListeners } from 'node:events';
import net from 'node:net';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, configSecrets, loadNotifierConfig, PAGERDUTY_DEFAULT_EVENTS_URL, scrub } from '../config.ts';
import { EmailChannel, emailMessage } from '../channels/email.ts';
import { LogChannel } from '../channels/log.ts';
import { PagerDutyChannel, dedupKey } from '../channels/pagerduty.ts';
import { SlackChannel } from '../channels/slack.ts';
import { backoffMs, parseRetryAfter } from '../http.ts';
import type { DeliveryContext, NotificationEvent, NotificationPayload, OutboxRow } from '../types.ts';
import { fakePagerDuty, fakeSlack, FakeProvider } from '../../test/fakes/http-provider.ts';
import { FakeSmtp } from '../../test/fakes/smtp.ts';

const ALERT_ID = '6f1c2a4e-0b7d-4c1e-9a3b-2d5e8f7a9c01';
const ROUTING_KEY = 'R0UT1NGKEYabcdefghijklmnopqrstuv'; // 32 characters
const DB = 'postgres://u:dbpass1234@127.0.0.1:5432/x';

function payload(event: NotificationEvent, over: Partial<NotificationPayload> = {}): NotificationPayload {
  return {
    alert_id: ALERT_ID, alert_type: 'delivery_rate_critical', event, severity: 'critical',
    metric: 'delivery_success_rate', comparison: 'lt', metric_value: '85.25', threshold_value: 90,
    recovery_value: 92, window_minutes: 60, sample_size: 1200,
    message: 'Delivery success rate 85.25% is below 90%', description: 'SMS delivery rate',
    triggered_at: '2026-05-01T10:00:00Z', resolved_at: event === 'resolve' ? '2026-05-01T11:30:00Z' : null,
    resolved_by: event === 'resolve' ? 'ops@example.com' : null,
    acknowledged_at: event === 'acknowledge' ? '2026-05-01T10:05:00Z' : null,
    acknowledged_by: event === 'acknowledge' ? 'alice' : null,
    dedup_key: `sms-monitor/delivery_rate_critical/${ALERT_ID}`,
    ...over,
  };
}
let nextId = 1;
const row = (p: NotificationPayload, channel: OutboxRow['channel'] = 'slack'): OutboxRow =>
  ({ id: String(nextId++), alert_id: p.alert_id, channel, event: p.event, attempts: 1, retries: 0, max_attempts: 10, payload: p });
const ctx = (over: Partial<DeliveryContext> = {}): DeliveryContext =>
  ({ stopping: new AbortController().signal, abort: new AbortController().signal, maxWaitMs: 30_000, ...over });

describe('configuration', () => {
  it('defaults, environment, and flags over environment', () => {
    const c = loadNotifierConfig(DB, { NOTIFIER_POLL_INTERVAL: '2s', PAGERDUTY_INTEGRATION_KEY: ROUTING_KEY }, { pollInterval: '250ms' });
    expect(c.pollIntervalMs).toBe(250);
    expect(c.leaseSeconds).toBe(10);
    expect(c.requestTimeoutMs).toBe(10_000);
    expect(c.evaluateEveryMs).toBeNull();
    expect(c.listen).toBe(true);
    expect(c.pagerduty).toEqual({ routingKey: ROUTING_KEY, eventsUrl: PAGERDUTY_DEFAULT_EVENTS_URL, source: 'sms-monitor' });
    expect(c.slack).toBeNull();
    expect(c.email).toBeNull();
    const d = loadNotifierConfig(DB, { NOTIFIER_EVALUATE_EVERY: '60s', NOTIFIER_LISTEN: 'false' }, { evaluateEvery: '2m' });
    expect(d.evaluateEveryMs).toBe(120_000);
    expect(d.listen).toBe(false);
    expect(loadNotifierConfig(DB, {}, { listen: false }).listen).toBe(false);
  });

  it('reports every bad value by name, without echoing secrets', () => {
    let err: unknown;
    try {
      loadNotifierConfig(DB, {
        SLACK_WEBHOOK_URL: 'http://hooks.example.com/services/T1/B1/verySecretToken99',
        PAGERDUTY_INTEGRATION_KEY: 'shortSecretKey',
        NOTIFIER_POLL_INTERVAL: 'soon',
        SMTP_URL: 'smtp://u:topSecretPw@mail.example.com:587',
      }, { batchSize: '0' });
    } catch (e) { err = e; }
    expect(err).toBeInstanceOf(ConfigError);
    const problems = (err as ConfigError).problems;
    expect(problems).toEqual([
      "NOTIFIER_POLL_INTERVAL: expected a duration such as 500ms, 5s, 2m or 1h (got 'soon')",
      "--batch-size: must be a whole number from 1 to 1000 (got '0')",
      'SLACK_WEBHOOK_URL: must use https:// (http:// is accepted only for 127.0.0.1 or localhost)',
      'PAGERDUTY_INTEGRATION_KEY: must be the 32-character Events v2 integration (routing) key',
      'SMTP_URL, ALERT_EMAIL_FROM and ALERT_EMAIL_TO: set all three to enable e-mail, or none',
    ]);
    const text = (err as Error).message;
    for (const secret of ['verySecretToken99', 'shortSecretKey', 'topSecretPw']) expect(text).not.toContain(secret);
  });

  it('accepts a lease as short as the request timeout (renewed while in flight); rejects bad e-mail addresses', () => {
    const short = loadNotifierConfig(DB, { NOTIFIER_LEASE: '5s', NOTIFIER_REQUEST_TIMEOUT: '5s' });
    expect([short.leaseSeconds, short.requestTimeoutMs]).toEqual([5, 5000]);
    const defaults = loadNotifierConfig(DB, {});
    expect([defaults.leaseSeconds, defaults.retryMaxMs, defaults.probeIntervalMs]).toEqual([10, 120_000, 5000]);
    expect(() => loadNotifierConfig(DB, { NOTIFIER_PROBE_INTERVAL: 'often' })).toThrow(/NOTIFIER_PROBE_INTERVAL: expected a duration/);
    expect(() => loadNotifierConfig(DB, { SMTP_URL: 'smtp://127.0.0.1:25', ALERT_EMAIL_FROM: 'a@b.c', ALERT_EMAIL_TO: 'ops@x.io, nope' }))
      .toThrow(/ALERT_EMAIL_TO: 'nope' is not an e-mail address/);
    const ok = loadNotifierConfig(DB, { SMTP_URL: 'smtp://127.0.0.1:25', ALERT_EMAIL_FROM: 'a@b.c', ALERT_EMAIL_TO: 'ops@x.io, oncall@x.io' });
    expect(ok.email?.to).toEqual(['ops@x.io', 'oncall@x.io']);
  });

  it('scrub() hides every configured secret', () => {
    const c = loadNotifierConfig(DB, {
      SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/T1/B1/verySecretToken99',
      PAGERDUTY_INTEGRATION_KEY: ROUTING_KEY,
      SMTP_URL: 'smtp://u:topSecretPw@mail.example.com:587', ALERT_EMAIL_FROM: 'a@b.c', ALERT_EMAIL_TO: 'o@b.c',
    });
    const s = scrub(`x verySecretToken99 ${ROUTING_KEY} topSecretPw dbpass1234 https://hooks.slack.com/services/T1/B1/verySecretToken99`, configSecrets(c));
    expect(s).toBe('x [redacted] [redacted] [redacted] [redacted] [redacted]');
    // A provider echoing the key, clipped to 500 characters in the middle of it: its first part is hidden too.
    const clipped = `${'e'.repeat(479)} key ${ROUTING_KEY}`.slice(0, 500);
    expect(clipped.endsWith(ROUTING_KEY.slice(0, 16))).toBe(true);
    expect(scrub(`${clipped}…`, configSecrets(c))).toBe(`${'e'.repeat(479)} key [redacted]…`);
    expect(scrub(clipped, configSecrets(c))).toBe(`${'e'.repeat(479)} key [redacted]`);
  });

  it('Retry-After and backoff', () => {
    expect(parseRetryAfter('3')).toBe(3000);
    expect(parseRetryAfter(new Date(Date.UTC(2026, 0, 1, 0, 0, 10)).toUTCString(), Date.UTC(2026, 0, 1))).toBe(10_000);
    expect(parseRetryAfter(null)).toBeUndefined();
    // equal jitter: between half and all of base * 2^(attempt-1), capped
    expect(backoffMs(1, 1000, 60_000, () => 0)).toBe(500);
    expect(backoffMs(3, 1000, 60_000, () => 1)).toBe(4000);
    expect(backoffMs(20, 1000, 60_000, () => 1)).toBe(60_000);
    expect(backoffMs(20, 1000, 60_000, () => 0)).toBe(30_000);
  });
});

describe('slack channel', () => {
  let slack: Awaited<ReturnType<typeof fakeSlack>>;
  beforeAll(async () => { slack = await fakeSlack(); });
  afterAll(async () => { await slack.close(); });
  const channel = () => new SlackChannel({ webhookUrl: slack.webhookUrl, minIntervalMs: 0 }, 2000);

  it('firing, acknowledged and resolved messages carry the figures and read differently', async () => {
    const before = slack.requests.length;
    const c = channel();
    for (const e of ['trigger', 'acknowledge', 'resolve'] as const) {
      expect(await c.deliver(row(payload(e)), ctx())).toEqual({ kind: 'sent', detail: 'ok' });
    }
    const [t, a, r] = slack.requests.slice(before).map((q) => q.body.text as string);
    expect(t).toBe(':rotating_light: *[CRITICAL] delivery_rate_critical*: delivery_success_rate 85.25 &lt; 90\n'
      + 'Delivery success rate 85.25% is below 90%\nTriggered at 2026-05-01T10:00:00Z');
    expect(a).toBe(':eyes: *ACKNOWLEDGED* delivery_rate_critical (critical) by alice at 2026-05-01T10:05:00Z: '
      + 'no more repeats; you will hear when it resolves\nDelivery success rate 85.25% is below 90%');
    expect(r).toBe(':white_check_mark: *RESOLVED* delivery_rate_critical (critical) by ops@example.com at 2026-05-01T11:30:00Z: '
      + 'back at 85.25\nDelivery success rate 85.25% is below 90%');
    const fields = (slack.requests[before]!.body.blocks[1].fields as Array<{ text: string }>).map((f) => f.text);
    expect(fields).toEqual(['*Severity*\ncritical', '*Rule*\ndelivery_rate_critical', '*Metric*\ndelivery_success_rate',
      '*Value*\n85.25', '*Threshold*\n&lt; 90', '*Recovers at*\n92', '*Window*\n60 min', '*Samples*\n1200',
      '*Triggered at*\n2026-05-01T10:00:00Z', `*Alert id*\n${ALERT_ID}`]);
  });

  it('the resolve reads as a sentence; one that never reached Slack says it fired and recovered meanwhile', async () => {
    const before = slack.requests.length;
    const c = channel();
    const figures = { resolved_by: 'auto', trigger_value: 55.31, metric_value: 93.02, trigger_value_text: '55.31 %', value_text: '93.02 %',
      message: 'Resolved: SMS delivery rate was 55.31 %, back at 93.02 %.' };
    await c.deliver(row(payload('resolve', figures)), ctx());
    await c.deliver(row(payload('resolve', { ...figures, unreached: true })), ctx());
    const [r, u] = slack.requests.slice(before).map((q) => q.body.text as string);
    expect(r).toBe(':white_check_mark: *RESOLVED* delivery_rate_critical (critical) by auto at 2026-05-01T11:30:00Z: '
      + 'was 55.31 %, back at 93.02 %\nResolved: SMS delivery rate was 55.31 %, back at 93.02 %.');
    expect(u).toBe(':white_check_mark: *FIRED AND RECOVERED* delivery_rate_critical (critical): fired at 2026-05-01T10:00:00Z '
      + 'and recovered at 2026-05-01T11:30:00Z while Slack could not be reached; was 55.31 %, back at 93.02 %'
      + '\nResolved: SMS delivery rate was 55.31 %, back at 93.02 %.');
  });

  it('operator text is escaped for mrkdwn: no channel mention, no link', async () => {
    const before = slack.requests.length;
    const evil = '<!channel> <https://evil.example|x> & co';
    await channel().deliver(row(payload('acknowledge', { acknowledged_by: evil, message: `Acknowledged by ${evil}` })), ctx());
    const body = slack.requests[before]!.body;
    const everything = JSON.stringify(body);
    expect(everything).not.toMatch(/<!channel>|<https:/);
    expect(body.text).toBe(':eyes: *ACKNOWLEDGED* delivery_rate_critical (critical) by &lt;!channel&gt; &lt;https://evil.example|x&gt; &amp; co '
      + 'at 2026-05-01T10:05:00Z: no more repeats; you will hear when it resolves\nAcknowledged by &lt;!channel&gt; &lt;https://evil.example|x&gt; &amp; co');
    expect(body.blocks[0].text.text).toBe(body.text);
  });

  it('classifies 429 (Retry-After), 500, 400/403/404/410 and a hanging webhook', async () => {
    const c = channel();
    slack.enqueue({ status: 429, body: 'rate_limited', headers: { 'retry-after': '7' } });
    expect(await c.deliver(row(payload('trigger')), ctx())).toEqual({ kind: 'retry', error: 'slack: HTTP 429: rate_limited', retryAfterMs: 7000 });
    // The 429 also holds back the next message to this webhook: it is deferred, not sent.
    const deferred = await c.deliver(row(payload('trigger')), ctx({ maxWaitMs: 1000 }));
    expect(deferred.kind).toBe('defer');
    expect((deferred as { retryAfterMs: number }).retryAfterMs).toBeGreaterThan(5000);
    const c2 = channel();
    slack.enqueue({ status: 503, body: 'service unavailable' });
    expect(await c2.deliver(row(payload('trigger')), ctx())).toEqual({ kind: 'retry', error: 'slack: HTTP 503: service unavailable' });
    for (const [status, text] of [[400, 'invalid_payload'], [403, 'action_prohibited'], [404, 'no_service'], [410, 'channel_is_archived']] as const) {
      slack.enqueue({ status, body: text });
      expect(await c2.deliver(row(payload('trigger')), ctx())).toEqual({ kind: 'failed', error: `slack: HTTP ${status}: ${text}` });
    }
    slack.enqueue({ hang: true });
    const started = Date.now();
    const hung = await new SlackChannel({ webhookUrl: slack.webhookUrl, minIntervalMs: 0 }, 300).deliver(row(payload('trigger')), ctx());
    expect(hung).toEqual({ kind: 'retry', error: 'slack: no answer within 300 ms (timed out)' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  });

  it('a 429 while other messages wait for their slot holds them until its Retry-After', async () => {
    const c = new SlackChannel({ webhookUrl: slack.webhookUrl, minIntervalMs: 300 }, 2000);
    const before = slack.requests.length;
    slack.enqueue({ status: 429, body: 'rate_limited', headers: { 'retry-after': '1' } });
    const [first, second] = await Promise.all([c.deliver(row(payload('trigger')), ctx()), c.deliver(row(payload('repeat')), ctx())]);
    expect(first).toEqual({ kind: 'retry', error: 'slack: HTTP 429: rate_limited', retryAfterMs: 1000 });
    expect(second).toEqual({ kind: 'sent', detail: 'ok' });
    const [a, b] = slack.requests.slice(before);
    // its slot was 300 ms after the first; the 429 said 1 s
    expect(b!.receivedAt - a!.receivedAt).toBeGreaterThanOrEqual(990);
  });

  it('paces messages to one webhook', async () => {
    const c = new SlackChannel({ webhookUrl: slack.webhookUrl, minIntervalMs: 250 }, 2000);
    const before = slack.requests.length;
    await Promise.all([1, 2, 3].map(() => c.deliver(row(payload('repeat')), ctx())));
    const times = slack.requests.slice(before).map((r) => r.receivedAt);
    expect(times).toHaveLength(3);
    // Sends start 250 ms apart; arrivals carry each request's latency, which varies by hundreds of
    // ms on a loaded machine: bound the whole span (2 gaps), less one interval of latency skew.
    expect(times[2]! - times[0]!).toBeGreaterThanOrEqual(2 * 250 - 250);
  });

  it('a network error names no secret', async () => {
    const dead = await FakeProvider.start(() => ({}));
    const url = `${dead.baseUrl}/services/T0/B0/networkSecretToken42`;
    await dead.close();
    const out = await new SlackChannel({ webhookUrl: url, minIntervalMs: 0 }, 1000).deliver(row(payload('trigger')), ctx());
    expect(out.kind).toBe('retry');
    expect((out as { error: string }).error).toMatch(/^slack: network error: ECONNREFUSED$/);
  });
});

describe('pagerduty channel', () => {
  let pd: Awaited<ReturnType<typeof fakePagerDuty>>;
  beforeAll(async () => { pd = await fakePagerDuty(); });
  afterAll(async () => { await pd.close(); });

  it('trigger, acknowledge and resolve share one dedup_key; summary and figures', async () => {
    const c = new PagerDutyChannel({ routingKey: ROUTING_KEY, eventsUrl: pd.eventsUrl, source: 'sms-monitor-test' }, 2000);
    const before = pd.requests.length;
    for (const e of ['trigger', 'acknowledge', 'resolve'] as const) {
      const out = await c.deliver(row(payload(e), 'pagerduty'), ctx());
      expect(out).toEqual({ kind: 'sent', detail: `{"status":"success","message":"Event processed","dedup_key":"sms-monitor/delivery_rate_critical/${ALERT_ID}"}` });
    }
    const bodies = pd.requests.slice(before).map((r) => r.body);
    expect(bodies.map((b) => [b.event_action, b.dedup_key])).toEqual([
      ['trigger', `sms-monitor/delivery_rate_critical/${ALERT_ID}`],
      ['acknowledge', `sms-monitor/delivery_rate_critical/${ALERT_ID}`],
      ['resolve', `sms-monitor/delivery_rate_critical/${ALERT_ID}`],
    ]);
    expect(bodies[0].routing_key).toBe(ROUTING_KEY);
    expect(bodies[0].payload).toEqual({
      summary: '[CRITICAL] FIRING delivery_rate_critical: delivery_success_rate 85.25 < 90. Delivery success rate 85.25% is below 90%',
      source: 'sms-monitor-test', severity: 'critical', timestamp: '2026-05-01T10:00:00Z', component: 'delivery_success_rate',
      group: 'sms-monitor', class: 'delivery_rate_critical',
      custom_details: {
        alert_id: ALERT_ID, rule: 'delivery_rate_critical', event: 'trigger', condition: 'delivery_success_rate 85.25 < 90',
        metric: 'delivery_success_rate', metric_value: '85.25', comparison: 'lt', threshold_value: '90', recovery_value: '92',
        window_minutes: 60, sample_size: '1200', description: 'SMS delivery rate', triggered_at: '2026-05-01T10:00:00Z',
      },
    });
    expect(bodies[2]).toEqual({ routing_key: ROUTING_KEY, event_action: 'resolve', dedup_key: `sms-monitor/delivery_rate_critical/${ALERT_ID}` });
  });

  it('keeps summary <= 1024 and dedup_key <= 255, maps severity', async () => {
    const c = new PagerDutyChannel({ routingKey: ROUTING_KEY, eventsUrl: pd.eventsUrl, source: 's' }, 2000);
    const longType = 'x'.repeat(300);
    const p = payload('trigger', { alert_type: longType, dedup_key: null, message: 'm'.repeat(5000), severity: 'warning' });
    expect((await c.deliver(row(p, 'pagerduty'), ctx())).kind).toBe('sent');
    const body = pd.requests.at(-1)!.body;
    expect(body.payload.summary).toHaveLength(1024);
    expect(body.payload.severity).toBe('warning');
    expect(body.dedup_key.length).toBeLessThanOrEqual(255);
    expect(body.dedup_key).toBe(dedupKey(p)); // stable for every event of the incident
    const info = payload('trigger', { severity: 'info' });
    await c.deliver(row(info, 'pagerduty'), ctx());
    expect(pd.requests.at(-1)!.body.payload.severity).toBe('info');
  });

  it('every field within the Events v2 limits: source, component, class <= 255, custom_details texts <= 1024', async () => {
    const c = new PagerDutyChannel({ routingKey: ROUTING_KEY, eventsUrl: pd.eventsUrl, source: 's'.repeat(400) }, 2000);
    const p = payload('trigger', { metric: 'm'.repeat(400), alert_type: 'a'.repeat(400), description: 'd'.repeat(10_000) });
    expect((await c.deliver(row(p, 'pagerduty'), ctx())).kind).toBe('sent');
    const body = pd.requests.at(-1)!.body;
    expect([body.payload.source.length, body.payload.component.length, body.payload.class.length]).toEqual([255, 255, 255]);
    expect(body.payload.custom_details.description).toHaveLength(1024);
    expect(body.payload.custom_details.rule).toHaveLength(400);
    expect(body.payload.summary.length).toBeLessThanOrEqual(1024);
    expect(body.dedup_key.length).toBeLessThanOrEqual(255);
    expect(pd.requests.at(-1)!.raw.length).toBeLessThan(512 * 1024);
  });

  it('400 is permanent with PagerDuty\'s error text; 429 and 500 retry', async () => {
    const bad = new PagerDutyChannel({ routingKey: ROUTING_KEY.slice(1) + 'Z', eventsUrl: pd.eventsUrl, source: 's' }, 2000);
    pd.enqueue({ status: 400, body: '{"status":"invalid event","message":"Event object is invalid","errors":["\'payload.severity\' is invalid"]}' });
    expect(await bad.deliver(row(payload('trigger'), 'pagerduty'), ctx())).toEqual({
      kind: 'failed', error: 'pagerduty: HTTP 400: {"status":"invalid event","message":"Event object is invalid","errors":["\'payload.severity\' is invalid"]}',
    });
    pd.enqueue({ status: 429, body: '{"status":"throttle event"}' }, { status: 500, body: 'oops' });
    expect(await bad.deliver(row(payload('resolve'), 'pagerduty'), ctx())).toEqual({ kind: 'retry', error: 'pagerduty: HTTP 429: {"status":"throttle event"}' });
    expect(await bad.deliver(row(payload('resolve'), 'pagerduty'), ctx())).toEqual({ kind: 'retry', error: 'pagerduty: HTTP 500: oops' });
  });
});

/**
 * An SMTP server that answers every step correctly but only after delayMs: each stage is slow, none
 * stalls forever. Records the commands it received and whether a message was accepted.
 */
async function slowSmtp(delayMs: number) {
  const state = { commands: [] as string[], accepted: 0, closed: [] as Array<Promise<void>> };
  const server = net.createServer((socket) => {
    state.closed.push(new Promise((resolve) => socket.on('close', () => resolve())));
    const later = (line: string) => setTimeout(() => { if (!socket.destroyed) socket.write(`${line}\r\n`); }, delayMs);
    let inData = false;
    let buf = '';
    socket.on('error', () => {});
    socket.on('data', (chunk: Buffer) => {
      buf += chunk.toString('utf8');
      let i: number;
      while ((i = buf.indexOf('\r\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 2);
        if (inData) {
          if (line === '.') { inData = false; state.accepted++; later('250 queued'); }
          continue;
        }
        const cmd = line.split(' ')[0]!.toUpperCase();
        state.commands.push(cmd);
        if (cmd === 'DATA') { inData = true; later('354 go ahead'); } else if (cmd === 'QUIT') later('221 bye');
        else later(cmd === 'EHLO' ? '250 slow.example' : '250 ok');
      }
    });
    later('220 slow.example ESMTP');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return { url: `smtp://127.0.0.1:${port}`, state, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

describe('email channel', () => {
  let smtp: FakeSmtp;
  beforeAll(async () => { smtp = await FakeSmtp.start(); });
  afterAll(async () => { await smtp.close(); });

  it('a server slow at every stage: the send is abandoned (connection closed, nothing accepted), not left running behind a retry', async () => {
    const slow = await slowSmtp(250);
    try {
      // Request timeout 500 ms: each stage may take 200 ms (40 %), the whole conversation 500 ms.
      const c = new EmailChannel({ smtpUrl: slow.url, from: 'a@example.com', to: ['b@example.com'] }, 500);
      const started = Date.now();
      const out = await c.deliver(row(payload('trigger'), 'email'), ctx());
      expect(out.kind).toBe('retry');
      expect(Date.now() - started).toBeLessThan(500);
      // nodemailer itself gave up: the connection is closed and no message can arrive later.
      await Promise.all(slow.state.closed);
      expect(slow.state.accepted).toBe(0);
      expect(slow.state.commands).not.toContain('DATA');
    } finally {
      await slow.close();
    }
  });

  it('leaves no listener on the shared shutdown signal', async () => {
    const own = await FakeSmtp.start();
    try {
      const c = new EmailChannel({ smtpUrl: own.url, from: 'alerts@example.com', to: ['ops@example.com'] }, 3000);
      const shutdown = new AbortController();
      for (let i = 0; i < 3; i++) expect((await c.deliver(row(payload('repeat'), 'email'), ctx({ abort: shutdown.signal }))).kind).toBe('sent');
      expect(getEventListeners(shutdown.signal, 'abort')).toHaveLength(0);
    } finally {
      await own.close();
    }
  });

  it('sends a readable message with the figures; 550 permanent, 451 temporary', async () => {
    const c = new EmailChannel({ smtpUrl: smtp.url, from: 'alerts@example.com', to: ['ops@example.com', 'oncall@example.com'] }, 3000);
    expect((await c.deliver(row(payload('trigger'), 'email'), ctx())).kind).toBe('sent');
    const [m] = await smtp.waitForMessages(1);
    expect(m!.from).toBe('alerts@example.com');
    expect(m!.to).toEqual(['ops@example.com', 'oncall@example.com']);
    const raw = m!.raw.replace(/\r\n[ \t]+/g, ' '); // unfold long headers
    expect(raw).toContain('\r\nSubject: [sms-monitor] [CRITICAL] FIRING delivery_rate_critical: delivery_success_rate 85.25 < 90\r\n');
    expect(raw).toMatch(new RegExp(`^X-Sms-Monitor-Dedup-Key: sms-monitor/delivery_rate_critical/${ALERT_ID}\r\n`, 'im'));
    expect(raw).toContain('\r\nValue         85.25\r\nThreshold     < 90\r\n');
    smtp.rejections.push({ code: 550, message: 'mailbox unavailable' }, { code: 451, message: 'try again later' });
    expect(await c.deliver(row(payload('resolve'), 'email'), ctx())).toEqual({ kind: 'failed', error: 'email: SMTP 550: 550 mailbox unavailable' });
    expect(await c.deliver(row(payload('resolve'), 'email'), ctx())).toEqual({ kind: 'retry', error: 'email: SMTP 451: 451 try again later' });
    await c.close?.();
  });

  it('a resolve whose trigger never got through: one mail saying it fired and recovered while e-mail was unreachable', () => {
    const m = emailMessage(payload('resolve', { unreached: true, resolved_by: 'auto' }));
    expect(m.subject).toBe('[sms-monitor] [CRITICAL] FIRED AND RECOVERED delivery_rate_critical: delivery_success_rate 85.25 < 90');
    expect(m.text.split('\n').slice(0, 3)).toEqual([
      'FIRED AND RECOVERED: delivery_rate_critical (critical) at 2026-05-01T11:30:00Z',
      '',
      'It fired at 2026-05-01T10:00:00Z and recovered at 2026-05-01T11:30:00Z while e-mail could not be reached; nothing was sent while it was open.',
    ]);
  });

  it('a wrong password is permanent and the error does not contain it', async () => {
    const wrong = `smtp://alerts:${encodeURIComponent('wrongSecretPw77')}@127.0.0.1:${smtp.port}`;
    const c = new EmailChannel({ smtpUrl: wrong, from: 'a@example.com', to: ['b@example.com'] }, 3000);
    const out = await c.deliver(row(payload('trigger'), 'email'), ctx());
    expect(out.kind).toBe('failed');
    expect((out as { error: string }).error).toMatch(/^email: SMTP 535: .*Invalid username or password/);
    expect(JSON.stringify(out)).not.toContain('wrongSecretPw77');
  });
});

describe('log channel', () => {
  it('writes one JSON line per notification', async () => {
    const out = new PassThrough();
    const chunks: string[] = [];
    out.on('data', (c: Buffer) => chunks.push(c.toString()));
    const r = row(payload('resolve'), 'log');
    expect(await new LogChannel(out).deliver(r)).toEqual({ kind: 'sent' });
    const lines = chunks.join('').split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toBe('');
    const j = JSON.parse(lines[0]!);
    expect([j.type, j.notification_id, j.event, j.severity, j.alert_id, j.dedup_key, j.summary]).toEqual([
      'sms_monitor_notification', r.id, 'resolve', 'critical', ALERT_ID, `sms-monitor/delivery_rate_critical/${ALERT_ID}`,
      '[CRITICAL] RESOLVED delivery_rate_critical: delivery_success_rate 85.25 < 90',
    ]);
  });
});
