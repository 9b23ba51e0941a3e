// The client's dashboard and alert methods against a real database: bodies recorded through the
// client itself, typed errors carrying the SQLSTATE (22023 / P0002 / 42501), the typed rpc.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createSmsMonitor,
  SmsMonitorNotFoundError,
  SmsMonitorPermissionError,
  SmsMonitorValidationError,
  type SmsMonitor,
  type ThresholdChanges,
} from 'sms-monitor';
import { freshDatabase, type TestDatabase } from '../../test/db.ts';
import { user } from '../../test/client-helpers.ts';

let db: TestDatabase;
let m: SmsMonitor;
beforeAll(async () => {
  db = await freshDatabase();
  m = createSmsMonitor(db.url, { strict: true });
});
afterAll(async () => {
  await m?.close();
  await db?.drop();
});

describe('dashboards', () => {
  it('today, recorded through the client, read through the typed rpc with a fixed now', async () => {
    const at = '2026-05-10T09:00:00Z';
    for (let i = 0; i < 20; i++) await m.record('sent_count', { userId: user(1), at });
    for (let i = 0; i < 19; i++) await m.record('delivered_count', { userId: user(1), at });
    await m.record('avg_delivery_time_ms', { userId: user(1), value: 900, at });
    await m.record('avg_delivery_time_ms', { userId: user(1), value: 1200, at });
    await m.record('llm_success_count', { userId: user(2), at });
    await m.record('template_fallback_count', { userId: user(2), value: 3, at });
    const body = await m.rpc('api_today_metrics', { p_now: new Date('2026-05-10T23:59:59Z'), p_live: true });
    expect(body).toEqual({
      success: true,
      source: 'live',
      as_of: '2026-05-10T23:59:59Z',
      data: {
        metric_date: '2026-05-10', scheduled_count: 0, sent_count: 20, delivered_count: 19, failed_count: 0,
        cancelled_count: 0, llm_success_count: 1, template_fallback_count: 3, opt_out_count: 0,
        quiet_hours_skip_count: 0, daily_limit_hit_count: 0, llm_cost_usd: 0, sms_cost_usd: 0,
        avg_delivery_time_ms: 1050, avg_generation_time_ms: null, delivery_rate_percent: 95,
        llm_success_rate_percent: 25, active_users: 2,
        health: { status: 'unknown', overall_healthy: null, driving_rule: null, as_of: '2026-05-10T23:59:59Z',
          reason: 'no rule has enough data yet (no traffic in its window)' },
      },
    });
  });

  // A fixed day of their own (no other test records in 2026-05-26..2026-06-01), recorded and read
  // with the same `now`: nothing depends on the wall clock or on midnight UTC.
  const day = '2026-06-01';
  const at = new Date(`${day}T12:00:00Z`);
  const now = new Date(`${day}T23:59:59Z`);

  it('todayMetrics() and metricsSummary() for a fixed now', async () => {
    await m.record('sent_count', { userId: user(3), at, metadata: { last_message_id: 'm1' } });
    const today = await m.todayMetrics({ live: true, now });
    expect(today.source).toBe('live');
    expect(today.data.metric_date).toBe(day);
    expect(today.data.sent_count).toBe(1);
    // The engine's health: one send at noon is in no rule's window at 23:59:59 (and under every min_sample).
    expect(today.data.health).toEqual({ status: 'unknown', overall_healthy: null, driving_rule: null, as_of: '2026-06-01T23:59:59Z',
      reason: 'no rule has enough data yet (no traffic in its window)' });
    const summary = await m.metricsSummary({ live: true, now });
    expect(summary.data.today).toEqual(today.data);
    expect(summary.data.week).toMatchObject({ start_date: '2026-05-26', end_date: day });
    expect(summary.data.week.totals.sent).toBe(1);
    expect(summary.data.health).toEqual(today.data.health);
    expect(summary.data.health).toEqual({ ...(await m.health({ now })).data, rules: undefined, open_incidents: undefined });
  });

  it('userMetrics(): summary from totals; dailyMetrics(): the view after a rollup', async () => {
    await m.record('sent_count', { userId: user(3), at: new Date('2026-06-02T00:00:00Z') }); // the day after `now`
    const u = await m.userMetrics(user(3), 1, { now });
    expect(u.user_id).toBe(user(3));
    expect(u.data.summary).toEqual({
      total_scheduled: 0, total_sent: 1, total_delivered: 0, total_failed: 0, total_cancelled: 0,
      delivery_rate_percent: 0, total_llm_cost_usd: 0, total_sms_cost_usd: 0, days: 1,
    });
    expect(u.data.metrics.map((r) => [r.metric_date, r.sent_count])).toEqual([[day, 1]]);
    expect((await m.userMetrics(user(3), 1, { now: new Date('2026-06-02T00:00:00Z') })).data.summary.total_sent).toBe(1);
    await db.sql`select sms_monitor.refresh_sms_metrics_daily()`;
    const d = await m.dailyMetrics('2026-05-10', '2026-05-10');
    expect(d.date_range).toEqual({ start: '2026-05-10', end: '2026-05-10' });
    expect(d.data.map((r) => [r.metric_date, r.sent_count, r.delivered_count, r.active_users]))
      .toEqual([['2026-05-10', 20, 19, 2]]);
    // Every read is live: a send after the rollup counts at once, with or without `live`.
    await m.record('sent_count', { userId: user(3), at, metadata: { last_message_id: 'm2' } });
    expect((await m.todayMetrics({ now })).data.sent_count).toBe(2);
    expect((await m.todayMetrics({ live: true, now })).data.sent_count).toBe(2);
    expect(() => m.todayMetrics({ now: new Date(Number.NaN) })).toThrow('now: must be a valid Date');
  });

  it('bad parameters: checked in the client when it can, by the database otherwise, always 22023', async () => {
    expect(() => m.dailyMetrics('10/05/2026')).toThrow(SmsMonitorValidationError);
    expect(() => m.alerts({ limit: 500 })).toThrow('limit: must be between 1 and 200 (got 500)');
    // The database's own checks, as typed errors naming the field.
    const e1 = await m.dailyMetrics('2025-01-01', '2026-05-10').catch((e: unknown) => e);
    expect(e1).toBeInstanceOf(SmsMonitorValidationError);
    expect(e1).toMatchObject({ code: '22023', field: 'end_date',
      message: 'end_date: the range may span at most 366 days (got 495 days)' });
    const e2 = await m.userMetrics(user(3), 400).catch((e: unknown) => e);
    expect(e2).toMatchObject({ code: '22023', field: 'days', message: 'days: must be between 1 and 365 (got 400)' });
    const e3 = await m.alerts({ type: 'history' }).catch((e: unknown) => e);
    expect(e3).toMatchObject({ code: '22023', field: 'start_date' });
    const e4 = await m.rpc('api_alerts', { p_type: 'open' }).catch((e: unknown) => e);
    expect(e4).toMatchObject({ code: '22023', message: "type: must be unresolved or history (got 'open')" });
  });

  it('a self-only caller reads itself and gets 42501 for anyone else', async () => {
    await db.sql.unsafe(`drop role if exists smsmon_self_login; create role smsmon_self_login login password 'pw' in role sms_monitor_self`);
    const u = new URL(db.url);
    u.username = 'smsmon_self_login';
    u.password = 'pw';
    const self = createSmsMonitor(u.toString(), {
      strict: true,
      connection: { connection: { 'request.jwt.claims': JSON.stringify({ sub: user(3) }) } },
    });
    try {
      expect((await self.userMetrics(user(3), 1, { now })).data.summary.total_sent).toBe(2);
      const denied = await self.userMetrics(user(1), 1).catch((e: unknown) => e);
      expect(denied).toBeInstanceOf(SmsMonitorPermissionError);
      expect(denied).toMatchObject({ code: '42501', message: `user_id: permission denied to read metrics of user ${user(1)}` });
      await expect(self.todayMetrics()).rejects.toMatchObject({ code: '42501' });
    } finally {
      await self.close();
      await db.sql.unsafe('drop role smsmon_self_login');
    }
  });
});

