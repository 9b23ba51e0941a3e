// The response bodies of the HTTP API and of the sms_monitor.api_* functions, each declared once as
// a JSON Schema. The server's routes declare them (so /api/openapi.json carries them), the client's
// types are derived from them (FromSchema, client/types.ts), and tests validate the real bodies of
// every route and function against them. Objects list every key (required, nothing else allowed).
import type { FromSchema } from './json-schema.ts';
import {
  ALERT_ACTION_VALUES, ALERT_COMPARISON_VALUES, ALERT_SEVERITY_VALUES, MESSAGE_DIMENSION_VALUES, METRIC_UNIT_VALUES,
  NOTIFICATION_CHANNEL_VALUES, NOTIFICATION_EVENT_VALUES, NOTIFICATION_STATUS_VALUES,
} from './generated/enums.ts';
import { UUID_PATTERN } from './validate.ts';

/** An object schema whose keys are all required except `optional`, and nothing else is allowed. */
function object<const P extends Record<string, object>, const O extends keyof P & string = never>(
  properties: P, optional: readonly O[] = [], description?: string,
): { type: 'object'; additionalProperties: false; required: Array<Exclude<keyof P & string, O>>; properties: P; description?: string } {
  const required = Object.keys(properties).filter((k) => !(optional as readonly string[]).includes(k)) as Array<Exclude<keyof P & string, O>>;
  return { type: 'object', additionalProperties: false, required, properties, ...(description ? { description } : {}) };
}
function nullable<const S extends { type: string }>(schema: S): Omit<S, 'type'> & { type: [S['type'], 'null'] } {
  return { ...schema, type: [schema.type, 'null'] };
}
function oneOf<const V extends readonly string[]>(values: V, description?: string) {
  return { type: 'string', enum: values, ...(description ? { description } : {}) } as const;
}
function oneOfOrNull<const V extends readonly string[]>(values: V) {
  return { type: ['string', 'null'], enum: [...values, null] } as const;
}
const arrayOf = <const I extends object>(items: I) => ({ type: 'array', items }) as const;

