// Alert operations (the admin role): resolve, acknowledge, silence, evaluate, and the rules.
import { SmsMonitorNotFoundError, SmsMonitorValidationError, toSmsMonitorError } from './errors.ts';
import type { SmsMonitorConnection } from './core.ts';
import {
  NOTIFICATION_STATUS_FILTERS, THRESHOLD_COLUMNS, THRESHOLD_KEYS, type AcknowledgeResult, type AlertDetail, type AlertRow, type CheckResult,
  type NotificationRow, type NotificationsQuery, type SilenceRow, type ThresholdChanges, type ThresholdRow,
} from './types.ts';
import { NOTIFICATIONS_LIMIT } from './bounds.ts';
import { withNumbers } from './numbers.ts';
import { int, text, uuid } from './validate.ts';

/** monitor.alerts: incidents, notifications, silences, evaluation and the rules (the admin role). */
export class SmsMonitorAlerts {
  constructor(private readonly conn: SmsMonitorConnection) {}

  /** resolve_sms_alert: the incident row after resolving (unchanged if it was resolved). */
  resolve(alertId: string, resolvedBy?: string): Promise<AlertRow> {
    uuid('alert_id', alertId, true);
    return this.conn.rpc('resolve_sms_alert', { p_alert_id: alertId, p_resolved_by: resolvedBy });
  }

  /** acknowledge_sms_alert: stops repeats of an open incident. */
  acknowledge(alertId: string, by?: string): Promise<AlertRow> {
    uuid('alert_id', alertId, true);
    return this.conn.rpc('acknowledge_sms_alert', { p_alert_id: alertId, p_by: by });
  }

  /**
   * acknowledge_sms_alert, saying whether this call did it: `acknowledged` is false when the
   * incident was acknowledged or resolved before (nothing changed; the row says when and by whom).
   */
  async acknowledgeAlert(alertId: string, by?: string): Promise<AcknowledgeResult> {
    this.conn.assertOpen();
    uuid('alert_id', alertId, true);
    try {
      // acknowledge_sms_alert stamps p_now (default now(), the transaction's start): equal to this
      // statement's now() exactly when this call acknowledged it, even against a concurrent ack.
      const [row] = await this.conn.sql<Array<AlertRow & { acknowledged_now: boolean | null }>>`
        select a.*, a.acknowledged_at = now() as acknowledged_now
          from sms_monitor.acknowledge_sms_alert(${alertId}::uuid, ${by ?? null}::text) a`;
      const { acknowledged_now, ...alert } = row!;
      return { acknowledged: acknowledged_now === true, alert: alert as AlertRow };
    } catch (error) {
      throw toSmsMonitorError(error);
    }
  }

  /** One incident and each of its notifications (channel, event, status, attempts, last error); unknown id: P0002. */
  async alert(alertId: string): Promise<AlertDetail> {
    this.conn.assertOpen();
    uuid('alert_id', alertId, true);
    try {
      const [alert] = await this.conn.sql<AlertRow[]>`select * from sms_monitor.sms_alert_history where id = ${alertId}::uuid`;
      if (!alert) throw new SmsMonitorNotFoundError(`alert_id: alert ${alertId} does not exist`);
      const notifications = await this.conn.sql<NotificationRow[]>`
        select * from sms_monitor.sms_alert_notifications where alert_id = ${alertId}::uuid order by id`;
      return { alert, notifications: [...notifications] };
    } catch (error) {
      throw toSmsMonitorError(error);
    }
  }

  /** Outbox rows, newest first: by default every one not yet sent (failed, dead, waiting). */
  async notifications(query: NotificationsQuery = {}): Promise<NotificationRow[]> {
    this.conn.assertOpen();
    const status = query.status ?? 'unsent';
    const statuses = (NOTIFICATION_STATUS_FILTERS as Record<string, readonly string[]>)[status];
    if (!statuses || !Object.hasOwn(NOTIFICATION_STATUS_FILTERS, status)) {
      throw new SmsMonitorValidationError('status', `must be one of ${Object.keys(NOTIFICATION_STATUS_FILTERS).join(', ')} (got ${JSON.stringify(status)})`);
    }
    const alertId = uuid('alert_id', query.alertId, false);
    const limit = query.limit ?? 100;
    int('limit', limit);
    if (limit < NOTIFICATIONS_LIMIT.min || limit > NOTIFICATIONS_LIMIT.max) {
      throw new SmsMonitorValidationError('limit', `must be between ${NOTIFICATIONS_LIMIT.min} and ${NOTIFICATIONS_LIMIT.max} (got ${limit})`);
    }
    try {
      return [...await this.conn.sql<NotificationRow[]>`
        select * from sms_monitor.sms_alert_notifications
         where status = any (${[...statuses]}::text[]) and (${alertId}::uuid is null or alert_id = ${alertId}::uuid)
         order by id desc limit ${limit}`];
    } catch (error) {
      throw toSmsMonitorError(error);
    }
  }

