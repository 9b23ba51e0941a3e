// GENERATED FILE, DO NOT EDIT. Regenerate with `npm run codegen` (scripts/codegen.ts)
// from a freshly migrated database; `npm test` fails when this file is stale.

// Typed signatures of every public function in schema sms_monitor, read from pg_proc.
// Arguments: SQL parameter name -> TypeScript type (optional = has a SQL default). Results are
// typed as the client returns them: bigint and numeric as number (client/numbers.ts has the rule),
// date/timestamptz as Date.

export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

export interface SmsMonitorFunctions {
  /** Acknowledges an open incident (stops repeats) at p_now (between triggered_at and now() + 5 minutes) and queues an acknowledge to the channels that were told. p_by at most 200 characters. Unknown id: P0002; bad arguments: 22023. */
  acknowledge_sms_alert: {
    args: {
      p_alert_id: string | null;
      p_by?: string | null;
      p_now?: Date | string | null;
    };
    returns: {
      id: string | null;
      alert_type: string | null;
      severity: string | null;
      metric: string | null;
      comparison: string | null;
      metric_value: number | null;
      threshold_value: number | null;
      recovery_value: number | null;
      window_minutes: number | null;
      sample_size: number | null;
      message: string | null;
      triggered_at: Date | null;
      last_value: number | null;
      last_evaluated_at: Date | null;
      resolved_at: Date | null;
      resolved_by: string | null;
      resolution_value: number | null;
      acknowledged_at: Date | null;
      acknowledged_by: string | null;
      silenced: boolean | null;
      last_notified_at: Date | null;
      repeat_count: number | null;
      notification_sent: boolean | null;
      notification_error: string | null;
      notification_status: Json | null;
      created_at: Date | null;
      dedup_key: string | null;
      group_by: string | null;
      group_value: string | null;
    };
    setof: false;
  };
  /** Dashboard (GET /alerts/:id): {success, data: {alert (_incident_json: the sms_alert_history row, times in Z, duration_seconds), channels: [per channel the latest notification: event, status, attempts, last_error, summary in words], notifications: [every outbox row]}}. Unknown id: P0002. */
  api_alert_detail: {
    args: {
      p_alert_id: string | null;
    };
    returns: Json | null;
    setof: false;
  };
  /** Dashboard (GET /rules): {success, data: [every rule: sms_alert_status (settings, last_evaluated_at, last_action, last_value, open_alert_id, silenced_until; times in Z) plus unit, threshold_text, last_value_text, description, channels, min_sample, pending and cooldown minutes]}. */
  api_alert_rules: {
    args: {}
    returns: Json | null;
    setof: false;
  };
  /** Dashboard (GET /alerts): {success, data: [incidents (_incident_json), newest first], type} for type unresolved (default) or history (start_date required, end_date inclusive, reporting days); limit 1-200 (default 50). Bad parameters: 22023. */
  api_alerts: {
    args: {
      p_type?: string | null;
      p_limit?: number | null;
      p_start_date?: string | null;
      p_end_date?: string | null;
    };
    returns: Json | null;
    setof: false;
  };
  /** Dashboard (GET /daily): {success, data: [one sms_metrics_daily row per day, quiet days with zeros and NULL rates], date_range: {start, end}} for start..end inclusive (end default today, at most 366 days). Bad parameters: 22023. */
  api_daily_metrics: {
    args: {
      p_start_date: string | null;
      p_end_date?: string | null;
    };
    returns: Json | null;
    setof: false;
  };
  /** Dashboard health that agrees with the alert engine: {success, data: {status critical|degraded|healthy|unknown, overall_healthy (true/NULL when unknown/false), driving_rule, reason, as_of, open_incidents, rules: [each enabled rule's value over its window, state breached|ok|no_data, open_alert_id]}}. Critical = an open critical incident; degraded = an open warning incident or a rule breaching without an incident yet; unknown = no rule has data. */
  api_health: {
    args: {
      p_now?: Date | string | null;
    };
    returns: Json | null;
    setof: false;
  };
  /** GET /breakdown: {success, by, start, end, data: [{key, sent, delivered, failed, terminal, delivery_rate_percent, failure_share_percent, terminal_share_percent, latency_p50_ms, latency_p95_ms}]} per value of p_by (carrier, country, sender, sender_type, error_code, message_class, provider) for messages entering the pipeline in the last p_minutes (1-44640) or [p_start, p_end), worst delivery rate first. Bad parameters: 22023. */
  api_message_breakdown: {
    args: {
      p_by: string | null;
      p_minutes?: number | null;
      p_start?: Date | string | null;
      p_end?: Date | string | null;
      p_now?: Date | string | null;
    };
    returns: Json | null;
    setof: false;
  };
  /** GET /latency: {success, by, start, end, data: [{key, delivered, p50_ms, p95_ms, p99_ms}]}: percentiles (log histogram, <= 1.48 % off) of delivered minus sent for messages sent in the last p_minutes (1-44640) or [p_start, p_end) and delivered, overall (p_by NULL) or per carrier, country, sender, sender_type, error_code, message_class or provider, slowest first. Bad parameters: 22023. */
  api_message_latency: {
    args: {
      p_by?: string | null;
      p_minutes?: number | null;
      p_start?: Date | string | null;
      p_end?: Date | string | null;
      p_now?: Date | string | null;
    };
    returns: Json | null;
    setof: false;
  };
  /** GET /receipts: {success, after_minutes, start, end, data: [{carrier, country, sent, waiting, waiting_percent, oldest_waiting_sent_at}]}: messages sent between p_minutes (default 1440) and p_after_minutes (default 10, 1-10080) ago still without a final status, per carrier and country, most waiting first. Bad parameters: 22023. */
  api_message_receipts: {
    args: {
      p_after_minutes?: number | null;
      p_minutes?: number | null;
      p_now?: Date | string | null;
    };
    returns: Json | null;
    setof: false;
  };
  /** GET /series: {success, step_minutes, by, start, end, data: [{at, key, sent, delivered, failed, delivery_rate_percent, p95_ms}]}: buckets of p_step (1, 5, 15, 60) minutes over the last p_minutes (a multiple of step, up to 10080) up to the bucket holding p_now; every bucket without p_by, non-empty (bucket, key) rows with it. Bad parameters: 22023. */
  api_message_series: {
    args: {
      p_minutes?: number | null;
      p_step?: number | null;
      p_by?: string | null;
      p_now?: Date | string | null;
    };
    returns: Json | null;
    setof: false;
  };
  /** Dashboard (GET /summary): {success, data: {today, week (7 days incl. today), alerts {unresolved_count, has_critical, recent (5)}, health (api_health's status, overall_healthy, driving_rule, reason, as_of)}}. */
  api_metrics_summary: {
    args: {
      p_now?: Date | string | null;
      p_live?: boolean | null;
    };
    returns: Json | null;
    setof: false;
  };
  /** GET /metrics: Prometheus text format (0.0.4): today's events, costs, rates and active users, open incidents by rule and severity, outbox rows by channel and status, the age of the oldest pending notification. All gauges. */
  api_prometheus_metrics: {
    args: {
      p_now?: Date | string | null;
    };
    returns: string | null;
    setof: false;
  };
  /** Dashboard (POST /alerts): resolves an open incident: {success true, message, alert_id, resolved_at, resolved_by}; already resolved: success false saying when and by whom; unknown id: P0002. */
  api_resolve_alert: {
    args: {
      p_alert_id: string | null;
      p_resolved_by?: string | null;
    };
    returns: Json | null;
    setof: false;
  };
  /** Dashboard (GET /today): {success, source, as_of, data: today's figures + health (api_health's status, overall_healthy, driving_rule, reason, as_of)}. From sms_metrics_daily (live); source says whether p_live was asked. */
  api_today_metrics: {
    args: {
      p_now?: Date | string | null;
      p_live?: boolean | null;
    };
    returns: Json | null;
    setof: false;
  };
  /** Dashboard (GET /top-users): {success, data: [{rank, user_id, sent, delivered, failed, delivery_rate_percent, llm_cost_usd, sms_cost_usd, cost_usd}], by, days, date_range} for the last p_days (1-365, default 7) reporting days up to p_now, ranked by p_by sent|cost|failures (default sent; ties by user_id; zero values left out), at most p_limit (1-100, default 10) users; live (p_live is accepted and has no effect). Bad parameters: 22023. */
  api_top_users: {
    args: {
      p_days?: number | null;
      p_by?: string | null;
      p_limit?: number | null;
      p_now?: Date | string | null;
      p_live?: boolean | null;
    };
    returns: Json | null;
    setof: false;
  };
  /** Dashboard (GET /user): {success, data: {metrics: [daily rows], summary}, user_id} for the last p_days days (1-365, default 30) up to and including the reporting day of p_now (default now()); NULL user = the caller (request.jwt.claims.sub). Self-only callers get 42501 for anyone else. */
  api_user_metrics: {
    args: {
      p_user_id?: string | null;
      p_days?: number | null;
      p_now?: Date | string | null;
    };
    returns: Json | null;
    setof: false;
  };
  /** Daily retention at the server's now(): rolls up, deletes metric buckets older than settings.metric_retention_days (400), drops rolled-up event log partitions older than 3 days, deletes sent notifications older than notification_retention_days (30) of incidents resolved before then, batch ids older than 7 days and cron.job_run_details older than job_run_retention_days (14). */
  apply_sms_retention: {
    args: {}
    returns: {
      target: string | null;
      deleted: number | null;
    };
    setof: true;
  };
  /** Evaluates every enabled alert rule at p_now (default now(); at most 5 minutes ahead of the server clock, else 22023), opens/repeats/resolves incidents and queues notifications; resolves the open incident of a disabled rule; returns one row per rule (per value of a per-dimension rule: group_by, group_value) with its action, a value of the enum sms_monitor.alert_action (skipped = already evaluated at p_now or later; error = the rule's evaluation failed: SQLSTATE and message in detail, the other rules are unaffected). Safe to run concurrently. */
  check_sms_alerts: {
    args: {
      p_now?: Date | string | null;
    };
    returns: {
      alert_type: string | null;
      action: string | null;
      metric_value: number | null;
      threshold_value: number | null;
      sample_size: number | null;
      alert_id: string | null;
      detail: string | null;
      group_by: string | null;
      group_value: string | null;
    };
    setof: true;
  };
  /** Notifier: leases up to p_limit due outbox rows of the channels p_channels (NULL: all) to p_worker for p_lease_seconds (for update skip locked), oldest first; each claim counts one attempt. A row waits while an earlier row of the same incident and channel is pending (in-order delivery: trigger, acknowledge, resolve). */
  claim_sms_notifications: {
    args: {
      p_worker: string | null;
      p_limit?: number | null;
      p_lease_seconds?: number | null;
      p_channels?: string[] | null;
    };
    returns: {
      id: number | null;
      alert_id: string | null;
      channel: string | null;
      event: string | null;
      status: string | null;
      attempts: number | null;
      max_attempts: number | null;
      next_attempt_at: Date | null;
      locked_by: string | null;
      locked_until: Date | null;
      last_error: string | null;
      payload: Json | null;
      created_at: Date | null;
      updated_at: Date | null;
      sent_at: Date | null;
      retries: number | null;
      retry_until: Date | null;
    };
    setof: true;
  };
  /** Notifier: records a delivery outcome (sent | retry | failed | defer) for a row leased by p_worker; returns the new status (sent, pending, failed, dead, superseded) or lost when the lease was lost. retry: pending again at p_retry_at, not counted against max_attempts, dead only after retry_until (24 h). sent: the channel's rows waiting after a temporary failure are due at once. defer: pending again at p_retry_at with the attempt not counted. NULL id or bad outcome: 22023; unknown id: P0002. */
  complete_sms_notification: {
    args: {
      p_id: number | string | null;
      p_worker: string | null;
      p_outcome: string | null;
      p_error?: string | null;
      p_retry_at?: Date | string | null;
    };
    returns: string | null;
    setof: false;
  };
  /** Daily rows of sms_metrics_daily from p_start_date to p_end_date inclusive (NULL end = today in the reporting timezone), oldest first. Days without traffic have no row. */
  get_sms_daily_metrics: {
    args: {
      p_start_date: string | null;
      p_end_date?: string | null;
    };
    returns: {
      metric_date: Date | null;
      scheduled_count: number | null;
      sent_count: number | null;
      delivered_count: number | null;
      failed_count: number | null;
      cancelled_count: number | null;
      llm_success_count: number | null;
      template_fallback_count: number | null;
      opt_out_count: number | null;
      quiet_hours_skip_count: number | null;
      daily_limit_hit_count: number | null;
      llm_cost_usd: number | null;
      sms_cost_usd: number | null;
      avg_delivery_time_ms: number | null;
      avg_generation_time_ms: number | null;
      delivery_rate_percent: number | null;
      llm_success_rate_percent: number | null;
      active_users: number | null;
    };
    setof: true;
  };
  /** One row per reporting day for p_user_id over the last p_days days (1-365) up to and including the reporting day of p_now (default now()). Self-only callers may read only the user in request.jwt.claims.sub (else 42501). */
  get_user_sms_metrics: {
    args: {
      p_user_id: string | null;
      p_days?: number | null;
      p_now?: Date | string | null;
    };
    returns: {
      metric_date: Date | null;
      scheduled_count: number | null;
      sent_count: number | null;
      delivered_count: number | null;
      failed_count: number | null;
      cancelled_count: number | null;
      llm_success_count: number | null;
      template_fallback_count: number | null;
      opt_out_count: number | null;
      quiet_hours_skip_count: number | null;
      daily_limit_hit_count: number | null;
      llm_cost_usd: number | null;
      sms_cost_usd: number | null;
      avg_delivery_time_ms: number | null;
      avg_generation_time_ms: number | null;
      delivery_rate_percent: number | null;
      llm_success_rate_percent: number | null;
    };
    setof: true;
  };
  /** Registers (or updates) the pg_cron jobs by name: sms-monitor-check-alerts (every minute), sms-monitor-rollup (every minute: run_sms_rollups, a rollup every second for 55 s), sms-monitor-retention (03:17 UTC). Needs pg_cron (55000 otherwise). */
  install_sms_monitor_schedule: {
    args: {}
    returns: {
      jobname: string | null;
      schedule: string | null;
      command: string | null;
      jobid: number | null;
    };
    setof: true;
  };
  /** Lifts a silence at p_now (default now); held-back open incidents are announced by the next check. Unknown id: P0002; NULL id or time: 22023. */
  lift_sms_alert_silence: {
    args: {
      p_silence_id: number | string | null;
      p_now?: Date | string | null;
    };
    returns: {
      id: number | null;
      alert_type: string | null;
      starts_at: Date | null;
      ends_at: Date | null;
      reason: string | null;
      created_by: string | null;
      created_at: Date | null;
      lifted_at: Date | null;
      lifted_by: string | null;
      group_value: string | null;
    };
    setof: false;
  };
  /** Silences that are active or upcoming at p_now (all of them with p_include_ended), by start time. NULL or infinite p_now: 22023. */
  list_sms_alert_silences: {
    args: {
      p_include_ended?: boolean | null;
      p_now?: Date | string | null;
    };
    returns: {
      id: number | null;
      alert_type: string | null;
      starts_at: Date | null;
      ends_at: Date | null;
      reason: string | null;
      created_by: string | null;
      created_at: Date | null;
      lifted_at: Date | null;
      lifted_by: string | null;
      group_value: string | null;
    };
    setof: true;
  };
  /** Notifier: the earliest time a pending outbox row of the channels p_channels (NULL: all) becomes claimable (next_attempt_at, or lease end when leased), or NULL when nothing is pending; rows queued behind an earlier pending row of their incident and channel are not counted. */
  next_sms_notification_due: {
    args: {
      p_channels?: string[] | null;
    };
    returns: Date | null;
    setof: false;
  };
  /** What check_sms_alerts(p_now) would do at any p_now (default now()), changing nothing: same rows (one per rule, and per value of a per-dimension rule); an incident it would open has an alert_id that does not exist. No notification, no NOTIFY. */
  preview_sms_alerts: {
    args: {
      p_now?: Date | string | null;
    };
    returns: {
      alert_type: string | null;
      action: string | null;
      metric_value: number | null;
      threshold_value: number | null;
      sample_size: number | null;
      alert_id: string | null;
      detail: string | null;
      group_by: string | null;
      group_value: string | null;
    };
    setof: true;
  };
  /** Records one event, bucketed into the date, hour and minute of p_occurred_at in the reporting timezone. p_occurred_at must be finite, at most 5 minutes ahead of the server clock and within metric_retention_days; else 22023. */
  record_sms_event: {
    args: {
      p_metric_type: string | null;
      p_user_id?: string | null;
      p_value?: number | string | null;
      p_occurred_at?: Date | string | null;
      p_metadata?: Json | null;
    };
    returns: null;
    setof: false;
  };
  /** Records a JSON array of events {metric_type, user_id?, value?, occurred_at?, metadata?} all or nothing; returns how many were recorded. The first bad element raises 22023 naming events[i].field. With p_batch_id the batch is recorded at most once: a repeated id records nothing and returns the first result (ids kept 7 days). */
  record_sms_events: {
    args: {
      p_events: Json | null;
      p_batch_id?: string | null;
    };
    returns: number | null;
    setof: false;
  };
  /** Records one message event (the optional fields in p_attributes) like record_sms_message_events; returns 1 (accepted; rollup_sms_messages folds it). 22023 names the field. */
  record_sms_message_event: {
    args: {
      p_message_id: string | null;
      p_status: string | null;
      p_occurred_at: Date | string | null;
      p_attributes?: Json | null;
    };
    returns: number | null;
    setof: false;
  };
  /** Records a JSON array of message events {message_id, status, occurred_at, user_id?, provider?, sender?, sender_type?, carrier?, country?, error_code?, segments?, price_usd?, message_class?} all or nothing into the append-only log; the fold (rollup_sms_messages) counts each (message, status) once into sent/delivered/failed/cancelled counts, delivery time and cost. Returns how many events were accepted; 22023 names events[i].field. A repeated p_batch_id records nothing and returns the first result. */
  record_sms_message_events: {
    args: {
      p_events: Json | null;
      p_batch_id?: string | null;
    };
    returns: number | null;
    setof: false;
  };
  /** Records a value for the bucket (date, hour or NULL for the day, user or NULL for system-wide, type). Timings (avg_*_ms) count one sample per call. The bucket must lie within metric_retention_days and begin at most 5 minutes after now(). Bad input raises 22023 and writes nothing. */
  record_sms_metric: {
    args: {
      p_metric_date: string | null;
      p_metric_hour: number | null;
      p_user_id: string | null;
      p_metric_type: string | null;
      p_metric_value: number | string | null;
      p_metadata?: Json | null;
    };
    returns: null;
    setof: false;
  };
  /** Runs rollup_sms_metrics() (the daily views are live; nothing else to refresh). Kept for existing callers. */
  refresh_sms_metrics_daily: {
    args: {}
    returns: null;
    setof: false;
  };
  /** Notifier, graceful shutdown: rows leased by p_worker become claimable at once, the attempt not counted; returns how many were released and NOTIFYs sms_monitor_notifications with their ids. */
  release_sms_notifications: {
    args: {
      p_worker: string | null;
    };
    returns: number | null;
    setof: false;
  };
  /** Notifier: extends to now() + p_lease_seconds the leases p_worker holds on the rows p_ids (deliveries in flight); returns how many were renewed. Bad arguments: 22023. */
  renew_sms_notification_leases: {
    args: {
      p_worker: string | null;
      p_ids: Array<number | string> | null;
      p_lease_seconds: number | null;
    };
    returns: number | null;
    setof: false;
  };
  /** The reporting day (in settings.reporting_timezone) that contains p_now, default now(). */
  reporting_today: {
    args: {
      p_now?: Date | string | null;
    };
    returns: Date | null;
    setof: false;
  };
  /** Resolves an open incident by hand (resolved_by defaults to the session user; at most 200 characters, not 'auto'/'rule disabled') at p_now (between triggered_at and now() + 5 minutes; never before its acknowledgement) and queues a resolve to the channels that were told; idempotent on a resolved incident. Unknown id: P0002; bad arguments: 22023. */
  resolve_sms_alert: {
    args: {
      p_alert_id: string | null;
      p_resolved_by?: string | null;
      p_now?: Date | string | null;
    };
    returns: {
      id: string | null;
      alert_type: string | null;
      severity: string | null;
      metric: string | null;
      comparison: string | null;
      metric_value: number | null;
      threshold_value: number | null;
      recovery_value: number | null;
      window_minutes: number | null;
      sample_size: number | null;
      message: string | null;
      triggered_at: Date | null;
      last_value: number | null;
      last_evaluated_at: Date | null;
      resolved_at: Date | null;
      resolved_by: string | null;
      resolution_value: number | null;
      acknowledged_at: Date | null;
      acknowledged_by: string | null;
      silenced: boolean | null;
      last_notified_at: Date | null;
      repeat_count: number | null;
      notification_sent: boolean | null;
      notification_error: string | null;
      notification_status: Json | null;
      created_at: Date | null;
      dedup_key: string | null;
      group_by: string | null;
      group_value: string | null;
    };
    setof: false;
  };
  /** Admin: re-sends failed and dead notifications (one by p_id, one incident's by p_alert_id, or all): pending, due now, attempts 0, NOTIFY sms_monitor_notifications. Rows followed by a delivered notification of the same incident and channel are skipped (out of order). Returns the rows reset. Not failed/dead, out of order, bad id: 22023; unknown id: P0002. */
  retry_sms_notifications: {
    args: {
      p_id?: number | string | null;
      p_alert_id?: string | null;
    };
    returns: {
      id: number | null;
      alert_id: string | null;
      channel: string | null;
      event: string | null;
      status: string | null;
      attempts: number | null;
      max_attempts: number | null;
      next_attempt_at: Date | null;
      locked_by: string | null;
      locked_until: Date | null;
      last_error: string | null;
      payload: Json | null;
      created_at: Date | null;
      updated_at: Date | null;
      sent_at: Date | null;
      retries: number | null;
      retry_until: Date | null;
    };
    setof: true;
  };
  /** Folds the message events past the watermark into sms_messages and the counters, exactly once (one transaction with the watermark); returns how many events. */
  rollup_sms_messages: {
    args: {}
    returns: number | null;
    setof: false;
  };
  /** Rolls the sms_metric_events rows past the watermark up into sms_metric_rollups, exactly once (one transaction with the watermark); returns how many rows. Readers never wait for it: the views add the tail. */
  rollup_sms_metrics: {
    args: {}
    returns: number | null;
    setof: false;
  };
  /** Silences a rule (NULL = all), or one value of a per-dimension rule (p_group_value), from p_starts_at (default now) until p_until: incidents are recorded, not notified, and announced when the silence ends if still open. Returns the silence row. */
  silence_sms_alerts: {
    args: {
      p_alert_type: string | null;
      p_until: Date | string | null;
      p_reason: string | null;
      p_starts_at?: Date | string | null;
      p_group_value?: string | null;
    };
    returns: {
      id: number | null;
      alert_type: string | null;
      starts_at: Date | null;
      ends_at: Date | null;
      reason: string | null;
      created_by: string | null;
      created_at: Date | null;
      lifted_at: Date | null;
      lifted_by: string | null;
      group_value: string | null;
    };
    setof: false;
  };
  /** Notifier: records that p_worker is alive and serves p_channels until now() + p_ttl_seconds; NULL channels signs it off. Bad arguments: 22023. */
  sms_notifier_heartbeat: {
    args: {
      p_worker: string | null;
      p_channels: string[] | null;
      p_ttl_seconds?: number | null;
    };
    returns: null;
    setof: false;
  };
  /** Removes the sms-monitor-* pg_cron jobs (e.g. where an external scheduler or notifier --evaluate-every runs the checks instead); returns how many were removed. */
  uninstall_sms_monitor_schedule: {
    args: {}
    returns: number | null;
    setof: false;
  };
}

