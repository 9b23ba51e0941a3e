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
import postgres from 'postgres';
import { MetricBuffer, type BufferOptions, type BufferStats } from './buffer.ts';
import {
  SmsMonitorClosedError,
  SmsMonitorError,
  SmsMonitorNotFoundError,
  SmsMonitorValidationError,
  toSmsMonitorError,
} from './errors.ts';
import type { Selectable } from 'kysely';
import type { DB } from './generated/db.ts';
import { smsMonitorFunctions, type SmsMonitorFunctions } from './generated/functions.ts';

export type Sql = postgres.Sql<any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The metric types that can be recorded (delivery_success_rate is derived, never recorded). */
export const METRIC_KINDS = {
  scheduled_count: 'counter',
  sent_count: 'counter',
  delivered_count: 'counter',
  failed_count: 'counter',
  cancelled_count: 'counter',
  llm_success_count: 'counter',
  template_fallback_count: 'counter',
  opt_out_count: 'counter',
  quiet_hours_skip_count: 'counter',
  daily_limit_hit_count: 'counter',
  llm_cost_usd: 'sum',
  sms_cost_usd: 'sum',
  avg_delivery_time_ms: 'timing',
  avg_generation_time_ms: 'timing',
} as const;
export type MetricType = keyof typeof METRIC_KINDS;

export interface RecordOptions {
  /** NULL / omitted = system-wide. */
  userId?: string | null;
  /** Default 1. Counters: a whole number; sums: USD; timings: one sample in ms. */
  value?: number;
  /** When it happened (default: now). Decides the reporting day and hour. */
  at?: Date | string | number;
  /** Merged into the bucket's metadata (a JSON object, at most 4096 bytes). */
  metadata?: Record<string, unknown>;
}

export interface ErrorContext {
  /** What failed: 'record', 'flush' or 'buffer' (events dropped because the buffer was full). */
  operation: 'record' | 'flush' | 'buffer';
}

export interface SmsMonitorOptions {
  /**
   * Make failed writes reject the caller's promise (default false: onError + counter). Buffered
   * record calls never wait for the database, so for them it only affects bad arguments; flush()
   * and close() reject on a failed write in every mode (docs/client.md, "strict in buffered mode").
   */
  strict?: boolean;
  /** Called with every failed write (non-strict and strict), failed flush and dropped-events report. */
  onError?: (error: SmsMonitorError, context: ErrorContext) => void;
  /** Aggregate writes in memory and flush them in batches. `true` = defaults. */
  buffered?: boolean | BufferOptions;
  /** postgres.js options when the client opens its own pool from a URL (default max 4). */
  connection?: postgres.Options<Record<string, postgres.PostgresType>>;
}

export interface ClientStats {
  /** Writes (direct calls or buffer flushes) that failed. */
  writeErrors: number;
  /** Direct (unbuffered) writes that succeeded. */
  writes: number;
  /** The buffer's counters, when buffered. */
  buffer: BufferStats | null;
}

// ---- dashboard bodies (the jsonb the api_* functions return; see docs/client.md) ----------------

