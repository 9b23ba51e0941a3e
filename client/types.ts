// The client's public types: options, counters, the dashboard bodies (the jsonb the api_*
// functions return; see docs/client.md) and the alert rows, typed from the generated files.
import type postgres from 'postgres';
import type { Selectable } from 'kysely';
import type { SmsMonitorError } from './errors.ts';
import type { BufferOptions, BufferStats } from './buffer.ts';
import type { DB } from './generated/db.ts';
import type { SmsMonitorFunctions } from './generated/functions.ts';

import { METRIC_KINDS } from './generated/metric-types.ts';
import {
  NOTIFICATION_STATUS_VALUES, type AlertAction, type AlertSeverity, type NotificationChannel, type NotificationEvent,
  type NotificationStatus,
} from './generated/enums.ts';

export type Sql = postgres.Sql<any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * The metric types (generated from sms_monitor.metric_types by `npm run codegen`): METRIC_TYPES has
 * every row with kind, unit and description; METRIC_KINDS the recordable ones (not the derived
 * delivery_success_rate) by kind.
 */
export { METRIC_KINDS, METRIC_TYPES } from './generated/metric-types.ts';
export type MetricType = keyof typeof METRIC_KINDS;
/** The enumerated facts (generated from the enum types of schema sms_monitor by `npm run codegen`). */
export * from './generated/enums.ts';

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
  /**
   * Events written to the database, direct or buffered: one per recorded value once its write
   * committed (recordDelivered with a delivery time is two: delivered_count and the timing). For a
   * buffered client it is buffer.flushed plus any direct writes; batches are in buffer.batches.
   */
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
      /** Rounded to 4 decimals. */
      total_llm_cost_usd: number; total_sms_cost_usd: number; days: number;
    };
  };
  user_id: string;
}
/** The one definition of health (api_health's, the alert engine's), in /today, /summary and /health. */
export interface Health {
  status: 'critical' | 'degraded' | 'healthy' | 'unknown';
  /** true when healthy, null when unknown (no rule has data), false otherwise. */
  overall_healthy: boolean | null;
  driving_rule: string | null;
  reason: string;
  /** ISO 8601 UTC with Z. */
  as_of: string;
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
  /** p_now, ISO 8601 UTC with Z. */
  as_of: string;
  data: TodayMetrics;
}
export interface MetricsSummaryResponse {
  success: true;
  source: TodaySource;
  as_of: string;
  data: {
    today: TodayMetrics;
    week: {
      start_date: string; end_date: string; days: 7;
      totals: {
        scheduled: number; sent: number; delivered: number; failed: number; cancelled: number;
        llm_success: number; template_fallback: number; opt_out: number; llm_cost_usd: number; sms_cost_usd: number;
      };
      delivery_rate_percent: number | null; llm_success_rate_percent: number | null;
      /** (LLM + SMS cost) / 7, rounded to 4 decimals. */
      avg_daily_cost_usd: number;
    };
    alerts: { unresolved_count: number; has_critical: boolean; recent: AlertJson[] };
    health: Health;
  };
}
/** An incident as JSON (_incident_json): every column of sms_alert_history (numbers as numbers, times
 * ISO 8601 UTC with Z), how long it was open, the metric's unit and the values written with it. */
