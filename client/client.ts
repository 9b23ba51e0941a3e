// The sms-monitor client: records SMS pipeline metrics and reads the dashboards, on postgres.js.
//
//   const monitor = createSmsMonitor(process.env.DATABASE_URL!, { buffered: true });
//   monitor.record.sent(userId, messageId, providerSid);   // never throws for a database problem
//   const today = await monitor.dashboards.todayMetrics();
//   await monitor.alerts.acknowledge(alertId, 'alice');
//   await monitor.close();                                 // drains the buffer, ends its own pool
//
// Writes are non-blocking by default: a failed write resolves the caller's promise, goes to the
// onError hook and is counted (stats().writeErrors); `strict: true` makes it reject instead. Bad
// arguments give a promise rejected with a SmsMonitorValidationError, before any round trip (never
// a synchronous throw); when not strict they also go to onError and the counter.
//
// The client is composed of parts that share one connection (core.ts: the pool and the typed RPC):
// monitor.record (recording.ts), monitor.dashboards (dashboards.ts), monitor.alerts (alerts.ts).
// `monitor.record(type, options)` and `monitor.alerts(query)` stay callable as before, and the
// flat methods (recordSent, todayMetrics, acknowledge, ...) are one-line delegates to the parts.
import { SmsMonitorAlerts } from './alerts.ts';
import { SmsMonitorConnection } from './core.ts';
import { SmsMonitorDashboards } from './dashboards.ts';
import { SmsMonitorRecorder } from './recording.ts';
import type { ArgsOf, ClientStats, Fn, ResultOf, SmsMonitorOptions, Sql } from './types.ts';

export * from './types.ts';
export { SmsMonitorAlerts, SmsMonitorDashboards, SmsMonitorRecorder };

const RECORD_METHODS = ['scheduled', 'sent', 'delivered', 'failed', 'cancelled', 'llmGeneration', 'optOut',
  'quietHoursSkip', 'dailyLimitHit', 'smsCost', 'event'] as const;
/** monitor.record: `monitor.record(type, options)` (any metric type) and one method per pipeline event. */
export type RecordApi = SmsMonitorRecorder['event'] & Pick<SmsMonitorRecorder, typeof RECORD_METHODS[number]>;
/** monitor.alerts: `monitor.alerts(query)` (the api_alerts body) and the alert operations. */
export type AlertsApi = SmsMonitorDashboards['alerts'] & Omit<SmsMonitorAlerts, never>;

/** `fn` with `target`'s methods `keys` attached, bound to `target`. */
function withMethods<F extends object, T extends object>(fn: F, target: T, keys: readonly string[]): F {
  for (const k of keys) {
    Object.defineProperty(fn, k, { value: (target as Record<string, (...a: unknown[]) => unknown>)[k]!.bind(target), enumerable: true });
  }
  return fn;
}
const methodsOf = (proto: object): string[] => Object.getOwnPropertyNames(proto).filter((n) => n !== 'constructor');

/** The sms-monitor client: recording, dashboards and alert operations on one pool. */
export class SmsMonitor {
  readonly record: RecordApi;
  readonly dashboards: SmsMonitorDashboards;
  readonly alerts: AlertsApi;
  private readonly conn: SmsMonitorConnection;
  private readonly recorder: SmsMonitorRecorder;

  constructor(target: string | Sql, options: SmsMonitorOptions = {}) {
    this.conn = new SmsMonitorConnection(target, options);
    this.recorder = new SmsMonitorRecorder(this.conn, options);
    this.dashboards = new SmsMonitorDashboards(this.conn);
    const recorder = this.recorder;
    this.record = withMethods(((type, o) => recorder.event(type, o)) as SmsMonitorRecorder['event'], recorder, RECORD_METHODS) as RecordApi;
    const operations = new SmsMonitorAlerts(this.conn);
    const dashboards = this.dashboards;
    this.alerts = withMethods(((query) => dashboards.alerts(query)) as SmsMonitorDashboards['alerts'], operations,
      methodsOf(SmsMonitorAlerts.prototype)) as AlertsApi;
  }

  /** Calls any public sms_monitor function with named arguments, typed from client/generated/functions.ts. */
  rpc<F extends Fn>(name: F, args: ArgsOf<F>): Promise<ResultOf<F>> { return this.conn.rpc(name, args); }
  /** Counters: failed and successful writes, and the buffer's figures. */
  stats(): ClientStats { return this.recorder.stats(); }
  /** Writes everything buffered now. Rejects (typed) if the write fails; the data stays buffered. */
  flush(): Promise<void> { return this.recorder.flush(); }
  /** Drains the buffer, then ends the pool if this client opened it (never one it was given). */
  close(): Promise<void> { return this.recorder.close(); }