/** A day of sms_metrics_daily / get_user_sms_metrics as JSON (numbers, dates as YYYY-MM-DD). */
export interface DailyMetrics {
  metric_date: string;
  scheduled_count: number; sent_count: number; delivered_count: number; failed_count: number;
  cancelled_count: number; llm_success_count: number; template_fallback_count: number; opt_out_count: number;
  quiet_hours_skip_count: number; daily_limit_hit_count: number;
  llm_cost_usd: number; sms_cost_usd: number;
  avg_delivery_time_ms: number | null; avg_generation_time_ms: number | null;
  delivery_rate_percent: number | null; llm_success_rate_percent: number | null;
  /** Present in sms_metrics_daily rows (system-wide days), absent from one user's rows. */
  active_users?: number;
}
export interface DailyMetricsResponse {
  success: true;
  data: DailyMetrics[];
  date_range: { start: string; end: string };
}
export interface UserMetricsResponse {
  success: true;
  data: {
    metrics: DailyMetrics[];
    summary: {
      total_scheduled: number; total_sent: number; total_delivered: number; total_failed: number;
      total_cancelled: number; delivery_rate_percent: number | null;
      /** 4 decimals, as a string like the original. */
      total_llm_cost_usd: string; total_sms_cost_usd: string; days: number;
    };
  };
  user_id: string;
}
export interface Health {
  /** delivered >= 90 % of sent; null = nothing sent today. */
  delivery_healthy: boolean | null;
  /** LLM successes >= 50 % of generated texts; null = none today. */
  llm_healthy: boolean | null;
  /** false if either is false; null if both are null. */
  overall_healthy: boolean | null;
}
export interface TodayMetrics extends DailyMetrics {
  active_users: number;
  health: Health;
}
/** Where today's figures came from: the materialized view (default) or sms_metrics itself. */
export type TodaySource = 'sms_metrics_daily' | 'live';
export interface TodayMetricsResponse {
  success: true;
  source: TodaySource;
  data: TodayMetrics;
}
export interface AlertSummary {
  id: string; alert_type: string; severity: 'critical' | 'warning' | 'info'; message: string;
  metric_value: number | null; threshold_value: number; triggered_at: string; acknowledged_at: string | null;
}
export interface MetricsSummaryResponse {
  success: true;
  source: TodaySource;
  data: {
    today: TodayMetrics;
    week: {
      start_date: string; end_date: string; days: 7;
      totals: {
        scheduled: number; sent: number; delivered: number; failed: number; cancelled: number;
        llm_success: number; template_fallback: number; opt_out: number; llm_cost_usd: number; sms_cost_usd: number;
      };
      delivery_rate_percent: number | null; llm_success_rate_percent: number | null;
      /** (LLM + SMS cost) / 7, 4 decimals, as a string like the original. */
      avg_daily_cost_usd: string;
    };
    alerts: { unresolved_count: number; has_critical: boolean; recent: AlertSummary[] };
    health: { overall_healthy: boolean; status: 'healthy' | 'degraded' | 'critical'; reasons: string[] };
  };
}
/** An incident as JSON: every column of sms_alert_history (numbers as numbers, times ISO 8601). */
export type AlertJson = { [K in keyof SmsMonitorFunctions['resolve_sms_alert']['returns']]: unknown } & {
  id: string; alert_type: string; severity: 'critical' | 'warning' | 'info'; message: string;
  triggered_at: string; resolved_at: string | null; resolved_by: string | null;
  acknowledged_at: string | null; acknowledged_by: string | null;
};
export interface AlertsResponse {
  success: true;
  type: 'unresolved' | 'history';
  data: AlertJson[];
  date_range?: { start: string; end: string };
}
export interface ResolveAlertResponse {
  success: boolean;
  message: string;
  alert_id: string;
  resolved_at: string;
  resolved_by: string;
}
export type AlertRow = SmsMonitorFunctions['resolve_sms_alert']['returns'];
export type CheckResult = SmsMonitorFunctions['check_sms_alerts']['returns'];
export type SilenceRow = SmsMonitorFunctions['silence_sms_alerts']['returns'];

/** A row of sms_alert_thresholds, typed from the generated table types. */
export type ThresholdRow = Selectable<DB['sms_alert_thresholds']>;
/** The tunable columns of a rule (plain SQL UPDATE works too; the table's trigger validates either way). */
export interface ThresholdChanges {
  comparison?: '<' | '<=' | '>' | '>=';
  threshold_value?: number;
  recovery_value?: number | null;
  window_minutes?: number;
  min_sample?: number;
  pending_minutes?: number;
  cooldown_minutes?: number;
  severity?: 'critical' | 'warning' | 'info';
  notification_channels?: Array<'slack' | 'pagerduty' | 'email' | 'log'>;
  is_enabled?: boolean;
  description?: string;
}
const THRESHOLD_COLUMNS: Record<keyof ThresholdChanges, string> = {
  comparison: 'text', threshold_value: 'numeric', recovery_value: 'numeric', window_minutes: 'integer',
  min_sample: 'integer', pending_minutes: 'integer', cooldown_minutes: 'integer', severity: 'text',
  notification_channels: 'text[]', is_enabled: 'boolean', description: 'text',
};
export const THRESHOLD_KEYS = Object.keys(THRESHOLD_COLUMNS) as Array<keyof ThresholdChanges>;

