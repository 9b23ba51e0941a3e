// The daemon in-process against a real database and fake providers: outcomes recorded through the
// outbox functions, retries honoured, permanent failures kept with the provider's text, and no
// secret in logs or in the database.
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadNotifierConfig, type NotifierConfig } from '../config.ts';
import { createLogger, Notifier } from '../daemon.ts';
import { freshDatabase, type TestDatabase } from '../../test/db.ts';
import { fakePagerDuty, fakeSlack } from '../../test/fakes/http-provider.ts';
import { FakeSmtp } from '../../test/fakes/smtp.ts';
import { enqueue, insertIncident, ROUTING_KEY, rowStates, waitForRows, waitUntil } from '../../test/fakes/outbox.ts';

const SLACK_TOKEN = 'slackSecretToken0123456789';

let db: TestDatabase;
let slack: Awaited<ReturnType<typeof fakeSlack>>;
let pd: Awaited<ReturnType<typeof fakePagerDuty>>;
let smtp: FakeSmtp;
let notifier: Notifier;
const logLines: string[] = [];
const stdoutLines: string[] = [];
let out: PassThrough;
let logs: PassThrough;
let config: NotifierConfig;

beforeAll(async () => {
  db = await freshDatabase();
  slack = await fakeSlack(SLACK_TOKEN);
  pd = await fakePagerDuty();
  smtp = await FakeSmtp.start('alerts', 'smtpSecretPassw0rd');
  config = loadNotifierConfig(db.url, {
    SLACK_WEBHOOK_URL: slack.webhookUrl,
    SLACK_MIN_INTERVAL: '0ms',
    PAGERDUTY_INTEGRATION_KEY: ROUTING_KEY,
    PAGERDUTY_EVENTS_URL: pd.eventsUrl,
    NOTIFIER_POLL_INTERVAL: '200ms',
    // The request timeout is well above what a local fake answer takes on a loaded machine (at
    // 400 ms an SMTP conversation timed out and was retried); the hang test waits for it.
    NOTIFIER_LEASE: '10s',
    NOTIFIER_REQUEST_TIMEOUT: '3s',
    NOTIFIER_RETRY_BASE: '40ms',
    NOTIFIER_RETRY_MAX: '200ms',
    SMTP_URL: smtp.url,
    ALERT_EMAIL_FROM: 'sms-monitor@example.com',
    ALERT_EMAIL_TO: 'oncall@example.com',
    LOG_LEVEL: 'debug',
  });
  logs = new PassThrough();
  logs.on('data', (c: Buffer) => logLines.push(...c.toString().split('\n').filter(Boolean)));
  out = new PassThrough();
  out.on('data', (c: Buffer) => stdoutLines.push(...c.toString().split('\n').filter(Boolean)));
  notifier = new Notifier(config, { logger: createLogger('debug', logs), logOut: out });
  await notifier.start();
});

afterAll(async () => {
  await notifier?.stop('test done');
  await slack?.close();
  await pd?.close();
  await smtp?.close();
  await db?.drop();
});

const since = (n: number) => pd.requests.slice(n);