  /**
   * retry_sms_notifications: failed and dead notifications pending again (attempts 0, due now,
   * the notifier told by NOTIFY): one by `id`, one incident's by `alertId`, or all with neither.
   * Returns the rows reset.
   */
  retryNotifications(target: { id?: number | string; alertId?: string } = {}): Promise<NotificationRow[]> {
    if (target.id !== undefined && !/^[1-9]\d{0,17}$/.test(String(target.id))) {
      throw new SmsMonitorValidationError('id', `must be a positive notification id (got ${JSON.stringify(target.id)})`);
    }
    uuid('alert_id', target.alertId, false);
    return this.conn.rpc('retry_sms_notifications', { p_id: target.id, p_alert_id: target.alertId });
  }

  /**
   * silence_sms_alerts: null alert type = every rule; `groupValue` silences one value of a
   * per-dimension rule (one carrier). Incidents are still recorded, not notified.
   */
  silence(alertType: string | null, until: Date, reason: string, options: { groupValue?: string } = {}): Promise<SilenceRow> {
    if (!(until instanceof Date) || Number.isNaN(until.getTime())) {
      throw new SmsMonitorValidationError('until', 'must be a valid Date');
    }
    text('reason', reason);
    if (options.groupValue !== undefined) text('group_value', options.groupValue);
    return this.conn.rpc('silence_sms_alerts', { p_alert_type: alertType, p_until: until, p_reason: reason,
      p_group_value: options.groupValue ?? null });
  }

  /** list_sms_alert_silences: silences in force or upcoming (includeEnded: all of them), by start time. */
  silences(options: { includeEnded?: boolean } = {}): Promise<SilenceRow[]> {
    return this.conn.rpc('list_sms_alert_silences', { p_include_ended: options.includeEnded ?? false });
  }

  /**
   * lift_sms_alert_silence, saying whether this call lifted it (`lifted` false: it was lifted or
   * had ended before; the row says when). Unknown id: SmsMonitorNotFoundError.
   */
  async liftSilence(silenceId: number): Promise<{ lifted: boolean; silence: SilenceRow }> {
    this.conn.assertOpen();
    int('silence_id', silenceId);
    try {
      // lifted_at is lift_sms_alert_silence's p_now (default now()): equal to now() only if this call lifted it.
      const [row] = await this.conn.sql<Array<SilenceRow & { lifted_now: boolean | null }>>`
        select s.*, s.lifted_at = now() as lifted_now from sms_monitor.lift_sms_alert_silence(${silenceId}::bigint) s`;
      const { lifted_now, ...silence } = row!;
      return { lifted: lifted_now === true, silence: silence as SilenceRow };
    } catch (error) {
      throw toSmsMonitorError(error);
    }
  }

  /** check_sms_alerts: evaluates every enabled rule once; one row per rule with what it did. */
  check(now?: Date): Promise<CheckResult[]> {
    // action is text in SQL, one of the enum sms_monitor.alert_action (CheckResult narrows it)
    return this.conn.rpc('check_sms_alerts', now ? { p_now: now } : {}) as Promise<CheckResult[]>;
  }

  /**
   * preview_sms_alerts: what check() would do at `now` (any instant, default the server's now()),
   * changing nothing: no incident, no notification, no rule state. check() itself refuses a time
   * more than 5 minutes ahead of the server clock.
   */
  preview(now?: Date): Promise<CheckResult[]> {
    return this.conn.rpc('preview_sms_alerts', now ? { p_now: now } : {}) as Promise<CheckResult[]>;
  }

  /** Every alert rule, by alert_type. */
  async thresholds(): Promise<ThresholdRow[]> {
    this.conn.assertOpen();
    try {
      return withNumbers<ThresholdRow>(await this.conn.sql`select * from sms_monitor.sms_alert_thresholds order by alert_type`);
    } catch (error) {
      throw toSmsMonitorError(error);
    }
  }

  /** Changes some columns of one rule; unknown rule: SmsMonitorNotFoundError; nonsense: 22023 from the table's checks. */
  async updateThreshold(alertType: string, changes: ThresholdChanges): Promise<ThresholdRow> {
    this.conn.assertOpen();
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
      const [row] = withNumbers<ThresholdRow>(await this.conn.sql.unsafe(
        `update sms_monitor.sms_alert_thresholds set ${sets.join(', ')} where alert_type = $${params.length} returning *`,
        params as never[]));
      if (!row) {
        throw new SmsMonitorNotFoundError(`alert_type: no alert rule named ${JSON.stringify(alertType)}`);
      }
      return row;
    } catch (error) {
      throw toSmsMonitorError(error);
    }
  }
}