export interface AlertsQuery {
  type?: 'unresolved' | 'history';
  limit?: number;
  startDate?: string;
  endDate?: string;
}

type Fn = keyof SmsMonitorFunctions;
type ArgsOf<F extends Fn> = SmsMonitorFunctions[F]['args'];
type ResultOf<F extends Fn> = SmsMonitorFunctions[F]['setof'] extends true
  ? Array<SmsMonitorFunctions[F]['returns']>
  : SmsMonitorFunctions[F]['returns'];

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

interface Event {
  type: MetricType;
  user: string | null;
  value: number;
  at: number | null;
  metadata: Record<string, unknown> | null;
}

export class SmsMonitor {
  private readonly sql: Sql;
  private readonly owned: boolean;
  private readonly strict: boolean;
  private readonly onError: SmsMonitorOptions['onError'];
  private readonly buffer: MetricBuffer | null;
  private closed = false;
  private counters = { writeErrors: 0, writes: 0 };

  constructor(target: string | Sql, options: SmsMonitorOptions = {}) {
    if (typeof target === 'string') {
      if (!/^postgres(ql)?:\/\//.test(target)) {
        throw new SmsMonitorValidationError('url', 'must be a postgres:// or postgresql:// connection string');
      }
      this.sql = postgres(target, { max: 4, onnotice: () => {}, ...options.connection });
      this.owned = true;
    } else if (typeof target === 'function' && typeof (target as Partial<Sql>).unsafe === 'function') {
      this.sql = target;
      this.owned = false;
    } else {
      throw new SmsMonitorValidationError('sql', 'pass a connection string or a postgres.js sql instance');
    }
    this.strict = options.strict ?? false;
    this.onError = options.onError;
    if (options.buffered) {
      const opts = options.buffered === true ? {} : options.buffered;
      this.buffer = new MetricBuffer(
        (json) => this.writeBatch(json),
        (error, operation) => this.report(toSmsMonitorError(error), operation as ErrorContext['operation']),
        (n) => new SmsMonitorError(
          `buffer full (maxBufferedKeys ${opts.maxBufferedKeys ?? 200_000}): ${n} events dropped since the last report`,
          'BUFFER_FULL'),
        opts,
      );
    } else {
      this.buffer = null;
    }
  }

  /** Counters: failed and successful writes, and the buffer's figures. */
  stats(): ClientStats {
    return { ...this.counters, buffer: this.buffer?.stats() ?? null };
  }

  // ---- recording (mirrors the original service) ---------------------------------------------

  // Each method validates inside write(): bad arguments (and a closed client) give a rejected
  // promise, never a synchronous throw into the caller's SMS code (see write()).

  recordScheduled(userId: string, count: number): Promise<void> {
    return this.write(() => [ev('scheduled_count', userId, count, 'count')], true);
  }

  recordSent(userId: string, messageId: string, providerSid?: string): Promise<void> {
    return this.write(() => {
      const metadata: Record<string, unknown> = { last_message_id: id('messageId', messageId) };
      if (providerSid !== undefined) metadata.last_provider_sid = id('providerSid', providerSid);
      return [ev('sent_count', userId, 1, 'value', undefined, metadata)];
    });
  }

  /** delivered_count + 1 and, when given, one avg_delivery_time_ms sample (atomic together). */
  recordDelivered(userId: string, messageId: string, deliveryTimeMs?: number | null): Promise<void> {
    return this.write(() => {
      const metadata = { last_message_id: id('messageId', messageId) };
      const events = [ev('delivered_count', userId, 1, 'value', undefined, metadata)];
      if (deliveryTimeMs !== undefined && deliveryTimeMs !== null) {
        events.push(ev('avg_delivery_time_ms', userId, deliveryTimeMs, 'deliveryTimeMs'));
      }
      return events;
    });
  }

