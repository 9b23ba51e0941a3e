// Alert operations (the admin role): resolve, acknowledge, silence, evaluate, and the rules.
import { SmsMonitorNotFoundError, SmsMonitorValidationError, toSmsMonitorError } from './errors.ts';
import { SmsMonitorDashboards } from './dashboards.ts';
import {
  THRESHOLD_COLUMNS, THRESHOLD_KEYS, type AlertRow, type CheckResult, type SilenceRow, type ThresholdChanges,
  type ThresholdRow,
} from './types.ts';
import { text, uuid } from './validate.ts';

export class SmsMonitorAlerts extends SmsMonitorDashboards {
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

  /**
   * preview_sms_alerts: what check() would do at `now` (any instant, default the server's now()),
   * changing nothing: no incident, no notification, no rule state. check() itself refuses a time
   * more than 5 minutes ahead of the server clock.
   */
  preview(now?: Date): Promise<CheckResult[]> {
    return this.rpc('preview_sms_alerts', now ? { p_now: now } : {}) as Promise<CheckResult[]>;
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
}
