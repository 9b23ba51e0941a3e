// Shapes shared by the daemon and the channels: a row of the outbox (sms_monitor.sms_alert_notifications)
// and its payload, which sql/functions/_alert_enqueue.sql builds. The channel, event and severity
// unions are generated from the schema's enum types (client/generated/enums.ts).
import type { AlertSeverity, NotificationChannel, NotificationEvent } from '../client/generated/enums.ts';
import type { RetryAfterHold } from './hold.ts';

export type { NotificationEvent };
export type ChannelName = NotificationChannel;
export type Severity = AlertSeverity;

/** The snapshot stored with each outbox row; numbers may arrive as numbers or numeric strings. */
export interface NotificationPayload {
  alert_id: string;
  alert_type: string;
  event: NotificationEvent;
  severity: Severity;
  metric?: string | null;
  comparison?: string | null;
  metric_value?: number | string | null;
  threshold_value?: number | string | null;
  recovery_value?: number | string | null;
  window_minutes?: number | null;
  sample_size?: number | string | null;
  message?: string | null;
  description?: string | null;
  triggered_at?: string | null;
  resolved_at?: string | null;
  resolved_by?: string | null;
  acknowledged_at?: string | null;
  acknowledged_by?: string | null;
  /** The incident's PagerDuty key, stored when it opened (sms_monitor._alert_dedup_key). */
  dedup_key?: string | null;
  /** The value the incident fired with, and both values with the metric's unit ("55.31 %"). */
  trigger_value?: number | string | null;
  value_text?: string | null;
  trigger_value_text?: string | null;
  /** A resolve whose trigger never reached this channel (superseded): "fired and recovered while unreachable". */
  unreached?: boolean | null;
}

export interface OutboxRow {
  id: string; // bigint, kept as text
  alert_id: string;
  channel: ChannelName;
  event: NotificationEvent;
  attempts: number;
  /** Temporary failures so far (they do not count against max_attempts). */
  retries: number;
  max_attempts: number;
  payload: NotificationPayload;
}

/**
 * What one delivery attempt came to.
 *  sent:   the provider accepted it (2xx).
 *  retry:  temporary (429, 5xx, timeout, network); retryAfterMs when the provider said when.
 *  failed: permanent (400/403/404/410, other 4xx, not configured); never retried.
 *  defer:  not attempted because of the notifier's own pacing (Slack's rate limit); pending again
 *          after retryAfterMs, the attempt not counted (complete_sms_notification 'defer').
 *  released: not attempted (shutdown); the row goes back to pending without counting the attempt.
 */
export type Outcome =
  | { kind: 'sent'; detail?: string }
  | { kind: 'retry'; error: string; retryAfterMs?: number }
  | { kind: 'failed'; error: string }
  | { kind: 'defer'; reason: string; retryAfterMs: number }
  | { kind: 'released' };

export interface DeliveryContext {
  /** Set when the notifier stops claiming: a channel still waiting (pacing) returns 'released'. */
  stopping: AbortSignal;
  /** Set when the shutdown grace period ends: requests still in flight are abandoned. */
  abort: AbortSignal;
  /** The longest a channel may wait for its rate limit before deferring the row instead. */
  maxWaitMs: number;
}

export interface Channel {
  readonly name: ChannelName;
  /** The provider's Retry-After for this channel: the drain defers its rows while it runs. */
  readonly hold: RetryAfterHold;
  /** Delivers one notification. Never throws: every problem becomes an Outcome. */
  deliver(row: OutboxRow, ctx: DeliveryContext): Promise<Outcome>;
  close?(): Promise<void>;
}