  recordFailed(userId: string, messageId: string, error: string | Error): Promise<void> {
    return this.write(() => {
      const message = error instanceof Error ? error.message : text('error', error);
      return [ev('failed_count', userId, 1, 'value', undefined, {
        last_message_id: id('messageId', messageId), last_error: message.slice(0, 500),
      })];
    });
  }

  recordCancelled(userId: string, messageId: string, reason?: string): Promise<void> {
    return this.write(() => {
      const metadata: Record<string, unknown> = { last_message_id: id('messageId', messageId) };
      if (reason !== undefined) metadata.last_cancel_reason = text('reason', reason).slice(0, 500);
      return [ev('cancelled_count', userId, 1, 'value', undefined, metadata)];
    });
  }

  /** llm_success_count or template_fallback_count + 1, plus llm_cost_usd and one avg_generation_time_ms sample when given. */
  recordLLMGeneration(userId: string, via: 'llm' | 'template', costUsd?: number | null,
    generationTimeMs?: number | null): Promise<void> {
    return this.write(() => {
      if (via !== 'llm' && via !== 'template') {
        throw new SmsMonitorValidationError('via', `must be 'llm' or 'template' (got ${JSON.stringify(via)})`);
      }
      const events = [ev(via === 'llm' ? 'llm_success_count' : 'template_fallback_count', userId, 1, 'value')];
      if (costUsd !== undefined && costUsd !== null) events.push(ev('llm_cost_usd', userId, costUsd, 'costUsd'));
      if (generationTimeMs !== undefined && generationTimeMs !== null) {
        events.push(ev('avg_generation_time_ms', userId, generationTimeMs, 'generationTimeMs'));
      }
      return events;
    });
  }

  recordOptOut(userId: string): Promise<void> {
    return this.write(() => [ev('opt_out_count', userId, 1, 'value')]);
  }

  recordQuietHoursSkip(userId: string, count: number): Promise<void> {
    return this.write(() => [ev('quiet_hours_skip_count', userId, count, 'count')], true);
  }

  recordDailyLimitHit(userId: string): Promise<void> {
    return this.write(() => [ev('daily_limit_hit_count', userId, 1, 'value')]);
  }

  recordSmsCost(userId: string, usd: number): Promise<void> {
    return this.write(() => [ev('sms_cost_usd', userId, usd, 'usd')]);
  }

  /** Any recordable metric type; `userId` omitted or null = system-wide. */
  record(type: MetricType, options: RecordOptions = {}): Promise<void> {
    return this.write(() => {
      if (options === null || typeof options !== 'object') {
        throw new SmsMonitorValidationError('options', 'must be an object { userId?, value?, at?, metadata? }');
      }
      return [ev(type, options.userId ?? null, options.value ?? 1, 'value', options.at, options.metadata, true)];
    });
  }

  /** Writes everything buffered now. Rejects (typed) if the write fails; the data stays buffered. */
  async flush(): Promise<void> {
    if (!this.buffer) return;
    try {
      await this.buffer.flush();
    } catch (error) {
      throw toSmsMonitorError(error);
    }
  }

  /** Drains the buffer, then ends the pool if this client opened it (never one it was given). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    let failure: unknown = null;
    if (this.buffer) {
      try {
        await this.buffer.close();
      } catch (error) {
        failure = error;
      }
    }
    if (this.owned) await this.sql.end({ timeout: 5 });
    if (failure) {
      const e = toSmsMonitorError(failure);
      throw new SmsMonitorError(
        `close: ${this.buffer?.stats().pending ?? 0} buffered events could not be written: ${e.message}`, e.code, e);
    }
  }

  // ---- dashboards (jsonb bodies of the original endpoints) -----------------------------------

  /** Daily rows from startDate to endDate inclusive (YYYY-MM-DD; end default today, at most 366 days). */
  dailyMetrics(startDate: string, endDate?: string): Promise<DailyMetricsResponse> {
    return this.body<DailyMetricsResponse>('api_daily_metrics', {
      p_start_date: isoDate('start_date', startDate, true)!,
      p_end_date: isoDate('end_date', endDate, false),
    });
  }

