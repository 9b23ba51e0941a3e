// The client is composed: monitor.record, monitor.dashboards and monitor.alerts are parts on one
// connection; monitor.record(type, options) and monitor.alerts(query) stay callable, and the flat
// methods are the same calls.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSmsMonitor, SmsMonitorClosedError, type SmsMonitor } from 'sms-monitor';
import { freshDatabase, type TestDatabase } from '../../test/db.ts';

let db: TestDatabase;
let m: SmsMonitor;
const U = 'c2000000-0000-0000-0000-000000000001';
beforeAll(async () => {
  db = await freshDatabase();
  m = createSmsMonitor(db.url, { strict: true });
});
afterAll(async () => {
  await m?.close();
  await db?.drop();
});

describe('a composed client', () => {
  it('records through monitor.record.* and the flat names alike, into the same buckets', async () => {
    const at = new Date('2026-09-01T10:00:00Z');
    await m.record.sent(U, 'm1');
    await m.recordSent(U, 'm2');
    await m.record('sent_count', { userId: U, at });
    await m.record.event('sent_count', { userId: U, at });
    const [row] = await db.sql<Array<{ n: string }>>`
      select sum(metric_value)::text as n from sms_monitor.sms_metrics where user_id = ${U} and metric_type = 'sent_count'`;
    expect(row!.n).toBe('4');
    expect(m.stats().writes).toBe(4);
  });

  it('dashboards and alerts are parts; monitor.alerts(query) is the api_alerts body', async () => {
    const now = new Date('2026-09-01T10:30:00Z');
    expect(await m.dashboards.todayMetrics({ now })).toEqual(await m.todayMetrics({ now }));
    expect(await m.alerts({ type: 'unresolved' })).toEqual(await m.dashboards.alerts({ type: 'unresolved' }));
    const rules = await m.alerts.thresholds();
    expect(rules.map((r) => r.alert_type)).toEqual((await m.thresholds()).map((r) => r.alert_type));
    expect(rules.length).toBe(10);
    expect(Object.keys(m.record).sort()).toEqual(['cancelled', 'dailyLimitHit', 'delivered', 'event', 'failed',
      'llmGeneration', 'optOut', 'quietHoursSkip', 'scheduled', 'sent', 'smsCost']);
  });

  it('closing the client closes every part', async () => {
    const c = createSmsMonitor(db.url, { strict: true });
    await c.close();
    await expect(c.record.sent(U, 'm3')).rejects.toBeInstanceOf(SmsMonitorClosedError);
    await expect(c.dashboards.health()).rejects.toBeInstanceOf(SmsMonitorClosedError);
    await expect(c.alerts.check()).rejects.toBeInstanceOf(SmsMonitorClosedError);
  });
});
