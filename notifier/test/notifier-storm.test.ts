// Provider storms and outages: a 429 storm (Retry-After: 1) far longer than max_attempts
// used to allow, then 200: every notification delivered exactly once, in order per incident; an
// outage with a long backoff: once the provider answers again, one probe's success wakes the rest.
// Storms are counted in requests (FakeProvider.storm), never in time, so the outcome does not
// depend on machine speed; the only time bounds are lower bounds (Retry-After honoured) and the
// issue's recovery bound, far below what the backoff alone would take.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadNotifierConfig } from '../config.ts';
import { createLogger, Notifier } from '../daemon.ts';
import { freshDatabase, type TestDatabase } from '../../test/db.ts';
import { fakePagerDuty, fakeSlack, type RecordedRequest } from '../../test/fakes/http-provider.ts';
import { enqueue, insertIncident, ROUTING_KEY, waitForRows, type Incident } from '../../test/fakes/outbox.ts';

let db: TestDatabase;
let slack: Awaited<ReturnType<typeof fakeSlack>>;
let pd: Awaited<ReturnType<typeof fakePagerDuty>>;
let notifier: Notifier | undefined;

beforeAll(async () => {
  db = await freshDatabase();
  slack = await fakeSlack();
  pd = await fakePagerDuty();
});
afterEach(async () => {
  await notifier?.stop('test done');
  notifier = undefined;
});
afterAll(async () => {
  await slack?.close();
  await pd?.close();
  await db?.drop();
});

function start(env: Record<string, string>): Notifier {
  const n = new Notifier(loadNotifierConfig(db.url, {
    SLACK_WEBHOOK_URL: slack.webhookUrl,
    SLACK_MIN_INTERVAL: '0ms',
    PAGERDUTY_INTEGRATION_KEY: ROUTING_KEY,
    PAGERDUTY_EVENTS_URL: pd.eventsUrl,
    NOTIFIER_POLL_INTERVAL: '200ms',
    // Long enough that a slow answer on a loaded machine is never a retry: the storms below count
    // requests exactly.
    NOTIFIER_LEASE: '60s',
    NOTIFIER_REQUEST_TIMEOUT: '30s',
    ...env,
  }), { logger: createLogger('silent') });
  void n.start();
  return n;
}

const key = (i: Incident) => `sms-monitor/${i.alertType}/${i.id}`;
/** PagerDuty requests are told apart by dedup_key + action; Slack ones by the alert id in the text. */
const pdKey = (r: RecordedRequest) => `${r.body?.dedup_key} ${r.body?.event_action}`;

async function retriesOf(ids: string[]): Promise<number[]> {
  const rows = await db.sql<Array<{ retries: number }>>`
    select retries from sms_monitor.sms_alert_notifications where id = any(${ids}::bigint[]) order by id`;
  return rows.map((r) => r.retries);
}