  /**
   * One user's last `days` days (1-365, default 30) up to the reporting day of `now` (default the
   * database's now()) and a summary recomputed from the totals.
   */
  userMetrics(userId: string, days?: number, options: { now?: Date } = {}): Promise<UserMetricsResponse> {
    uuid('user_id', userId, true);
    if (days !== undefined) int('days', days);
    return this.body<UserMetricsResponse>('api_user_metrics',
      { p_user_id: userId, p_days: days, p_now: nowArg(options.now) });
  }

  /**
   * Today's figures with health (delivery >= 90 %, LLM success >= 50 %; null = no traffic yet).
   * From sms_metrics_daily (refreshed every 5 minutes) unless `live`: exact, but it reads every bucket of the day.
   * `now` picks the day (default the database's now()).
   */
  todayMetrics(options: { live?: boolean; now?: Date } = {}): Promise<TodayMetricsResponse> {
    return this.body<TodayMetricsResponse>('api_today_metrics',
      { p_live: options.live ? true : undefined, p_now: nowArg(options.now) });
  }

  /** Today, the last 7 days including today, open alerts and status (healthy | degraded | critical); `now` as above. */
  metricsSummary(options: { live?: boolean; now?: Date } = {}): Promise<MetricsSummaryResponse> {
    return this.body<MetricsSummaryResponse>('api_metrics_summary',
      { p_live: options.live ? true : undefined, p_now: nowArg(options.now) });
  }

  /** Open incidents (default) or the history of a date range (startDate required, endDate inclusive). */
  alerts(query: AlertsQuery = {}): Promise<AlertsResponse> {
    const type = query.type ?? 'unresolved';
    if (type !== 'unresolved' && type !== 'history') {
      throw new SmsMonitorValidationError('type', `must be unresolved or history (got ${JSON.stringify(type)})`);
    }
    if (query.limit !== undefined && (int('limit', query.limit) < 1 || query.limit > 200)) {
      throw new SmsMonitorValidationError('limit', `must be between 1 and 200 (got ${query.limit})`);
    }
    return this.body<AlertsResponse>('api_alerts', {
      p_type: type,
      p_limit: query.limit,
      p_start_date: isoDate('start_date', query.startDate, false),
      p_end_date: isoDate('end_date', query.endDate, false),
    });
  }

  /** The dashboard's resolve: success false (not an error) when it was already resolved; unknown id: NotFound. */
  resolveAlert(alertId: string, resolvedBy?: string): Promise<ResolveAlertResponse> {
    uuid('alert_id', alertId, true);
    return this.body<ResolveAlertResponse>('api_resolve_alert', { p_alert_id: alertId, p_resolved_by: resolvedBy });
  }

  // ---- alert operations (admin role) ----------------------------------------------------------

  /** resolve_sms_alert: the incident row after resolving (unchanged if it was resolved). */
  resolve(alertId: string, resolvedBy?: string): Promise<AlertRow> {
    uuid('alert_id', alertId, true);
    return this.rpc('resolve_sms_alert', { p_alert_id: alertId, p_resolved_by: resolvedBy });
  }

  /** acknowledge_sms_alert: stops repeats of an open incident. */
  acknowledge(alertId: string, by?: string): Promise<AlertRow> {
    uuid('alert_id', alertId, true);
    return this.rpc('acknowledge_sms_alert', { p_alert_id: alertId, p_by: by });
  }

  /** silence_sms_alerts: null alert type = every rule; incidents are still recorded, not notified. */
  silence(alertType: string | null, until: Date, reason: string): Promise<SilenceRow> {
    if (!(until instanceof Date) || Number.isNaN(until.getTime())) {
      throw new SmsMonitorValidationError('until', 'must be a valid Date');
    }
    text('reason', reason);
    return this.rpc('silence_sms_alerts', { p_alert_type: alertType, p_until: until, p_reason: reason });
  }