describe('alerts', () => {
  const id = '33333333-0000-0000-0000-000000000001';
  beforeAll(async () => {
    await db.sql`insert into sms_monitor.sms_alert_history
      (id, alert_type, severity, metric, comparison, metric_value, threshold_value, window_minutes, message, triggered_at)
      values (${id}, 'delivery_rate_critical', 'critical', 'delivery_rate', '<', 80, 90, 60, 'delivery 80 %', now())`;
  });

  it('alerts(), acknowledge(), resolveAlert() twice, unknown ids', async () => {
    const open = await m.alerts();
    expect(open.data.map((a) => [a.id, a.alert_type, a.severity])).toEqual([[id, 'delivery_rate_critical', 'critical']]);
    const acked = await m.acknowledge(id, 'alice');
    expect(acked).toMatchObject({ id, acknowledged_by: 'alice' });
    expect(acked.acknowledged_at).toBeInstanceOf(Date);
    const r1 = await m.resolveAlert(id, 'bob');
    expect(r1).toMatchObject({ success: true, message: 'Alert resolved successfully', alert_id: id, resolved_by: 'bob' });
    const r2 = await m.resolveAlert(id, 'carol');
    expect(r2).toMatchObject({ success: false, alert_id: id, resolved_by: 'bob' });
    expect(r2.message).toMatch(/^Alert already resolved at .* by bob$/);
    const missing = await m.resolveAlert('00000000-0000-0000-0000-000000000000').catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(SmsMonitorNotFoundError);
    expect(missing).toMatchObject({ code: 'P0002' });
    await expect(m.resolve('00000000-0000-0000-0000-000000000000')).rejects.toBeInstanceOf(SmsMonitorNotFoundError);
    expect((await m.alerts()).data).toEqual([]);
  });

  it('updateThreshold(): only the tunable columns, never inherited names like constructor or __proto__', async () => {
    const row = await m.updateThreshold('delivery_rate_critical', { cooldown_minutes: 45 });
    expect(row).toMatchObject({ alert_type: 'delivery_rate_critical', cooldown_minutes: 45 });
    for (const key of ['constructor', 'toString', 'hasOwnProperty', '__proto__', 'colour']) {
      const changes = JSON.parse(`{"${key}": 1}`) as ThresholdChanges; // an own key, even for __proto__
      const e = await m.updateThreshold('delivery_rate_critical', changes).catch((error: unknown) => error);
      expect(e).toBeInstanceOf(SmsMonitorValidationError);
      expect(e).toMatchObject({ code: '22023', field: key });
      expect((e as Error).message).toMatch(new RegExp(`^${key}: is not a tunable column \\(comparison, `));
    }
  });

  it('silence() and check() are typed from the generated signatures', async () => {
    const until = new Date(Date.now() + 2 * 3600_000);
    const s = await m.silence('delivery_rate_critical', until, 'maintenance');
    expect(s).toMatchObject({ alert_type: 'delivery_rate_critical', reason: 'maintenance' });
    const rows = await m.check();
    const rules = await db.sql`select alert_type from sms_monitor.sms_alert_thresholds where is_enabled order by 1`;
    expect(rows.map((r) => r.alert_type).sort()).toEqual(rules.map((r) => r.alert_type));
    expect(rows.every((r) => typeof r.action === 'string')).toBe(true);
  });

  it('preview() answers for any instant and changes nothing; check() refuses a time ahead of the clock', async () => {
    const before = await db.sql`select alert_type, last_evaluated_at, last_action from sms_monitor.sms_alert_rule_state order by 1`;
    const later = new Date(Date.now() + 24 * 3600_000);
    const rows = await m.preview(later);
    const rules = await db.sql`select alert_type from sms_monitor.sms_alert_thresholds where is_enabled order by 1`;
    expect(rows.map((r) => r.alert_type).sort()).toEqual(rules.map((r) => r.alert_type));
    expect(await db.sql`select alert_type, last_evaluated_at, last_action from sms_monitor.sms_alert_rule_state order by 1`).toEqual(before);
    const e = await m.check(later).then(() => null, (error: unknown) => error);
    expect(e).toMatchObject({ code: '22023' });
    expect((e as Error).message).toMatch(/^now: .* is more than 00:05:00 ahead of the server clock/);
  });
});
