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
  NOTIFICATION_STATUS_VALUES, type AlertAction, type AlertComparison, type AlertSeverity, type MessageDimension, type NotificationChannel, type NotificationEvent,
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

// ---- response bodies (the jsonb the api_* functions return): declared once as JSON Schemas in
// client/schemas.ts, which the server's routes and the OpenAPI document use too; the types are derived.
export type {
  AcknowledgeAlertResponse, AlertDetailResponse, AlertJson, AlertRulesResponse, AlertsResponse, DailyMetrics,
  DailyMetricsResponse, Health, HealthResponse, MessageBreakdownResponse, MessageLatencyResponse, MessageReceiptsResponse,
  MessageSeriesResponse, MetricsSummaryResponse, ResolveAlertResponse, SilenceJson, SilenceResponse, SilencesResponse,
  TodayMetrics, TodayMetricsResponse, TodaySource, TopUsersResponse, UserMetricsResponse,
} from './schemas.ts';
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
  comparison?: AlertComparison;
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
  /** The message attribute a message-metric rule is evaluated per value of; null: one value system-wide. */
  group_by?: MessageDimension | null;
  /** The metric's parameters (sms_alert_metrics.params), e.g. {"error_codes": ["30007"]}. */
  params?: Record<string, unknown>;
}
export const THRESHOLD_COLUMNS: Record<keyof ThresholdChanges, string> = {
  comparison: 'text', threshold_value: 'numeric', recovery_value: 'numeric', window_minutes: 'integer',
  min_sample: 'integer', pending_minutes: 'integer', cooldown_minutes: 'integer', severity: 'text',
  notification_channels: 'text[]', is_enabled: 'boolean', description: 'text', group_by: 'text', params: 'jsonb',
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