  // ---- the flat API (docs/client.md): one-line delegates to the parts ---------------------------
  recordScheduled(...a: Parameters<SmsMonitorRecorder['scheduled']>) { return this.recorder.scheduled(...a); }
  recordSent(...a: Parameters<SmsMonitorRecorder['sent']>) { return this.recorder.sent(...a); }
  recordDelivered(...a: Parameters<SmsMonitorRecorder['delivered']>) { return this.recorder.delivered(...a); }
  recordFailed(...a: Parameters<SmsMonitorRecorder['failed']>) { return this.recorder.failed(...a); }
  recordCancelled(...a: Parameters<SmsMonitorRecorder['cancelled']>) { return this.recorder.cancelled(...a); }
  recordLLMGeneration(...a: Parameters<SmsMonitorRecorder['llmGeneration']>) { return this.recorder.llmGeneration(...a); }
  recordOptOut(...a: Parameters<SmsMonitorRecorder['optOut']>) { return this.recorder.optOut(...a); }
  recordQuietHoursSkip(...a: Parameters<SmsMonitorRecorder['quietHoursSkip']>) { return this.recorder.quietHoursSkip(...a); }
  recordDailyLimitHit(...a: Parameters<SmsMonitorRecorder['dailyLimitHit']>) { return this.recorder.dailyLimitHit(...a); }
  recordSmsCost(...a: Parameters<SmsMonitorRecorder['smsCost']>) { return this.recorder.smsCost(...a); }

  dailyMetrics(...a: Parameters<SmsMonitorDashboards['dailyMetrics']>) { return this.dashboards.dailyMetrics(...a); }
  userMetrics(...a: Parameters<SmsMonitorDashboards['userMetrics']>) { return this.dashboards.userMetrics(...a); }
  todayMetrics(...a: Parameters<SmsMonitorDashboards['todayMetrics']>) { return this.dashboards.todayMetrics(...a); }
  metricsSummary(...a: Parameters<SmsMonitorDashboards['metricsSummary']>) { return this.dashboards.metricsSummary(...a); }
  resolveAlert(...a: Parameters<SmsMonitorDashboards['resolveAlert']>) { return this.dashboards.resolveAlert(...a); }
  topUsers(...a: Parameters<SmsMonitorDashboards['topUsers']>) { return this.dashboards.topUsers(...a); }
  health(...a: Parameters<SmsMonitorDashboards['health']>) { return this.dashboards.health(...a); }
  alertDetail(...a: Parameters<SmsMonitorDashboards['alertDetail']>) { return this.dashboards.alertDetail(...a); }
  alertRules(...a: Parameters<SmsMonitorDashboards['alertRules']>) { return this.dashboards.alertRules(...a); }

  resolve(...a: Parameters<SmsMonitorAlerts['resolve']>) { return this.alerts.resolve(...a); }
  acknowledge(...a: Parameters<SmsMonitorAlerts['acknowledge']>) { return this.alerts.acknowledge(...a); }
  acknowledgeAlert(...a: Parameters<SmsMonitorAlerts['acknowledgeAlert']>) { return this.alerts.acknowledgeAlert(...a); }
  alert(...a: Parameters<SmsMonitorAlerts['alert']>) { return this.alerts.alert(...a); }
  notifications(...a: Parameters<SmsMonitorAlerts['notifications']>) { return this.alerts.notifications(...a); }
  retryNotifications(...a: Parameters<SmsMonitorAlerts['retryNotifications']>) { return this.alerts.retryNotifications(...a); }
  silence(...a: Parameters<SmsMonitorAlerts['silence']>) { return this.alerts.silence(...a); }
  silences(...a: Parameters<SmsMonitorAlerts['silences']>) { return this.alerts.silences(...a); }
  liftSilence(...a: Parameters<SmsMonitorAlerts['liftSilence']>) { return this.alerts.liftSilence(...a); }
  check(...a: Parameters<SmsMonitorAlerts['check']>) { return this.alerts.check(...a); }
  preview(...a: Parameters<SmsMonitorAlerts['preview']>) { return this.alerts.preview(...a); }
  thresholds(...a: Parameters<SmsMonitorAlerts['thresholds']>) { return this.alerts.thresholds(...a); }
  updateThreshold(...a: Parameters<SmsMonitorAlerts['updateThreshold']>) { return this.alerts.updateThreshold(...a); }
}

/** Creates a client from a connection string or an existing postgres.js `sql` instance. */
export function createSmsMonitor(target: string | Sql, options: SmsMonitorOptions = {}): SmsMonitor {
  return new SmsMonitor(target, options);
}
