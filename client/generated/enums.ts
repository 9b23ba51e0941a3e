// GENERATED FILE, DO NOT EDIT. Regenerate with `npm run codegen` (scripts/codegen.ts)
// from a freshly migrated database; `npm test` fails when this file is stale.

// The enum types of schema sms_monitor: the one list of each enumerated fact.

/** What one evaluation did with a rule (check_sms_alerts().action, sms_alert_rule_state.last_action); sql/functions/_alert_evaluate.sql describes each. */
export const ALERT_ACTION_VALUES = ['no_data', 'ok', 'pending', 'fired', 'silenced', 'unsilenced', 'repeated', 'cooldown', 'acknowledged', 'recovering', 'resolved', 'disabled_resolved', 'skipped', 'error'] as const;
export type AlertAction = typeof ALERT_ACTION_VALUES[number];

/** How a rule compares its metric's value with threshold_value (sms_alert_thresholds.comparison). */
export const ALERT_COMPARISON_VALUES = ['<', '<=', '>', '>='] as const;
export type AlertComparison = typeof ALERT_COMPARISON_VALUES[number];

/** How urgent a rule's incidents are (sms_alert_thresholds.severity, sms_alert_history.severity). */
export const ALERT_SEVERITY_VALUES = ['critical', 'warning', 'info'] as const;
export type AlertSeverity = typeof ALERT_SEVERITY_VALUES[number];

/** A message attribute that breakdowns and per-dimension rules group by (by=, sms_alert_thresholds.group_by). */
export const MESSAGE_DIMENSION_VALUES = ['carrier', 'country', 'sender', 'sender_type', 'error_code', 'message_class', 'provider'] as const;
export type MessageDimension = typeof MESSAGE_DIMENSION_VALUES[number];

/** How a metric type aggregates (metric_types.kind). */
export const METRIC_KIND_VALUES = ['counter', 'sum', 'timing', 'derived'] as const;
export type MetricKind = typeof METRIC_KIND_VALUES[number];

/** The unit of a rule metric's values (sms_alert_metrics.unit): how value_text and threshold_text are written. */
export const METRIC_UNIT_VALUES = ['percent', 'ratio', 'seconds'] as const;
export type MetricUnit = typeof METRIC_UNIT_VALUES[number];

/** Where a notification can go (sms_alert_notifications.channel, a rule's notification_channels). */
export const NOTIFICATION_CHANNEL_VALUES = ['slack', 'pagerduty', 'email', 'log'] as const;
export type NotificationChannel = typeof NOTIFICATION_CHANNEL_VALUES[number];

/** What an outbox row announces about its incident (sms_alert_notifications.event). */
export const NOTIFICATION_EVENT_VALUES = ['trigger', 'repeat', 'acknowledge', 'resolve'] as const;
export type NotificationEvent = typeof NOTIFICATION_EVENT_VALUES[number];

/** The state of an outbox row (sms_alert_notifications.status). */
export const NOTIFICATION_STATUS_VALUES = ['pending', 'sent', 'failed', 'dead', 'superseded'] as const;
export type NotificationStatus = typeof NOTIFICATION_STATUS_VALUES[number];

/** The NOTIFY channel on which the outbox announces new and re-queued rows (sms_monitor._notify_channel()). */
export const OUTBOX_NOTIFY_CHANNEL = 'sms_monitor_notifications';