  /** check_sms_alerts: evaluates every enabled rule once; one row per rule with what it did. */
  check(now?: Date): Promise<CheckResult[]> {
    return this.rpc('check_sms_alerts', now ? { p_now: now } : {});
  }

  /** Every alert rule, by alert_type. */
  async thresholds(): Promise<ThresholdRow[]> {
    this.assertOpen();
    try {
      return [...await this.sql<ThresholdRow[]>`select * from sms_monitor.sms_alert_thresholds order by alert_type`];
    } catch (error) {
      throw toSmsMonitorError(error);
    }
  }

  /** Changes some columns of one rule; unknown rule: SmsMonitorNotFoundError; nonsense: 22023 from the table's checks. */
  async updateThreshold(alertType: string, changes: ThresholdChanges): Promise<ThresholdRow> {
    this.assertOpen();
    text('alert_type', alertType);
    const keys = Object.keys(changes) as Array<keyof ThresholdChanges>;
    if (keys.length === 0) throw new SmsMonitorValidationError('changes', 'name at least one column to change');
    const bad = keys.find((k) => !Object.hasOwn(THRESHOLD_COLUMNS, k)); // not `in`: constructor, __proto__...
    if (bad) throw new SmsMonitorValidationError(bad, `is not a tunable column (${THRESHOLD_KEYS.join(', ')})`);
    const params: unknown[] = [];
    const sets = keys.map((k) => {
      params.push(changes[k] ?? null);
      return `${k} = $${params.length}::${THRESHOLD_COLUMNS[k]}`;
    });
    params.push(alertType);
    try {
      const [row] = await this.sql.unsafe<ThresholdRow[]>(
        `update sms_monitor.sms_alert_thresholds set ${sets.join(', ')} where alert_type = $${params.length} returning *`,
        params as never[]);
      if (!row) {
        throw new SmsMonitorNotFoundError(`alert_type: no alert rule named ${JSON.stringify(alertType)}`);
      }
      return row;
    } catch (error) {
      throw toSmsMonitorError(error);
    }
  }

  // ---- generic typed RPC over the generated signatures ----------------------------------------

  /**
   * Calls any public sms_monitor function with named arguments (omitted ones take their SQL
   * default). Typed from client/src/generated/functions.ts.
   */
  async rpc<F extends Fn>(name: F, args: ArgsOf<F>): Promise<ResultOf<F>> {
    this.assertOpen();
    const meta = (smsMonitorFunctions as Record<string, {
      args: ReadonlyArray<{ name: string; type: string }>; setof: boolean; composite: boolean;
    }>)[name];
    if (!meta) throw new SmsMonitorValidationError('function', `unknown sms_monitor function ${String(name)}`);
    const given = args as Record<string, unknown>;
    const params: unknown[] = [];
    const named: string[] = [];
    for (const a of meta.args) {
      const v = given[a.name];
      if (v === undefined) continue;
      params.push(v instanceof Date ? v.toISOString() : (a.type === 'jsonb' || a.type === 'json') && v !== null ? JSON.stringify(v) : v);
      named.push(`${a.name} => $${params.length}::${a.type === 'jsonb' || a.type === 'json' ? 'text::' : ''}${a.type}`);
    }
    for (const k of Object.keys(given)) {
      if (given[k] !== undefined && !meta.args.some((a) => a.name === k)) {
        throw new SmsMonitorValidationError(k, `is not an argument of sms_monitor.${String(name)}`);
      }
    }
    const call = `sms_monitor.${String(name)}(${named.join(', ')})`;
    try {
      if (meta.setof) {
        const rows = await this.sql.unsafe(`select * from ${call}`, params as never[]);
        return [...rows] as ResultOf<F>;
      }
      if (meta.composite) {
        const [row] = await this.sql.unsafe(`select * from ${call}`, params as never[]);
        return (row ?? null) as ResultOf<F>;
      }
      const [row] = await this.sql.unsafe(`select ${call} as result`, params as never[]);
      return (row?.result ?? null) as ResultOf<F>;
    } catch (error) {
      throw toSmsMonitorError(error);
    }
  }

