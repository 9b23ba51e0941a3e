// `notifier --evaluate-every`: the notifier runs check_sms_alerts() itself (servers without
// pg_cron), guarded by an advisory lock so one replica evaluates at a time; a breach found that way
// goes out to PagerDuty and its automatic resolve follows with the same dedup_key.
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadNotifierConfig } from '../config.ts';
import { createLogger, EVALUATE_LOCK_SQL, Notifier } from '../daemon.ts';
import { freshDatabase, type TestDatabase } from '../../test/db.ts';
import { fakePagerDuty } from '../../test/fakes/http-provider.ts';
import { randomBytes } from 'node:crypto';
import { enqueue, insertIncident, ROUTING_KEY, rowStates, waitForRows, waitUntil } from '../../test/fakes/outbox.ts';

let db: TestDatabase;
let pd: Awaited<ReturnType<typeof fakePagerDuty>>;
let notifier: Notifier | undefined;
const logLines: string[] = [];

beforeAll(async () => {
  db = await freshDatabase();
  pd = await fakePagerDuty();
});
afterAll(async () => {
  await notifier?.stop();
  await pd?.close();
  await db?.drop();
});

describe('notifier --evaluate-every', () => {
  it('evaluates only while it holds the advisory lock; trigger, acknowledge, auto-resolve reach PagerDuty with one dedup_key', async () => {
    const holder = await db.sql.reserve();
    await holder.unsafe(`select pg_advisory_lock(${EVALUATE_LOCK_SQL})`); // "another replica" is evaluating
    await db.sql`select sms_monitor.record_sms_event('sent_count', null, 100)`;
    await db.sql`select sms_monitor.record_sms_event('delivered_count', null, 50)`; // 50 % < 90 %

    const config = loadNotifierConfig(db.url, {
      PAGERDUTY_INTEGRATION_KEY: ROUTING_KEY, PAGERDUTY_EVENTS_URL: pd.eventsUrl,
      NOTIFIER_EVALUATE_EVERY: '1s', NOTIFIER_POLL_INTERVAL: '5s', NOTIFIER_LEASE: '60s', NOTIFIER_REQUEST_TIMEOUT: '30s',
    });
    const logs = new PassThrough();
    logs.on('data', (c: Buffer) => logLines.push(...c.toString().split('\n').filter(Boolean)));
    notifier = new Notifier({ ...config, evaluateEveryMs: 200 }, { logger: createLogger('debug', logs) });
    await notifier.start();

    await waitUntil('two skipped evaluations', () => logLines.filter((l) => l.includes('another notifier is evaluating')).length >= 2);
    expect(await db.sql`select id from sms_monitor.sms_alert_history`).toEqual([]);
    expect(pd.requests).toEqual([]);

    await holder.unsafe(`select pg_advisory_unlock(${EVALUATE_LOCK_SQL})`);
    holder.release();
    const [trigger] = await pd.waitForRequests(1);
    const [incident] = await db.sql<Array<{ id: string }>>`select id::text as id from sms_monitor.sms_alert_history where resolved_at is null`;
    expect(trigger!.body).toMatchObject({
      event_action: 'trigger',
      dedup_key: `sms-monitor/delivery_rate_critical/${incident!.id}`,
      payload: { severity: 'critical', class: 'delivery_rate_critical', custom_details: { metric_value: '50', threshold_value: '90', sample_size: '100' } },
    });
    expect(trigger!.body.payload.summary).toMatch(/^\[CRITICAL\] FIRING delivery_rate_critical: delivery_rate 50 < 90\. SMS delivery rate is 50\.00 %/);
    await waitUntil('notification_sent', async () => (await db.sql`select 1 from sms_monitor.sms_alert_history where id = ${incident!.id} and notification_sent`).length === 1);

    await db.sql`select 1 from sms_monitor.acknowledge_sms_alert(${incident!.id}::uuid, 'alice')`;
    const [, ack] = await pd.waitForRequests(2);
    expect(ack!.body).toEqual({ routing_key: ROUTING_KEY, event_action: 'acknowledge', dedup_key: `sms-monitor/delivery_rate_critical/${incident!.id}` });

    await db.sql`select sms_monitor.record_sms_event('delivered_count', null, 50)`; // 100 %: recovered
    const [, , resolve] = await pd.waitForRequests(3);
    expect(resolve!.body).toEqual({ routing_key: ROUTING_KEY, event_action: 'resolve', dedup_key: `sms-monitor/delivery_rate_critical/${incident!.id}` });
    const [h] = await db.sql`select resolved_by from sms_monitor.sms_alert_history where id = ${incident!.id}`;
    expect(h!.resolved_by).toBe('auto');
    expect(logLines.some((l) => l.includes('"actions":{') && l.includes('"fired":1'))).toBe(true);
  });

  it('runs with least privilege: a login role that is only a member of sms_monitor_notifier', async () => {
    await notifier?.stop();
    notifier = undefined;
    const role = `notifier_t_${randomBytes(4).toString('hex')}`;
    const password = randomBytes(12).toString('hex');
    await db.sql.unsafe(`create role ${role} login password '${password}' in role sms_monitor_notifier`);
    try {
      const u = new URL(db.url);
      u.username = role;
      u.password = password;
      const lines: string[] = [];
      const logs = new PassThrough();
      logs.on('data', (c: Buffer) => lines.push(...c.toString().split('\n').filter(Boolean)));
      const config = loadNotifierConfig(u.toString(), {
        PAGERDUTY_INTEGRATION_KEY: ROUTING_KEY, PAGERDUTY_EVENTS_URL: pd.eventsUrl,
        NOTIFIER_POLL_INTERVAL: '200ms', NOTIFIER_LEASE: '60s', NOTIFIER_REQUEST_TIMEOUT: '30s', NOTIFIER_RETRY_BASE: '20ms',
      });
      const n = new Notifier({ ...config, evaluateEveryMs: 200 }, { logger: createLogger('debug', logs) });
      await n.start();
      try {
        const before = pd.requests.length;
        pd.enqueue({ status: 500, body: 'once' }); // exercises the retry path (complete with p_retry_at) too
        const inc = await insertIncident(db.sql);
        const ids = await enqueue(db.sql, [
          { incident: inc, channel: 'pagerduty', event: 'trigger' },
          { incident: inc, channel: 'slack', event: 'trigger' },
        ]);
        const [sent] = await waitForRows(db.sql, [ids[0]!], 10_000);
        expect([sent!.status, sent!.attempts]).toEqual(['sent', 2]);
        expect(pd.requests.length - before).toBe(2);
        // Slack is not configured here: its row waits, untried; the heartbeat (written as the notifier role) says why.
        await waitUntil('the heartbeat', async () =>
          (await db.sql`select 1 from sms_monitor.sms_notifier_heartbeats where worker = ${n.workerId} and channels = '{log,pagerduty}'`).length === 1);
        expect((await rowStates(db.sql, [ids[1]!])).map((r) => [r.status, r.attempts])).toEqual([['pending', 0]]);
        await waitUntil('an evaluation as the notifier role', () => lines.some((l) => l.includes('evaluated 10 alert rules')));
        expect(lines.filter((l) => /permission denied|42501/.test(l))).toEqual([]);
      } finally {
        await n.stop();
      }
    } finally {
      await db.sql.unsafe(`drop owned by ${role}`);
      await db.sql.unsafe(`drop role ${role}`);
    }
  });

  it('also refreshes sms_metrics_daily every round and applies retention once a day (as the notifier role)', async () => {
    const role = `notifier_r_${randomBytes(4).toString('hex')}`;
    const password = randomBytes(12).toString('hex');
    await db.sql.unsafe(`create role ${role} login password '${password}' in role sms_monitor_notifier`);
    try {
      await db.sql`select sms_monitor.refresh_sms_metrics_daily()`;
      const today = async () => {
        const [r] = await db.sql<Array<{ n: string | null }>>`
          select sent_count::text as n from sms_monitor.sms_metrics_daily where metric_date = sms_monitor.reporting_today()`;
        return Number(r?.n ?? 0);
      };
      const baseline = await today();
      await db.sql`select sms_monitor.record_sms_event('sent_count', null, 7)`;
      expect(await today()).toBe(baseline + 7); // live at once; the notifier's rounds roll it up
      // Past retention: a metric bucket 500 days old (limit 400) and a notification sent 40 days ago (limit 30).
      await db.sql`
        insert into sms_monitor.sms_metrics (metric_date, metric_type, metric_value, sample_count)
        values (sms_monitor.reporting_today() - 500, 'sent_count', 3, 3)`;
      const inc = await insertIncident(db.sql);
      const [sentOld] = await enqueue(db.sql, [{ incident: inc, channel: 'log', event: 'trigger' }]);
      await db.sql`update sms_monitor.sms_alert_notifications set status = 'sent', sent_at = now() - interval '40 days' where id = ${sentOld!}`;

      const u = new URL(db.url);
      u.username = role;
      u.password = password;
      const lines: string[] = [];
      const logs = new PassThrough();
      logs.on('data', (c: Buffer) => lines.push(...c.toString().split('\n').filter(Boolean)));
      const config = loadNotifierConfig(u.toString(), { NOTIFIER_POLL_INTERVAL: '5s', NOTIFIER_LEASE: '60s', NOTIFIER_REQUEST_TIMEOUT: '30s' });
      const n = new Notifier({ ...config, evaluateEveryMs: 200 }, { logger: createLogger('debug', logs) });
      await n.start();
      try {
        await waitUntil('three evaluations', () => lines.filter((l) => l.includes('and refreshed sms_metrics_daily')).length >= 3);
        expect(await today()).toBe(baseline + 7);
        expect(await db.sql`select 1 from sms_monitor.sms_metrics where metric_date = sms_monitor.reporting_today() - 500`).toEqual([]);
        expect(await db.sql`select 1 from sms_monitor.sms_metric_events
          where id > (select last_id from sms_monitor.sms_rollup_watermarks where rollup_name = 'sms_metrics')`).toEqual([]);
        expect(await db.sql`select id from sms_monitor.sms_alert_notifications where id = ${sentOld!}`).toEqual([]);
        // Retention once (a day), not every round.
        expect(lines.filter((l) => l.includes('applied retention'))).toHaveLength(1);
        expect(JSON.parse(lines.find((l) => l.includes('applied retention'))!).deleted).toMatchObject({
          'sms_monitor.sms_metrics': 1, 'sms_monitor.sms_alert_notifications': 1,
        });
        expect(lines.filter((l) => /permission denied|42501|"level":50/.test(l))).toEqual([]);
      } finally {
        await n.stop();
      }
    } finally {
      await db.sql.unsafe(`drop owned by ${role}`);
      await db.sql.unsafe(`drop role ${role}`);
    }
  });
});