/** Runtime description of the same functions (argument order, SQL types, defaults). */
export const smsMonitorFunctions = {
  acknowledge_sms_alert: {
    args: [
      { name: 'p_alert_id', type: 'uuid', default: null },
      { name: 'p_by', type: 'text', default: 'NULL::text' },
      { name: 'p_now', type: 'timestamp with time zone', default: 'now()' },
    ],
    returns: 'sms_monitor.sms_alert_history',
    setof: false,
    composite: true,
    volatility: 'volatile',
  },
  api_alert_detail: {
    args: [
      { name: 'p_alert_id', type: 'uuid', default: null },
    ],
    returns: 'jsonb',
    setof: false,
    composite: false,
    volatility: 'stable',
  },
  api_alert_rules: {
    args: [],
    returns: 'jsonb',
    setof: false,
    composite: false,
    volatility: 'stable',
  },
  api_alerts: {
    args: [
      { name: 'p_type', type: 'text', default: '\'unresolved\'::text' },
      { name: 'p_limit', type: 'integer', default: '50' },
      { name: 'p_start_date', type: 'date', default: 'NULL::date' },
      { name: 'p_end_date', type: 'date', default: 'NULL::date' },
    ],
    returns: 'jsonb',
    setof: false,
    composite: false,
    volatility: 'stable',
  },
  api_daily_metrics: {
    args: [
      { name: 'p_start_date', type: 'date', default: null },
      { name: 'p_end_date', type: 'date', default: 'NULL::date' },
    ],
    returns: 'jsonb',
    setof: false,
    composite: false,
    volatility: 'stable',
  },
  api_health: {
    args: [
      { name: 'p_now', type: 'timestamp with time zone', default: 'now()' },
    ],
    returns: 'jsonb',
    setof: false,
    composite: false,
    volatility: 'stable',
  },
  api_message_breakdown: {
    args: [
      { name: 'p_by', type: 'text', default: null },
      { name: 'p_minutes', type: 'integer', default: '60' },
      { name: 'p_start', type: 'timestamp with time zone', default: 'NULL::timestamp with time zone' },
      { name: 'p_end', type: 'timestamp with time zone', default: 'NULL::timestamp with time zone' },
      { name: 'p_now', type: 'timestamp with time zone', default: 'now()' },
    ],
    returns: 'jsonb',
    setof: false,
    composite: false,
    volatility: 'stable',
  },
  api_message_latency: {
    args: [
      { name: 'p_by', type: 'text', default: 'NULL::text' },
      { name: 'p_minutes', type: 'integer', default: '60' },
      { name: 'p_start', type: 'timestamp with time zone', default: 'NULL::timestamp with time zone' },
      { name: 'p_end', type: 'timestamp with time zone', default: 'NULL::timestamp with time zone' },
      { name: 'p_now', type: 'timestamp with time zone', default: 'now()' },
    ],
    returns: 'jsonb',
    setof: false,
    composite: false,
    volatility: 'stable',
  },
  api_message_receipts: {
    args: [
      { name: 'p_after_minutes', type: 'integer', default: '10' },
      { name: 'p_minutes', type: 'integer', default: '1440' },
      { name: 'p_now', type: 'timestamp with time zone', default: 'now()' },
    ],
    returns: 'jsonb',
    setof: false,
    composite: false,
    volatility: 'stable',
  },
  api_message_series: {
    args: [
      { name: 'p_minutes', type: 'integer', default: '180' },
      { name: 'p_step', type: 'integer', default: '1' },
      { name: 'p_by', type: 'text', default: 'NULL::text' },
      { name: 'p_now', type: 'timestamp with time zone', default: 'now()' },
    ],
    returns: 'jsonb',
    setof: false,
    composite: false,
    volatility: 'stable',
  },
  api_metrics_summary: {
    args: [
      { name: 'p_now', type: 'timestamp with time zone', default: 'now()' },
      { name: 'p_live', type: 'boolean', default: 'false' },
    ],
    returns: 'jsonb',
    setof: false,
    composite: false,
    volatility: 'stable',
  },
  api_prometheus_metrics: {
    args: [
      { name: 'p_now', type: 'timestamp with time zone', default: 'now()' },
    ],
    returns: 'text',
    setof: false,
    composite: false,
    volatility: 'stable',
  },
  api_resolve_alert: {
    args: [
      { name: 'p_alert_id', type: 'uuid', default: null },
      { name: 'p_resolved_by', type: 'text', default: 'NULL::text' },
    ],
    returns: 'jsonb',
    setof: false,
    composite: false,
    volatility: 'volatile',
  },
  api_today_metrics: {
    args: [
      { name: 'p_now', type: 'timestamp with time zone', default: 'now()' },
      { name: 'p_live', type: 'boolean', default: 'false' },
    ],
    returns: 'jsonb',
    setof: false,
    composite: false,
    volatility: 'stable',
  },
  api_top_users: {
    args: [
      { name: 'p_days', type: 'integer', default: '7' },
      { name: 'p_by', type: 'text', default: '\'sent\'::text' },
      { name: 'p_limit', type: 'integer', default: '10' },
      { name: 'p_now', type: 'timestamp with time zone', default: 'now()' },
      { name: 'p_live', type: 'boolean', default: 'false' },
    ],
    returns: 'jsonb',
    setof: false,
    composite: false,
    volatility: 'stable',
  },
  api_user_metrics: {
    args: [
      { name: 'p_user_id', type: 'uuid', default: 'NULL::uuid' },
      { name: 'p_days', type: 'integer', default: '30' },
      { name: 'p_now', type: 'timestamp with time zone', default: 'now()' },
    ],
    returns: 'jsonb',
    setof: false,
    composite: false,
    volatility: 'stable',
  },
  apply_sms_retention: {
    args: [],
    returns: 'table',
    setof: true,
    composite: true,
    volatility: 'volatile',
  },
  check_sms_alerts: {
    args: [
      { name: 'p_now', type: 'timestamp with time zone', default: 'now()' },
    ],
    returns: 'table',
    setof: true,
    composite: true,
    volatility: 'volatile',
  },
  claim_sms_notifications: {
    args: [
      { name: 'p_worker', type: 'text', default: null },
      { name: 'p_limit', type: 'integer', default: '10' },
      { name: 'p_lease_seconds', type: 'integer', default: '60' },
      { name: 'p_channels', type: 'text[]', default: 'NULL::text[]' },
    ],
    returns: 'sms_monitor.sms_alert_notifications',
    setof: true,
    composite: true,
    volatility: 'volatile',
  },
  complete_sms_notification: {
    args: [
      { name: 'p_id', type: 'bigint', default: null },
      { name: 'p_worker', type: 'text', default: null },
      { name: 'p_outcome', type: 'text', default: null },
      { name: 'p_error', type: 'text', default: 'NULL::text' },
      { name: 'p_retry_at', type: 'timestamp with time zone', default: 'NULL::timestamp with time zone' },
    ],
    returns: 'text',
    setof: false,
    composite: false,
    volatility: 'volatile',
  },
  get_sms_daily_metrics: {
    args: [
      { name: 'p_start_date', type: 'date', default: null },
      { name: 'p_end_date', type: 'date', default: 'NULL::date' },
    ],
    returns: 'sms_monitor.sms_metrics_daily',
    setof: true,
    composite: true,
    volatility: 'stable',
  },
  get_user_sms_metrics: {
    args: [
      { name: 'p_user_id', type: 'uuid', default: null },
      { name: 'p_days', type: 'integer', default: '30' },
      { name: 'p_now', type: 'timestamp with time zone', default: 'now()' },
    ],
    returns: 'table',
    setof: true,
    composite: true,
    volatility: 'stable',
  },
  install_sms_monitor_schedule: {
    args: [],
    returns: 'table',
    setof: true,
    composite: true,
    volatility: 'volatile',
  },
  lift_sms_alert_silence: {
    args: [
      { name: 'p_silence_id', type: 'bigint', default: null },
      { name: 'p_now', type: 'timestamp with time zone', default: 'now()' },
    ],
    returns: 'sms_monitor.sms_alert_silences',
    setof: false,
    composite: true,
    volatility: 'volatile',
  },
  list_sms_alert_silences: {
    args: [
      { name: 'p_include_ended', type: 'boolean', default: 'false' },
      { name: 'p_now', type: 'timestamp with time zone', default: 'now()' },
    ],
    returns: 'sms_monitor.sms_alert_silences',
    setof: true,
    composite: true,
    volatility: 'stable',
  },
  next_sms_notification_due: {
    args: [
      { name: 'p_channels', type: 'text[]', default: 'NULL::text[]' },
    ],
    returns: 'timestamp with time zone',
    setof: false,
    composite: false,
    volatility: 'stable',
  },
  preview_sms_alerts: {
    args: [
      { name: 'p_now', type: 'timestamp with time zone', default: 'now()' },
    ],
    returns: 'table',
    setof: true,
    composite: true,
    volatility: 'volatile',
  },
  record_sms_event: {
    args: [
      { name: 'p_metric_type', type: 'text', default: null },
      { name: 'p_user_id', type: 'uuid', default: 'NULL::uuid' },
      { name: 'p_value', type: 'numeric', default: '1' },
      { name: 'p_occurred_at', type: 'timestamp with time zone', default: 'now()' },
      { name: 'p_metadata', type: 'jsonb', default: '\'{}\'::jsonb' },
    ],
    returns: 'void',
    setof: false,
    composite: false,
    volatility: 'volatile',
  },
  record_sms_events: {
    args: [
      { name: 'p_events', type: 'jsonb', default: null },
      { name: 'p_batch_id', type: 'uuid', default: 'NULL::uuid' },
    ],
    returns: 'integer',
    setof: false,
    composite: false,
    volatility: 'volatile',
  },
  record_sms_message_event: {
    args: [
      { name: 'p_message_id', type: 'text', default: null },
      { name: 'p_status', type: 'text', default: null },
      { name: 'p_occurred_at', type: 'timestamp with time zone', default: null },
      { name: 'p_attributes', type: 'jsonb', default: '\'{}\'::jsonb' },
    ],
    returns: 'integer',
    setof: false,
    composite: false,
    volatility: 'volatile',
  },
  record_sms_message_events: {
    args: [
      { name: 'p_events', type: 'jsonb', default: null },
      { name: 'p_batch_id', type: 'uuid', default: 'NULL::uuid' },
    ],
    returns: 'integer',
    setof: false,
    composite: false,
    volatility: 'volatile',
  },
  record_sms_metric: {
    args: [
      { name: 'p_metric_date', type: 'date', default: null },
      { name: 'p_metric_hour', type: 'integer', default: null },
      { name: 'p_user_id', type: 'uuid', default: null },
      { name: 'p_metric_type', type: 'text', default: null },
      { name: 'p_metric_value', type: 'numeric', default: null },
      { name: 'p_metadata', type: 'jsonb', default: '\'{}\'::jsonb' },
    ],
    returns: 'void',
    setof: false,
    composite: false,
    volatility: 'volatile',
  },
  refresh_sms_metrics_daily: {
    args: [],
    returns: 'void',
    setof: false,
    composite: false,
    volatility: 'volatile',
  },
  release_sms_notifications: {
    args: [
      { name: 'p_worker', type: 'text', default: null },
    ],
    returns: 'integer',
    setof: false,
    composite: false,
    volatility: 'volatile',
  },
  renew_sms_notification_leases: {
    args: [
      { name: 'p_worker', type: 'text', default: null },
      { name: 'p_ids', type: 'bigint[]', default: null },
      { name: 'p_lease_seconds', type: 'integer', default: null },
    ],
    returns: 'integer',
    setof: false,
    composite: false,
    volatility: 'volatile',
  },
  reporting_today: {
    args: [
      { name: 'p_now', type: 'timestamp with time zone', default: 'now()' },
    ],
    returns: 'date',
    setof: false,
    composite: false,
    volatility: 'stable',
  },
  resolve_sms_alert: {
    args: [
      { name: 'p_alert_id', type: 'uuid', default: null },
      { name: 'p_resolved_by', type: 'text', default: 'NULL::text' },
      { name: 'p_now', type: 'timestamp with time zone', default: 'now()' },
    ],
    returns: 'sms_monitor.sms_alert_history',
    setof: false,
    composite: true,
    volatility: 'volatile',
  },
  retry_sms_notifications: {
    args: [
      { name: 'p_id', type: 'bigint', default: 'NULL::bigint' },
      { name: 'p_alert_id', type: 'uuid', default: 'NULL::uuid' },
    ],
    returns: 'sms_monitor.sms_alert_notifications',
    setof: true,
    composite: true,
    volatility: 'volatile',
  },
  rollup_sms_messages: {
    args: [],
    returns: 'bigint',
    setof: false,
    composite: false,
    volatility: 'volatile',
  },
  rollup_sms_metrics: {
    args: [],
    returns: 'bigint',
    setof: false,
    composite: false,
    volatility: 'volatile',
  },
  silence_sms_alerts: {
    args: [
      { name: 'p_alert_type', type: 'text', default: null },
      { name: 'p_until', type: 'timestamp with time zone', default: null },
      { name: 'p_reason', type: 'text', default: null },
      { name: 'p_starts_at', type: 'timestamp with time zone', default: 'NULL::timestamp with time zone' },
      { name: 'p_group_value', type: 'text', default: 'NULL::text' },
    ],
    returns: 'sms_monitor.sms_alert_silences',
    setof: false,
    composite: true,
    volatility: 'volatile',
  },
  sms_notifier_heartbeat: {
    args: [
      { name: 'p_worker', type: 'text', default: null },
      { name: 'p_channels', type: 'text[]', default: null },
      { name: 'p_ttl_seconds', type: 'integer', default: '30' },
    ],
    returns: 'void',
    setof: false,
    composite: false,
    volatility: 'volatile',
  },
  uninstall_sms_monitor_schedule: {
    args: [],
    returns: 'integer',
    setof: false,
    composite: false,
    volatility: 'volatile',
  },
} as const;

export type SmsMonitorFunctionName = keyof SmsMonitorFunctions;
