// Dashboards: the jsonb bodies of the api_* functions (the HTTP API's endpoints), typed.
import { BOUNDS } from './bounds.ts';
import { SmsMonitorValidationError } from './errors.ts';
import type { SmsMonitorConnection } from './core.ts';
import type {
  AlertDetailResponse, AlertRulesResponse, AlertsQuery, AlertsResponse, DailyMetricsResponse, HealthResponse,
  MetricsSummaryResponse, ResolveAlertResponse, TodayMetricsResponse, TopUsersResponse, UserMetricsResponse,
} from './types.ts';
import { int, isoDate, nowArg, uuid } from './validate.ts';

/** monitor.dashboards: the api_* functions' bodies. */
export class SmsMonitorDashboards {
  constructor(private readonly conn: SmsMonitorConnection) {}

  /** Daily rows from startDate to endDate inclusive (YYYY-MM-DD; end default today, at most 366 days). */
  dailyMetrics(startDate: string, endDate?: string): Promise<DailyMetricsResponse> {
    return this.conn.body<DailyMetricsResponse>('api_daily_metrics', {
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
    return this.conn.body<UserMetricsResponse>('api_user_metrics',
      { p_user_id: userId, p_days: days, p_now: nowArg(options.now) });
  }

  /**
   * Today's figures with health (delivery >= 90 %, LLM success >= 50 %; null = no traffic yet).
   * From sms_metrics_daily (refreshed every 5 minutes) unless `live`: exact, but it reads every bucket of the day.
   * `now` picks the day (default the database's now()).
   */
  todayMetrics(options: { live?: boolean; now?: Date } = {}): Promise<TodayMetricsResponse> {
    return this.conn.body<TodayMetricsResponse>('api_today_metrics',
      { p_live: options.live ? true : undefined, p_now: nowArg(options.now) });
  }

  /** Today, the last 7 days including today, open alerts and status (healthy | degraded | critical); `now` as above. */
  metricsSummary(options: { live?: boolean; now?: Date } = {}): Promise<MetricsSummaryResponse> {
    return this.conn.body<MetricsSummaryResponse>('api_metrics_summary',
      { p_live: options.live ? true : undefined, p_now: nowArg(options.now) });
  }

  /** Open incidents (default) or the history of a date range (startDate required, endDate inclusive). */
  alerts(query: AlertsQuery = {}): Promise<AlertsResponse> {
    const type = query.type ?? 'unresolved';
    if (type !== 'unresolved' && type !== 'history') {
      throw new SmsMonitorValidationError('type', `must be unresolved or history (got ${JSON.stringify(type)})`);
    }
    const { min, max } = BOUNDS.alertsLimit;
    if (query.limit !== undefined && (int('limit', query.limit) < min || query.limit > max)) {
      throw new SmsMonitorValidationError('limit', `must be between ${min} and ${max} (got ${query.limit})`);
    }
    return this.conn.body<AlertsResponse>('api_alerts', {
      p_type: type,
      p_limit: query.limit,
      p_start_date: isoDate('start_date', query.startDate, false),
      p_end_date: isoDate('end_date', query.endDate, false),
    });
  }

  /** The dashboard's resolve: success false (not an error) when it was already resolved; unknown id: NotFound. */
  resolveAlert(alertId: string, resolvedBy?: string): Promise<ResolveAlertResponse> {
    uuid('alert_id', alertId, true);
    return this.conn.body<ResolveAlertResponse>('api_resolve_alert', { p_alert_id: alertId, p_resolved_by: resolvedBy });
  }

  /**
   * Users ranked by sent volume (default), cost or failures over the last `days` (1-365, default 7); at most
   * `limit` (1-100, default 10). From the 5-minute per-user view unless `live`.
   */
  topUsers(query: { days?: number; by?: 'sent' | 'cost' | 'failures'; limit?: number; now?: Date; live?: boolean } = {}): Promise<TopUsersResponse> {
    if (query.days !== undefined) int('days', query.days);
    if (query.limit !== undefined) int('limit', query.limit);
    return this.conn.body<TopUsersResponse>('api_top_users',
      { p_days: query.days, p_by: query.by, p_limit: query.limit, p_now: nowArg(query.now), p_live: query.live ? true : undefined });
  }

  /** Health as the alert engine sees it: open incidents and each rule's window; names the driving rule. */
  health(options: { now?: Date } = {}): Promise<HealthResponse> {
    return this.conn.body<HealthResponse>('api_health', { p_now: nowArg(options.now) });
  }

  /** One incident with every notification and its delivery per channel; unknown id: NotFound. */
  alertDetail(alertId: string): Promise<AlertDetailResponse> {
    uuid('alert_id', alertId, true);
    return this.conn.body<AlertDetailResponse>('api_alert_detail', { p_alert_id: alertId });
  }

  /** Every alert rule with what its last check did. */
  alertRules(): Promise<AlertRulesResponse> {
    return this.conn.body<AlertRulesResponse>('api_alert_rules', {});
  }
}