const STR = { type: 'string' } as const;
const NUM = { type: 'number' } as const;
const INT = { type: 'integer' } as const;
const BOOL = { type: 'boolean' } as const;
const TRUE = { type: 'boolean', const: true } as const;
const UUID = { type: 'string', pattern: UUID_PATTERN } as const;
const DATE = { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'YYYY-MM-DD (a reporting day)' } as const;
/** A time as the api_* functions write it: ISO 8601 UTC with Z. */
const TIME = { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?Z$', description: 'ISO 8601 UTC with Z' } as const;
/** A timestamptz column of a row returned as it is (acknowledge, silences): ISO 8601 with an offset. */
const ROW_TIME = { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?([Zz]|[+-]\\d{2}:\\d{2})$',
  description: 'ISO 8601 with an offset' } as const;
const COMPARISON = oneOf(ALERT_COMPARISON_VALUES);
const UNIT = oneOfOrNull(METRIC_UNIT_VALUES);
const SEVERITY = oneOf(ALERT_SEVERITY_VALUES);
const RANGE = object({ start: DATE, end: DATE });
/** The dimensions of the message-level reads (by=): the SQL enum message_dimension. */
export const MESSAGE_DIMENSIONS = MESSAGE_DIMENSION_VALUES;
const DIMENSION = oneOf(MESSAGE_DIMENSIONS);

const DAILY_PROPERTIES = {
  metric_date: DATE,
  scheduled_count: INT, sent_count: INT, delivered_count: INT, failed_count: INT, cancelled_count: INT,
  llm_success_count: INT, template_fallback_count: INT, opt_out_count: INT, quiet_hours_skip_count: INT,
  daily_limit_hit_count: INT, llm_cost_usd: NUM, sms_cost_usd: NUM,
  avg_delivery_time_ms: nullable(NUM), avg_generation_time_ms: nullable(NUM),
  delivery_rate_percent: nullable(NUM), llm_success_rate_percent: nullable(NUM),
  active_users: { ...INT, description: 'in system-wide days; absent from one user\'s days' },
} as const;
/** A day of sms_metrics_daily / get_user_sms_metrics (quiet days: zeros and null rates). */
export const DAILY_METRICS_SCHEMA = object(DAILY_PROPERTIES, ['active_users']);

/** The one definition of health (api_health's, the alert engine's), in /today, /summary and /health. */
const HEALTH_PROPERTIES = {
  status: oneOf(['critical', 'degraded', 'healthy', 'unknown']),
  overall_healthy: { type: ['boolean', 'null'], description: 'true when healthy, null when unknown, else false' },
  driving_rule: nullable(STR), reason: STR, as_of: TIME,
} as const;
export const HEALTH_SCHEMA = object(HEALTH_PROPERTIES);
export const TODAY_METRICS_SCHEMA = object({ ...DAILY_PROPERTIES, active_users: INT, health: HEALTH_SCHEMA });
const TODAY_SOURCE = oneOf(['sms_metrics_daily', 'live'], 'the materialized view (default) or sms_metrics itself');

/** The columns of sms_alert_history, times in the given format. */
const alertColumns = <const T extends { type: 'string' }>(time: T) => ({
  id: UUID, alert_type: STR, severity: SEVERITY, metric: STR, comparison: COMPARISON, message: STR, dedup_key: STR,
  metric_value: nullable(NUM), threshold_value: NUM, recovery_value: nullable(NUM), window_minutes: INT,
  sample_size: nullable(INT), last_value: nullable(NUM), resolution_value: nullable(NUM), repeat_count: INT,
  silenced: BOOL, notification_sent: BOOL, notification_error: nullable(STR),
  notification_status: { type: 'object', additionalProperties: oneOf(NOTIFICATION_STATUS_VALUES),
    description: 'the latest outbox status per "channel/event"' },
  triggered_at: time, created_at: time, last_evaluated_at: nullable(time),
  last_notified_at: nullable(time), resolved_at: nullable(time),
  resolved_by: nullable(STR), acknowledged_at: nullable(time), acknowledged_by: nullable(STR),
  group_by: { ...nullable(STR), description: 'the dimension of a per-dimension rule (carrier, sender, ...); null for a system-wide one' },
  group_value: { ...nullable(STR), description: 'the value this incident is about (a carrier\'s name, ...)' },
} as const);
/** An incident as the api_* functions write it (_incident_json): its columns, how long it was open, the unit and the values written with it. */
export const ALERT_JSON_SCHEMA = object({
  ...alertColumns(TIME),
  duration_seconds: { type: ['integer', 'null'], description: 'resolved_at - triggered_at in whole seconds; null while open' },
  unit: UNIT, value_text: STR, threshold_text: STR,
});
/** A row of sms_alert_history as it is (acknowledge_sms_alert). */
export const ALERT_ROW_SCHEMA = object(alertColumns(ROW_TIME));
export const SILENCE_SCHEMA = object({
  id: INT, alert_type: nullable(STR),
  group_value: { ...nullable(STR), description: 'null: the whole rule; else the one value of its group_by it silences' },
  reason: STR, starts_at: ROW_TIME, ends_at: ROW_TIME, created_at: ROW_TIME,
  created_by: STR, lifted_at: nullable(ROW_TIME), lifted_by: nullable(STR),
});

export const DAILY_METRICS_RESPONSE = object({ success: TRUE, data: arrayOf(DAILY_METRICS_SCHEMA), date_range: RANGE });
export const USER_METRICS_RESPONSE = object({
  success: TRUE, user_id: UUID,
  data: object({
    metrics: arrayOf(DAILY_METRICS_SCHEMA),
    summary: object({
      total_scheduled: INT, total_sent: INT, total_delivered: INT, total_failed: INT, total_cancelled: INT,
      delivery_rate_percent: nullable(NUM), total_llm_cost_usd: NUM, total_sms_cost_usd: NUM, days: INT,
    }),
  }),
});
export const TODAY_METRICS_RESPONSE = object({ success: TRUE, source: TODAY_SOURCE, as_of: TIME, data: TODAY_METRICS_SCHEMA });
export const METRICS_SUMMARY_RESPONSE = object({
  success: TRUE, source: TODAY_SOURCE, as_of: TIME,
  data: object({
    today: TODAY_METRICS_SCHEMA,
    week: object({
      start_date: DATE, end_date: DATE, days: { type: 'integer', const: 7 },
      totals: object({
        scheduled: INT, sent: INT, delivered: INT, failed: INT, cancelled: INT, llm_success: INT,
        template_fallback: INT, opt_out: INT, llm_cost_usd: NUM, sms_cost_usd: NUM,
      }),
      delivery_rate_percent: nullable(NUM), llm_success_rate_percent: nullable(NUM),
      avg_daily_cost_usd: { ...NUM, description: '(LLM + SMS cost) / 7, rounded to 4 decimals' },
    }),
    alerts: object({ unresolved_count: INT, has_critical: BOOL, recent: arrayOf(ALERT_JSON_SCHEMA) }),
    health: HEALTH_SCHEMA,
  }),
});
export const ALERTS_RESPONSE = object({
  success: TRUE, type: oneOf(['unresolved', 'history']), data: arrayOf(ALERT_JSON_SCHEMA), date_range: RANGE,
}, ['date_range']);
export const RESOLVE_ALERT_RESPONSE = object({
  success: { ...BOOL, description: 'false: it was resolved before (the message says when and by whom)' },
  message: STR, alert_id: UUID, resolved_at: TIME, resolved_by: STR,
});
export const ACKNOWLEDGE_ALERT_RESPONSE = object({ success: BOOL, data: ALERT_ROW_SCHEMA });
export const ALERT_DETAIL_RESPONSE = object({
  success: TRUE,
  data: object({
    alert: ALERT_JSON_SCHEMA,
    channels: arrayOf(object({
      channel: oneOf(NOTIFICATION_CHANNEL_VALUES), event: oneOfOrNull(NOTIFICATION_EVENT_VALUES),
      status: oneOfOrNull(NOTIFICATION_STATUS_VALUES), attempts: nullable(INT), last_error: nullable(STR),
      sent_at: nullable(TIME), summary: STR,
    })),
    notifications: arrayOf(object({
      id: INT, channel: oneOf(NOTIFICATION_CHANNEL_VALUES), event: oneOf(NOTIFICATION_EVENT_VALUES),
      status: oneOf(NOTIFICATION_STATUS_VALUES), attempts: INT, max_attempts: INT, last_error: nullable(STR),
      next_attempt_at: TIME, created_at: TIME, sent_at: nullable(TIME),
    })),
  }),
});
export const SILENCES_RESPONSE = object({ success: TRUE, data: arrayOf(SILENCE_SCHEMA) });
export const SILENCE_RESPONSE = object({ success: TRUE, data: SILENCE_SCHEMA });
export const ALERT_RULES_RESPONSE = object({
  success: TRUE,
  data: arrayOf(object({
    alert_type: STR, is_enabled: BOOL, severity: SEVERITY, metric: STR, comparison: COMPARISON, threshold_value: NUM,
    recovery_value: nullable(NUM), window_minutes: INT, min_sample: INT, pending_minutes: INT, cooldown_minutes: INT,
    description: STR, notification_channels: arrayOf(oneOf(NOTIFICATION_CHANNEL_VALUES)),
    unit: UNIT, threshold_text: STR, last_evaluated_at: nullable(TIME), last_action: oneOfOrNull(ALERT_ACTION_VALUES),
    last_value: nullable(NUM), last_value_text: STR, last_sample_size: nullable(INT), last_error: nullable(STR),
    pending_since: nullable(TIME), open_alert_id: { type: ['string', 'null'], pattern: UUID_PATTERN },
    triggered_at: nullable(TIME), acknowledged_at: nullable(TIME), silenced: { type: ['boolean', 'null'] },
    silenced_until: nullable(TIME),
    notification_status: { type: ['object', 'null'], additionalProperties: oneOf(NOTIFICATION_STATUS_VALUES) },
    notifications_waiting: INT, delivery_status: nullable(STR),
  })),
});
export const TOP_USERS_RESPONSE = object({
  success: TRUE, by: oneOf(['sent', 'cost', 'failures']), days: INT, date_range: RANGE,
  data: arrayOf(object({
    rank: INT, user_id: UUID, sent: INT, delivered: INT, failed: INT, delivery_rate_percent: nullable(NUM),
    llm_cost_usd: NUM, sms_cost_usd: NUM, cost_usd: NUM,
  })),
});
export const HEALTH_RESPONSE = object({
  success: TRUE,
  data: object({
    ...HEALTH_PROPERTIES,
    open_incidents: arrayOf(ALERT_JSON_SCHEMA),
    rules: arrayOf(object({
      alert_type: STR, severity: SEVERITY, metric: STR, comparison: COMPARISON, threshold_value: NUM,
      recovery_value: nullable(NUM), window_minutes: INT, min_sample: INT, value: nullable(NUM), sample_size: INT,
      state: oneOf(['breached', 'ok', 'no_data']), open_alert_id: { type: ['string', 'null'], pattern: UUID_PATTERN },
      detail: STR, unit: UNIT, value_text: STR, threshold_text: STR, group_by: nullable(STR), group_value: nullable(STR),
    })),
  }),
});
const WINDOW = { start: TIME, end: TIME } as const;
export const MESSAGE_BREAKDOWN_RESPONSE = object({
  success: TRUE, by: DIMENSION, ...WINDOW,
  data: arrayOf(object({
    key: nullable(STR), sent: INT, delivered: INT, failed: INT, terminal: INT, delivery_rate_percent: nullable(NUM),
    failure_share_percent: nullable(NUM), terminal_share_percent: nullable(NUM),
    latency_p50_ms: nullable(NUM), latency_p95_ms: nullable(NUM),
  })),
});
export const MESSAGE_LATENCY_RESPONSE = object({
  success: TRUE, by: oneOfOrNull(MESSAGE_DIMENSIONS), ...WINDOW,
  data: arrayOf(object({ key: nullable(STR), delivered: INT, p50_ms: nullable(NUM), p95_ms: nullable(NUM), p99_ms: nullable(NUM) })),
});
export const MESSAGE_RECEIPTS_RESPONSE = object({
  success: TRUE, after_minutes: INT, ...WINDOW,
  data: arrayOf(object({
    carrier: nullable(STR), country: nullable(STR), sent: INT, waiting: INT, waiting_percent: NUM, oldest_waiting_sent_at: TIME,
  })),
});
export const MESSAGE_SERIES_RESPONSE = object({
  success: TRUE, by: oneOfOrNull(MESSAGE_DIMENSIONS), ...WINDOW, step_minutes: INT,
  data: arrayOf(object({
    at: TIME, key: nullable(STR), sent: INT, delivered: INT, failed: INT, delivery_rate_percent: nullable(NUM), p95_ms: nullable(NUM),
  })),
});

export type DailyMetrics = FromSchema<typeof DAILY_METRICS_SCHEMA>;
export type Health = FromSchema<typeof HEALTH_SCHEMA>;
export type TodayMetrics = FromSchema<typeof TODAY_METRICS_SCHEMA>;
export type TodaySource = FromSchema<typeof TODAY_SOURCE>;
export type AlertJson = FromSchema<typeof ALERT_JSON_SCHEMA>;
export type SilenceJson = FromSchema<typeof SILENCE_SCHEMA>;
export type DailyMetricsResponse = FromSchema<typeof DAILY_METRICS_RESPONSE>;
export type UserMetricsResponse = FromSchema<typeof USER_METRICS_RESPONSE>;
export type TodayMetricsResponse = FromSchema<typeof TODAY_METRICS_RESPONSE>;
export type MetricsSummaryResponse = FromSchema<typeof METRICS_SUMMARY_RESPONSE>;
export type AlertsResponse = FromSchema<typeof ALERTS_RESPONSE>;
export type ResolveAlertResponse = FromSchema<typeof RESOLVE_ALERT_RESPONSE>;
export type AcknowledgeAlertResponse = FromSchema<typeof ACKNOWLEDGE_ALERT_RESPONSE>;
export type AlertDetailResponse = FromSchema<typeof ALERT_DETAIL_RESPONSE>;
export type SilencesResponse = FromSchema<typeof SILENCES_RESPONSE>;
export type SilenceResponse = FromSchema<typeof SILENCE_RESPONSE>;
export type AlertRulesResponse = FromSchema<typeof ALERT_RULES_RESPONSE>;
export type TopUsersResponse = FromSchema<typeof TOP_USERS_RESPONSE>;
export type HealthResponse = FromSchema<typeof HEALTH_RESPONSE>;
export type MessageBreakdownResponse = FromSchema<typeof MESSAGE_BREAKDOWN_RESPONSE>;
export type MessageLatencyResponse = FromSchema<typeof MESSAGE_LATENCY_RESPONSE>;
export type MessageReceiptsResponse = FromSchema<typeof MESSAGE_RECEIPTS_RESPONSE>;
export type MessageSeriesResponse = FromSchema<typeof MESSAGE_SERIES_RESPONSE>;
