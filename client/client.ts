// The sms-monitor client: records SMS pipeline metrics and reads the dashboards, on postgres.js.
//
//   const monitor = createSmsMonitor(process.env.DATABASE_URL!, { buffered: true });
//   monitor.recordSent(userId, messageId, providerSid);   // never throws for a database problem
//   const today = await monitor.todayMetrics();
//   await monitor.close();                               // drains the buffer, ends its own pool
//
// Writes are non-blocking by default: a failed write resolves the caller's promise, goes to the
// onError hook and is counted (stats().writeErrors); `strict: true` makes it reject instead. Bad
// arguments give a promise rejected with a SmsMonitorValidationError, before any round trip (never
// a synchronous throw); when not strict they also go to onError and the counter.
//
// The class is layered by what it does, one file each: core.ts (connection, typed RPC),
// recording.ts (record* and the buffer), dashboards.ts (api_* bodies), alerts.ts (operations).
import { SmsMonitorAlerts } from './alerts.ts';
import type { SmsMonitorOptions, Sql } from './types.ts';

export * from './types.ts';

/** The sms-monitor client: recording, dashboards and alert operations on one pool. */
export class SmsMonitor extends SmsMonitorAlerts {}

/** Creates a client from a connection string or an existing postgres.js `sql` instance. */
export function createSmsMonitor(target: string | Sql, options: SmsMonitorOptions = {}): SmsMonitor {
  return new SmsMonitor(target, options);
}
