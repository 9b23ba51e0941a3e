// Channels against fake Slack, PagerDuty and SMTP servers (real servers on 127.0.0.1). No database
// here; the daemon tests cover the outbox, notifier-config.test.ts the configuration.
import { getEventListeners } from 'node:events';
import net from 'node:net';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmailChannel, emailMessage } from '../channels/email.ts';
import { LogChannel } from '../channels/log.ts';
import { PagerDutyChannel } from '../channels/pagerduty.ts';
import { SlackChannel } from '../channels/slack.ts';
import type { DeliveryContext, NotificationEvent, NotificationPayload, OutboxRow } from '../types.ts';
import { fakePagerDuty, fakeSlack, FakeProvider } from '../../test/fakes/http-provider.ts';
import { FakeSmtp } from '../../test/fakes/smtp.ts';

const ALERT_ID = '6f1c2a4e-0b7d-4c1e-9a3b-2d5e8f7a9c01';
const ROUTING_KEY = 'R0UT1NGKEYabcdefghijklmnopqrstuv'; // 32 characters

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

/** Longer than any answer of the local fakes on a loaded machine: these tests are not about timeouts. */
const REQUEST_TIMEOUT_MS = 30_000;

describe('slack channel', () => {
  let slack: Awaited<ReturnType<typeof fakeSlack>>;
  beforeAll(async () => { slack = await fakeSlack(); });
  afterAll(async () => { await slack.close(); });
  const channel = () => new SlackChannel({ webhookUrl: slack.webhookUrl, minIntervalMs: 0 }, REQUEST_TIMEOUT_MS);

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
    const c = new SlackChannel({ webhookUrl: slack.webhookUrl, minIntervalMs: 300 }, REQUEST_TIMEOUT_MS);
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
    const c = new SlackChannel({ webhookUrl: slack.webhookUrl, minIntervalMs: 250 }, REQUEST_TIMEOUT_MS);
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
    const c = new PagerDutyChannel({ routingKey: ROUTING_KEY, eventsUrl: pd.eventsUrl, source: 'sms-monitor-test' }, REQUEST_TIMEOUT_MS);
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

  it('keeps summary <= 1024, sends the stored dedup_key as it is, maps severity', async () => {
    const c = new PagerDutyChannel({ routingKey: ROUTING_KEY, eventsUrl: pd.eventsUrl, source: 's' }, REQUEST_TIMEOUT_MS);
    const longType = 'x'.repeat(300);
    // the key as sms_monitor._alert_dedup_key stores it for a 300-character rule: cut to 255
    const storedKey = `sms-monitor/${longType}/${ALERT_ID}`.slice(0, 255);
    const p = payload('trigger', { alert_type: longType, dedup_key: storedKey, message: 'm'.repeat(5000), severity: 'warning' });
    expect((await c.deliver(row(p, 'pagerduty'), ctx())).kind).toBe('sent');
    const body = pd.requests.at(-1)!.body;
    expect(body.payload.summary).toHaveLength(1024);
    expect(body.payload.severity).toBe('warning');
    expect(body.dedup_key).toBe(storedKey); // the incident's key, for every event of it
    const info = payload('trigger', { severity: 'info' });
    await c.deliver(row(info, 'pagerduty'), ctx());
    expect(pd.requests.at(-1)!.body.payload.severity).toBe('info');
  });

  it('a notification without a dedup_key is a permanent failure, never a key of its own making', async () => {
    const c = new PagerDutyChannel({ routingKey: ROUTING_KEY, eventsUrl: pd.eventsUrl, source: 's' }, REQUEST_TIMEOUT_MS);
    const before = pd.requests.length;
    expect(await c.deliver(row(payload('trigger', { dedup_key: null }), 'pagerduty'), ctx())).toEqual({
      kind: 'failed',
      error: "pagerduty: the notification has no dedup_key (_alert_enqueue sets the incident's; a row written by hand must carry one)",
    });
    expect(pd.requests.length).toBe(before);
  });

  it('every field within the Events v2 limits: source, component, class <= 255, custom_details texts <= 1024', async () => {
    const c = new PagerDutyChannel({ routingKey: ROUTING_KEY, eventsUrl: pd.eventsUrl, source: 's'.repeat(400) }, REQUEST_TIMEOUT_MS);
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
    const bad = new PagerDutyChannel({ routingKey: ROUTING_KEY.slice(1) + 'Z', eventsUrl: pd.eventsUrl, source: 's' }, REQUEST_TIMEOUT_MS);
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
      const out = await c.deliver(row(payload('trigger'), 'email'), ctx());
      expect(out.kind).toBe('retry');
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