  // ---- internals -------------------------------------------------------------------------------

  /** An api_* call: its jsonb body, typed by the documented shape. */
  private async body<T>(name: 'api_daily_metrics' | 'api_user_metrics' | 'api_today_metrics' | 'api_metrics_summary'
    | 'api_alerts' | 'api_resolve_alert', args: ArgsOf<typeof name>): Promise<T> {
    return (await this.rpc(name, args as never)) as unknown as T;
  }

  private assertOpen(): void {
    if (this.closed) throw new SmsMonitorClosedError();
  }

  /**
   * A record call: builds (validates) its events, then writes or buffers them. Bad arguments and a
   * closed client never throw synchronously: they give a rejected promise, before any round trip.
   * Not strict: the error also goes to onError and writeErrors, and the promise is marked handled,
   * so a fire-and-forget call cannot become an unhandledRejection that ends the process (a caller's
   * .catch() or await still sees the rejection). Strict: only the rejection.
   */
  private write(build: () => Event[], skipZero = false): Promise<void> {
    let events: Event[];
    try {
      this.assertOpen();
      events = build();
    } catch (error) {
      const e = toSmsMonitorError(error);
      const rejected = Promise.reject(e);
      if (!this.strict) {
        this.report(e, 'record');
        rejected.catch(() => {});
      }
      return rejected;
    }
    if (skipZero && events.every((e) => e.value === 0)) return Promise.resolve();
    if (this.buffer) {
      const now = Date.now();
      for (const e of events) this.buffer.add(e.type, e.user, e.value, e.at ?? now, e.metadata);
      return Promise.resolve();
    }
    return this.direct(events).then(
      () => { this.counters.writes++; },
      (error: unknown) => {
        const e = toSmsMonitorError(error);
        this.report(e, 'record');
        if (this.strict) throw e;
      },
    );
  }

  private async direct(events: Event[]): Promise<void> {
    if (events.length === 1) {
      const e = events[0]!;
      await this.sql`select sms_monitor.record_sms_event(
        p_metric_type => ${e.type}::text, p_user_id => ${e.user}::uuid, p_value => ${String(e.value)}::numeric,
        p_occurred_at => coalesce(${e.at === null ? null : new Date(e.at).toISOString()}::timestamptz, now()),
        p_metadata => ${JSON.stringify(e.metadata ?? {})}::text::jsonb)`;
      return;
    }
    const batch = events.map((e) => ({
      metric_type: e.type,
      user_id: e.user,
      value: e.value,
      ...(e.at === null ? {} : { occurred_at: new Date(e.at).toISOString() }),
      ...(e.metadata ? { metadata: e.metadata } : {}),
    }));
    await this.sql`select sms_monitor.record_sms_events(${JSON.stringify(batch)}::text::jsonb)`;
  }

  private async writeBatch(json: string): Promise<void> {
    try {
      await this.sql`select sms_monitor.record_sms_events(${json}::text::jsonb)`;
    } catch (error) {
      this.counters.writeErrors++;
      throw toSmsMonitorError(error);
    }
  }

  private report(error: SmsMonitorError, operation: ErrorContext['operation']): void {
    if (operation === 'record') this.counters.writeErrors++;
    if (!this.onError) return;
    try {
      this.onError(error, { operation });
    } catch {
      // A throwing hook must not turn a metrics problem into an application failure.
    }
  }
}

/** Creates a client from a connection string or an existing postgres.js `sql` instance. */
export function createSmsMonitor(target: string | Sql, options: SmsMonitorOptions = {}): SmsMonitor {
  return new SmsMonitor(target, options);
}

// ---- argument checks (the same rules as sms_monitor._metric_problem, before any round trip) ------

