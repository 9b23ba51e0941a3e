// PagerDuty Events v2: trigger (and repeat) opens or updates the incident, acknowledge and resolve
// close the loop, all with one stable dedup_key per incident.
import { conditionText, fmtNumber, headline } from '../format.ts';
import { postJson } from '../http.ts';
import type { Channel, DeliveryContext, NotificationPayload, OutboxRow, Outcome } from '../types.ts';
import type { PagerDutyConfig } from '../config.ts';
import type { AlertSeverity } from '../../client/generated/enums.ts';
import { RetryAfterHold } from '../hold.ts';

// Events API v2 limits: summary 1024 characters, dedup_key 255; the short fields (source, component,
// group, class) are kept to 255 and every text in custom_details to 1024, so an event stays far
// below the API's 512 KB.
export const DEDUP_KEY_MAX = 255;
export const SUMMARY_MAX = 1024;
export const FIELD_MAX = 255;
export const DETAIL_MAX = 1024;

const SEVERITY: Record<AlertSeverity, 'critical' | 'error' | 'warning' | 'info'> = { critical: 'critical', warning: 'warning', info: 'info' };

export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

export interface PagerDutyEvent {
  routing_key: string;
  event_action: 'trigger' | 'acknowledge' | 'resolve';
  dedup_key: string;
  client?: string;
  payload?: {
    summary: string;
    source: string;
    severity: 'critical' | 'error' | 'warning' | 'info';
    timestamp?: string;
    component?: string;
    group?: string;
    class?: string;
    custom_details: Record<string, unknown>;
  };
}

/**
 * The Events v2 body of a notification. The dedup_key is the incident's, as stored when it opened
 * (sms_monitor._alert_dedup_key, at most 255 characters): the notifier never computes one.
 */
export function pagerDutyEvent(p: NotificationPayload & { dedup_key: string }, routingKey: string, source: string): PagerDutyEvent {
  const dedup_key = p.dedup_key;
  if (p.event === 'acknowledge' || p.event === 'resolve') {
    return { routing_key: routingKey, event_action: p.event, dedup_key };
  }
  const summary = truncate(p.message ? `${headline(p)}. ${p.message}` : headline(p), SUMMARY_MAX);
  const details: Record<string, unknown> = {
    alert_id: p.alert_id,
    rule: p.alert_type,
    event: p.event,
    condition: conditionText(p),
    metric: p.metric ?? null,
    metric_value: fmtNumber(p.metric_value),
    comparison: p.comparison ?? null,
    threshold_value: fmtNumber(p.threshold_value),
    recovery_value: fmtNumber(p.recovery_value),
    window_minutes: p.window_minutes ?? null,
    sample_size: fmtNumber(p.sample_size),
    description: p.description ?? null,
    triggered_at: p.triggered_at ?? null,
  };
  for (const k of Object.keys(details)) {
    const v = details[k];
    if (v === null || v === undefined) delete details[k];
    else if (typeof v === 'string') details[k] = truncate(v, DETAIL_MAX);
  }
  return {
    routing_key: routingKey,
    event_action: 'trigger',
    dedup_key,
    client: 'sms-monitor',
    payload: {
      summary,
      source: truncate(source, FIELD_MAX),
      severity: SEVERITY[p.severity] ?? 'error',
      ...(p.triggered_at ? { timestamp: p.triggered_at } : {}),
      ...(p.metric ? { component: truncate(p.metric, FIELD_MAX) } : {}),
      group: 'sms-monitor',
      class: truncate(p.alert_type, FIELD_MAX),
      custom_details: details,
    },
  };
}

export class PagerDutyChannel implements Channel {
  readonly name = 'pagerduty' as const;
  readonly hold = new RetryAfterHold();
  constructor(private readonly config: PagerDutyConfig, private readonly timeoutMs: number) {}

  async deliver(row: OutboxRow, ctx: DeliveryContext): Promise<Outcome> {
    const p = row.payload;
    if (!p.dedup_key) {
      return { kind: 'failed', error: 'pagerduty: the notification has no dedup_key (_alert_enqueue sets the incident\'s; a row written by hand must carry one)' };
    }
    const event = pagerDutyEvent({ ...p, dedup_key: p.dedup_key }, this.config.routingKey, this.config.source);
    const r = await postJson('pagerduty', this.config.eventsUrl, event, { timeoutMs: this.timeoutMs, abort: ctx.abort, secrets: [this.config.routingKey] });
    return r.outcome;
  }
}