describe('provider storms', () => {
  it('a 429 storm (Retry-After: 1) far past max_attempts, then 200: every notification delivered exactly once, in order', async () => {
    const PD_STORM = 24;
    const SLACK_STORM = 12;
    const list: Incident[] = [];
    for (let i = 0; i < 4; i++) list.push(await insertIncident(db.sql));
    // Per incident: PagerDuty trigger, then acknowledge (which must wait for it), and a Slack trigger;
    // max_attempts 2, which the old notifier used up after two 429s (then dead, never delivered).
    const ids = await enqueue(db.sql, list.flatMap((incident) => [
      { incident, channel: 'pagerduty', event: 'trigger' as const, maxAttempts: 2 },
      { incident, channel: 'pagerduty', event: 'acknowledge' as const, maxAttempts: 2 },
      { incident, channel: 'slack', event: 'trigger' as const, maxAttempts: 2 },
    ]));
    const throttle = { status: 429, body: '{"status":"throttle event"}', headers: { 'retry-after': '1' } };
    pd.storm(PD_STORM, throttle);
    slack.storm(SLACK_STORM, { status: 429, body: 'rate_limited', headers: { 'retry-after': '1' } });
    const pdBefore = pd.requests.length;
    const slackBefore = slack.requests.length;
    notifier = start({ NOTIFIER_RETRY_BASE: '40ms', NOTIFIER_RETRY_MAX: '200ms', NOTIFIER_PROBE_INTERVAL: '100ms' });

    const rows = await waitForRows(db.sql, ids, 60_000);
    expect(rows.map((r) => r.status)).toEqual(ids.map(() => 'sent'));
    const pdReqs = pd.requests.slice(pdBefore);
    const slackReqs = slack.requests.slice(slackBefore);
    // The whole storm was answered, then what was waiting went out.
    expect(pd.scripted).toBe(0);
    expect(slack.scripted).toBe(0);
    expect(pdReqs.filter((r) => r.status === 429)).toHaveLength(PD_STORM);
    expect(slackReqs.filter((r) => r.status === 429)).toHaveLength(SLACK_STORM);
    // Every 429 is one retry of some row; the storm outlasted max_attempts (pigeonhole: 24 429s over
    // at most 8 PagerDuty rows, so some row had at least 3 temporary failures, more than 2).
    const retries = await retriesOf(ids);
    expect(retries.reduce((a, b) => a + b, 0)).toBe(PD_STORM + SLACK_STORM);
    expect(Math.max(...retries)).toBeGreaterThan(2);
    // Exactly once: one accepted request per notification, none for anything else.
    const accepted = pdReqs.filter((r) => r.status === 202).map(pdKey).sort();
    expect(accepted).toEqual(list.flatMap((i) => [`${key(i)} acknowledge`, `${key(i)} trigger`]).sort());
    const slackAccepted = slackReqs.filter((r) => r.status === 200).map((r) => list.findIndex((i) => r.raw.includes(i.id)));
    expect(slackAccepted.sort()).toEqual([0, 1, 2, 3]);
    // In order per incident: PagerDuty saw no acknowledge before that incident's trigger was accepted.
    for (const i of list) {
      const seq = pdReqs.filter((r) => r.body?.dedup_key === key(i)).map((r) => `${r.body.event_action}:${r.status}`);
      const firstAck = seq.findIndex((s) => s.startsWith('acknowledge'));
      expect(seq.indexOf('trigger:202')).toBeGreaterThanOrEqual(0);
      expect(seq.indexOf('trigger:202')).toBeLessThan(firstAck);
      expect(seq.slice(seq.indexOf('trigger:202') + 1).every((s) => s.startsWith('acknowledge'))).toBe(true);
    }
    // Retry-After honoured: a notification answered 429 was not tried again within the second it asked for.
    const byKey = new Map<string, RecordedRequest[]>();
    for (const r of pdReqs) byKey.set(pdKey(r), [...(byKey.get(pdKey(r)) ?? []), r]);
    for (const reqs of byKey.values()) {
      for (let j = 1; j < reqs.length; j++) {
        if (reqs[j - 1]!.status === 429) expect(reqs[j]!.receivedAt - reqs[j - 1]!.answeredAt!).toBeGreaterThanOrEqual(950);
      }
    }
    const [h] = await db.sql`select notification_sent, notification_error from sms_monitor.sms_alert_history where id = ${list[0]!.id}`;
    expect(h).toEqual({ notification_sent: true, notification_error: null });
  }, 90_000);

  it('an outage with a long backoff: the probe\'s first success wakes every waiting row at once', async () => {
    const list: Incident[] = [];
    for (let i = 0; i < 6; i++) list.push(await insertIncident(db.sql));
    const ids = await enqueue(db.sql, list.map((incident) => ({ incident, channel: 'pagerduty', event: 'trigger' as const })));
    // Six first attempts fail, then the probe fails four more times; the eleventh request succeeds.
    const OUTAGE = 10;
    pd.storm(OUTAGE, { status: 503, body: 'unavailable' });
    const before = pd.requests.length;
    // Backoff 10 min doubling (the first retry after 5 to 10 min, far beyond this test however slow the
    // machine), probe every 300 ms: only the probe can try a row again before the provider recovers.
    notifier = start({ NOTIFIER_RETRY_BASE: '10m', NOTIFIER_RETRY_MAX: '20m', NOTIFIER_PROBE_INTERVAL: '300ms' });
    const rows = await waitForRows(db.sql, ids, 60_000);
    expect(rows.map((r) => r.status)).toEqual(ids.map(() => 'sent'));
    const reqs = pd.requests.slice(before);
    expect(reqs.filter((r) => r.status === 503)).toHaveLength(OUTAGE);
    expect(reqs.filter((r) => r.status === 202).map((r) => r.body.dedup_key).sort()).toEqual(list.map(key).sort());
    // The provider's own recovery moment is its first 2xx; every row reached it within 10 s of that
    // (the backoff alone would have waited at least 5 minutes for most of them).
    const recovered = reqs.find((r) => r.status === 202)!.answeredAt!;
    const lastDelivered = Math.max(...reqs.filter((r) => r.status === 202).map((r) => r.receivedAt));
    expect(lastDelivered - recovered).toBeLessThan(10_000);
    // Only one probe at a time: after the first round, every failed request was the same row.
    const probes = reqs.slice(6, OUTAGE).map((r) => r.body.dedup_key);
    expect(new Set(probes).size).toBe(1);
  }, 90_000);
});

