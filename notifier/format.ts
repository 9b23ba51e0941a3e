// Human-readable text for a notification, shared by Slack, e-mail and PagerDuty summaries.
import type { NotificationPayload } from './types.ts';

const COMPARISON: Record<string, string> = {
  lt: '<', '<': '<', lte: '≤', le: '≤', '<=': '≤', gt: '>', '>': '>', gte: '≥', ge: '≥', '>=': '≥',
  eq: '=', '=': '=', ne: '≠', '<>': '≠', '!=': '≠',
};

export const EVENT_LABEL = {
  trigger: 'FIRING',
  repeat: 'STILL FIRING',
  acknowledge: 'ACKNOWLEDGED',
  resolve: 'RESOLVED',
} as const;

/** A number from the payload (numeric columns may arrive as strings), shown with at most 4 decimals. */
export function fmtNumber(v: number | string | null | undefined): string | null {
  if (v === null || v === undefined || v === '') return null;
  const n = typeof v === 'number' ? v : Number(v);
  if (!Number.isFinite(n)) return String(v);
  return Number(n.toFixed(4)).toString();
}

export function comparisonSymbol(c: string | null | undefined): string {
  if (!c) return 'vs';
  return COMPARISON[c.toLowerCase()] ?? c;
}

/** "delivery_success_rate 85.2 < 90": the measured value against the rule. */
export function conditionText(p: NotificationPayload): string | null {
  const value = fmtNumber(p.metric_value);
  const threshold = fmtNumber(p.threshold_value);
  if (value === null && threshold === null) return null;
  const metric = p.metric ?? p.alert_type;
  return `${metric} ${value ?? '?'} ${comparisonSymbol(p.comparison)} ${threshold ?? '?'}`;
}

/** FIRING, STILL FIRING, ACKNOWLEDGED, RESOLVED, or FIRED AND RECOVERED (a resolve whose trigger never got through). */
export function eventLabel(p: NotificationPayload): string {
  if (p.event === 'resolve' && p.unreached) return 'FIRED AND RECOVERED';
  return EVENT_LABEL[p.event] ?? p.event;
}

/** One line: "[CRITICAL] FIRING delivery_rate_critical: delivery_success_rate 85.2 < 90". */
export function headline(p: NotificationPayload): string {
  const cond = conditionText(p);
  return `[${String(p.severity).toUpperCase()}] ${eventLabel(p)} ${p.alert_type}${cond ? `: ${cond}` : ''}`;
}

/** "was 55.31 %, back at 93.02 %" (units when the payload has them), or "back at 93.02", or null. */
export function recoveryText(p: NotificationPayload): string | null {
  const now = p.value_text ?? fmtNumber(p.metric_value);
  const was = p.trigger_value_text ?? fmtNumber(p.trigger_value);
  if (now === null || now === undefined) return null;
  return was ? `was ${was}, back at ${now}` : `back at ${now}`;
}

/** "fired at T1 and recovered at T2 while <channel> could not be reached" (unreached resolves). */
export function unreachedText(p: NotificationPayload, channel: string): string {
  return `fired${p.triggered_at ? ` at ${p.triggered_at}` : ''} and recovered${p.resolved_at ? ` at ${p.resolved_at}` : ''}`
    + ` while ${channel} could not be reached`;
}

/** Label/value pairs with the figures, in display order, omitting what the payload lacks. */
export function facts(p: NotificationPayload): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  const add = (k: string, v: string | null | undefined) => { if (v !== null && v !== undefined && v !== '') out.push([k, v]); };
  add('Severity', String(p.severity));
  add('Rule', p.alert_type);
  add('Metric', p.metric ?? null);
  add('Value', fmtNumber(p.metric_value));
  add('Threshold', p.threshold_value === undefined || p.threshold_value === null ? null : `${comparisonSymbol(p.comparison)} ${fmtNumber(p.threshold_value)}`);
  add('Recovers at', fmtNumber(p.recovery_value));
  add('Window', p.window_minutes ? `${p.window_minutes} min` : null);
  add('Samples', fmtNumber(p.sample_size));
  add('Triggered at', p.triggered_at ?? null);
  if (p.event === 'acknowledge') {
    add('Acknowledged at', p.acknowledged_at ?? null);
    add('Acknowledged by', p.acknowledged_by ?? null);
  }
  if (p.event === 'resolve') {
    add('Resolved at', p.resolved_at ?? null);
    add('Resolved by', p.resolved_by ?? null);
  }
  add('Alert id', p.alert_id);
  return out;
}

/** The time the event happened (for the message): resolve/ack time, else triggered time. */
export function eventTime(p: NotificationPayload): string | null {
  if (p.event === 'resolve') return p.resolved_at ?? null;
  if (p.event === 'acknowledge') return p.acknowledged_at ?? null;
  return p.triggered_at ?? null;
}