function ev(type: MetricType, userId: string | null | undefined, value: unknown, field: string,
  at?: Date | string | number, metadata?: Record<string, unknown>, checkMetadata = false): Event {
  const kind = (METRIC_KINDS as Record<string, string>)[type as string];
  if (kind === undefined) {
    if (type === ('delivery_success_rate' as string)) {
      throw new SmsMonitorValidationError('metric_type',
        'delivery_success_rate is derived (delivered_count / sent_count) and cannot be recorded');
    }
    throw new SmsMonitorValidationError('metric_type', `unknown metric type ${JSON.stringify(type)}`);
  }
  const user = uuid('userId', userId, false);
  if (typeof value !== 'number') {
    throw new SmsMonitorValidationError(field, `must be a number (got ${typeof value})`);
  }
  if (Number.isNaN(value)) throw new SmsMonitorValidationError(field, 'NaN is not a number');
  if (!Number.isFinite(value)) throw new SmsMonitorValidationError(field, 'must be finite');
  if (value < 0) throw new SmsMonitorValidationError(field, `must not be negative (got ${value})`);
  if (kind === 'counter' && !Number.isInteger(value)) {
    throw new SmsMonitorValidationError(field, `${type} counts events and needs a whole number (got ${value})`);
  }
  if (value >= 1e15) throw new SmsMonitorValidationError(field, `${value} is implausibly large`);
  let when: number | null = null;
  if (at !== undefined && at !== null) {
    when = at instanceof Date ? at.getTime() : typeof at === 'number' ? at : typeof at === 'string' ? Date.parse(at) : NaN;
    if (!Number.isFinite(when)) throw new SmsMonitorValidationError('at', `not a valid time (${String(at)})`);
  }
  let meta: Record<string, unknown> | null = null;
  if (metadata !== undefined && metadata !== null) {
    if (typeof metadata !== 'object' || Array.isArray(metadata)) {
      throw new SmsMonitorValidationError('metadata', 'must be a JSON object');
    }
    if (checkMetadata) {
      const bytes = Buffer.byteLength(JSON.stringify(metadata));
      if (bytes > 4096) throw new SmsMonitorValidationError('metadata', `${bytes} bytes is more than the 4096 allowed`);
    }
    meta = metadata;
  }
  return { type, user, value, at: when, metadata: meta };
}

function uuid(field: string, v: unknown, required: boolean): string | null {
  if (v === undefined || v === null) {
    if (required) throw new SmsMonitorValidationError(field, 'is required');
    return null;
  }
  if (typeof v !== 'string' || !UUID.test(v)) {
    throw new SmsMonitorValidationError(field, `must be a UUID (got ${JSON.stringify(v)})`);
  }
  return v.toLowerCase();
}

function text(field: string, v: unknown): string {
  if (typeof v !== 'string') throw new SmsMonitorValidationError(field, `must be a string (got ${typeof v})`);
  return v;
}

/** An id kept in metadata: a string, at most 200 characters kept. */
function id(field: string, v: unknown): string {
  return text(field, v).slice(0, 200);
}

function int(field: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) {
    throw new SmsMonitorValidationError(field, `must be a whole number (got ${JSON.stringify(v)})`);
  }
  return v;
}

/** An optional `now` for the dashboards: a valid Date or undefined (the database's now()). */
function nowArg(v: unknown): Date | undefined {
  if (v === undefined || v === null) return undefined;
  if (!(v instanceof Date) || Number.isNaN(v.getTime())) throw new SmsMonitorValidationError('now', 'must be a valid Date');
  return v;
}

function isoDate(field: string, v: unknown, required: boolean): string | undefined {
  if (v === undefined || v === null) {
    if (required) throw new SmsMonitorValidationError(field, 'is required (YYYY-MM-DD)');
    return undefined;
  }
  if (typeof v !== 'string' || !ISO_DATE.test(v) || Number.isNaN(Date.parse(`${v}T00:00:00Z`))) {
    throw new SmsMonitorValidationError(field, `must be a date YYYY-MM-DD (got ${JSON.stringify(v)})`);
  }
  return v;
}