describe('an incident that resolves while its channels are down', () => {
  it('PagerDuty gets neither trigger nor resolve (superseded); Slack gets one "fired and recovered" message; the history shows it all', async () => {
    const inc = await insertIncident(db.sql);
    const outage = { status: 503, body: 'unavailable' };
    pd.storm(1000, outage);
    slack.storm(1000, outage);
    const pdBefore = pd.requests.length;
    const slackBefore = slack.requests.length;
    const [pdTrigger, slackTrigger] = await enqueue(db.sql, [
      { incident: inc, channel: 'pagerduty', event: 'trigger' },
      { incident: inc, channel: 'slack', event: 'trigger' },
    ]);
    notifier = start({ NOTIFIER_RETRY_BASE: '40ms', NOTIFIER_RETRY_MAX: '200ms', NOTIFIER_PROBE_INTERVAL: '100ms' });
    // Both triggers have failed at least once: neither provider heard of the incident.
    await waitForRows(db.sql, [pdTrigger!, slackTrigger!], 20_000, (r) => r.status === 'pending' && r.attempts >= 2);
    // It resolves (as check_sms_alerts and resolve_sms_alert do: a resolve to every channel told).
    await db.sql`select sms_monitor._alert_enqueue(${inc.id}::uuid, 'resolve', array['pagerduty', 'slack'])`;
    const [pdResolve, slackResolve] = (await db.sql<Array<{ id: string }>>`
      select id::text as id from sms_monitor.sms_alert_notifications where alert_id = ${inc.id} and event = 'resolve' order by channel`).map((r) => r.id);
    // A trigger in flight at that moment is superseded by its own failure, the others at once.
    await waitForRows(db.sql, [pdTrigger!, pdResolve!, slackTrigger!], 20_000);
    pd.calm();
    slack.calm();
    const rows = await waitForRows(db.sql, [pdTrigger!, pdResolve!, slackTrigger!, slackResolve!], 20_000);
    expect(rows.map((r) => r.status)).toEqual(['superseded', 'superseded', 'superseded', 'sent']);
    expect(pd.requests.slice(pdBefore).filter((r) => r.status === 202)).toHaveLength(0);
    const slackAccepted = slack.requests.slice(slackBefore).filter((r) => r.status === 200);
    expect(slackAccepted.map((r) => r.body.text.split('\n')[0])).toEqual([
      ':white_check_mark: *FIRED AND RECOVERED* delivery_rate_critical (critical): fired at 2026-05-01T10:00:00+00:00 and recovered at '
      + '2026-05-01T11:00:00+00:00 while Slack could not be reached; was 85.50 %, back at 85.50 %',
    ]);
    const [h] = await db.sql`select notification_sent, notification_status from sms_monitor.sms_alert_history where id = ${inc.id}`;
    expect(h).toEqual({
      notification_sent: true,
      notification_status: { 'pagerduty/trigger': 'superseded', 'pagerduty/resolve': 'superseded', 'slack/trigger': 'superseded', 'slack/resolve': 'sent' },
    });
  }, 60_000);
});
