// The client's methods for the dashboard's functions: topUsers, health, alertDetail,
// alertRules, typed, against a real database with a fixed `now`.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSmsMonitor, SmsMonitorNotFoundError, SmsMonitorValidationError, type SmsMonitor } from 'sms-monitor';
import { freshDatabase, type TestDatabase } from '../../test/db.ts';

let db: TestDatabase;
let m: SmsMonitor;
const A = 'f1000000-0000-0000-0000-00000000000a';
const B = 'f1000000-0000-0000-0000-00000000000b';
beforeAll(async () => {
  db = await freshDatabase();
  m = createSmsMonitor(db.url, { strict: true });
});
afterAll(async () => {
  await m?.close();
  await db?.drop();
});

describe('dashboard functions through the client', () => {
  it('topUsers(), health(), alertDetail(), alertRules()', async () => {
    const at = new Date('2026-08-03T10:15:00Z');
    for (let i = 0; i < 30; i++) await m.record('sent_count', { userId: A, at });
    for (let i = 0; i < 21; i++) await m.record('delivered_count', { userId: A, at });
    await m.record('sent_count', { userId: B, at, value: 5 });
    await m.record('failed_count', { userId: B, at, value: 5 });
    const now = new Date('2026-08-03T10:40:00Z');
    const top = await m.topUsers({ days: 1, by: 'failures', now });
    expect(top).toEqual({ success: true, by: 'failures', days: 1, date_range: { start: '2026-08-03', end: '2026-08-03' }, data: [
      { rank: 1, user_id: B, sent: 5, delivered: 0, failed: 5, delivery_rate_percent: 0, llm_cost_usd: 0, sms_cost_usd: 0, cost_usd: 0 }] });
    expect((await m.topUsers({ now, days: 1 })).data.map((u) => [u.user_id, u.sent])).toEqual([[A, 30], [B, 5]]);

    // 21 of 35 delivered in the 10:00 window (60 %): breaching before the check, critical after it.
    const before = await m.health({ now });
    expect([before.data.status, before.data.driving_rule]).toEqual(['degraded', 'delivery_rate_critical']);
    const [fired] = (await m.check(now)).filter((r) => r.alert_type === 'delivery_rate_critical');
    expect(fired!.action).toBe('fired');
    const after = await m.health({ now });
    expect([after.data.status, after.data.open_incidents.map((i) => i.id)]).toEqual(['critical', [fired!.alert_id]]);

    const detail = await m.alertDetail(fired!.alert_id!);
    expect(detail.data.channels.map((c) => `${c.channel}: ${c.summary}`)).toEqual(['pagerduty: waiting, not configured']);
    await expect(m.alertDetail('00000000-0000-0000-0000-000000000000')).rejects.toBeInstanceOf(SmsMonitorNotFoundError);
    expect(() => m.alertDetail('nope')).toThrow(SmsMonitorValidationError);
    const rules = await m.alertRules();
    expect(rules.data.find((r) => r.alert_type === 'delivery_rate_critical')!.open_alert_id).toBe(fired!.alert_id);
  });
});