describe('notifier delivery (in-process daemon, real database, fake providers)', () => {
  it('trigger then resolve reach PagerDuty with the same dedup_key', async () => {
    const before = pd.requests.length;
    const inc = await insertIncident(db.sql);
    const [t] = await enqueue(db.sql, [{ incident: inc, channel: 'pagerduty', event: 'trigger' }]);
    expect((await waitForRows(db.sql, [t!]))[0]).toMatchObject({ status: 'sent', attempts: 1, last_error: null, locked_by: null });
    const [r] = await enqueue(db.sql, [{ incident: inc, channel: 'pagerduty', event: 'resolve' }]);
    expect((await waitForRows(db.sql, [r!]))[0]).toMatchObject({ status: 'sent', attempts: 1 });
    const reqs = since(before).map((q) => q.body);
    expect(reqs.map((b) => [b.event_action, b.dedup_key])).toEqual([
      ['trigger', `sms-monitor/delivery_rate_critical/${inc.id}`],
      ['resolve', `sms-monitor/delivery_rate_critical/${inc.id}`],
    ]);
    expect(reqs[0].payload.custom_details).toMatchObject({ metric_value: '85.5', threshold_value: '90', window_minutes: 60 });
    // the incident's history row follows the outbox
    const [h] = await db.sql`select notification_sent, notification_error from sms_monitor.sms_alert_history where id = ${inc.id}`;
    expect(h).toEqual({ notification_sent: true, notification_error: null });
  });

  it('acknowledge goes to PagerDuty and to Slack with its own wording', async () => {
    const pdBefore = pd.requests.length;
    const slackBefore = slack.requests.length;
    const inc = await insertIncident(db.sql, 'opt_out_rate_warning', 'warning');
    const ids = await enqueue(db.sql, [
      { incident: inc, channel: 'pagerduty', event: 'acknowledge' },
      { incident: inc, channel: 'slack', event: 'acknowledge' },
    ]);
    expect((await waitForRows(db.sql, ids)).map((r) => r.status)).toEqual(['sent', 'sent']);
    expect(since(pdBefore).map((q) => q.body)).toEqual([
      { routing_key: ROUTING_KEY, event_action: 'acknowledge', dedup_key: `sms-monitor/opt_out_rate_warning/${inc.id}` },
    ]);
    expect(slack.requests.slice(slackBefore).map((q) => q.body.text)).toEqual([
      ':eyes: *ACKNOWLEDGED* opt_out_rate_warning (warning) by alice at 2026-05-01T10:10:00Z: no more repeats; you will hear when it resolves\n'
      + 'Delivery rate 85.5 % is below 90 %',
    ]);
  });

  it('429 with Retry-After: the retry waits as long as the provider asked', async () => {
    const before = pd.requests.length;
    pd.enqueue({ status: 429, body: '{"status":"throttle event"}', headers: { 'retry-after': '1' } });
    const inc = await insertIncident(db.sql);
    const [id] = await enqueue(db.sql, [{ incident: inc, channel: 'pagerduty', event: 'trigger' }]);
    const [row] = await waitForRows(db.sql, [id!], 10_000, (r) => r.status === 'sent');
    expect(row).toMatchObject({ status: 'sent', attempts: 2, last_error: 'pagerduty: HTTP 429: {"status":"throttle event"}' });
    const [first, second] = since(before);
    expect(second!.body.dedup_key).toBe(first!.body.dedup_key);
    // backoff alone would be at most 200 ms (NOTIFIER_RETRY_MAX); Retry-After said 1 s
    expect(second!.receivedAt - first!.receivedAt).toBeGreaterThanOrEqual(950);
  });

  it('500 then success: retried with backoff', async () => {
    const before = pd.requests.length;
    pd.enqueue({ status: 500, body: 'internal error' }, { status: 502, body: 'bad gateway' });
    const inc = await insertIncident(db.sql);
    const [id] = await enqueue(db.sql, [{ incident: inc, channel: 'pagerduty', event: 'trigger' }]);
    const [row] = await waitForRows(db.sql, [id!], 10_000, (r) => r.status === 'sent');
    expect(row).toMatchObject({ status: 'sent', attempts: 3, last_error: 'pagerduty: HTTP 502: bad gateway' });
    expect(since(before)).toHaveLength(3);
  });

  it('repeat and resolve queued together, repeat answered 500: the resolve still reaches PagerDuty last', async () => {
    const inc = await insertIncident(db.sql);
    const [t] = await enqueue(db.sql, [{ incident: inc, channel: 'pagerduty', event: 'trigger' }]);
    expect((await waitForRows(db.sql, [t!]))[0]!.status).toBe('sent');
    const before = pd.requests.length;
    pd.enqueue({ status: 500, body: 'internal error' });
    const ids = await enqueue(db.sql, [
      { incident: inc, channel: 'pagerduty', event: 'repeat' },
      { incident: inc, channel: 'pagerduty', event: 'resolve' },
    ]);
    const rows = await waitForRows(db.sql, ids, 10_000, (r) => r.status === 'sent');
    expect(rows.map((r) => [r.status, r.attempts])).toEqual([['sent', 2], ['sent', 1]]);
    // Retried repeat first, then the resolve: an incident re-triggered after its resolve would stay open.
    expect(since(before).map((q) => q.body.event_action)).toEqual(['trigger', 'trigger', 'resolve']);
    expect(since(before).at(-1)!.body).toEqual({ routing_key: ROUTING_KEY, event_action: 'resolve', dedup_key: `sms-monitor/delivery_rate_critical/${inc.id}` });
  });

  it('trigger and resolve waiting together (the incident resolved before anything was tried): PagerDuty never hears of it', async () => {
    const before = pd.requests.length;
    const inc = await insertIncident(db.sql);
    const ids = await enqueue(db.sql, [
      { incident: inc, channel: 'pagerduty', event: 'trigger' },
      { incident: inc, channel: 'pagerduty', event: 'resolve' },
    ]);
    const rows = await waitForRows(db.sql, ids, 10_000);
    expect(rows.map((r) => [r.status, r.attempts, r.last_error])).toEqual([
      ['superseded', 0, 'superseded: the incident resolved before its trigger reached pagerduty'],
      ['superseded', 0, 'superseded: the incident resolved before its trigger reached pagerduty'],
    ]);
    expect(since(before).filter((q) => q.body.dedup_key === `sms-monitor/delivery_rate_critical/${inc.id}`)).toEqual([]);
    const [h] = await db.sql`select notification_status from sms_monitor.sms_alert_history where id = ${inc.id}`;
    expect(h!.notification_status).toEqual({ 'pagerduty/trigger': 'superseded', 'pagerduty/resolve': 'superseded' });
  });

  it('400 is permanent: failed at once with PagerDuty\'s error text', async () => {
    const before = pd.requests.length;
    const body = '{"status":"invalid event","message":"Event object is invalid","errors":["\'payload.summary\' is missing"]}';
    pd.enqueue({ status: 400, body });
    const inc = await insertIncident(db.sql);
    const [id] = await enqueue(db.sql, [{ incident: inc, channel: 'pagerduty', event: 'trigger' }]);
    const [row] = await waitForRows(db.sql, [id!]);
    expect(row).toMatchObject({ status: 'failed', attempts: 1, last_error: `pagerduty: HTTP 400: ${body}` });
    expect(since(before)).toHaveLength(1);
    const [h] = await db.sql`select notification_sent, notification_error from sms_monitor.sms_alert_history where id = ${inc.id}`;
    expect(h!.notification_sent).toBe(false);
    expect(h!.notification_error).toContain('HTTP 400');
  });

  it('a provider that hangs hits the request timeout and the row is retried', async () => {
    const before = pd.requests.length;
    pd.enqueue({ hang: true });
    const inc = await insertIncident(db.sql);
    const [id] = await enqueue(db.sql, [{ incident: inc, channel: 'pagerduty', event: 'trigger' }]);
    const [row] = await waitForRows(db.sql, [id!], 30_000, (r) => r.status === 'sent');
    expect(row).toMatchObject({ status: 'sent', attempts: 2, last_error: 'pagerduty: no answer within 3000 ms (timed out)' });
    // The notifier gave up on the hanging request (closed its connection) before it tried again.
    // Times are stamped when this process's event loop gets to the request, which on a loaded
    // machine can be long after the notifier sent it: the 3,000 ms are checked with a wide margin.
    const [a, b] = since(before);
    expect(a!.closedAt).toBeDefined();
    expect(b!.receivedAt).toBeGreaterThanOrEqual(a!.closedAt!);
    expect(a!.closedAt! - a!.receivedAt).toBeGreaterThanOrEqual(1500);
  });

  it('temporary failures do not use up max_attempts: 503 three times with max_attempts 2, then delivered', async () => {
    const before = pd.requests.length;
    pd.enqueue({ status: 503, body: 'unavailable' }, { status: 503, body: 'unavailable' }, { status: 503, body: 'unavailable' });
    const inc = await insertIncident(db.sql);
    const [id] = await enqueue(db.sql, [{ incident: inc, channel: 'pagerduty', event: 'trigger', maxAttempts: 2 }]);
    const [row] = await waitForRows(db.sql, [id!], 10_000);
    expect(row).toMatchObject({ status: 'sent', attempts: 4, last_error: 'pagerduty: HTTP 503: unavailable' });
    const [r] = await db.sql`select retries from sms_monitor.sms_alert_notifications where id = ${id!}`;
    expect(r!.retries).toBe(3);
    expect(since(before).map((q) => q.body.dedup_key)).toEqual(Array(4).fill(`sms-monitor/delivery_rate_critical/${inc.id}`));
  });

  it('e-mail goes out over SMTP; a permanent SMTP refusal is failed with its text', async () => {
    const inc = await insertIncident(db.sql);
    const [ok] = await enqueue(db.sql, [{ incident: inc, channel: 'email', event: 'trigger' }]);
    expect((await waitForRows(db.sql, [ok!]))[0]).toMatchObject({ status: 'sent', attempts: 1 });
    const [mail] = await smtp.waitForMessages(1);
    expect(mail!.to).toEqual(['oncall@example.com']);
    expect(mail!.raw.replace(/\r\n[ \t]+/g, ' ')).toContain('Subject: [sms-monitor] [CRITICAL] FIRING delivery_rate_critical: delivery_rate 85.5 < 90');
    smtp.rejections.push({ code: 554, message: 'transaction failed' });
    const [bad] = await enqueue(db.sql, [{ incident: inc, channel: 'email', event: 'resolve' }]);
    expect((await waitForRows(db.sql, [bad!]))[0]).toMatchObject({ status: 'failed', last_error: 'email: SMTP 554: 554 transaction failed' });
  });

  it('a notifier claims only its channels: the others wait, and a notifier configured later delivers them in order', async () => {
    // A second notifier with only the log channel; the first one is stopped meanwhile so this one claims.
    await notifier.stop('swap');
    const bare = new Notifier(loadNotifierConfig(db.url, { NOTIFIER_POLL_INTERVAL: '200ms' }), { logger: createLogger('silent'), logOut: out });
    await bare.start();
    notifier = bare;
    const inc = await insertIncident(db.sql);
    const ids = await enqueue(db.sql, [
      { incident: inc, channel: 'email', event: 'trigger' },
      { incident: inc, channel: 'slack', event: 'trigger' },
      { incident: inc, channel: 'pagerduty', event: 'trigger' },
      { incident: inc, channel: 'log', event: 'trigger' },
    ]);
    const [logRow] = await waitForRows(db.sql, [ids[3]!]);
    expect(logRow!.status).toBe('sent');
    const line = stdoutLines.map((l) => JSON.parse(l)).find((j) => j.notification_id === ids[3]);
    expect(line).toMatchObject({ type: 'sms_monitor_notification', event: 'trigger', alert_id: inc.id, severity: 'critical' });
    const [ack] = await enqueue(db.sql, [{ incident: inc, channel: 'pagerduty', event: 'acknowledge' }]);
    // The log notifier's heartbeat is what the database knows: it serves log only.
    await waitUntil('the heartbeat of the log-only notifier', async () =>
      (await db.sql`select 1 from sms_monitor.sms_notifier_heartbeats where worker = ${bare.workerId} and channels = '{log}'`).length === 1);
    // Several drains later the other rows are still untouched: not claimed, not failed.
    const drains = bare.stats.drains;
    await waitUntil('three more drains', () => bare.stats.drains >= drains + 3);
    expect((await rowStates(db.sql, [...ids.slice(0, 3), ack!])).map((r) => [r.status, r.attempts, r.last_error])).toEqual([
      ['pending', 0, null], ['pending', 0, null], ['pending', 0, null], ['pending', 0, null],
    ]);
    const [st] = await db.sql`select delivery_status from sms_monitor.sms_alert_status where alert_type = 'delivery_rate_critical'`;
    expect(st!.delivery_status).toBe('4 waiting: email not configured (1), pagerduty not configured (2), slack not configured (1)');
    // PagerDuty (and the rest) configured later: trigger first, then the acknowledge.
    const pdBefore = pd.requests.length;
    await bare.stop('swap back');
    notifier = new Notifier(config, { logger: createLogger('debug', logs), logOut: out });
    await notifier.start();
    const rows = await waitForRows(db.sql, [...ids.slice(0, 3), ack!]);
    expect(rows.map((r) => r.status)).toEqual(['sent', 'sent', 'sent', 'sent']);
    expect(since(pdBefore).filter((q) => q.body.dedup_key === `sms-monitor/delivery_rate_critical/${inc.id}`).map((q) => q.body.event_action))
      .toEqual(['trigger', 'acknowledge']);
  });

  it('a provider error that echoes the webhook secret is stored and logged redacted', async () => {
    slack.enqueue({ status: 404, body: `no_service: /services/T0FAKE/B0FAKE/${SLACK_TOKEN}` });
    const inc = await insertIncident(db.sql);
    const [id] = await enqueue(db.sql, [{ incident: inc, channel: 'slack', event: 'trigger' }]);
    const [row] = await waitForRows(db.sql, [id!]);
    expect(row).toMatchObject({ status: 'failed', last_error: 'slack: HTTP 404: no_service: [redacted]' });
    // Nothing anywhere holds a secret: every stored error, every log line.
    const stored = await db.sql`select coalesce(string_agg(coalesce(last_error, '') || payload::text, ' '), '') as t from sms_monitor.sms_alert_notifications`;
    const history = await db.sql`select coalesce(string_agg(coalesce(notification_error, '') || notification_status::text, ' '), '') as t from sms_monitor.sms_alert_history`;
    const everything = [stored[0]!.t, history[0]!.t, ...logLines].join('\n');
    expect(logLines.length).toBeGreaterThan(10);
    expect(everything).toContain('[redacted]');
    for (const secret of [SLACK_TOKEN, ROUTING_KEY, slack.webhookUrl, 'smtpSecretPassw0rd', smtp.url]) expect(everything).not.toContain(secret);
  });

  it('all rows end settled and unleased; nothing is left pending', async () => {
    const all = await db.sql<Array<{ id: string }>>`select id::text as id from sms_monitor.sms_alert_notifications`;
    const states = await rowStates(db.sql, all.map((r) => r.id));
    expect(states.filter((s) => s.status === 'pending' || s.locked_by !== null)).toEqual([]);
  });
});