export type AlertJson = { [K in keyof SmsMonitorFunctions['resolve_sms_alert']['returns']]: unknown } & {
  id: string; alert_type: string; severity: AlertSeverity; message: string;
  triggered_at: string; resolved_at: string | null; resolved_by: string | null;
  acknowledged_at: string | null; acknowledged_by: string | null;
  /** resolved_at - triggered_at in whole seconds; null while open. */
  duration_seconds: number | null;
  unit: 'percent' | 'ratio' | null; value_text: string; threshold_text: string;
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
/** api_top_users: users ranked over the last days. */
export interface TopUsersResponse {
  success: true;
  by: 'sent' | 'cost' | 'failures';
  days: number;
  date_range: { start: string; end: string };
  data: Array<{
    rank: number; user_id: string; sent: number; delivered: number; failed: number;
    delivery_rate_percent: number | null; llm_cost_usd: number; sms_cost_usd: number; cost_usd: number;
  }>;
}
/** api_health: health from the open incidents and the rules' own windows (docs/http.md). */
export interface HealthResponse {
  success: true;
  data: Health & {
    open_incidents: AlertJson[];
    rules: Array<{
      alert_type: string; severity: AlertSeverity; metric: string; comparison: '<' | '<=' | '>' | '>=';
      threshold_value: number; recovery_value: number | null; window_minutes: number; min_sample: number;
      value: number | null; sample_size: number; state: 'breached' | 'ok' | 'no_data'; open_alert_id: string | null; detail: string;
      unit: 'percent' | 'ratio' | null; value_text: string; threshold_text: string;
    }>;
  };
}
/** api_alert_detail: one incident, its notifications, and per channel the latest one in words. */
export interface AlertDetailResponse {
  success: true;
  data: {
    alert: AlertJson;
    channels: Array<{
      channel: NotificationChannel; event: NotificationEvent | null; status: NotificationStatus | null;
      attempts: number | null; last_error: string | null; sent_at: string | null; summary: string;
    }>;
    notifications: Array<{
      id: number; channel: NotificationChannel; event: NotificationEvent;
      status: NotificationStatus; attempts: number; max_attempts: number; last_error: string | null;
      next_attempt_at: string; created_at: string; sent_at: string | null;
    }>;
  };
}
/** api_alert_rules: every rule (sms_alert_status) plus its description, channels and timings. */
export interface AlertRulesResponse {
  success: true;
  data: Array<{
    alert_type: string; is_enabled: boolean; severity: AlertSeverity; metric: string;
    comparison: '<' | '<=' | '>' | '>='; threshold_value: number; recovery_value: number | null; window_minutes: number;
    last_evaluated_at: string | null; last_action: AlertAction | null; last_value: number | null; last_sample_size: number | null;
    pending_since: string | null; open_alert_id: string | null; triggered_at: string | null; acknowledged_at: string | null;
    silenced: boolean | null; notification_status: Record<string, string> | null; silenced_until: string | null;
    description: string; notification_channels: NotificationChannel[]; min_sample: number; pending_minutes: number; cooldown_minutes: number;
  }>;
}
export type AlertRow = SmsMonitorFunctions['resolve_sms_alert']['returns'];
export type CheckResult = Omit<SmsMonitorFunctions['check_sms_alerts']['returns'], 'action'> & { action: AlertAction };
export type SilenceRow = SmsMonitorFunctions['silence_sms_alerts']['returns'];

/** A row of the outbox sms_alert_notifications (id as the driver returns a bigint: a string). */
export type NotificationRow = SmsMonitorFunctions['retry_sms_notifications']['returns'];
/**
 * Which notifications, by outbox status: waiting = pending (queued or between retries); unsent =
 * not delivered and still owed (pending, failed, dead); all = every status.
 */
export const NOTIFICATION_STATUS_FILTERS = {
  failed: ['failed'], dead: ['dead'], waiting: ['pending'], sent: ['sent'],
  unsent: ['pending', 'failed', 'dead'], all: NOTIFICATION_STATUS_VALUES,
} as const satisfies Record<string, readonly NotificationStatus[]>;
export type NotificationStatusFilter = keyof typeof NOTIFICATION_STATUS_FILTERS;
export interface NotificationsQuery {
  /** Default 'unsent' (failed, dead and waiting). */
  status?: NotificationStatusFilter;
  /** One incident's notifications only. */
  alertId?: string;
  /** At most this many, newest first: 1-1000, default 100. */
  limit?: number;
}
/** An incident with every notification of it, oldest first. */
export interface AlertDetail {
  alert: AlertRow;
  notifications: NotificationRow[];
}
/** acknowledgeAlert: whether this call acknowledged it (false: it was acknowledged or resolved before). */
export interface AcknowledgeResult {
  acknowledged: boolean;
  alert: AlertRow;
}
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
  severity?: AlertSeverity;
  notification_channels?: NotificationChannel[];
  is_enabled?: boolean;
  description?: string;
}
export const THRESHOLD_COLUMNS: Record<keyof ThresholdChanges, string> = {
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

export type Fn = keyof SmsMonitorFunctions;
export type ArgsOf<F extends Fn> = SmsMonitorFunctions[F]['args'];
export type ResultOf<F extends Fn> = SmsMonitorFunctions[F]['setof'] extends true
  ? Array<SmsMonitorFunctions[F]['returns']>
  : SmsMonitorFunctions[F]['returns'];
