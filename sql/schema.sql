-- GENERATED FILE, DO NOT EDIT. Regenerate with `npm run codegen` (scripts/codegen.ts)
-- from a freshly migrated database; `npm test` fails when this file is stale.
--
-- The current shape of schema sms_monitor (committed migrations + migrations/current.sql) as one
-- file to read: tables, columns, constraints, indexes, views, triggers, row-level security
-- policies, grants and comments, in pg_dump's order (--schema-only --no-owner). Function bodies
-- are left out: each function's signature and attributes are here, its body is in the file named
-- below it (sql/functions/<name>.sql). For reading, not for loading: databases get their schema
-- from `sms-monitor migrate`. Daily partitions (`<table>_YYYYMMDD`, with their indexes and attachments)
-- are left out: the maintenance job creates and drops them by date, so they differ from day to day;
-- each partitioned table, its indexes and its DEFAULT partition are here.

-- ==== tables, views, sequences, indexes, constraints, triggers, policies, grants ====

--
-- Name: sms_monitor; Type: SCHEMA; Schema: -
--

CREATE SCHEMA sms_monitor;

--
-- Name: SCHEMA sms_monitor; Type: COMMENT; Schema: -
--

COMMENT ON SCHEMA sms_monitor IS 'sms-monitor: SMS pipeline metrics, alerting and notifications.';

--
-- Name: alert_action; Type: TYPE; Schema: sms_monitor
--

CREATE TYPE sms_monitor.alert_action AS ENUM (
    'no_data',
    'ok',
    'pending',
    'fired',
    'silenced',
    'unsilenced',
    'repeated',
    'cooldown',
    'acknowledged',
    'recovering',
    'resolved',
    'disabled_resolved',
    'skipped',
    'error'
);

--
-- Name: TYPE alert_action; Type: COMMENT; Schema: sms_monitor
--

COMMENT ON TYPE sms_monitor.alert_action IS 'What one evaluation did with a rule (check_sms_alerts().action, sms_alert_rule_state.last_action); sql/functions/_alert_evaluate.sql describes each.';

--
-- Name: alert_comparison; Type: TYPE; Schema: sms_monitor
--

CREATE TYPE sms_monitor.alert_comparison AS ENUM (
    '<',
    '<=',
    '>',
    '>='
);

--
-- Name: TYPE alert_comparison; Type: COMMENT; Schema: sms_monitor
--

COMMENT ON TYPE sms_monitor.alert_comparison IS 'How a rule compares its metric''s value with threshold_value (sms_alert_thresholds.comparison).';

--
-- Name: alert_severity; Type: TYPE; Schema: sms_monitor
--

CREATE TYPE sms_monitor.alert_severity AS ENUM (
    'critical',
    'warning',
    'info'
);

--
-- Name: TYPE alert_severity; Type: COMMENT; Schema: sms_monitor
--

COMMENT ON TYPE sms_monitor.alert_severity IS 'How urgent a rule''s incidents are (sms_alert_thresholds.severity, sms_alert_history.severity).';

--
-- Name: latency_histogram_part; Type: TYPE; Schema: sms_monitor
--

CREATE TYPE sms_monitor.latency_histogram_part AS (
	s integer,
	l integer[]
);

--
-- Name: TYPE latency_histogram_part; Type: COMMENT; Schema: sms_monitor
--

COMMENT ON TYPE sms_monitor.latency_histogram_part IS 'Internal: one histogram a message read merges (l, as the buckets store it) and its sign (s: 1 added, -1 subtracted).';

--
-- Name: message_dimension; Type: TYPE; Schema: sms_monitor
--

CREATE TYPE sms_monitor.message_dimension AS ENUM (
    'carrier',
    'country',
    'sender',
    'sender_type',
    'error_code',
    'message_class',
    'provider'
);

--
-- Name: TYPE message_dimension; Type: COMMENT; Schema: sms_monitor
--

COMMENT ON TYPE sms_monitor.message_dimension IS 'A message attribute that breakdowns and per-dimension rules group by (by=, sms_alert_thresholds.group_by).';

--
-- Name: metric_kind; Type: TYPE; Schema: sms_monitor
--

CREATE TYPE sms_monitor.metric_kind AS ENUM (
    'counter',
    'sum',
    'timing',
    'derived'
);

--
-- Name: TYPE metric_kind; Type: COMMENT; Schema: sms_monitor
--

COMMENT ON TYPE sms_monitor.metric_kind IS 'How a metric type aggregates (metric_types.kind).';

--
-- Name: metric_unit; Type: TYPE; Schema: sms_monitor
--

CREATE TYPE sms_monitor.metric_unit AS ENUM (
    'percent',
    'ratio',
    'seconds'
);

--
-- Name: TYPE metric_unit; Type: COMMENT; Schema: sms_monitor
--

COMMENT ON TYPE sms_monitor.metric_unit IS 'The unit of a rule metric''s values (sms_alert_metrics.unit): how value_text and threshold_text are written.';

--
-- Name: notification_channel; Type: TYPE; Schema: sms_monitor
--

CREATE TYPE sms_monitor.notification_channel AS ENUM (
    'slack',
    'pagerduty',
    'email',
    'log'
);

--
-- Name: TYPE notification_channel; Type: COMMENT; Schema: sms_monitor
--

COMMENT ON TYPE sms_monitor.notification_channel IS 'Where a notification can go (sms_alert_notifications.channel, a rule''s notification_channels).';

--
-- Name: notification_event; Type: TYPE; Schema: sms_monitor
--

CREATE TYPE sms_monitor.notification_event AS ENUM (
    'trigger',
    'repeat',
    'acknowledge',
    'resolve'
);

--
-- Name: TYPE notification_event; Type: COMMENT; Schema: sms_monitor
--

COMMENT ON TYPE sms_monitor.notification_event IS 'What an outbox row announces about its incident (sms_alert_notifications.event).';

--
-- Name: notification_status; Type: TYPE; Schema: sms_monitor
--

CREATE TYPE sms_monitor.notification_status AS ENUM (
    'pending',
    'sent',
    'failed',
    'dead',
    'superseded'
);

--
-- Name: TYPE notification_status; Type: COMMENT; Schema: sms_monitor
--

COMMENT ON TYPE sms_monitor.notification_status IS 'The state of an outbox row (sms_alert_notifications.status).';

--
-- Name: sms_alert_history; Type: TABLE; Schema: sms_monitor
--

CREATE TABLE sms_monitor.sms_alert_history (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    alert_type text NOT NULL,
    severity text NOT NULL,
    metric text NOT NULL,
    comparison text NOT NULL,
    metric_value numeric,
    threshold_value numeric NOT NULL,
    recovery_value numeric,
    window_minutes integer NOT NULL,
    sample_size bigint,
    message text NOT NULL,
    triggered_at timestamp with time zone NOT NULL,
    last_value numeric,
    last_evaluated_at timestamp with time zone,
    resolved_at timestamp with time zone,
    resolved_by text,
    resolution_value numeric,
    acknowledged_at timestamp with time zone,
    acknowledged_by text,
    silenced boolean DEFAULT false NOT NULL,
    last_notified_at timestamp with time zone,
    repeat_count integer DEFAULT 0 NOT NULL,
    notification_sent boolean DEFAULT false NOT NULL,
    notification_error text,
    notification_status jsonb DEFAULT '{}'::jsonb NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    dedup_key text NOT NULL,
    group_by text,
    group_value text,
    CONSTRAINT sms_alert_history_resolved_check CHECK (((resolved_at IS NULL) = (resolved_by IS NULL))),
    CONSTRAINT sms_alert_history_severity_check CHECK ((severity = ANY ((enum_range(NULL::sms_monitor.alert_severity))::text[])))
);

--
-- Name: TABLE sms_alert_history; Type: COMMENT; Schema: sms_monitor
--

COMMENT ON TABLE sms_monitor.sms_alert_history IS 'One row per incident; at most one open (resolved_at is null) per rule. metric_value is the value that opened it, last_value the latest evaluated; silenced = held back by a silence and not announced yet; notification_sent / notification_error / notification_status come from the outbox rows.';

--
-- Name: COLUMN sms_alert_history.last_notified_at; Type: COMMENT; Schema: sms_monitor
--

COMMENT ON COLUMN sms_monitor.sms_alert_history.last_notified_at IS 'When the last trigger or repeat was queued (NULL = never announced, e.g. silenced): cooldowns count from it.';

--
-- Name: COLUMN sms_alert_history.notification_status; Type: COMMENT; Schema: sms_monitor
--

COMMENT ON COLUMN sms_monitor.sms_alert_history.notification_status IS 'Latest outbox status per "channel/event", e.g. {"pagerduty/trigger": "sent"}.';

--
-- Name: COLUMN sms_alert_history.dedup_key; Type: COMMENT; Schema: sms_monitor
--

COMMENT ON COLUMN sms_monitor.sms_alert_history.dedup_key IS 'PagerDuty dedup_key of the incident (sms-monitor/<alert_type at open>/<id>), fixed at open, used by every event.';

--
-- Name: COLUMN sms_alert_history.group_value; Type: COMMENT; Schema: sms_monitor
--

COMMENT ON COLUMN sms_monitor.sms_alert_history.group_value IS 'For a per-dimension rule: the value of group_by the incident is about (NULL: system-wide).';

--
-- Name: sms_alert_rule_state; Type: TABLE; Schema: sms_monitor
--

CREATE TABLE sms_monitor.sms_alert_rule_state (
    alert_type text NOT NULL,
    pending_since timestamp with time zone,
    last_evaluated_at timestamp with time zone,
    last_action text,
    last_value numeric,
    last_sample_size bigint,
    last_error text,
    CONSTRAINT sms_alert_rule_state_last_action_check CHECK ((last_action = ANY ((enum_range(NULL::sms_monitor.alert_action))::text[])))
);

--
-- Name: TABLE sms_alert_rule_state; Type: COMMENT; Schema: sms_monitor
--

COMMENT ON TABLE sms_monitor.sms_alert_rule_state IS 'Internal per-rule state: since when the condition is pending, and the last evaluation; its row is the rule''s lock.';

--
-- Name: COLUMN sms_alert_rule_state.last_error; Type: COMMENT; Schema: sms_monitor
--

COMMENT ON COLUMN sms_monitor.sms_alert_rule_state.last_error IS 'When the last evaluation of the rule failed (last_action = ''error''): "SQLSTATE: message"; NULL otherwise.';

--
-- Name: sms_metric_active_user_counts; Type: TABLE; Schema: sms_monitor
--

CREATE TABLE sms_monitor.sms_metric_active_user_counts (
    metric_date date NOT NULL,
    users bigint NOT NULL,
    CONSTRAINT sms_metric_active_user_counts_users_check CHECK ((users > 0))
);

--
-- Name: TABLE sms_metric_active_user_counts; Type: COMMENT; Schema: sms_monitor
--

COMMENT ON TABLE sms_monitor.sms_metric_active_user_counts IS 'How many sms_metric_active_users_daily rows (users with any rolled-up value) each reporting day has; kept by statement triggers on that table (_active_user_counts_apply). sms_metrics_daily reads it.';

--
-- Name: sms_metric_active_users_daily; Type: TABLE; Schema: sms_monitor
--

CREATE TABLE sms_monitor.sms_metric_active_users_daily (
    metric_date date NOT NULL,
    user_id uuid NOT NULL
);

--
-- Name: TABLE sms_metric_active_users_daily; Type: COMMENT; Schema: sms_monitor
--

COMMENT ON TABLE sms_monitor.sms_metric_active_users_daily IS 'The users (not the system-wide nil UUID) with any rolled-up value per reporting day: a row per (day, user), added with the rollup (ON CONFLICT DO NOTHING), deleted with the day by retention. sms_metrics_daily counts it.';

--
-- Name: sms_metric_events; Type: TABLE; Schema: sms_monitor
--

CREATE TABLE sms_monitor.sms_metric_events (
    id bigint NOT NULL,
    recorded_on date DEFAULT ((now() AT TIME ZONE 'UTC'::text))::date NOT NULL,
    user_id uuid NOT NULL,
    metric_type text NOT NULL,
    metric_date date NOT NULL,
    metric_hour smallint,
    metric_minute smallint,
    metric_value numeric NOT NULL,
    metadata jsonb
)
PARTITION BY RANGE (recorded_on);

--
-- Name: TABLE sms_metric_events; Type: COMMENT; Schema: sms_monitor
--

COMMENT ON TABLE sms_monitor.sms_metric_events IS 'Append-only log of every recorded value (one row per record_* value), partitioned by the UTC day it arrived (recorded_on). Written only by the record_* functions; rolled up by rollup_sms_metrics(); whole partitions are dropped by apply_sms_retention() once rolled up and older than _event_log_retention().';

--
-- Name: COLUMN sms_metric_events.metric_minute; Type: COMMENT; Schema: sms_monitor
--

COMMENT ON COLUMN sms_monitor.sms_metric_events.metric_minute IS 'Minute of the hour (reporting timezone) for values recorded with a time (record_sms_event(s)); NULL for record_sms_metric''s hour or day buckets.';

--
-- Name: sms_metric_rollups_system_daily; Type: TABLE; Schema: sms_monitor
--

CREATE TABLE sms_monitor.sms_metric_rollups_system_daily (
    metric_date date NOT NULL,
    metric_type text NOT NULL,
    metric_value numeric NOT NULL,
    sample_count bigint NOT NULL
);

--
-- Name: TABLE sms_metric_rollups_system_daily; Type: COMMENT; Schema: sms_monitor
--

COMMENT ON TABLE sms_monitor.sms_metric_rollups_system_daily IS 'Rolled-up days per metric type for all users together (the sums of sms_metric_rollups_daily per day and type), written in the same transactions (rollup_sms_metrics, retention, owner imports). sms_metrics_daily reads it.';

--
-- Name: sms_metrics_daily; Type: VIEW; Schema: sms_monitor
--

CREATE VIEW sms_monitor.sms_metrics_daily AS
 SELECT s.metric_date,
    s.scheduled_count,
    s.sent_count,
    s.delivered_count,
    s.failed_count,
    s.cancelled_count,
    s.llm_success_count,
    s.template_fallback_count,
    s.opt_out_count,
    s.quiet_hours_skip_count,
    s.daily_limit_hit_count,
    s.llm_cost_usd,
    s.sms_cost_usd,
    round((s.delivery_time_sum / NULLIF(s.delivery_time_samples, (0)::numeric)), 2) AS avg_delivery_time_ms,
    round((s.generation_time_sum / NULLIF(s.generation_time_samples, (0)::numeric)), 2) AS avg_generation_time_ms,
    round((((100)::numeric * s.delivered_count) / NULLIF(s.sent_count, (0)::numeric)), 2) AS delivery_rate_percent,
    round((((100)::numeric * s.llm_success_count) / NULLIF((s.llm_success_count + s.template_fallback_count), (0)::numeric)), 2) AS llm_success_rate_percent,
    (COALESCE(c.users, (0)::bigint) + s.new_users) AS active_users
   FROM (( SELECT m.metric_date,
            COALESCE(sum(m.metric_value) FILTER (WHERE (m.metric_type = 'scheduled_count'::text)), (0)::numeric) AS scheduled_count,
            COALESCE(sum(m.metric_value) FILTER (WHERE (m.metric_type = 'sent_count'::text)), (0)::numeric) AS sent_count,
            COALESCE(sum(m.metric_value) FILTER (WHERE (m.metric_type = 'delivered_count'::text)), (0)::numeric) AS delivered_count,
            COALESCE(sum(m.metric_value) FILTER (WHERE (m.metric_type = 'failed_count'::text)), (0)::numeric) AS failed_count,
            COALESCE(sum(m.metric_value) FILTER (WHERE (m.metric_type = 'cancelled_count'::text)), (0)::numeric) AS cancelled_count,
            COALESCE(sum(m.metric_value) FILTER (WHERE (m.metric_type = 'llm_success_count'::text)), (0)::numeric) AS llm_success_count,
            COALESCE(sum(m.metric_value) FILTER (WHERE (m.metric_type = 'template_fallback_count'::text)), (0)::numeric) AS template_fallback_count,
            COALESCE(sum(m.metric_value) FILTER (WHERE (m.metric_type = 'opt_out_count'::text)), (0)::numeric) AS opt_out_count,
            COALESCE(sum(m.metric_value) FILTER (WHERE (m.metric_type = 'quiet_hours_skip_count'::text)), (0)::numeric) AS quiet_hours_skip_count,
            COALESCE(sum(m.metric_value) FILTER (WHERE (m.metric_type = 'daily_limit_hit_count'::text)), (0)::numeric) AS daily_limit_hit_count,
            COALESCE(sum(m.metric_value) FILTER (WHERE (m.metric_type = 'llm_cost_usd'::text)), (0)::numeric) AS llm_cost_usd,
            COALESCE(sum(m.metric_value) FILTER (WHERE (m.metric_type = 'sms_cost_usd'::text)), (0)::numeric) AS sms_cost_usd,
            sum(m.metric_value) FILTER (WHERE (m.metric_type = 'avg_delivery_time_ms'::text)) AS delivery_time_sum,
            sum(m.sample_count) FILTER (WHERE (m.metric_type = 'avg_delivery_time_ms'::text)) AS delivery_time_samples,
            sum(m.metric_value) FILTER (WHERE (m.metric_type = 'avg_generation_time_ms'::text)) AS generation_time_sum,
            sum(m.sample_count) FILTER (WHERE (m.metric_type = 'avg_generation_time_ms'::text)) AS generation_time_samples,
            count(DISTINCT m.new_user) AS new_users
           FROM ( SELECT d.metric_date,
                    d.metric_type,
                    d.metric_value,
                    d.sample_count,
                    NULL::uuid AS new_user
                   FROM sms_monitor.sms_metric_rollups_system_daily d
                UNION ALL
                 SELECT e.metric_date,
                    e.metric_type,
                    e.metric_value,
                    1,
                        CASE
                            WHEN ((e.user_id <> sms_monitor._system_wide_user()) AND (NOT (EXISTS ( SELECT
                               FROM sms_monitor.sms_metric_active_users_daily a
                              WHERE ((a.metric_date = e.metric_date) AND (a.user_id = e.user_id)))))) THEN e.user_id
                            ELSE NULL::uuid
                        END AS "case"
                   FROM sms_monitor.sms_metric_events e
                  WHERE (e.id > sms_monitor._rollup_watermark('sms_metrics'::text))) m
          GROUP BY m.metric_date) s
     LEFT JOIN sms_monitor.sms_metric_active_user_counts c ON ((c.metric_date = s.metric_date)));

--
-- Name: VIEW sms_metrics_daily; Type: COMMENT; Schema: sms_monitor
--

COMMENT ON VIEW sms_monitor.sms_metrics_daily IS 'One row per reporting day: counters, costs, true mean timings, rates from summed counts (NULL without traffic) and active_users (distinct users with any metric that day). Live (day rollups + the not-yet-rolled-up log).';

--
-- Name: sms_messages; Type: TABLE; Schema: sms_monitor
--

CREATE TABLE sms_monitor.sms_messages (
    message_id text NOT NULL,
    user_id uuid,
    provider text,
    sender text,
    sender_type text,
    carrier text,
    country text,
    error_code text,
    segments smallint,
    price_usd numeric,
    price_at timestamp with time zone,
    message_class text,
    queued_at timestamp with time zone,
    sent_at timestamp with time zone,
    delivered_at timestamp with time zone,
    undelivered_at timestamp with time zone,
    failed_at timestamp with time zone,
    canceled_at timestamp with time zone,
    final_status text,
    final_at timestamp with time zone,
    final_user_id uuid,
    first_recorded_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL
);

--
-- Name: TABLE sms_messages; Type: COMMENT; Schema: sms_monitor
--

COMMENT ON TABLE sms_monitor.sms_messages IS 'One row per message: attributes joined from all its events (the first value given for each stays), the time of each status (the earliest reported), and the winning final status with the user its counter went to. Written only by the fold (rollup_sms_messages).';

--
-- Name: sms_metric_rollups_daily; Type: TABLE; Schema: sms_monitor
--

CREATE TABLE sms_monitor.sms_metric_rollups_daily (
    user_id uuid NOT NULL,
    metric_type text NOT NULL,
    metric_date date NOT NULL,
    metric_value numeric NOT NULL,
    sample_count bigint NOT NULL
);

--
-- Name: TABLE sms_metric_rollups_daily; Type: COMMENT; Schema: sms_monitor
--

COMMENT ON TABLE sms_monitor.sms_metric_rollups_daily IS 'Rolled-up days per (user, metric type): the sums of sms_metric_rollups per day, written in the same transactions (rollup_sms_metrics, retention, owner imports). sms_metrics_daily and sms_metrics_user_daily read it.';

--
-- Name: sms_metrics_user_daily; Type: VIEW; Schema: sms_monitor
--

CREATE VIEW sms_monitor.sms_metrics_user_daily AS
 SELECT m.metric_date,
    m.user_id,
    (COALESCE(sum(m.metric_value) FILTER (WHERE (m.metric_type = 'sent_count'::text)), (0)::numeric))::bigint AS sent_count,
    (COALESCE(sum(m.metric_value) FILTER (WHERE (m.metric_type = 'delivered_count'::text)), (0)::numeric))::bigint AS delivered_count,
    (COALESCE(sum(m.metric_value) FILTER (WHERE (m.metric_type = 'failed_count'::text)), (0)::numeric))::bigint AS failed_count,
    COALESCE(sum(m.metric_value) FILTER (WHERE (m.metric_type = 'llm_cost_usd'::text)), (0)::numeric) AS llm_cost_usd,
    COALESCE(sum(m.metric_value) FILTER (WHERE (m.metric_type = 'sms_cost_usd'::text)), (0)::numeric) AS sms_cost_usd
   FROM ( SELECT d.metric_date,
            d.user_id,
            d.metric_type,
            d.metric_value
           FROM sms_monitor.sms_metric_rollups_daily d
        UNION ALL
         SELECT e.metric_date,
            e.user_id,
            e.metric_type,
            e.metric_value
           FROM sms_monitor.sms_metric_events e
          WHERE (e.id > sms_monitor._rollup_watermark('sms_metrics'::text))) m
  WHERE ((m.user_id <> sms_monitor._system_wide_user()) AND (m.metric_type = ANY (ARRAY['sent_count'::text, 'delivered_count'::text, 'failed_count'::text, 'llm_cost_usd'::text, 'sms_cost_usd'::text])))
  GROUP BY m.metric_date, m.user_id;

--
-- Name: VIEW sms_metrics_user_daily; Type: COMMENT; Schema: sms_monitor
--

COMMENT ON VIEW sms_monitor.sms_metrics_user_daily IS 'One row per (reporting day, user): sent, delivered, failed, LLM and SMS cost. Live (day rollups + the not-yet-rolled-up log); api_top_users reads it.';

--
-- Name: sms_alert_notifications; Type: TABLE; Schema: sms_monitor
--

CREATE TABLE sms_monitor.sms_alert_notifications (
    id bigint NOT NULL,
    alert_id uuid NOT NULL,
    channel text NOT NULL,
    event text NOT NULL,
    status text DEFAULT 'pending'::text NOT NULL,
    attempts integer DEFAULT 0 NOT NULL,
    max_attempts integer DEFAULT 10 NOT NULL,
    next_attempt_at timestamp with time zone DEFAULT now() NOT NULL,
    locked_by text,
    locked_until timestamp with time zone,
    last_error text,
    payload jsonb NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    sent_at timestamp with time zone,
    retries integer DEFAULT 0 NOT NULL,
    retry_until timestamp with time zone DEFAULT (now() + '24:00:00'::interval) NOT NULL,
    CONSTRAINT sms_alert_notifications_attempts_check CHECK ((attempts >= 0)),
    CONSTRAINT sms_alert_notifications_channel_check CHECK ((channel = ANY ((enum_range(NULL::sms_monitor.notification_channel))::text[]))),
    CONSTRAINT sms_alert_notifications_event_check CHECK ((event = ANY ((enum_range(NULL::sms_monitor.notification_event))::text[]))),
    CONSTRAINT sms_alert_notifications_max_attempts_check CHECK ((max_attempts >= 1)),
    CONSTRAINT sms_alert_notifications_payload_check CHECK ((jsonb_typeof(payload) = 'object'::text)),
    CONSTRAINT sms_alert_notifications_retries_check CHECK ((retries >= 0)),
    CONSTRAINT sms_alert_notifications_status_check CHECK ((status = ANY ((enum_range(NULL::sms_monitor.notification_status))::text[])))
);

--
-- Name: TABLE sms_alert_notifications; Type: COMMENT; Schema: sms_monitor
--

COMMENT ON TABLE sms_monitor.sms_alert_notifications IS 'Outbox: one row per (incident, channel, event occurrence). Inserting NOTIFYs sms_monitor_notifications with the new ids; the notifier claims rows with claim_sms_notifications() and records outcomes with complete_sms_notification(). The table, not the NOTIFY, is the truth.';

--
-- Name: COLUMN sms_alert_notifications.retries; Type: COMMENT; Schema: sms_monitor
--

COMMENT ON COLUMN sms_monitor.sms_alert_notifications.retries IS 'Temporary failures (429, 5xx, timeout, network) so far; they do not count against max_attempts.';

--
-- Name: COLUMN sms_alert_notifications.retry_until; Type: COMMENT; Schema: sms_monitor
--

COMMENT ON COLUMN sms_monitor.sms_alert_notifications.retry_until IS 'A row still failing temporarily after this time is dead (default: 24 h after it was queued).';

--
-- Name: sms_alert_silences; Type: TABLE; Schema: sms_monitor
--

CREATE TABLE sms_monitor.sms_alert_silences (
    id bigint NOT NULL,
    alert_type text,
    starts_at timestamp with time zone NOT NULL,
    ends_at timestamp with time zone NOT NULL,
    reason text NOT NULL,
    created_by text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    lifted_at timestamp with time zone,
    lifted_by text,
    group_value text,
    CONSTRAINT sms_alert_silences_group_value_check CHECK (((group_value IS NULL) OR ((alert_type IS NOT NULL) AND (btrim(group_value) <> ''::text) AND (length(group_value) <= 200)))),
    CONSTRAINT sms_alert_silences_period_check CHECK ((ends_at > starts_at)),
    CONSTRAINT sms_alert_silences_reason_check CHECK ((btrim(reason) <> ''::text))
);

--
-- Name: TABLE sms_alert_silences; Type: COMMENT; Schema: sms_monitor
--

COMMENT ON TABLE sms_monitor.sms_alert_silences IS 'Silences: alert_type NULL = every rule. Active at t when starts_at <= t < ends_at and not lifted before t. Incidents open during a silence are recorded (silenced) and announced when it ends, if still open.';

--
-- Name: COLUMN sms_alert_silences.group_value; Type: COMMENT; Schema: sms_monitor
--

COMMENT ON COLUMN sms_monitor.sms_alert_silences.group_value IS 'NULL: the whole rule (every rule when alert_type is NULL). Else the one value of the rule''s group_by it silences.';

--
-- Name: run_sms_rollups(integer, double precision); Type: PROCEDURE; Schema: sms_monitor
--

CREATE PROCEDURE sms_monitor.run_sms_rollups(IN p_seconds integer DEFAULT 55, IN p_pause_seconds double precision DEFAULT 1)
    LANGUAGE plpgsql
    AS $$
declare
  v_until timestamptz;
begin
  if p_seconds is null or p_seconds < 0 or p_seconds > 3600 then
    raise exception 'seconds: must be between 0 and 3600 (got %)', coalesce(p_seconds::text, 'NULL')
      using errcode = '22023';
  end if;
  if p_pause_seconds is null or not (p_pause_seconds between 0.1 and 60) then
    raise exception 'pause_seconds: must be between 0.1 and 60 (got %)', coalesce(p_pause_seconds::text, 'NULL')
      using errcode = '22023';
  end if;
  v_until := pg_catalog.clock_timestamp() + pg_catalog.make_interval(secs => p_seconds);
  loop
    perform sms_monitor.rollup_sms_messages();
    commit;
    perform sms_monitor.rollup_sms_metrics();
    commit;
    exit when pg_catalog.clock_timestamp() + pg_catalog.make_interval(secs => p_pause_seconds) >= v_until;
    perform pg_catalog.pg_sleep(p_pause_seconds);
  end loop;
end;
$$;

--
-- Name: PROCEDURE run_sms_rollups(IN p_seconds integer, IN p_pause_seconds double precision); Type: COMMENT; Schema: sms_monitor
--

COMMENT ON PROCEDURE sms_monitor.run_sms_rollups(IN p_seconds integer, IN p_pause_seconds double precision) IS 'The rollup job: rollup_sms_messages() and rollup_sms_metrics() every p_pause_seconds (1) for p_seconds (55), committing each run. CALL it outside a transaction block. Bad arguments: 22023.';

--
-- Name: metric_types; Type: TABLE; Schema: sms_monitor
--

CREATE TABLE sms_monitor.metric_types (
    metric_type text NOT NULL,
    kind text NOT NULL,
    unit text NOT NULL,
    description text NOT NULL,
    CONSTRAINT metric_types_kind_check CHECK ((kind = ANY ((enum_range(NULL::sms_monitor.metric_kind))::text[])))
);

--
-- Name: TABLE metric_types; Type: COMMENT; Schema: sms_monitor
--

COMMENT ON TABLE sms_monitor.metric_types IS 'The 15 metric types: counters (whole events), sums (USD), timings (one sample per value, reported as the true mean) and the derived delivery_success_rate, which is never recorded.';

--
-- Name: settings; Type: TABLE; Schema: sms_monitor
--

CREATE TABLE sms_monitor.settings (
    id boolean DEFAULT true NOT NULL,
    reporting_timezone text DEFAULT 'UTC'::text NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    metric_retention_days integer DEFAULT 400 NOT NULL,
    notification_retention_days integer DEFAULT 30 NOT NULL,
    job_run_retention_days integer DEFAULT 14 NOT NULL,
    CONSTRAINT settings_job_run_retention_days_check CHECK (((job_run_retention_days >= 1) AND (job_run_retention_days <= 36500))),
    CONSTRAINT settings_metric_retention_days_check CHECK (((metric_retention_days >= 32) AND (metric_retention_days <= 36500))),
    CONSTRAINT settings_notification_retention_days_check CHECK (((notification_retention_days >= 1) AND (notification_retention_days <= 36500))),
    CONSTRAINT settings_single_row CHECK (id)
);

--
-- Name: TABLE settings; Type: COMMENT; Schema: sms_monitor
--

COMMENT ON TABLE sms_monitor.settings IS 'One row of system settings. reporting_timezone (IANA name) decides what a day and an hour are for every metric and alert; changing it affects new recordings, not buckets already written.';

--
-- Name: COLUMN settings.metric_retention_days; Type: COMMENT; Schema: sms_monitor
--

COMMENT ON COLUMN sms_monitor.settings.metric_retention_days IS 'sms_metrics buckets older than this many reporting days are deleted by apply_sms_retention() (>= 32: the cost-spike baseline needs the previous 30 days).';

--
-- Name: COLUMN settings.notification_retention_days; Type: COMMENT; Schema: sms_monitor
--

COMMENT ON COLUMN sms_monitor.settings.notification_retention_days IS 'Sent outbox rows (sms_alert_notifications) older than this many days are deleted by apply_sms_retention().';

--
-- Name: COLUMN settings.job_run_retention_days; Type: COMMENT; Schema: sms_monitor
--

COMMENT ON COLUMN sms_monitor.settings.job_run_retention_days IS 'pg_cron''s cron.job_run_details rows older than this many days are deleted by apply_sms_retention().';

--
-- Name: sms_alert_group_state; Type: TABLE; Schema: sms_monitor
--

CREATE TABLE sms_monitor.sms_alert_group_state (
    alert_type text NOT NULL,
    group_value text NOT NULL,
    pending_since timestamp with time zone,
    last_evaluated_at timestamp with time zone,
    last_action text,
    last_value numeric,
    last_sample_size bigint,
    CONSTRAINT sms_alert_group_state_last_action_check CHECK ((last_action = ANY ((enum_range(NULL::sms_monitor.alert_action))::text[])))
);

--
-- Name: TABLE sms_alert_group_state; Type: COMMENT; Schema: sms_monitor
--

COMMENT ON TABLE sms_monitor.sms_alert_group_state IS 'One row per (per-dimension rule, value) that was evaluated: its pending timer and what its last evaluation did.';

--
-- Name: sms_alert_metrics; Type: TABLE; Schema: sms_monitor
--

CREATE TABLE sms_monitor.sms_alert_metrics (
    metric text NOT NULL,
    label text NOT NULL,
    unit text NOT NULL,
    formula text NOT NULL,
    sample text NOT NULL,
    params text DEFAULT ''::text NOT NULL,
    source text DEFAULT 'counters'::text NOT NULL,
    CONSTRAINT sms_alert_metrics_source_check CHECK ((source = ANY (ARRAY['counters'::text, 'messages'::text]))),
    CONSTRAINT sms_alert_metrics_unit_check CHECK ((unit = ANY ((enum_range(NULL::sms_monitor.metric_unit))::text[])))
);

--
-- Name: TABLE sms_alert_metrics; Type: COMMENT; Schema: sms_monitor
--

COMMENT ON TABLE sms_monitor.sms_alert_metrics IS 'The metrics alert rules can watch: unit, formula over the rule''s window, and what the minimum sample counts.';

--
-- Name: COLUMN sms_alert_metrics.source; Type: COMMENT; Schema: sms_monitor
--

COMMENT ON COLUMN sms_monitor.sms_alert_metrics.source IS 'counters: computed from the pushed counters (system-wide only); messages: from sms_messages (group_by allowed).';

--
-- Name: sms_alert_notifications_id_seq; Type: SEQUENCE; Schema: sms_monitor
--

ALTER TABLE sms_monitor.sms_alert_notifications ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME sms_monitor.sms_alert_notifications_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: sms_alert_silences_id_seq; Type: SEQUENCE; Schema: sms_monitor
--

ALTER TABLE sms_monitor.sms_alert_silences ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME sms_monitor.sms_alert_silences_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: sms_alert_thresholds; Type: TABLE; Schema: sms_monitor
--

CREATE TABLE sms_monitor.sms_alert_thresholds (
    alert_type text NOT NULL,
    metric text NOT NULL,
    comparison text NOT NULL,
    threshold_value numeric NOT NULL,
    recovery_value numeric,
    window_minutes integer DEFAULT 60 NOT NULL,
    min_sample integer DEFAULT 20 NOT NULL,
    pending_minutes integer DEFAULT 0 NOT NULL,
    cooldown_minutes integer DEFAULT 60 NOT NULL,
    severity text NOT NULL,
    notification_channels text[] NOT NULL,
    is_enabled boolean DEFAULT true NOT NULL,
    description text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    group_by text,
    params jsonb DEFAULT '{}'::jsonb NOT NULL,
    CONSTRAINT sms_alert_thresholds_alert_type_check CHECK ((alert_type ~ '^[a-z][a-z0-9_]{0,62}$'::text)),
    CONSTRAINT sms_alert_thresholds_channels_check CHECK (((cardinality(notification_channels) >= 1) AND (notification_channels <@ (enum_range(NULL::sms_monitor.notification_channel))::text[]) AND (array_position(notification_channels, NULL::text) IS NULL))),
    CONSTRAINT sms_alert_thresholds_comparison_check CHECK ((comparison = ANY ((enum_range(NULL::sms_monitor.alert_comparison))::text[]))),
    CONSTRAINT sms_alert_thresholds_cooldown_check CHECK (((cooldown_minutes >= 1) AND (cooldown_minutes <= 10080))),
    CONSTRAINT sms_alert_thresholds_description_check CHECK ((btrim(description) <> ''::text)),
    CONSTRAINT sms_alert_thresholds_group_by_check CHECK ((group_by = ANY ((enum_range(NULL::sms_monitor.message_dimension))::text[]))),
    CONSTRAINT sms_alert_thresholds_min_sample_check CHECK ((min_sample >= 1)),
    CONSTRAINT sms_alert_thresholds_params_check CHECK (((jsonb_typeof(params) = 'object'::text) AND (length((params)::text) <= 2000))),
    CONSTRAINT sms_alert_thresholds_pending_check CHECK (((pending_minutes >= 0) AND (pending_minutes <= 10080))),
    CONSTRAINT sms_alert_thresholds_recovery_check CHECK (((recovery_value >= (0)::numeric) AND (recovery_value < 'Infinity'::numeric) AND
CASE
    WHEN (comparison = ANY (ARRAY['<'::text, '<='::text])) THEN (recovery_value >= threshold_value)
    ELSE (recovery_value <= threshold_value)
END)),
    CONSTRAINT sms_alert_thresholds_severity_check CHECK ((severity = ANY ((enum_range(NULL::sms_monitor.alert_severity))::text[]))),
    CONSTRAINT sms_alert_thresholds_threshold_check CHECK (((threshold_value >= (0)::numeric) AND (threshold_value < 'Infinity'::numeric))),
    CONSTRAINT sms_alert_thresholds_window_check CHECK (((window_minutes >= 1) AND (window_minutes <= 43200)))
);

--
-- Name: TABLE sms_alert_thresholds; Type: COMMENT; Schema: sms_monitor
--

COMMENT ON TABLE sms_monitor.sms_alert_thresholds IS 'One row per alert rule, tuned with plain SQL by sms_monitor_admin. A rule fires when "<metric over the last window_minutes> <comparison> threshold_value" holds on min_sample or more (for pending_minutes, if set); it resolves when the metric is no longer on the firing side of coalesce(recovery_value, threshold_value). See docs/alerts.md.';

--
-- Name: COLUMN sms_alert_thresholds.metric; Type: COMMENT; Schema: sms_monitor
--

COMMENT ON COLUMN sms_monitor.sms_alert_thresholds.metric IS 'What the rule watches: a row of sms_alert_metrics.';

--
-- Name: COLUMN sms_alert_thresholds.comparison; Type: COMMENT; Schema: sms_monitor
--

COMMENT ON COLUMN sms_monitor.sms_alert_thresholds.comparison IS 'Fires when metric <comparison> threshold_value.';

--
-- Name: COLUMN sms_alert_thresholds.recovery_value; Type: COMMENT; Schema: sms_monitor
--

COMMENT ON COLUMN sms_monitor.sms_alert_thresholds.recovery_value IS 'Hysteresis: an open incident resolves only once the metric is not <comparison> recovery_value (e.g. fire below 90, resolve at 92 or more). NULL = threshold_value.';

--
-- Name: COLUMN sms_alert_thresholds.window_minutes; Type: COMMENT; Schema: sms_monitor
--

COMMENT ON COLUMN sms_monitor.sms_alert_thresholds.window_minutes IS 'The metric is computed over the hourly buckets overlapping the last window_minutes (rounded out to whole hours in the reporting timezone); a daily bucket (NULL hour) counts only when its whole day is covered.';

--
-- Name: COLUMN sms_alert_thresholds.min_sample; Type: COMMENT; Schema: sms_monitor
--

COMMENT ON COLUMN sms_monitor.sms_alert_thresholds.min_sample IS 'Below this many samples (see sms_alert_metrics.sample) the evaluation is no_data, never a breach.';

--
-- Name: COLUMN sms_alert_thresholds.pending_minutes; Type: COMMENT; Schema: sms_monitor
--

COMMENT ON COLUMN sms_monitor.sms_alert_thresholds.pending_minutes IS 'The condition must hold on every evaluation for this long before an incident opens (0 = at once).';

--
-- Name: COLUMN sms_alert_thresholds.cooldown_minutes; Type: COMMENT; Schema: sms_monitor
--

COMMENT ON COLUMN sms_monitor.sms_alert_thresholds.cooldown_minutes IS 'While an unacknowledged incident stays breached, a repeat notification goes out each time this long has passed since the last one.';

--
-- Name: COLUMN sms_alert_thresholds.group_by; Type: COMMENT; Schema: sms_monitor
--

COMMENT ON COLUMN sms_monitor.sms_alert_thresholds.group_by IS 'NULL: one value system-wide. Else the message attribute the rule is evaluated per value of (message metrics only): each value has its own sample, incident and lifecycle.';

--
-- Name: COLUMN sms_alert_thresholds.params; Type: COMMENT; Schema: sms_monitor
--

COMMENT ON COLUMN sms_monitor.sms_alert_thresholds.params IS 'The metric''s parameters (see sms_alert_metrics.params): error_codes for error_code_share, after_minutes for receipt_delay_rate, slo_percent and windows for delivery_slo_burn.';

--
-- Name: sms_notifier_heartbeats; Type: TABLE; Schema: sms_monitor
--

CREATE TABLE sms_monitor.sms_notifier_heartbeats (
    worker text NOT NULL,
    channels text[] NOT NULL,
    started_at timestamp with time zone DEFAULT now() NOT NULL,
    last_seen_at timestamp with time zone DEFAULT now() NOT NULL,
    expires_at timestamp with time zone NOT NULL,
    CONSTRAINT sms_notifier_heartbeats_channels_check CHECK ((channels <@ (enum_range(NULL::sms_monitor.notification_channel))::text[])),
    CONSTRAINT sms_notifier_heartbeats_worker_check CHECK (((length(worker) >= 1) AND (length(worker) <= 200)))
);

--
-- Name: TABLE sms_notifier_heartbeats; Type: COMMENT; Schema: sms_monitor
--

COMMENT ON TABLE sms_monitor.sms_notifier_heartbeats IS 'One row per running notifier (sms_notifier_heartbeat()): the channels it is configured for, live until expires_at.';

--
-- Name: sms_alert_status; Type: VIEW; Schema: sms_monitor
--

CREATE VIEW sms_monitor.sms_alert_status WITH (security_invoker='true') AS
 SELECT t.alert_type,
    t.is_enabled,
    t.severity,
    t.metric,
    t.comparison,
    t.threshold_value,
    t.recovery_value,
    t.window_minutes,
    s.last_evaluated_at,
    s.last_action,
    s.last_value,
    s.last_sample_size,
    s.pending_since,
    h.id AS open_alert_id,
    h.triggered_at,
    h.acknowledged_at,
    h.silenced,
    h.notification_status,
    ( SELECT max(x.ends_at) AS max
           FROM sms_monitor.sms_alert_silences x
          WHERE (((x.alert_type IS NULL) OR (x.alert_type = t.alert_type)) AND (x.group_value IS NULL) AND (x.starts_at <= now()) AND (x.ends_at > now()) AND (x.lifted_at IS NULL))) AS silenced_until,
    s.last_error,
    COALESCE(w.waiting, 0) AS notifications_waiting,
    w.delivery_status
   FROM (((sms_monitor.sms_alert_thresholds t
     LEFT JOIN sms_monitor.sms_alert_rule_state s ON ((s.alert_type = t.alert_type)))
     LEFT JOIN LATERAL ( SELECT x.id,
            x.alert_type,
            x.severity,
            x.metric,
            x.comparison,
            x.metric_value,
            x.threshold_value,
            x.recovery_value,
            x.window_minutes,
            x.sample_size,
            x.message,
            x.triggered_at,
            x.last_value,
            x.last_evaluated_at,
            x.resolved_at,
            x.resolved_by,
            x.resolution_value,
            x.acknowledged_at,
            x.acknowledged_by,
            x.silenced,
            x.last_notified_at,
            x.repeat_count,
            x.notification_sent,
            x.notification_error,
            x.notification_status,
            x.created_at,
            x.dedup_key,
            x.group_by,
            x.group_value
           FROM sms_monitor.sms_alert_history x
          WHERE ((x.alert_type = t.alert_type) AND (x.resolved_at IS NULL))
          ORDER BY x.triggered_at, x.id
         LIMIT 1) h ON (true))
     LEFT JOIN LATERAL ( SELECT (sum(r.n))::integer AS waiting,
            format('%s waiting: %s'::text, sum(r.n),
                CASE
                    WHEN (count(*) = 1) THEN min(r.reason)
                    ELSE string_agg(format('%s (%s)'::text, r.reason, r.n), ', '::text ORDER BY r.reason)
                END) AS delivery_status
           FROM ( SELECT (q.kind ||
                        CASE
                            WHEN (q.kind ~~ '% retrying'::text) THEN COALESCE(((' ('::text || "left"((array_agg(q.last_error ORDER BY q.updated_at DESC) FILTER (WHERE (q.last_error IS NOT NULL)))[1], 200)) || ')'::text), ''::text)
                            ELSE ''::text
                        END) AS reason,
                    count(*) AS n
                   FROM ( SELECT n.last_error,
                            n.updated_at,
                                CASE
                                    WHEN ((n.channel <> 'log'::text) AND (NOT (EXISTS ( SELECT
                                       FROM sms_monitor.sms_notifier_heartbeats b
                                      WHERE ((b.expires_at > now()) AND (n.channel = ANY (b.channels))))))) THEN (n.channel || ' not configured'::text)
                                    WHEN (n.retries > 0) THEN (n.channel || ' retrying'::text)
                                    ELSE (n.channel || ' queued'::text)
                                END AS kind
                           FROM (sms_monitor.sms_alert_notifications n
                             JOIN sms_monitor.sms_alert_history a ON ((a.id = n.alert_id)))
                          WHERE ((a.alert_type = t.alert_type) AND (n.status = 'pending'::text))) q
                  GROUP BY q.kind) r
         HAVING (sum(r.n) > (0)::numeric)) w ON (true));

--
-- Name: VIEW sms_alert_status; Type: COMMENT; Schema: sms_monitor
--

COMMENT ON VIEW sms_monitor.sms_alert_status IS 'One row per alert rule: settings, the last check''s action and value, the open incident and the end of an active silence (silenced_until); last_error = "SQLSTATE: message" when the last evaluation failed (last_action error); notifications_waiting and delivery_status: what waits in the outbox and why (e.g. "2 waiting: pagerduty not configured").';

--
-- Name: sms_http_idempotency_keys; Type: TABLE; Schema: sms_monitor
--

CREATE TABLE sms_monitor.sms_http_idempotency_keys (
    subject text NOT NULL,
    key text NOT NULL,
    request_hash text NOT NULL,
    status integer NOT NULL,
    body text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT sms_http_idempotency_keys_body_check CHECK ((length(body) <= 65536)),
    CONSTRAINT sms_http_idempotency_keys_key_check CHECK (((length(key) >= 1) AND (length(key) <= 200))),
    CONSTRAINT sms_http_idempotency_keys_status_check CHECK (((status >= 200) AND (status <= 299)))
);

--
-- Name: TABLE sms_http_idempotency_keys; Type: COMMENT; Schema: sms_monitor
--

COMMENT ON TABLE sms_monitor.sms_http_idempotency_keys IS 'HTTP POST replies by (token subject, Idempotency-Key) for 24 h: a retried POST gets the first reply and acts once.';

--
-- Name: sms_ingest_batches; Type: TABLE; Schema: sms_monitor
--

CREATE TABLE sms_monitor.sms_ingest_batches (
    batch_id uuid NOT NULL,
    recorded integer NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL
);

--
-- Name: TABLE sms_ingest_batches; Type: COMMENT; Schema: sms_monitor
--

COMMENT ON TABLE sms_monitor.sms_ingest_batches IS 'Batch ids record_sms_events has recorded (with how many events), so a retried batch is written once; apply_sms_retention() deletes ids older than 7 days.';

--
-- Name: sms_message_events; Type: TABLE; Schema: sms_monitor
--

CREATE TABLE sms_monitor.sms_message_events (
    id bigint NOT NULL,
    recorded_on date DEFAULT ((now() AT TIME ZONE 'UTC'::text))::date NOT NULL,
    message_id text NOT NULL,
    status text NOT NULL,
    provider_status text NOT NULL,
    occurred_at timestamp with time zone NOT NULL,
    user_id uuid,
    attributes jsonb
)
PARTITION BY RANGE (recorded_on);

--
-- Name: TABLE sms_message_events; Type: COMMENT; Schema: sms_monitor
--

COMMENT ON TABLE sms_monitor.sms_message_events IS 'Append-only log of every message event as received (repeats included), its status mapped, with the spelling the provider used and the optional attributes it carried; rollup_sms_messages folds it into sms_messages.';

--
-- Name: sms_message_events_id_seq; Type: SEQUENCE; Schema: sms_monitor
--

CREATE SEQUENCE sms_monitor.sms_message_events_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

--
-- Name: sms_message_events_id_seq; Type: SEQUENCE OWNED BY; Schema: sms_monitor
--

ALTER SEQUENCE sms_monitor.sms_message_events_id_seq OWNED BY sms_monitor.sms_message_events.id;

--
-- Name: sms_message_events_default; Type: TABLE; Schema: sms_monitor
--

CREATE TABLE sms_monitor.sms_message_events_default (
    id bigint DEFAULT nextval('sms_monitor.sms_message_events_id_seq'::regclass) NOT NULL,
    recorded_on date DEFAULT ((now() AT TIME ZONE 'UTC'::text))::date NOT NULL,
    message_id text NOT NULL,
    status text NOT NULL,
    provider_status text NOT NULL,
    occurred_at timestamp with time zone NOT NULL,
    user_id uuid,
    attributes jsonb
);

--
-- Name: sms_message_hour_stats; Type: TABLE; Schema: sms_monitor
--

CREATE TABLE sms_monitor.sms_message_hour_stats (
    minute timestamp with time zone NOT NULL,
    dimension sms_monitor.message_dimension,
    value text,
    carrier_country text,
    messages bigint NOT NULL,
    sent bigint NOT NULL,
    delivered bigint NOT NULL,
    undelivered bigint NOT NULL,
    failed bigint NOT NULL,
    canceled bigint NOT NULL,
    waiting bigint NOT NULL,
    latency integer[] NOT NULL,
    error_codes jsonb NOT NULL
);

--
-- Name: TABLE sms_message_hour_stats; Type: COMMENT; Schema: sms_monitor
--

COMMENT ON TABLE sms_monitor.sms_message_hour_stats IS 'sms_message_minute_stats summed per hour (minute: the hour''s start); kept by the fold with the same deltas.';

--
-- Name: sms_message_minute_stats; Type: TABLE; Schema: sms_monitor
--

CREATE TABLE sms_monitor.sms_message_minute_stats (
    minute timestamp with time zone NOT NULL,
    dimension sms_monitor.message_dimension,
    value text,
    carrier_country text,
    messages bigint NOT NULL,
    sent bigint NOT NULL,
    delivered bigint NOT NULL,
    undelivered bigint NOT NULL,
    failed bigint NOT NULL,
    canceled bigint NOT NULL,
    waiting bigint NOT NULL,
    latency integer[] NOT NULL,
    error_codes jsonb NOT NULL
);

--
-- Name: TABLE sms_message_minute_stats; Type: COMMENT; Schema: sms_monitor
--

COMMENT ON TABLE sms_monitor.sms_message_minute_stats IS 'Per minute (of coalesce(sent_at, final_at)) and per value of one message_dimension (dimension NULL: every message, value NULL; carrier rows also per carrier_country, the message''s country, for the receipts read), the counts of sms_messages: messages, sent, delivered, undelivered, failed, canceled (winning final status), waiting (sent, no final status), latency {histogram bucket: delivered with a sent time} and error_codes {code: terminal}. Kept by the fold (_fold_message_events) by deltas; merged by _message_stats.';

--
-- Name: sms_message_status_spellings; Type: TABLE; Schema: sms_monitor
--

CREATE TABLE sms_monitor.sms_message_status_spellings (
    provider text NOT NULL,
    spelling text NOT NULL,
    status text NOT NULL
);

--
-- Name: TABLE sms_message_status_spellings; Type: COMMENT; Schema: sms_monitor
--

COMMENT ON TABLE sms_monitor.sms_message_status_spellings IS 'How a provider''s status word maps to one of the six statuses: the row for the event''s provider first, then the row with provider '''' (any provider). Matched lower-case.';

--
-- Name: sms_message_statuses; Type: TABLE; Schema: sms_monitor
--

CREATE TABLE sms_monitor.sms_message_statuses (
    status text NOT NULL,
    final_rank smallint,
    counter text,
    description text NOT NULL,
    CONSTRAINT sms_message_statuses_rank_check CHECK (((final_rank >= 1) AND (final_rank <= 9)))
);

--
-- Name: TABLE sms_message_statuses; Type: COMMENT; Schema: sms_monitor
--

COMMENT ON TABLE sms_monitor.sms_message_statuses IS 'The six message statuses. final_rank: NULL for queued and sent; among final statuses of one message the highest rank wins (delivered > undelivered > failed > canceled). counter: the metric a message in this status adds 1 to.';

--
-- Name: sms_metric_active_minutes; Type: TABLE; Schema: sms_monitor
--

CREATE TABLE sms_monitor.sms_metric_active_minutes (
    metric_date date NOT NULL,
    metric_hour smallint NOT NULL,
    user_id uuid NOT NULL,
    active_minutes bigint NOT NULL,
    limit_minutes bigint NOT NULL
);

--
-- Name: TABLE sms_metric_active_minutes; Type: COMMENT; Schema: sms_monitor
--

COMMENT ON TABLE sms_monitor.sms_metric_active_minutes IS 'Alert-window grains per (day, hour, user; not the system-wide nil UUID): bit m (0 .. 59) of active_minutes set when the user has a rolled-up value in minute m, of limit_minutes when its daily_limit_hit_count there is above zero; an hour row sets all 60. Written with sms_metric_rollups; _alert_window_stats reads it.';

--
-- Name: sms_metric_events_id_seq; Type: SEQUENCE; Schema: sms_monitor
--

CREATE SEQUENCE sms_monitor.sms_metric_events_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

--
-- Name: sms_metric_events_id_seq; Type: SEQUENCE OWNED BY; Schema: sms_monitor
--

ALTER SEQUENCE sms_monitor.sms_metric_events_id_seq OWNED BY sms_monitor.sms_metric_events.id;

--
-- Name: sms_metric_events_default; Type: TABLE; Schema: sms_monitor
--

CREATE TABLE sms_monitor.sms_metric_events_default (
    id bigint DEFAULT nextval('sms_monitor.sms_metric_events_id_seq'::regclass) NOT NULL,
    recorded_on date DEFAULT ((now() AT TIME ZONE 'UTC'::text))::date NOT NULL,
    user_id uuid NOT NULL,
    metric_type text NOT NULL,
    metric_date date NOT NULL,
    metric_hour smallint,
    metric_minute smallint,
    metric_value numeric NOT NULL,
    metadata jsonb
);

--
-- Name: sms_metric_rollups; Type: TABLE; Schema: sms_monitor
--

CREATE TABLE sms_monitor.sms_metric_rollups (
    user_id uuid NOT NULL,
    metric_type text NOT NULL,
    metric_date date NOT NULL,
    metric_hour smallint,
    metric_minute smallint,
    metric_value numeric NOT NULL,
    sample_count bigint NOT NULL,
    metadata jsonb DEFAULT '{}'::jsonb NOT NULL
);

--
-- Name: TABLE sms_metric_rollups; Type: COMMENT; Schema: sms_monitor
--

COMMENT ON TABLE sms_monitor.sms_metric_rollups IS 'Rolled-up buckets: minute grain (metric_minute set) for recent days, hour grain (metric_minute NULL) for values recorded per hour and for minutes older than _minute_rollup_days() (compacted by retention), day grain (metric_hour NULL) for values recorded per day. Written only by rollup_sms_metrics() and retention.';

--
-- Name: sms_metric_rollups_system; Type: TABLE; Schema: sms_monitor
--

CREATE TABLE sms_monitor.sms_metric_rollups_system (
    metric_date date NOT NULL,
    metric_hour smallint NOT NULL,
    metric_minute smallint,
    metric_type text NOT NULL,
    metric_value numeric NOT NULL
);

--
-- Name: TABLE sms_metric_rollups_system; Type: COMMENT; Schema: sms_monitor
--

COMMENT ON TABLE sms_monitor.sms_metric_rollups_system IS 'Alert-window grains, all users together: per (day, hour, metric type) the sum of every rolled-up value of the hour (metric_minute NULL), per minute the sum of its minute rows. Written with sms_metric_rollups (rollup, retention, owner imports); _alert_window_stats reads it.';

--
-- Name: sms_metrics; Type: VIEW; Schema: sms_monitor
--

CREATE VIEW sms_monitor.sms_metrics WITH (security_invoker='true') AS
 SELECT b.metric_date,
    b.metric_hour,
    NULLIF(b.user_id, sms_monitor._system_wide_user()) AS user_id,
    b.metric_type,
    sum(b.metric_value) AS metric_value,
    (sum(b.sample_count))::bigint AS sample_count,
    COALESCE(sms_monitor._jsonb_merge_agg(b.metadata ORDER BY b.seq) FILTER (WHERE (b.metadata IS NOT NULL)), '{}'::jsonb) AS metadata
   FROM ( SELECT r.metric_date,
            r.metric_hour,
            r.user_id,
            r.metric_type,
            r.metric_value,
            r.sample_count,
            NULLIF(r.metadata, '{}'::jsonb) AS metadata,
            (0)::bigint AS seq
           FROM sms_monitor.sms_metric_rollups r
        UNION ALL
         SELECT e.metric_date,
            e.metric_hour,
            e.user_id,
            e.metric_type,
            e.metric_value,
            1,
            e.metadata,
            e.id
           FROM sms_monitor.sms_metric_events e
          WHERE (e.id > sms_monitor._rollup_watermark('sms_metrics'::text))) b
  GROUP BY b.metric_date, b.metric_hour, b.user_id, b.metric_type;

--
-- Name: VIEW sms_metrics; Type: COMMENT; Schema: sms_monitor
--

COMMENT ON VIEW sms_monitor.sms_metrics IS 'One row per bucket (metric_date, metric_hour or NULL = the day, user_id or NULL = system-wide, metric_type) in the reporting timezone: metric_value the sum recorded, sample_count how many values. Live (rollups + the not-yet-rolled-up log); written only through the record_* functions.';

--
-- Name: sms_metrics_window_grains; Type: TABLE; Schema: sms_monitor
--

CREATE TABLE sms_monitor.sms_metrics_window_grains (
    only_row boolean DEFAULT true NOT NULL,
    last_id bigint NOT NULL,
    CONSTRAINT sms_metrics_window_grains_one_row CHECK (only_row)
);

--
-- Name: TABLE sms_metrics_window_grains; Type: COMMENT; Schema: sms_monitor
--

COMMENT ON TABLE sms_monitor.sms_metrics_window_grains IS 'One row: the last sms_metric_events id the alert-window grains (sms_metric_rollups_system, sms_metric_active_minutes) hold; _alert_window_stats adds the log rows past it. rollup_sms_metrics advances it with the rollup''s watermark and, when it is behind, sums the days in between again.';

--
-- Name: sms_rollup_watermarks; Type: TABLE; Schema: sms_monitor
--

CREATE TABLE sms_monitor.sms_rollup_watermarks (
    rollup_name text NOT NULL,
    last_id bigint DEFAULT 0 NOT NULL,
    rolled_up_at timestamp with time zone,
    bucket_cut timestamp with time zone
);

--
-- Name: TABLE sms_rollup_watermarks; Type: COMMENT; Schema: sms_monitor
--

COMMENT ON TABLE sms_monitor.sms_rollup_watermarks IS 'Per rollup: the last log id it has rolled up (ids up to last_id are in its rollup tables, the rest is the live tail readers add), advanced in the same transaction as the rollup (_rollup_claim_range).';

--
-- Name: COLUMN sms_rollup_watermarks.bucket_cut; Type: COMMENT; Schema: sms_monitor
--

COMMENT ON COLUMN sms_monitor.sms_rollup_watermarks.bucket_cut IS 'sms_messages row only: the retention cut of the message buckets (_message_bucket_cut); NULL for the other rollups.';

--
-- Name: sms_message_events_default; Type: TABLE ATTACH; Schema: sms_monitor
--

ALTER TABLE ONLY sms_monitor.sms_message_events ATTACH PARTITION sms_monitor.sms_message_events_default DEFAULT;

--
-- Name: sms_metric_events_default; Type: TABLE ATTACH; Schema: sms_monitor
--

ALTER TABLE ONLY sms_monitor.sms_metric_events ATTACH PARTITION sms_monitor.sms_metric_events_default DEFAULT;

--
-- Name: sms_message_events id; Type: DEFAULT; Schema: sms_monitor
--

ALTER TABLE ONLY sms_monitor.sms_message_events ALTER COLUMN id SET DEFAULT nextval('sms_monitor.sms_message_events_id_seq'::regclass);

--
-- Name: sms_metric_events id; Type: DEFAULT; Schema: sms_monitor
--

ALTER TABLE ONLY sms_monitor.sms_metric_events ALTER COLUMN id SET DEFAULT nextval('sms_monitor.sms_metric_events_id_seq'::regclass);

--
-- Name: metric_types metric_types_pkey; Type: CONSTRAINT; Schema: sms_monitor
--

ALTER TABLE ONLY sms_monitor.metric_types
    ADD CONSTRAINT metric_types_pkey PRIMARY KEY (metric_type);

--
-- Name: settings settings_pkey; Type: CONSTRAINT; Schema: sms_monitor
--

ALTER TABLE ONLY sms_monitor.settings
    ADD CONSTRAINT settings_pkey PRIMARY KEY (id);

--
-- Name: sms_alert_group_state sms_alert_group_state_pkey; Type: CONSTRAINT; Schema: sms_monitor
--

ALTER TABLE ONLY sms_monitor.sms_alert_group_state
    ADD CONSTRAINT sms_alert_group_state_pkey PRIMARY KEY (alert_type, group_value);

--
-- Name: sms_alert_history sms_alert_history_pkey; Type: CONSTRAINT; Schema: sms_monitor
--

ALTER TABLE ONLY sms_monitor.sms_alert_history
    ADD CONSTRAINT sms_alert_history_pkey PRIMARY KEY (id);

--
-- Name: sms_alert_history sms_alert_history_resolved_order_check; Type: CHECK CONSTRAINT; Schema: sms_monitor
--

ALTER TABLE sms_monitor.sms_alert_history
    ADD CONSTRAINT sms_alert_history_resolved_order_check CHECK (((resolved_at >= triggered_at) AND (resolved_at >= acknowledged_at))) NOT VALID;

--
-- Name: sms_alert_metrics sms_alert_metrics_pkey; Type: CONSTRAINT; Schema: sms_monitor
--

ALTER TABLE ONLY sms_monitor.sms_alert_metrics
    ADD CONSTRAINT sms_alert_metrics_pkey PRIMARY KEY (metric);

--
-- Name: sms_alert_notifications sms_alert_notifications_pkey; Type: CONSTRAINT; Schema: sms_monitor
--

ALTER TABLE ONLY sms_monitor.sms_alert_notifications
    ADD CONSTRAINT sms_alert_notifications_pkey PRIMARY KEY (id);

--
-- Name: sms_alert_rule_state sms_alert_rule_state_pkey; Type: CONSTRAINT; Schema: sms_monitor
--

ALTER TABLE ONLY sms_monitor.sms_alert_rule_state
    ADD CONSTRAINT sms_alert_rule_state_pkey PRIMARY KEY (alert_type);

--
-- Name: sms_alert_silences sms_alert_silences_pkey; Type: CONSTRAINT; Schema: sms_monitor
--

ALTER TABLE ONLY sms_monitor.sms_alert_silences
    ADD CONSTRAINT sms_alert_silences_pkey PRIMARY KEY (id);

--
-- Name: sms_alert_thresholds sms_alert_thresholds_pkey; Type: CONSTRAINT; Schema: sms_monitor
--

ALTER TABLE ONLY sms_monitor.sms_alert_thresholds
    ADD CONSTRAINT sms_alert_thresholds_pkey PRIMARY KEY (alert_type);

--
-- Name: sms_http_idempotency_keys sms_http_idempotency_keys_pkey; Type: CONSTRAINT; Schema: sms_monitor
--

ALTER TABLE ONLY sms_monitor.sms_http_idempotency_keys
    ADD CONSTRAINT sms_http_idempotency_keys_pkey PRIMARY KEY (subject, key);

--
-- Name: sms_ingest_batches sms_ingest_batches_pkey; Type: CONSTRAINT; Schema: sms_monitor
--

ALTER TABLE ONLY sms_monitor.sms_ingest_batches
    ADD CONSTRAINT sms_ingest_batches_pkey PRIMARY KEY (batch_id);

--
-- Name: sms_message_hour_stats sms_message_hour_stats_key; Type: CONSTRAINT; Schema: sms_monitor
--

ALTER TABLE ONLY sms_monitor.sms_message_hour_stats
    ADD CONSTRAINT sms_message_hour_stats_key UNIQUE NULLS NOT DISTINCT (dimension, minute, value, carrier_country);

--
-- Name: sms_message_minute_stats sms_message_minute_stats_key; Type: CONSTRAINT; Schema: sms_monitor
--

ALTER TABLE ONLY sms_monitor.sms_message_minute_stats
    ADD CONSTRAINT sms_message_minute_stats_key UNIQUE NULLS NOT DISTINCT (dimension, minute, value, carrier_country);

--
-- Name: sms_message_status_spellings sms_message_status_spellings_key; Type: CONSTRAINT; Schema: sms_monitor
--

ALTER TABLE ONLY sms_monitor.sms_message_status_spellings
    ADD CONSTRAINT sms_message_status_spellings_key PRIMARY KEY (provider, spelling);

--
-- Name: sms_message_statuses sms_message_statuses_pkey; Type: CONSTRAINT; Schema: sms_monitor
--

ALTER TABLE ONLY sms_monitor.sms_message_statuses
    ADD CONSTRAINT sms_message_statuses_pkey PRIMARY KEY (status);

--
-- Name: sms_messages sms_messages_pkey; Type: CONSTRAINT; Schema: sms_monitor
--

ALTER TABLE ONLY sms_monitor.sms_messages
    ADD CONSTRAINT sms_messages_pkey PRIMARY KEY (message_id);

--
-- Name: sms_metric_active_minutes sms_metric_active_minutes_pkey; Type: CONSTRAINT; Schema: sms_monitor
--

ALTER TABLE ONLY sms_monitor.sms_metric_active_minutes
    ADD CONSTRAINT sms_metric_active_minutes_pkey PRIMARY KEY (metric_date, metric_hour, user_id);

--
-- Name: sms_metric_active_user_counts sms_metric_active_user_counts_pkey; Type: CONSTRAINT; Schema: sms_monitor
--

ALTER TABLE ONLY sms_monitor.sms_metric_active_user_counts
    ADD CONSTRAINT sms_metric_active_user_counts_pkey PRIMARY KEY (metric_date);

--
-- Name: sms_metric_active_users_daily sms_metric_active_users_daily_pkey; Type: CONSTRAINT; Schema: sms_monitor
--

ALTER TABLE ONLY sms_monitor.sms_metric_active_users_daily
    ADD CONSTRAINT sms_metric_active_users_daily_pkey PRIMARY KEY (metric_date, user_id);

--
-- Name: sms_metric_rollups_daily sms_metric_rollups_daily_pkey; Type: CONSTRAINT; Schema: sms_monitor
--

ALTER TABLE ONLY sms_monitor.sms_metric_rollups_daily
    ADD CONSTRAINT sms_metric_rollups_daily_pkey PRIMARY KEY (user_id, metric_type, metric_date);

--
-- Name: sms_metric_rollups sms_metric_rollups_key; Type: CONSTRAINT; Schema: sms_monitor
--

ALTER TABLE ONLY sms_monitor.sms_metric_rollups
    ADD CONSTRAINT sms_metric_rollups_key UNIQUE NULLS NOT DISTINCT (user_id, metric_type, metric_date, metric_hour, metric_minute);

--
-- Name: sms_metric_rollups_system_daily sms_metric_rollups_system_daily_pkey; Type: CONSTRAINT; Schema: sms_monitor
--

ALTER TABLE ONLY sms_monitor.sms_metric_rollups_system_daily
    ADD CONSTRAINT sms_metric_rollups_system_daily_pkey PRIMARY KEY (metric_date, metric_type);

--
-- Name: sms_metric_rollups_system sms_metric_rollups_system_key; Type: CONSTRAINT; Schema: sms_monitor
--

ALTER TABLE ONLY sms_monitor.sms_metric_rollups_system
    ADD CONSTRAINT sms_metric_rollups_system_key UNIQUE NULLS NOT DISTINCT (metric_date, metric_hour, metric_minute, metric_type);

--
-- Name: sms_metrics_window_grains sms_metrics_window_grains_pkey; Type: CONSTRAINT; Schema: sms_monitor
--

ALTER TABLE ONLY sms_monitor.sms_metrics_window_grains
    ADD CONSTRAINT sms_metrics_window_grains_pkey PRIMARY KEY (only_row);

--
-- Name: sms_notifier_heartbeats sms_notifier_heartbeats_pkey; Type: CONSTRAINT; Schema: sms_monitor
--

ALTER TABLE ONLY sms_monitor.sms_notifier_heartbeats
    ADD CONSTRAINT sms_notifier_heartbeats_pkey PRIMARY KEY (worker);

--
-- Name: sms_rollup_watermarks sms_rollup_watermarks_pkey; Type: CONSTRAINT; Schema: sms_monitor
--

ALTER TABLE ONLY sms_monitor.sms_rollup_watermarks
    ADD CONSTRAINT sms_rollup_watermarks_pkey PRIMARY KEY (rollup_name);

--
-- Name: sms_alert_history_one_open_per_value; Type: INDEX; Schema: sms_monitor
--

CREATE UNIQUE INDEX sms_alert_history_one_open_per_value ON sms_monitor.sms_alert_history USING btree (alert_type, COALESCE(group_value, ''::text)) WHERE (resolved_at IS NULL);

--
-- Name: sms_alert_history_triggered_idx; Type: INDEX; Schema: sms_monitor
--

CREATE INDEX sms_alert_history_triggered_idx ON sms_monitor.sms_alert_history USING btree (triggered_at DESC);

--
-- Name: sms_alert_notifications_alert_idx; Type: INDEX; Schema: sms_monitor
--

CREATE INDEX sms_alert_notifications_alert_idx ON sms_monitor.sms_alert_notifications USING btree (alert_id);

--
-- Name: sms_alert_notifications_due_idx; Type: INDEX; Schema: sms_monitor
--

CREATE INDEX sms_alert_notifications_due_idx ON sms_monitor.sms_alert_notifications USING btree (next_attempt_at, id) WHERE (status = 'pending'::text);

--
-- Name: sms_alert_notifications_once; Type: INDEX; Schema: sms_monitor
--

CREATE UNIQUE INDEX sms_alert_notifications_once ON sms_monitor.sms_alert_notifications USING btree (alert_id, channel, event) WHERE (event <> 'repeat'::text);

--
-- Name: sms_alert_notifications_pending_order_idx; Type: INDEX; Schema: sms_monitor
--

CREATE INDEX sms_alert_notifications_pending_order_idx ON sms_monitor.sms_alert_notifications USING btree (alert_id, channel, id) WHERE (status = 'pending'::text);

--
-- Name: sms_alert_notifications_pending_resolve_idx; Type: INDEX; Schema: sms_monitor
--

CREATE INDEX sms_alert_notifications_pending_resolve_idx ON sms_monitor.sms_alert_notifications USING btree (alert_id, channel) WHERE ((status = 'pending'::text) AND (event = 'resolve'::text));

--
-- Name: sms_alert_notifications_retrying_idx; Type: INDEX; Schema: sms_monitor
--

CREATE INDEX sms_alert_notifications_retrying_idx ON sms_monitor.sms_alert_notifications USING btree (channel, next_attempt_at) WHERE ((status = 'pending'::text) AND (retries > 0));

--
-- Name: sms_alert_notifications_sent_idx; Type: INDEX; Schema: sms_monitor
--

CREATE INDEX sms_alert_notifications_sent_idx ON sms_monitor.sms_alert_notifications USING btree (sent_at) WHERE (status = 'sent'::text);

--
-- Name: sms_alert_silences_active_idx; Type: INDEX; Schema: sms_monitor
--

CREATE INDEX sms_alert_silences_active_idx ON sms_monitor.sms_alert_silences USING btree (ends_at) WHERE (lifted_at IS NULL);

--
-- Name: sms_http_idempotency_keys_created_at; Type: INDEX; Schema: sms_monitor
--

CREATE INDEX sms_http_idempotency_keys_created_at ON sms_monitor.sms_http_idempotency_keys USING btree (created_at);

--
-- Name: sms_ingest_batches_created_idx; Type: INDEX; Schema: sms_monitor
--

CREATE INDEX sms_ingest_batches_created_idx ON sms_monitor.sms_ingest_batches USING btree (created_at);

--
-- Name: sms_message_events_id_idx; Type: INDEX; Schema: sms_monitor
--

CREATE INDEX sms_message_events_id_idx ON ONLY sms_monitor.sms_message_events USING btree (id);

--
-- Name: sms_message_events_default_id_idx; Type: INDEX; Schema: sms_monitor
--

CREATE INDEX sms_message_events_default_id_idx ON sms_monitor.sms_message_events_default USING btree (id);

--
-- Name: sms_message_events_message_idx; Type: INDEX; Schema: sms_monitor
--

CREATE INDEX sms_message_events_message_idx ON ONLY sms_monitor.sms_message_events USING btree (message_id);

--
-- Name: sms_message_events_default_message_id_idx; Type: INDEX; Schema: sms_monitor
--

CREATE INDEX sms_message_events_default_message_id_idx ON sms_monitor.sms_message_events_default USING btree (message_id);

--
-- Name: sms_message_hour_stats_empty_idx; Type: INDEX; Schema: sms_monitor
--

CREATE INDEX sms_message_hour_stats_empty_idx ON sms_monitor.sms_message_hour_stats USING btree (minute) WHERE (messages = 0);

--
-- Name: sms_message_minute_stats_empty_idx; Type: INDEX; Schema: sms_monitor
--

CREATE INDEX sms_message_minute_stats_empty_idx ON sms_monitor.sms_message_minute_stats USING btree (minute) WHERE (messages = 0);

--
-- Name: sms_messages_final_at_idx; Type: INDEX; Schema: sms_monitor
--

CREATE INDEX sms_messages_final_at_idx ON sms_monitor.sms_messages USING btree (final_at);

--
-- Name: sms_messages_sent_at_idx; Type: INDEX; Schema: sms_monitor
--

CREATE INDEX sms_messages_sent_at_idx ON sms_monitor.sms_messages USING btree (sent_at);

--
-- Name: sms_messages_waiting_idx; Type: INDEX; Schema: sms_monitor
--

CREATE INDEX sms_messages_waiting_idx ON sms_monitor.sms_messages USING btree (sent_at) WHERE (final_status IS NULL);

--
-- Name: sms_messages_window_idx; Type: INDEX; Schema: sms_monitor
--

CREATE INDEX sms_messages_window_idx ON sms_monitor.sms_messages USING btree (COALESCE(sent_at, final_at));

--
-- Name: sms_metric_events_id_idx; Type: INDEX; Schema: sms_monitor
--

CREATE INDEX sms_metric_events_id_idx ON ONLY sms_monitor.sms_metric_events USING btree (id);

--
-- Name: sms_metric_events_default_id_idx; Type: INDEX; Schema: sms_monitor
--

CREATE INDEX sms_metric_events_default_id_idx ON sms_monitor.sms_metric_events_default USING btree (id);

--
-- Name: sms_metric_rollups_daily_date_idx; Type: INDEX; Schema: sms_monitor
--

CREATE INDEX sms_metric_rollups_daily_date_idx ON sms_monitor.sms_metric_rollups_daily USING btree (metric_date);

--
-- Name: sms_metric_rollups_date_idx; Type: INDEX; Schema: sms_monitor
--

CREATE INDEX sms_metric_rollups_date_idx ON sms_monitor.sms_metric_rollups USING btree (metric_date, metric_hour, metric_minute);

--
-- Name: sms_metric_rollups_user_idx; Type: INDEX; Schema: sms_monitor
--

CREATE INDEX sms_metric_rollups_user_idx ON sms_monitor.sms_metric_rollups USING btree (NULLIF(user_id, sms_monitor._system_wide_user()), metric_date);

--
-- Name: sms_message_events_default_id_idx; Type: INDEX ATTACH; Schema: sms_monitor
--

ALTER INDEX sms_monitor.sms_message_events_id_idx ATTACH PARTITION sms_monitor.sms_message_events_default_id_idx;

--
-- Name: sms_message_events_default_message_id_idx; Type: INDEX ATTACH; Schema: sms_monitor
--

ALTER INDEX sms_monitor.sms_message_events_message_idx ATTACH PARTITION sms_monitor.sms_message_events_default_message_id_idx;

--
-- Name: sms_metric_events_default_id_idx; Type: INDEX ATTACH; Schema: sms_monitor
--

ALTER INDEX sms_monitor.sms_metric_events_id_idx ATTACH PARTITION sms_monitor.sms_metric_events_default_id_idx;

--
-- Name: settings settings_validate; Type: TRIGGER; Schema: sms_monitor
--

CREATE TRIGGER settings_validate BEFORE INSERT OR UPDATE ON sms_monitor.settings FOR EACH ROW EXECUTE FUNCTION sms_monitor._settings_validate();

--
-- Name: sms_alert_history sms_alert_history_dedup_key; Type: TRIGGER; Schema: sms_monitor
--

CREATE TRIGGER sms_alert_history_dedup_key BEFORE INSERT OR UPDATE ON sms_monitor.sms_alert_history FOR EACH ROW EXECUTE FUNCTION sms_monitor._alert_history_dedup_key();

--
-- Name: sms_alert_notifications sms_alert_notifications_notify; Type: TRIGGER; Schema: sms_monitor
--

CREATE TRIGGER sms_alert_notifications_notify AFTER INSERT ON sms_monitor.sms_alert_notifications REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION sms_monitor._notify_sms_notifications();

--
-- Name: sms_alert_thresholds sms_alert_thresholds_before_delete; Type: TRIGGER; Schema: sms_monitor
--

CREATE TRIGGER sms_alert_thresholds_before_delete BEFORE DELETE ON sms_monitor.sms_alert_thresholds FOR EACH ROW EXECUTE FUNCTION sms_monitor._alert_thresholds_before_delete();

--
-- Name: sms_alert_thresholds sms_alert_thresholds_validate; Type: TRIGGER; Schema: sms_monitor
--

CREATE TRIGGER sms_alert_thresholds_validate BEFORE INSERT OR UPDATE ON sms_monitor.sms_alert_thresholds FOR EACH ROW EXECUTE FUNCTION sms_monitor._alert_thresholds_validate();

--
-- Name: sms_metric_active_users_daily sms_metric_active_users_daily_counts_delete; Type: TRIGGER; Schema: sms_monitor
--

CREATE TRIGGER sms_metric_active_users_daily_counts_delete AFTER DELETE ON sms_monitor.sms_metric_active_users_daily REFERENCING OLD TABLE AS old_pairs FOR EACH STATEMENT EXECUTE FUNCTION sms_monitor._active_user_counts_apply();

--
-- Name: sms_metric_active_users_daily sms_metric_active_users_daily_counts_insert; Type: TRIGGER; Schema: sms_monitor
--

CREATE TRIGGER sms_metric_active_users_daily_counts_insert AFTER INSERT ON sms_monitor.sms_metric_active_users_daily REFERENCING NEW TABLE AS new_pairs FOR EACH STATEMENT EXECUTE FUNCTION sms_monitor._active_user_counts_apply();

--
-- Name: sms_metrics sms_metrics_insert; Type: TRIGGER; Schema: sms_monitor
--

CREATE TRIGGER sms_metrics_insert INSTEAD OF INSERT ON sms_monitor.sms_metrics FOR EACH ROW EXECUTE FUNCTION sms_monitor._sms_metrics_insert();

--
-- Name: sms_alert_history sms_alert_history_alert_type_fkey; Type: FK CONSTRAINT; Schema: sms_monitor
--

ALTER TABLE ONLY sms_monitor.sms_alert_history
    ADD CONSTRAINT sms_alert_history_alert_type_fkey FOREIGN KEY (alert_type) REFERENCES sms_monitor.sms_alert_thresholds(alert_type) ON UPDATE CASCADE;

--
-- Name: sms_alert_notifications sms_alert_notifications_alert_id_fkey; Type: FK CONSTRAINT; Schema: sms_monitor
--

ALTER TABLE ONLY sms_monitor.sms_alert_notifications
    ADD CONSTRAINT sms_alert_notifications_alert_id_fkey FOREIGN KEY (alert_id) REFERENCES sms_monitor.sms_alert_history(id);

--
-- Name: sms_alert_rule_state sms_alert_rule_state_alert_type_fkey; Type: FK CONSTRAINT; Schema: sms_monitor
--

ALTER TABLE ONLY sms_monitor.sms_alert_rule_state
    ADD CONSTRAINT sms_alert_rule_state_alert_type_fkey FOREIGN KEY (alert_type) REFERENCES sms_monitor.sms_alert_thresholds(alert_type) ON UPDATE CASCADE ON DELETE CASCADE;

--
-- Name: sms_alert_silences sms_alert_silences_alert_type_fkey; Type: FK CONSTRAINT; Schema: sms_monitor
--

ALTER TABLE ONLY sms_monitor.sms_alert_silences
    ADD CONSTRAINT sms_alert_silences_alert_type_fkey FOREIGN KEY (alert_type) REFERENCES sms_monitor.sms_alert_thresholds(alert_type) ON UPDATE CASCADE ON DELETE CASCADE;

--
-- Name: sms_alert_thresholds sms_alert_thresholds_metric_fkey; Type: FK CONSTRAINT; Schema: sms_monitor
--

ALTER TABLE ONLY sms_monitor.sms_alert_thresholds
    ADD CONSTRAINT sms_alert_thresholds_metric_fkey FOREIGN KEY (metric) REFERENCES sms_monitor.sms_alert_metrics(metric);

--
-- Name: sms_message_status_spellings sms_message_status_spellings_status_fkey; Type: FK CONSTRAINT; Schema: sms_monitor
--

ALTER TABLE ONLY sms_monitor.sms_message_status_spellings
    ADD CONSTRAINT sms_message_status_spellings_status_fkey FOREIGN KEY (status) REFERENCES sms_monitor.sms_message_statuses(status);

--
-- Name: sms_message_statuses sms_message_statuses_counter_fkey; Type: FK CONSTRAINT; Schema: sms_monitor
--

ALTER TABLE ONLY sms_monitor.sms_message_statuses
    ADD CONSTRAINT sms_message_statuses_counter_fkey FOREIGN KEY (counter) REFERENCES sms_monitor.metric_types(metric_type);

--
-- Name: sms_messages sms_messages_final_status_fkey; Type: FK CONSTRAINT; Schema: sms_monitor
--

ALTER TABLE ONLY sms_monitor.sms_messages
    ADD CONSTRAINT sms_messages_final_status_fkey FOREIGN KEY (final_status) REFERENCES sms_monitor.sms_message_statuses(status);

--
-- Name: metric_types; Type: ROW SECURITY; Schema: sms_monitor
--

ALTER TABLE sms_monitor.metric_types ENABLE ROW LEVEL SECURITY;

--
-- Name: metric_types metric_types_read; Type: POLICY; Schema: sms_monitor
--

CREATE POLICY metric_types_read ON sms_monitor.metric_types FOR SELECT TO sms_monitor_writer, sms_monitor_reader, sms_monitor_self USING (true);

--
-- Name: settings; Type: ROW SECURITY; Schema: sms_monitor
--

ALTER TABLE sms_monitor.settings ENABLE ROW LEVEL SECURITY;

--
-- Name: settings settings_admin_update; Type: POLICY; Schema: sms_monitor
--

CREATE POLICY settings_admin_update ON sms_monitor.settings FOR UPDATE TO sms_monitor_admin USING (true) WITH CHECK (true);

--
-- Name: settings settings_read; Type: POLICY; Schema: sms_monitor
--

CREATE POLICY settings_read ON sms_monitor.settings FOR SELECT TO sms_monitor_writer, sms_monitor_reader USING (true);

--
-- Name: sms_alert_group_state; Type: ROW SECURITY; Schema: sms_monitor
--

ALTER TABLE sms_monitor.sms_alert_group_state ENABLE ROW LEVEL SECURITY;

--
-- Name: sms_alert_group_state sms_alert_group_state_read; Type: POLICY; Schema: sms_monitor
--

CREATE POLICY sms_alert_group_state_read ON sms_monitor.sms_alert_group_state FOR SELECT TO sms_monitor_reader USING (true);

--
-- Name: sms_alert_history; Type: ROW SECURITY; Schema: sms_monitor
--

ALTER TABLE sms_monitor.sms_alert_history ENABLE ROW LEVEL SECURITY;

--
-- Name: sms_alert_history sms_alert_history_read; Type: POLICY; Schema: sms_monitor
--

CREATE POLICY sms_alert_history_read ON sms_monitor.sms_alert_history FOR SELECT TO sms_monitor_reader, sms_monitor_notifier USING (true);

--
-- Name: sms_alert_metrics; Type: ROW SECURITY; Schema: sms_monitor
--

ALTER TABLE sms_monitor.sms_alert_metrics ENABLE ROW LEVEL SECURITY;

--
-- Name: sms_alert_metrics sms_alert_metrics_read; Type: POLICY; Schema: sms_monitor
--

CREATE POLICY sms_alert_metrics_read ON sms_monitor.sms_alert_metrics FOR SELECT TO sms_monitor_reader USING (true);

--
-- Name: sms_alert_notifications; Type: ROW SECURITY; Schema: sms_monitor
--

ALTER TABLE sms_monitor.sms_alert_notifications ENABLE ROW LEVEL SECURITY;

--
-- Name: sms_alert_notifications sms_alert_notifications_read; Type: POLICY; Schema: sms_monitor
--

CREATE POLICY sms_alert_notifications_read ON sms_monitor.sms_alert_notifications FOR SELECT TO sms_monitor_reader, sms_monitor_notifier USING (true);

--
-- Name: sms_alert_rule_state; Type: ROW SECURITY; Schema: sms_monitor
--

ALTER TABLE sms_monitor.sms_alert_rule_state ENABLE ROW LEVEL SECURITY;

--
-- Name: sms_alert_rule_state sms_alert_rule_state_read; Type: POLICY; Schema: sms_monitor
--

CREATE POLICY sms_alert_rule_state_read ON sms_monitor.sms_alert_rule_state FOR SELECT TO sms_monitor_reader USING (true);

--
-- Name: sms_alert_silences; Type: ROW SECURITY; Schema: sms_monitor
--

ALTER TABLE sms_monitor.sms_alert_silences ENABLE ROW LEVEL SECURITY;

--
-- Name: sms_alert_silences sms_alert_silences_read; Type: POLICY; Schema: sms_monitor
--

CREATE POLICY sms_alert_silences_read ON sms_monitor.sms_alert_silences FOR SELECT TO sms_monitor_reader USING (true);

--
-- Name: sms_alert_thresholds; Type: ROW SECURITY; Schema: sms_monitor
--

ALTER TABLE sms_monitor.sms_alert_thresholds ENABLE ROW LEVEL SECURITY;

--
-- Name: sms_alert_thresholds sms_alert_thresholds_admin_write; Type: POLICY; Schema: sms_monitor
--

CREATE POLICY sms_alert_thresholds_admin_write ON sms_monitor.sms_alert_thresholds TO sms_monitor_admin USING (true) WITH CHECK (true);

--
-- Name: sms_alert_thresholds sms_alert_thresholds_read; Type: POLICY; Schema: sms_monitor
--

CREATE POLICY sms_alert_thresholds_read ON sms_monitor.sms_alert_thresholds FOR SELECT TO sms_monitor_reader USING (true);

--
-- Name: sms_http_idempotency_keys; Type: ROW SECURITY; Schema: sms_monitor
--

ALTER TABLE sms_monitor.sms_http_idempotency_keys ENABLE ROW LEVEL SECURITY;

--
-- Name: sms_ingest_batches; Type: ROW SECURITY; Schema: sms_monitor
--

ALTER TABLE sms_monitor.sms_ingest_batches ENABLE ROW LEVEL SECURITY;

--
-- Name: sms_ingest_batches sms_ingest_batches_read; Type: POLICY; Schema: sms_monitor
--

CREATE POLICY sms_ingest_batches_read ON sms_monitor.sms_ingest_batches FOR SELECT TO sms_monitor_reader USING (true);

--
-- Name: sms_message_events; Type: ROW SECURITY; Schema: sms_monitor
--

ALTER TABLE sms_monitor.sms_message_events ENABLE ROW LEVEL SECURITY;

--
-- Name: sms_message_events_default; Type: ROW SECURITY; Schema: sms_monitor
--

ALTER TABLE sms_monitor.sms_message_events_default ENABLE ROW LEVEL SECURITY;

--
-- Name: sms_message_events sms_message_events_reader_all; Type: POLICY; Schema: sms_monitor
--

CREATE POLICY sms_message_events_reader_all ON sms_monitor.sms_message_events FOR SELECT TO sms_monitor_reader USING (true);

--
-- Name: sms_message_events sms_message_events_self_own; Type: POLICY; Schema: sms_monitor
--

CREATE POLICY sms_message_events_self_own ON sms_monitor.sms_message_events FOR SELECT TO sms_monitor_self USING ((user_id = sms_monitor._caller_user_id()));

--
-- Name: sms_message_hour_stats; Type: ROW SECURITY; Schema: sms_monitor
--

ALTER TABLE sms_monitor.sms_message_hour_stats ENABLE ROW LEVEL SECURITY;

--
-- Name: sms_message_hour_stats sms_message_hour_stats_reader_all; Type: POLICY; Schema: sms_monitor
--

CREATE POLICY sms_message_hour_stats_reader_all ON sms_monitor.sms_message_hour_stats FOR SELECT TO sms_monitor_reader USING (true);

--
-- Name: sms_message_minute_stats; Type: ROW SECURITY; Schema: sms_monitor
--

ALTER TABLE sms_monitor.sms_message_minute_stats ENABLE ROW LEVEL SECURITY;

--
-- Name: sms_message_minute_stats sms_message_minute_stats_reader_all; Type: POLICY; Schema: sms_monitor
--

CREATE POLICY sms_message_minute_stats_reader_all ON sms_monitor.sms_message_minute_stats FOR SELECT TO sms_monitor_reader USING (true);

--
-- Name: sms_message_status_spellings; Type: ROW SECURITY; Schema: sms_monitor
--

ALTER TABLE sms_monitor.sms_message_status_spellings ENABLE ROW LEVEL SECURITY;

--
-- Name: sms_message_status_spellings sms_message_status_spellings_read; Type: POLICY; Schema: sms_monitor
--

CREATE POLICY sms_message_status_spellings_read ON sms_monitor.sms_message_status_spellings FOR SELECT TO sms_monitor_writer, sms_monitor_reader, sms_monitor_self USING (true);

--
-- Name: sms_message_statuses; Type: ROW SECURITY; Schema: sms_monitor
--

ALTER TABLE sms_monitor.sms_message_statuses ENABLE ROW LEVEL SECURITY;

--
-- Name: sms_message_statuses sms_message_statuses_read; Type: POLICY; Schema: sms_monitor
--

CREATE POLICY sms_message_statuses_read ON sms_monitor.sms_message_statuses FOR SELECT TO sms_monitor_writer, sms_monitor_reader, sms_monitor_self USING (true);

--
-- Name: sms_messages; Type: ROW SECURITY; Schema: sms_monitor
--

ALTER TABLE sms_monitor.sms_messages ENABLE ROW LEVEL SECURITY;

--
-- Name: sms_messages sms_messages_reader_all; Type: POLICY; Schema: sms_monitor
--

CREATE POLICY sms_messages_reader_all ON sms_monitor.sms_messages FOR SELECT TO sms_monitor_reader USING (true);

--
-- Name: sms_messages sms_messages_self_own; Type: POLICY; Schema: sms_monitor
--

CREATE POLICY sms_messages_self_own ON sms_monitor.sms_messages FOR SELECT TO sms_monitor_self USING ((user_id = sms_monitor._caller_user_id()));

--
-- Name: sms_metric_active_minutes; Type: ROW SECURITY; Schema: sms_monitor
--

ALTER TABLE sms_monitor.sms_metric_active_minutes ENABLE ROW LEVEL SECURITY;

--
-- Name: sms_metric_active_minutes sms_metric_active_minutes_reader_all; Type: POLICY; Schema: sms_monitor
--

CREATE POLICY sms_metric_active_minutes_reader_all ON sms_monitor.sms_metric_active_minutes FOR SELECT TO sms_monitor_reader USING (true);

--
-- Name: sms_metric_active_user_counts; Type: ROW SECURITY; Schema: sms_monitor
--

ALTER TABLE sms_monitor.sms_metric_active_user_counts ENABLE ROW LEVEL SECURITY;

--
-- Name: sms_metric_active_user_counts sms_metric_active_user_counts_reader_all; Type: POLICY; Schema: sms_monitor
--

CREATE POLICY sms_metric_active_user_counts_reader_all ON sms_monitor.sms_metric_active_user_counts FOR SELECT TO sms_monitor_reader USING (true);

--
-- Name: sms_metric_active_users_daily; Type: ROW SECURITY; Schema: sms_monitor
--

ALTER TABLE sms_monitor.sms_metric_active_users_daily ENABLE ROW LEVEL SECURITY;

--
-- Name: sms_metric_active_users_daily sms_metric_active_users_daily_reader_all; Type: POLICY; Schema: sms_monitor
--

CREATE POLICY sms_metric_active_users_daily_reader_all ON sms_monitor.sms_metric_active_users_daily FOR SELECT TO sms_monitor_reader USING (true);

--
-- Name: sms_metric_events; Type: ROW SECURITY; Schema: sms_monitor
--

ALTER TABLE sms_monitor.sms_metric_events ENABLE ROW LEVEL SECURITY;

--
-- Name: sms_metric_events_default; Type: ROW SECURITY; Schema: sms_monitor
--

ALTER TABLE sms_monitor.sms_metric_events_default ENABLE ROW LEVEL SECURITY;

--
-- Name: sms_metric_events sms_metric_events_reader_all; Type: POLICY; Schema: sms_monitor
--

CREATE POLICY sms_metric_events_reader_all ON sms_monitor.sms_metric_events FOR SELECT TO sms_monitor_reader USING (true);

--
-- Name: sms_metric_events sms_metric_events_self_own; Type: POLICY; Schema: sms_monitor
--

CREATE POLICY sms_metric_events_self_own ON sms_monitor.sms_metric_events FOR SELECT TO sms_monitor_self USING ((user_id = sms_monitor._caller_user_id()));

--
-- Name: sms_metric_rollups; Type: ROW SECURITY; Schema: sms_monitor
--

ALTER TABLE sms_monitor.sms_metric_rollups ENABLE ROW LEVEL SECURITY;

--
-- Name: sms_metric_rollups_daily; Type: ROW SECURITY; Schema: sms_monitor
--

ALTER TABLE sms_monitor.sms_metric_rollups_daily ENABLE ROW LEVEL SECURITY;

--
-- Name: sms_metric_rollups_daily sms_metric_rollups_daily_reader_all; Type: POLICY; Schema: sms_monitor
--

CREATE POLICY sms_metric_rollups_daily_reader_all ON sms_monitor.sms_metric_rollups_daily FOR SELECT TO sms_monitor_reader USING (true);

--
-- Name: sms_metric_rollups_daily sms_metric_rollups_daily_self_own; Type: POLICY; Schema: sms_monitor
--

CREATE POLICY sms_metric_rollups_daily_self_own ON sms_monitor.sms_metric_rollups_daily FOR SELECT TO sms_monitor_self USING ((user_id = sms_monitor._caller_user_id()));

--
-- Name: sms_metric_rollups sms_metric_rollups_reader_all; Type: POLICY; Schema: sms_monitor
--

CREATE POLICY sms_metric_rollups_reader_all ON sms_monitor.sms_metric_rollups FOR SELECT TO sms_monitor_reader USING (true);

--
-- Name: sms_metric_rollups sms_metric_rollups_self_own; Type: POLICY; Schema: sms_monitor
--

CREATE POLICY sms_metric_rollups_self_own ON sms_monitor.sms_metric_rollups FOR SELECT TO sms_monitor_self USING ((user_id = sms_monitor._caller_user_id()));

--
-- Name: sms_metric_rollups_system; Type: ROW SECURITY; Schema: sms_monitor
--

ALTER TABLE sms_monitor.sms_metric_rollups_system ENABLE ROW LEVEL SECURITY;

--
-- Name: sms_metric_rollups_system_daily; Type: ROW SECURITY; Schema: sms_monitor
--

ALTER TABLE sms_monitor.sms_metric_rollups_system_daily ENABLE ROW LEVEL SECURITY;

--
-- Name: sms_metric_rollups_system_daily sms_metric_rollups_system_daily_reader_all; Type: POLICY; Schema: sms_monitor
--

CREATE POLICY sms_metric_rollups_system_daily_reader_all ON sms_monitor.sms_metric_rollups_system_daily FOR SELECT TO sms_monitor_reader USING (true);

--
-- Name: sms_metric_rollups_system sms_metric_rollups_system_reader_all; Type: POLICY; Schema: sms_monitor
--

CREATE POLICY sms_metric_rollups_system_reader_all ON sms_monitor.sms_metric_rollups_system FOR SELECT TO sms_monitor_reader USING (true);

--
-- Name: sms_metrics_window_grains; Type: ROW SECURITY; Schema: sms_monitor
--

ALTER TABLE sms_monitor.sms_metrics_window_grains ENABLE ROW LEVEL SECURITY;

--
-- Name: sms_metrics_window_grains sms_metrics_window_grains_reader_all; Type: POLICY; Schema: sms_monitor
--

CREATE POLICY sms_metrics_window_grains_reader_all ON sms_monitor.sms_metrics_window_grains FOR SELECT TO sms_monitor_reader USING (true);

--
-- Name: sms_notifier_heartbeats; Type: ROW SECURITY; Schema: sms_monitor
--

ALTER TABLE sms_monitor.sms_notifier_heartbeats ENABLE ROW LEVEL SECURITY;

--
-- Name: sms_notifier_heartbeats sms_notifier_heartbeats_read; Type: POLICY; Schema: sms_monitor
--

CREATE POLICY sms_notifier_heartbeats_read ON sms_monitor.sms_notifier_heartbeats FOR SELECT TO sms_monitor_reader, sms_monitor_notifier USING (true);

--
-- Name: sms_rollup_watermarks; Type: ROW SECURITY; Schema: sms_monitor
--

ALTER TABLE sms_monitor.sms_rollup_watermarks ENABLE ROW LEVEL SECURITY;

--
-- Name: sms_rollup_watermarks sms_rollup_watermarks_read; Type: POLICY; Schema: sms_monitor
--

CREATE POLICY sms_rollup_watermarks_read ON sms_monitor.sms_rollup_watermarks FOR SELECT TO sms_monitor_reader, sms_monitor_admin, sms_monitor_self USING (true);

--
-- Name: SCHEMA sms_monitor; Type: ACL; Schema: -
--

GRANT USAGE ON SCHEMA sms_monitor TO sms_monitor_writer;
GRANT USAGE ON SCHEMA sms_monitor TO sms_monitor_reader;
GRANT USAGE ON SCHEMA sms_monitor TO sms_monitor_admin;
GRANT USAGE ON SCHEMA sms_monitor TO sms_monitor_self;
GRANT USAGE ON SCHEMA sms_monitor TO sms_monitor_notifier;

--
-- Name: TABLE sms_alert_history; Type: ACL; Schema: sms_monitor
--

GRANT SELECT ON TABLE sms_monitor.sms_alert_history TO sms_monitor_reader;
GRANT SELECT ON TABLE sms_monitor.sms_alert_history TO sms_monitor_notifier;

--
-- Name: TABLE sms_alert_rule_state; Type: ACL; Schema: sms_monitor
--

GRANT SELECT ON TABLE sms_monitor.sms_alert_rule_state TO sms_monitor_reader;

--
-- Name: TABLE sms_metric_active_user_counts; Type: ACL; Schema: sms_monitor
--

GRANT SELECT ON TABLE sms_monitor.sms_metric_active_user_counts TO sms_monitor_reader;

--
-- Name: TABLE sms_metric_active_users_daily; Type: ACL; Schema: sms_monitor
--

GRANT SELECT ON TABLE sms_monitor.sms_metric_active_users_daily TO sms_monitor_reader;

--
-- Name: TABLE sms_metric_events; Type: ACL; Schema: sms_monitor
--

GRANT SELECT ON TABLE sms_monitor.sms_metric_events TO sms_monitor_reader;
GRANT SELECT ON TABLE sms_monitor.sms_metric_events TO sms_monitor_self;

--
-- Name: TABLE sms_metric_rollups_system_daily; Type: ACL; Schema: sms_monitor
--

GRANT SELECT ON TABLE sms_monitor.sms_metric_rollups_system_daily TO sms_monitor_reader;

--
-- Name: TABLE sms_metrics_daily; Type: ACL; Schema: sms_monitor
--

GRANT SELECT ON TABLE sms_monitor.sms_metrics_daily TO sms_monitor_reader;
GRANT SELECT ON TABLE sms_monitor.sms_metrics_daily TO sms_monitor_admin;

--
-- Name: TABLE sms_messages; Type: ACL; Schema: sms_monitor
--

GRANT SELECT ON TABLE sms_monitor.sms_messages TO sms_monitor_reader;
GRANT SELECT ON TABLE sms_monitor.sms_messages TO sms_monitor_self;

--
-- Name: TABLE sms_metric_rollups_daily; Type: ACL; Schema: sms_monitor
--

GRANT SELECT ON TABLE sms_monitor.sms_metric_rollups_daily TO sms_monitor_reader;
GRANT SELECT ON TABLE sms_monitor.sms_metric_rollups_daily TO sms_monitor_self;

--
-- Name: TABLE sms_metrics_user_daily; Type: ACL; Schema: sms_monitor
--

GRANT SELECT ON TABLE sms_monitor.sms_metrics_user_daily TO sms_monitor_reader;
GRANT SELECT ON TABLE sms_monitor.sms_metrics_user_daily TO sms_monitor_admin;

--
-- Name: TABLE sms_alert_notifications; Type: ACL; Schema: sms_monitor
--

GRANT SELECT ON TABLE sms_monitor.sms_alert_notifications TO sms_monitor_reader;
GRANT SELECT ON TABLE sms_monitor.sms_alert_notifications TO sms_monitor_notifier;

--
-- Name: TABLE sms_alert_silences; Type: ACL; Schema: sms_monitor
--

GRANT SELECT ON TABLE sms_monitor.sms_alert_silences TO sms_monitor_reader;

--
-- Name: PROCEDURE run_sms_rollups(IN p_seconds integer, IN p_pause_seconds double precision); Type: ACL; Schema: sms_monitor
--

REVOKE ALL ON PROCEDURE sms_monitor.run_sms_rollups(IN p_seconds integer, IN p_pause_seconds double precision) FROM PUBLIC;
GRANT ALL ON PROCEDURE sms_monitor.run_sms_rollups(IN p_seconds integer, IN p_pause_seconds double precision) TO sms_monitor_admin;

--
-- Name: TABLE metric_types; Type: ACL; Schema: sms_monitor
--

GRANT SELECT ON TABLE sms_monitor.metric_types TO sms_monitor_reader;
GRANT SELECT ON TABLE sms_monitor.metric_types TO sms_monitor_writer;
GRANT SELECT ON TABLE sms_monitor.metric_types TO sms_monitor_self;

--
-- Name: TABLE settings; Type: ACL; Schema: sms_monitor
--

GRANT SELECT ON TABLE sms_monitor.settings TO sms_monitor_reader;
GRANT SELECT ON TABLE sms_monitor.settings TO sms_monitor_writer;
GRANT UPDATE ON TABLE sms_monitor.settings TO sms_monitor_admin;

--
-- Name: TABLE sms_alert_group_state; Type: ACL; Schema: sms_monitor
--

GRANT SELECT ON TABLE sms_monitor.sms_alert_group_state TO sms_monitor_reader;

--
-- Name: TABLE sms_alert_metrics; Type: ACL; Schema: sms_monitor
--

GRANT SELECT ON TABLE sms_monitor.sms_alert_metrics TO sms_monitor_reader;

--
-- Name: TABLE sms_alert_thresholds; Type: ACL; Schema: sms_monitor
--

GRANT SELECT ON TABLE sms_monitor.sms_alert_thresholds TO sms_monitor_reader;
GRANT INSERT,DELETE,UPDATE ON TABLE sms_monitor.sms_alert_thresholds TO sms_monitor_admin;

--
-- Name: TABLE sms_notifier_heartbeats; Type: ACL; Schema: sms_monitor
--

GRANT SELECT ON TABLE sms_monitor.sms_notifier_heartbeats TO sms_monitor_reader;
GRANT SELECT ON TABLE sms_monitor.sms_notifier_heartbeats TO sms_monitor_notifier;

--
-- Name: TABLE sms_alert_status; Type: ACL; Schema: sms_monitor
--

GRANT SELECT ON TABLE sms_monitor.sms_alert_status TO sms_monitor_reader;

--
-- Name: TABLE sms_ingest_batches; Type: ACL; Schema: sms_monitor
--

GRANT SELECT ON TABLE sms_monitor.sms_ingest_batches TO sms_monitor_reader;

--
-- Name: TABLE sms_message_events; Type: ACL; Schema: sms_monitor
--

GRANT SELECT ON TABLE sms_monitor.sms_message_events TO sms_monitor_reader;
GRANT SELECT ON TABLE sms_monitor.sms_message_events TO sms_monitor_self;

--
-- Name: TABLE sms_message_hour_stats; Type: ACL; Schema: sms_monitor
--

GRANT SELECT ON TABLE sms_monitor.sms_message_hour_stats TO sms_monitor_reader;

--
-- Name: TABLE sms_message_minute_stats; Type: ACL; Schema: sms_monitor
--

GRANT SELECT ON TABLE sms_monitor.sms_message_minute_stats TO sms_monitor_reader;

--
-- Name: TABLE sms_message_status_spellings; Type: ACL; Schema: sms_monitor
--

GRANT SELECT ON TABLE sms_monitor.sms_message_status_spellings TO sms_monitor_reader;
GRANT SELECT ON TABLE sms_monitor.sms_message_status_spellings TO sms_monitor_writer;
GRANT SELECT ON TABLE sms_monitor.sms_message_status_spellings TO sms_monitor_self;

--
-- Name: TABLE sms_message_statuses; Type: ACL; Schema: sms_monitor
--

GRANT SELECT ON TABLE sms_monitor.sms_message_statuses TO sms_monitor_reader;
GRANT SELECT ON TABLE sms_monitor.sms_message_statuses TO sms_monitor_writer;
GRANT SELECT ON TABLE sms_monitor.sms_message_statuses TO sms_monitor_self;

--
-- Name: TABLE sms_metric_active_minutes; Type: ACL; Schema: sms_monitor
--

GRANT SELECT ON TABLE sms_monitor.sms_metric_active_minutes TO sms_monitor_reader;

--
-- Name: TABLE sms_metric_rollups; Type: ACL; Schema: sms_monitor
--

GRANT SELECT ON TABLE sms_monitor.sms_metric_rollups TO sms_monitor_reader;
GRANT SELECT ON TABLE sms_monitor.sms_metric_rollups TO sms_monitor_self;

--
-- Name: TABLE sms_metric_rollups_system; Type: ACL; Schema: sms_monitor
--

GRANT SELECT ON TABLE sms_monitor.sms_metric_rollups_system TO sms_monitor_reader;

--
-- Name: TABLE sms_metrics; Type: ACL; Schema: sms_monitor
--

GRANT SELECT ON TABLE sms_monitor.sms_metrics TO sms_monitor_reader;
GRANT SELECT ON TABLE sms_monitor.sms_metrics TO sms_monitor_self;

--
-- Name: TABLE sms_metrics_window_grains; Type: ACL; Schema: sms_monitor
--

GRANT SELECT ON TABLE sms_monitor.sms_metrics_window_grains TO sms_monitor_reader;

--
-- Name: TABLE sms_rollup_watermarks; Type: ACL; Schema: sms_monitor
--

GRANT SELECT ON TABLE sms_monitor.sms_rollup_watermarks TO sms_monitor_reader;
GRANT SELECT ON TABLE sms_monitor.sms_rollup_watermarks TO sms_monitor_self;
GRANT SELECT ON TABLE sms_monitor.sms_rollup_watermarks TO sms_monitor_admin;

-- ==== functions (bodies in sql/functions/) ====

--
-- Name: _active_user_counts_apply(); Type: FUNCTION; Schema: sms_monitor
--

CREATE FUNCTION sms_monitor._active_user_counts_apply() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'pg_temp'
    -- body: sql/functions/_active_user_counts_apply.sql

--
-- Name: FUNCTION _active_user_counts_apply(); Type: COMMENT; Schema: sms_monitor
--

COMMENT ON FUNCTION sms_monitor._active_user_counts_apply() IS 'Internal: statement trigger of sms_metric_active_users_daily (after INSERT, after DELETE) that keeps sms_metric_active_user_counts, its rows per day.';

--
-- Name: _alert_acknowledge(uuid, text, timestamp with time zone); Type: FUNCTION; Schema: sms_monitor
--

CREATE FUNCTION sms_monitor._alert_acknowledge(p_alert_id uuid, p_by text DEFAULT NULL::text, p_now timestamp with time zone DEFAULT now()) RETURNS sms_monitor.sms_alert_history
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'pg_temp'
    -- body: sql/functions/_alert_acknowledge.sql

--
-- Name: FUNCTION _alert_acknowledge(p_alert_id uuid, p_by text, p_now timestamp with time zone); Type: COMMENT; Schema: sms_monitor
--

COMMENT ON FUNCTION sms_monitor._alert_acknowledge(p_alert_id uuid, p_by text, p_now timestamp with time zone) IS 'Internal: acknowledges an open incident at p_now and queues the acknowledges.';

--
-- Name: _alert_compare(numeric, text, numeric); Type: FUNCTION; Schema: sms_monitor
--

CREATE FUNCTION sms_monitor._alert_compare(p_value numeric, p_comparison text, p_threshold numeric) RETURNS boolean
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path TO 'pg_catalog', 'pg_temp'
    -- body: sql/functions/_alert_compare.sql

--
-- Name: FUNCTION _alert_compare(p_value numeric, p_comparison text, p_threshold numeric); Type: COMMENT; Schema: sms_monitor
--

COMMENT ON FUNCTION sms_monitor._alert_compare(p_value numeric, p_comparison text, p_threshold numeric) IS 'Internal: p_value <p_comparison> p_threshold (comparison one of <, <=, >, >=); NULL when the value is NULL.';

--
-- Name: _alert_cost_baseline(date); Type: FUNCTION; Schema: sms_monitor
--

CREATE FUNCTION sms_monitor._alert_cost_baseline(p_today date) RETURNS TABLE(cost_per_user_day numeric, days integer)
    LANGUAGE plpgsql STABLE ROWS 1
    SET search_path TO 'pg_catalog', 'pg_temp'
    SET jit TO 'off'
    -- body: sql/functions/_alert_cost_baseline.sql

--
-- Name: FUNCTION _alert_cost_baseline(p_today date); Type: COMMENT; Schema: sms_monitor
--

COMMENT ON FUNCTION sms_monitor._alert_cost_baseline(p_today date) IS 'Internal: sum(llm_cost_usd) / sum(active_users) over the 30 reporting days before p_today (sms_metrics_daily), and how many of them had active users.';

--
-- Name: _alert_dedup_key(text, uuid); Type: FUNCTION; Schema: sms_monitor
--

CREATE FUNCTION sms_monitor._alert_dedup_key(p_alert_type text, p_id uuid) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path TO 'pg_catalog', 'pg_temp'
    -- body: sql/functions/_alert_dedup_key.sql

--
-- Name: FUNCTION _alert_dedup_key(p_alert_type text, p_id uuid); Type: COMMENT; Schema: sms_monitor
--

COMMENT ON FUNCTION sms_monitor._alert_dedup_key(p_alert_type text, p_id uuid) IS 'Internal: the PagerDuty dedup_key of an incident (sms-monitor/<alert_type>/<id>, at most 255 characters).';

--
-- Name: _alert_dedup_key(text, uuid, text, text); Type: FUNCTION; Schema: sms_monitor
--

CREATE FUNCTION sms_monitor._alert_dedup_key(p_alert_type text, p_id uuid, p_group_by text, p_group_value text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path TO 'pg_catalog', 'pg_temp'
    -- body: sql/functions/_alert_dedup_key.sql

--
-- Name: FUNCTION _alert_dedup_key(p_alert_type text, p_id uuid, p_group_by text, p_group_value text); Type: COMMENT; Schema: sms_monitor
--

COMMENT ON FUNCTION sms_monitor._alert_dedup_key(p_alert_type text, p_id uuid, p_group_by text, p_group_value text) IS 'Internal: the PagerDuty dedup_key of an incident of a per-dimension rule (sms-monitor/<alert_type>/<group_by>=<value>/<id>).';

--
-- Name: _alert_enqueue(uuid, text, text[]); Type: FUNCTION; Schema: sms_monitor
--

CREATE FUNCTION sms_monitor._alert_enqueue(p_alert_id uuid, p_event text, p_channels text[]) RETURNS integer
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'pg_temp'
    -- body: sql/functions/_alert_enqueue.sql

--
-- Name: FUNCTION _alert_enqueue(p_alert_id uuid, p_event text, p_channels text[]); Type: COMMENT; Schema: sms_monitor
--

COMMENT ON FUNCTION sms_monitor._alert_enqueue(p_alert_id uuid, p_event text, p_channels text[]) IS 'Internal: queues an outbox row per channel for an incident event (trigger, repeat, acknowledge, resolve).';

--
-- Name: _alert_evaluate(timestamp with time zone, boolean); Type: FUNCTION; Schema: sms_monitor
--

CREATE FUNCTION sms_monitor._alert_evaluate(p_now timestamp with time zone, p_preview boolean DEFAULT false) RETURNS TABLE(alert_type text, action text, metric_value numeric, threshold_value numeric, sample_size bigint, alert_id uuid, detail text, group_by text, group_value text)
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'pg_temp'
    SET jit TO 'off'
    -- body: sql/functions/_alert_evaluate.sql

--
-- Name: FUNCTION _alert_evaluate(p_now timestamp with time zone, p_preview boolean); Type: COMMENT; Schema: sms_monitor
--

COMMENT ON FUNCTION sms_monitor._alert_evaluate(p_now timestamp with time zone, p_preview boolean) IS 'Internal: the alert engine (check_sms_alerts and preview_sms_alerts call it); any p_now, each rule (and each value of a per-dimension rule) isolated; p_preview queues no notifications.';

--
-- Name: _alert_evaluate_value(timestamp with time zone, boolean, text, text, numeric, bigint, text, text); Type: FUNCTION; Schema: sms_monitor
--

CREATE FUNCTION sms_monitor._alert_evaluate_value(p_now timestamp with time zone, p_preview boolean, p_alert_type text, p_group text, p_value numeric, p_sample bigint, p_detail text, p_values_error text) RETURNS TABLE(action text, alert_id uuid, metric_value numeric, sample_size bigint, detail text)
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'pg_temp'
    -- body: sql/functions/_alert_evaluate_value.sql

--
-- Name: FUNCTION _alert_evaluate_value(p_now timestamp with time zone, p_preview boolean, p_alert_type text, p_group text, p_value numeric, p_sample bigint, p_detail text, p_values_error text); Type: COMMENT; Schema: sms_monitor
--

COMMENT ON FUNCTION sms_monitor._alert_evaluate_value(p_now timestamp with time zone, p_preview boolean, p_alert_type text, p_group text, p_value numeric, p_sample bigint, p_detail text, p_values_error text) IS 'Internal: the alert engine''s step for one enabled rule and one value of its group_by (NULL: system-wide): opens, repeats, resolves the value''s incident and stores its state; returns the action.';

--
-- Name: _alert_format_value(numeric, text); Type: FUNCTION; Schema: sms_monitor
--

CREATE FUNCTION sms_monitor._alert_format_value(p_value numeric, p_unit text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path TO 'pg_catalog', 'pg_temp'
    -- body: sql/functions/_alert_format_value.sql

--
-- Name: FUNCTION _alert_format_value(p_value numeric, p_unit text); Type: COMMENT; Schema: sms_monitor
--

COMMENT ON FUNCTION sms_monitor._alert_format_value(p_value numeric, p_unit text) IS 'Internal: a metric value for a message: 85.30 % (percent), 2.50x (ratio), 61.5 s (seconds).';

--
-- Name: _alert_history_dedup_key(); Type: FUNCTION; Schema: sms_monitor
--

CREATE FUNCTION sms_monitor._alert_history_dedup_key() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'pg_temp'
    -- body: sql/functions/_alert_history_dedup_key.sql

--
-- Name: FUNCTION _alert_history_dedup_key(); Type: COMMENT; Schema: sms_monitor
--

COMMENT ON FUNCTION sms_monitor._alert_history_dedup_key() IS 'Internal trigger: sets sms_alert_history.dedup_key at insert (sms-monitor/<alert_type>[/<group_by>=<value>]/<id>) and keeps it on update.';

--
-- Name: _alert_lock_incident(uuid, timestamp with time zone); Type: FUNCTION; Schema: sms_monitor
--

CREATE FUNCTION sms_monitor._alert_lock_incident(p_alert_id uuid, p_now timestamp with time zone) RETURNS sms_monitor.sms_alert_history
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'pg_temp'
    -- body: sql/functions/_alert_lock_incident.sql

--
-- Name: FUNCTION _alert_lock_incident(p_alert_id uuid, p_now timestamp with time zone); Type: COMMENT; Schema: sms_monitor
--

COMMENT ON FUNCTION sms_monitor._alert_lock_incident(p_alert_id uuid, p_now timestamp with time zone) IS 'Internal: validates an incident id and time, locks the incident''s rule and returns the incident.';

--
-- Name: _alert_lock_rule(text); Type: FUNCTION; Schema: sms_monitor
--

CREATE FUNCTION sms_monitor._alert_lock_rule(p_alert_type text) RETURNS sms_monitor.sms_alert_rule_state
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'pg_temp'
    -- body: sql/functions/_alert_lock_rule.sql

--
-- Name: FUNCTION _alert_lock_rule(p_alert_type text); Type: COMMENT; Schema: sms_monitor
--

COMMENT ON FUNCTION sms_monitor._alert_lock_rule(p_alert_type text) IS 'Internal: locks a rule (its sms_alert_rule_state row, FOR UPDATE) until the end of the transaction.';

--
-- Name: _alert_message_values(timestamp with time zone, text); Type: FUNCTION; Schema: sms_monitor
--

CREATE FUNCTION sms_monitor._alert_message_values(p_now timestamp with time zone, p_alert_type text DEFAULT NULL::text) RETURNS TABLE(alert_type text, group_value text, metric_value numeric, sample_size bigint, detail text)
    LANGUAGE plpgsql STABLE
    SET search_path TO 'pg_catalog', 'pg_temp'
    SET jit TO 'off'
    SET plan_cache_mode TO 'force_custom_plan'
    -- body: sql/functions/_alert_message_values.sql

--
-- Name: FUNCTION _alert_message_values(p_now timestamp with time zone, p_alert_type text); Type: COMMENT; Schema: sms_monitor
--

COMMENT ON FUNCTION sms_monitor._alert_message_values(p_now timestamp with time zone, p_alert_type text) IS 'Internal: every enabled message-metric rule''s (or p_alert_type''s) value, sample and detail at p_now, per value of its group_by (group_value NULL: system-wide), from the message minute buckets over [p_now - window, p_now).';

--
-- Name: _alert_operator_problem(uuid, text, text, timestamp with time zone); Type: FUNCTION; Schema: sms_monitor
--

CREATE FUNCTION sms_monitor._alert_operator_problem(p_alert_id uuid, p_by_field text, p_by text, p_now timestamp with time zone) RETURNS text
    LANGUAGE plpgsql STABLE
    SET search_path TO 'pg_catalog', 'pg_temp'
    -- body: sql/functions/_alert_operator_problem.sql

--
-- Name: FUNCTION _alert_operator_problem(p_alert_id uuid, p_by_field text, p_by text, p_now timestamp with time zone); Type: COMMENT; Schema: sms_monitor
--

COMMENT ON FUNCTION sms_monitor._alert_operator_problem(p_alert_id uuid, p_by_field text, p_by text, p_now timestamp with time zone) IS 'Internal: "<field>: <problem>" for an operator''s resolve/acknowledge arguments (name length, reserved engine labels, time between triggered_at and now() + 5 minutes); P0002 for an unknown id; else NULL.';

--
-- Name: _alert_resolve(uuid, text, timestamp with time zone); Type: FUNCTION; Schema: sms_monitor
--

CREATE FUNCTION sms_monitor._alert_resolve(p_alert_id uuid, p_resolved_by text DEFAULT NULL::text, p_now timestamp with time zone DEFAULT now()) RETURNS sms_monitor.sms_alert_history
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'pg_temp'
    -- body: sql/functions/_alert_resolve.sql

--
-- Name: FUNCTION _alert_resolve(p_alert_id uuid, p_resolved_by text, p_now timestamp with time zone); Type: COMMENT; Schema: sms_monitor
--

COMMENT ON FUNCTION sms_monitor._alert_resolve(p_alert_id uuid, p_resolved_by text, p_now timestamp with time zone) IS 'Internal: resolves an open incident at p_now (not before its acknowledgement) and queues the resolves.';

--
-- Name: _alert_rule_params_problem(text, text, jsonb); Type: FUNCTION; Schema: sms_monitor
--

CREATE FUNCTION sms_monitor._alert_rule_params_problem(p_metric text, p_group_by text, p_params jsonb) RETURNS text
    LANGUAGE plpgsql STABLE
    SET search_path TO 'pg_catalog', 'pg_temp'
    -- body: sql/functions/_alert_rule_params_problem.sql

--
-- Name: FUNCTION _alert_rule_params_problem(p_metric text, p_group_by text, p_params jsonb); Type: COMMENT; Schema: sms_monitor
--

COMMENT ON FUNCTION sms_monitor._alert_rule_params_problem(p_metric text, p_group_by text, p_params jsonb) IS 'Internal: what is wrong with a rule''s group_by and params for its metric (NULL: nothing).';

--
-- Name: _alert_rule_values(timestamp with time zone, text); Type: FUNCTION; Schema: sms_monitor
--

CREATE FUNCTION sms_monitor._alert_rule_values(p_now timestamp with time zone, p_alert_type text DEFAULT NULL::text) RETURNS TABLE(alert_type text, metric_value numeric, sample_size bigint, detail text, group_value text)
    LANGUAGE sql STABLE
    SET search_path TO 'pg_catalog', 'pg_temp'
    SET jit TO 'off'
    -- body: sql/functions/_alert_rule_values.sql

--
-- Name: FUNCTION _alert_rule_values(p_now timestamp with time zone, p_alert_type text); Type: COMMENT; Schema: sms_monitor
--

COMMENT ON FUNCTION sms_monitor._alert_rule_values(p_now timestamp with time zone, p_alert_type text) IS 'Internal: every enabled rule''s (or p_alert_type''s) metric value, sample size and a detail line at p_now, over the hourly buckets overlapping the rule''s window (daily buckets only when their whole day is inside). delivery_rate = 100 * delivered / sent (sample: sent); llm_failure_rate = 100 * fallbacks / (llm successes + fallbacks) (sample: both); llm_cost_spike = (llm cost / active users) / (sum daily llm cost / sum daily active users over the 30 days before today, >= 7 days with traffic) (sample: active users); opt_out_rate = 100 * opt-outs / active users; daily_limit_hit_rate = 100 * users with a daily-limit hit / active users. Active user = a user_id with any bucket in the window. Nothing to divide by = NULL (no_data). Message metrics: _alert_message_values, one row per group_value of a per-dimension rule.';

--
-- Name: _alert_slo_burn(timestamp with time zone, jsonb, integer); Type: FUNCTION; Schema: sms_monitor
--

CREATE FUNCTION sms_monitor._alert_slo_burn(p_now timestamp with time zone, p_params jsonb, p_min_sample integer) RETURNS TABLE(value numeric, sample bigint, detail text)
    LANGUAGE sql STABLE
    SET search_path TO 'pg_catalog', 'pg_temp'
    SET jit TO 'off'
    -- body: sql/functions/_alert_slo_burn.sql

--
-- Name: FUNCTION _alert_slo_burn(p_now timestamp with time zone, p_params jsonb, p_min_sample integer); Type: COMMENT; Schema: sms_monitor
--

COMMENT ON FUNCTION sms_monitor._alert_slo_burn(p_now timestamp with time zone, p_params jsonb, p_min_sample integer) IS 'Internal: the delivery SLO burn-rate value of a delivery_slo_burn rule at p_now: the highest min(burn long, burn short) / factor over params.windows pairs [long, short, factor] whose short window has >= p_min_sample terminal messages (>= 1: breached), the terminal messages of the longest window, and a detail line per pair.';

--
-- Name: _alert_supersede_unreached(uuid); Type: FUNCTION; Schema: sms_monitor
--

CREATE FUNCTION sms_monitor._alert_supersede_unreached(p_alert_id uuid) RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    -- body: sql/functions/_alert_supersede_unreached.sql

--
-- Name: FUNCTION _alert_supersede_unreached(p_alert_id uuid); Type: COMMENT; Schema: sms_monitor
--

COMMENT ON FUNCTION sms_monitor._alert_supersede_unreached(p_alert_id uuid) IS 'Internal: supersedes the notifications of a resolved incident whose trigger never reached a channel (PagerDuty: trigger and resolve; other channels: one "fired and recovered" resolve is sent instead).';

--
-- Name: _alert_sync_notification_status(uuid); Type: FUNCTION; Schema: sms_monitor
--

CREATE FUNCTION sms_monitor._alert_sync_notification_status(p_alert_id uuid) RETURNS void
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    -- body: sql/functions/_alert_sync_notification_status.sql

--
-- Name: FUNCTION _alert_sync_notification_status(p_alert_id uuid); Type: COMMENT; Schema: sms_monitor
--

COMMENT ON FUNCTION sms_monitor._alert_sync_notification_status(p_alert_id uuid) IS 'Internal: recomputes notification_sent / notification_error / notification_status of an incident from the outbox.';

--
-- Name: _alert_thresholds_before_delete(); Type: FUNCTION; Schema: sms_monitor
--

CREATE FUNCTION sms_monitor._alert_thresholds_before_delete() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    -- body: sql/functions/_alert_thresholds_before_delete.sql

--
-- Name: FUNCTION _alert_thresholds_before_delete(); Type: COMMENT; Schema: sms_monitor
--

COMMENT ON FUNCTION sms_monitor._alert_thresholds_before_delete() IS 'Trigger: refuses to delete a rule that has incidents (23503, saying to set is_enabled = false instead).';

--
-- Name: _alert_thresholds_validate(); Type: FUNCTION; Schema: sms_monitor
--

CREATE FUNCTION sms_monitor._alert_thresholds_validate() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    -- body: sql/functions/_alert_thresholds_validate.sql

--
-- Name: FUNCTION _alert_thresholds_validate(); Type: COMMENT; Schema: sms_monitor
--

COMMENT ON FUNCTION sms_monitor._alert_thresholds_validate() IS 'Internal trigger: rejects a nonsensical alert rule with 22023 and a message naming the column.';

--
-- Name: _alert_told_channels(uuid); Type: FUNCTION; Schema: sms_monitor
--

CREATE FUNCTION sms_monitor._alert_told_channels(p_alert_id uuid) RETURNS text[]
    LANGUAGE sql STABLE
    SET search_path TO 'pg_catalog', 'pg_temp'
    -- body: sql/functions/_alert_told_channels.sql

--
-- Name: FUNCTION _alert_told_channels(p_alert_id uuid); Type: COMMENT; Schema: sms_monitor
--

COMMENT ON FUNCTION sms_monitor._alert_told_channels(p_alert_id uuid) IS 'Internal: the channels an incident was announced on, by a trigger or a repeat (they get its acknowledge and resolve).';

--
-- Name: _alert_window_stats(timestamp with time zone, integer); Type: FUNCTION; Schema: sms_monitor
--

CREATE FUNCTION sms_monitor._alert_window_stats(p_now timestamp with time zone, p_window_minutes integer) RETURNS TABLE(window_start timestamp without time zone, window_end timestamp without time zone, sent numeric, delivered numeric, llm_success numeric, template_fallback numeric, llm_cost numeric, opt_outs numeric, active_users bigint, limit_users bigint)
    LANGUAGE plpgsql STABLE ROWS 1
    SET search_path TO 'pg_catalog', 'pg_temp'
    SET plan_cache_mode TO 'force_custom_plan'
    SET max_parallel_workers_per_gather TO '0'
    -- body: sql/functions/_alert_window_stats.sql

--
-- Name: FUNCTION _alert_window_stats(p_now timestamp with time zone, p_window_minutes integer); Type: COMMENT; Schema: sms_monitor
--

COMMENT ON FUNCTION sms_monitor._alert_window_stats(p_now timestamp with time zone, p_window_minutes integer) IS 'Internal: sums, active users and users who hit the daily limit over the minutes from p_now - p_window_minutes to p_now (reporting timezone, live); hour-only values when their hour overlaps, daily ones when their whole day is inside.';

--
-- Name: _apply_sms_message_retention(timestamp with time zone, integer); Type: FUNCTION; Schema: sms_monitor
--

CREATE FUNCTION sms_monitor._apply_sms_message_retention(p_now timestamp with time zone, p_days integer) RETURNS TABLE(target text, deleted bigint)
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'pg_temp'
    -- body: sql/functions/_apply_sms_message_retention.sql

--
-- Name: FUNCTION _apply_sms_message_retention(p_now timestamp with time zone, p_days integer); Type: COMMENT; Schema: sms_monitor
--

COMMENT ON FUNCTION sms_monitor._apply_sms_message_retention(p_now timestamp with time zone, p_days integer) IS 'Internal: deletes the minute and hour buckets before the whole hour containing now - p_days (advancing _message_bucket_cut), messages untouched since the clock-skew bound before that cut, and message log rows recorded before now - p_days.';

--
-- Name: _apply_sms_retention(timestamp with time zone); Type: FUNCTION; Schema: sms_monitor
--

CREATE FUNCTION sms_monitor._apply_sms_retention(p_now timestamp with time zone) RETURNS TABLE(target text, deleted bigint)
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'pg_temp'
    -- body: sql/functions/_apply_sms_retention.sql

--
-- Name: FUNCTION _apply_sms_retention(p_now timestamp with time zone); Type: COMMENT; Schema: sms_monitor
--

COMMENT ON FUNCTION sms_monitor._apply_sms_retention(p_now timestamp with time zone) IS 'Internal: apply_sms_retention at any p_now (owner only).';

--
-- Name: _assert_can_read_user(uuid); Type: FUNCTION; Schema: sms_monitor
--

CREATE FUNCTION sms_monitor._assert_can_read_user(p_user_id uuid) RETURNS void
    LANGUAGE plpgsql STABLE
    SET search_path TO 'pg_catalog', 'pg_temp'
    -- body: sql/functions/_assert_can_read_user.sql

--
-- Name: FUNCTION _assert_can_read_user(p_user_id uuid); Type: COMMENT; Schema: sms_monitor
--

COMMENT ON FUNCTION sms_monitor._assert_can_read_user(p_user_id uuid) IS 'Internal: raises 42501 unless the caller is a reader/admin or the self-only caller asking for itself.';

--
-- Name: _audit_subject(); Type: FUNCTION; Schema: sms_monitor
--

CREATE FUNCTION sms_monitor._audit_subject() RETURNS text
    LANGUAGE plpgsql STABLE
    SET search_path TO 'pg_catalog', 'pg_temp'
    -- body: sql/functions/_audit_subject.sql

--
-- Name: FUNCTION _audit_subject(); Type: COMMENT; Schema: sms_monitor
--

COMMENT ON FUNCTION sms_monitor._audit_subject() IS 'Internal: the name a write is recorded as: the token''s sub (else role) for the HTTP server''s requests, else session_user.';

--
-- Name: _bucket_time_problem(text, text, date, integer); Type: FUNCTION; Schema: sms_monitor
--

CREATE FUNCTION sms_monitor._bucket_time_problem(p_date_field text, p_hour_field text, p_date date, p_hour integer) RETURNS text
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    -- body: sql/functions/_bucket_time_problem.sql

--
-- Name: FUNCTION _bucket_time_problem(p_date_field text, p_hour_field text, p_date date, p_hour integer); Type: COMMENT; Schema: sms_monitor
--

COMMENT ON FUNCTION sms_monitor._bucket_time_problem(p_date_field text, p_hour_field text, p_date date, p_hour integer) IS 'Internal: "<field>: <problem>" when a bucket (date, hour) is older than retention keeps or later than now() + 5 minutes (reporting timezone); else NULL.';

--
-- Name: _caller_user_id(); Type: FUNCTION; Schema: sms_monitor
--

CREATE FUNCTION sms_monitor._caller_user_id() RETURNS uuid
    LANGUAGE plpgsql STABLE
    SET search_path TO 'pg_catalog', 'pg_temp'
    -- body: sql/functions/_caller_user_id.sql

--
-- Name: FUNCTION _caller_user_id(); Type: COMMENT; Schema: sms_monitor
--

COMMENT ON FUNCTION sms_monitor._caller_user_id() IS 'Internal: the uuid in request.jwt.claims.sub (PostgREST), or NULL when absent or malformed.';

--
-- Name: _count_map_add(jsonb, jsonb); Type: FUNCTION; Schema: sms_monitor
--

CREATE FUNCTION sms_monitor._count_map_add(p_a jsonb, p_b jsonb) RETURNS jsonb
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path TO 'pg_catalog', 'pg_temp'
    -- body: migrations/committed/

--
-- Name: FUNCTION _count_map_add(p_a jsonb, p_b jsonb); Type: COMMENT; Schema: sms_monitor
--

COMMENT ON FUNCTION sms_monitor._count_map_add(p_a jsonb, p_b jsonb) IS 'Internal: two count maps added per key, zero sums left out.';

--
-- Name: _count_map_final(text[]); Type: FUNCTION; Schema: sms_monitor
--

CREATE FUNCTION sms_monitor._count_map_final(p_values text[]) RETURNS jsonb
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path TO 'pg_catalog', 'pg_temp'
    -- body: migrations/committed/

--
-- Name: FUNCTION _count_map_final(p_values text[]); Type: COMMENT; Schema: sms_monitor
--

COMMENT ON FUNCTION sms_monitor._count_map_final(p_values text[]) IS 'Internal: the final function of _count_map.';

--
-- Name: _count_map_sum_final(jsonb[]); Type: FUNCTION; Schema: sms_monitor
--

CREATE FUNCTION sms_monitor._count_map_sum_final(p_maps jsonb[]) RETURNS jsonb
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path TO 'pg_catalog', 'pg_temp'
    -- body: migrations/committed/

--
-- Name: FUNCTION _count_map_sum_final(p_maps jsonb[]); Type: COMMENT; Schema: sms_monitor
--

COMMENT ON FUNCTION sms_monitor._count_map_sum_final(p_maps jsonb[]) IS 'Internal: the final function of _count_map_sum.';

--
-- Name: _rollup_watermark(text); Type: FUNCTION; Schema: sms_monitor
--

CREATE FUNCTION sms_monitor._rollup_watermark(p_rollup text) RETURNS bigint
    LANGUAGE sql STABLE PARALLEL SAFE
    -- body: sql/functions/_rollup_watermark.sql

--
-- Name: FUNCTION _rollup_watermark(p_rollup text); Type: COMMENT; Schema: sms_monitor
--

COMMENT ON FUNCTION sms_monitor._rollup_watermark(p_rollup text) IS 'Internal: the last log id the named rollup has rolled up (sms_rollup_watermarks.last_id).';

--
-- Name: _system_wide_user(); Type: FUNCTION; Schema: sms_monitor
--

CREATE FUNCTION sms_monitor._system_wide_user() RETURNS uuid
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    -- body: migrations/committed/

--
-- Name: FUNCTION _system_wide_user(); Type: COMMENT; Schema: sms_monitor
--

COMMENT ON FUNCTION sms_monitor._system_wide_user() IS 'Internal constant: the nil UUID, the user_id of system-wide rows in sms_metric_events and sms_metric_rollups (the views show NULL).';

--
-- Name: _daily_metrics_series(date, date); Type: FUNCTION; Schema: sms_monitor
--

CREATE FUNCTION sms_monitor._daily_metrics_series(p_start_date date, p_end_date date) RETURNS SETOF sms_monitor.sms_metrics_daily
    LANGUAGE plpgsql STABLE
    SET search_path TO 'pg_catalog', 'pg_temp'
    SET jit TO 'off'
    -- body: sql/functions/_daily_metrics_series.sql

--
-- Name: FUNCTION _daily_metrics_series(p_start_date date, p_end_date date); Type: COMMENT; Schema: sms_monitor
--

COMMENT ON FUNCTION sms_monitor._daily_metrics_series(p_start_date date, p_end_date date) IS 'Internal: every reporting day of start..end (at most 366) in the shape of sms_metrics_daily, quiet days with zero counts, active_users 0 and NULL rates and means (from the live view sms_metrics_daily).';

--
-- Name: _duration_text(interval); Type: FUNCTION; Schema: sms_monitor
--

CREATE FUNCTION sms_monitor._duration_text(p_duration interval) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    SET search_path TO 'pg_catalog', 'pg_temp'
    -- body: sql/functions/_duration_text.sql

--
-- Name: FUNCTION _duration_text(p_duration interval); Type: COMMENT; Schema: sms_monitor
--

COMMENT ON FUNCTION sms_monitor._duration_text(p_duration interval) IS 'A duration in words: 42 s, 42 min, 3 h 5 min (under 2 days), 12 d 4 h.';

--
-- Name: _ensure_sms_event_partitions(date, integer); Type: FUNCTION; Schema: sms_monitor
--

CREATE FUNCTION sms_monitor._ensure_sms_event_partitions(p_from date, p_days integer) RETURNS integer
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'pg_temp'
    -- body: sql/functions/_ensure_sms_event_partitions.sql

--
-- Name: FUNCTION _ensure_sms_event_partitions(p_from date, p_days integer); Type: COMMENT; Schema: sms_monitor
--

COMMENT ON FUNCTION sms_monitor._ensure_sms_event_partitions(p_from date, p_days integer) IS 'Internal: creates the missing daily partitions sms_metric_events_YYYYMMDD for p_days days from p_from.';

--
-- Name: _event_log_retention(); Type: FUNCTION; Schema: sms_monitor
--

CREATE FUNCTION sms_monitor._event_log_retention() RETURNS interval
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    -- body: sql/functions/_event_log_retention.sql

--
-- Name: FUNCTION _event_log_retention(); Type: COMMENT; Schema: sms_monitor
--

COMMENT ON FUNCTION sms_monitor._event_log_retention() IS 'Internal constant: 3 days, how long apply_sms_retention() keeps a rolled-up partition of sms_metric_events.';

--
-- Name: _fold_message_events(bigint, bigint, text); Type: FUNCTION; Schema: sms_monitor
--

CREATE FUNCTION sms_monitor._fold_message_events(p_from_id bigint, p_to_id bigint, p_tz text) RETURNS bigint
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'pg_temp'
    -- body: sql/functions/_fold_message_events.sql

--
-- Name: FUNCTION _fold_message_events(p_from_id bigint, p_to_id bigint, p_tz text); Type: COMMENT; Schema: sms_monitor
--

COMMENT ON FUNCTION sms_monitor._fold_message_events(p_from_id bigint, p_to_id bigint, p_tz text) IS 'Internal: folds the logged message events (p_from_id, p_to_id] into sms_messages and appends the counter changes they cause; the caller holds the fold''s claim (rollup_sms_messages).';

--
-- Name: _histogram_percentile(integer[], double precision); Type: FUNCTION; Schema: sms_monitor
--

CREATE FUNCTION sms_monitor._histogram_percentile(p_histogram integer[], p_q double precision) RETURNS double precision
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    -- body: sql/functions/_histogram_percentile.sql

--
-- Name: FUNCTION _histogram_percentile(p_histogram integer[], p_q double precision); Type: COMMENT; Schema: sms_monitor
--

COMMENT ON FUNCTION sms_monitor._histogram_percentile(p_histogram integer[], p_q double precision) IS 'Internal: the q-quantile in ms of a latency histogram (percentile_disc rank, the bucket''s representative 2 x 1.03^b / 2.03; relative error <= 1.48 %); NULL when empty.';

--
-- Name: _idempotency_claim(text, text); Type: FUNCTION; Schema: sms_monitor
--

CREATE FUNCTION sms_monitor._idempotency_claim(p_key text, p_request_hash text) RETURNS TABLE(status integer, body text)
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    -- body: sql/functions/_idempotency_claim.sql

--
-- Name: FUNCTION _idempotency_claim(p_key text, p_request_hash text); Type: COMMENT; Schema: sms_monitor
--

COMMENT ON FUNCTION sms_monitor._idempotency_claim(p_key text, p_request_hash text) IS 'Internal (HTTP server): the stored reply of a POST retried with the same Idempotency-Key and token subject within 24 h, else no row.';

--
-- Name: _idempotency_store(text, text, integer, text); Type: FUNCTION; Schema: sms_monitor
--

CREATE FUNCTION sms_monitor._idempotency_store(p_key text, p_request_hash text, p_status integer, p_body text) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    -- body: sql/functions/_idempotency_store.sql

--
-- Name: FUNCTION _idempotency_store(p_key text, p_request_hash text, p_status integer, p_body text); Type: COMMENT; Schema: sms_monitor
--

COMMENT ON FUNCTION sms_monitor._idempotency_store(p_key text, p_request_hash text, p_status integer, p_body text) IS 'Internal (HTTP server): keeps a POST''s reply under its Idempotency-Key and token subject for 24 h.';

--
-- Name: _incident_json(sms_monitor.sms_alert_history); Type: FUNCTION; Schema: sms_monitor
--

CREATE FUNCTION sms_monitor._incident_json(p_incident sms_monitor.sms_alert_history) RETURNS jsonb
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    -- body: sql/functions/_incident_json.sql

--
-- Name: FUNCTION _incident_json(p_incident sms_monitor.sms_alert_history); Type: COMMENT; Schema: sms_monitor
--

COMMENT ON FUNCTION sms_monitor._incident_json(p_incident sms_monitor.sms_alert_history) IS 'An incident as the API returns it: its columns, times as ISO 8601 UTC (Z), duration_seconds (NULL while open), unit, value_text (latest value, with its unit), threshold_text.';

--
-- Name: _is_canonical_uuid(text); Type: FUNCTION; Schema: sms_monitor
--

CREATE FUNCTION sms_monitor._is_canonical_uuid(p_text text) RETURNS boolean
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    -- body: sql/functions/_is_canonical_uuid.sql

--
-- Name: FUNCTION _is_canonical_uuid(p_text text); Type: COMMENT; Schema: sms_monitor
--

COMMENT ON FUNCTION sms_monitor._is_canonical_uuid(p_text text) IS 'Internal: whether a string is a UUID written 8-4-4-4-12 in hexadecimal (LIKE and one character class).';

--
-- Name: _is_timestamptz(text); Type: FUNCTION; Schema: sms_monitor
--

CREATE FUNCTION sms_monitor._is_timestamptz(p_text text) RETURNS boolean
    LANGUAGE plpgsql STABLE
    SET search_path TO 'pg_catalog', 'pg_temp'
    -- body: sql/functions/_is_timestamptz.sql

--
-- Name: FUNCTION _is_timestamptz(p_text text); Type: COMMENT; Schema: sms_monitor
--

COMMENT ON FUNCTION sms_monitor._is_timestamptz(p_text text) IS 'Internal: whether a string casts to timestamptz (used to name the bad element of a batch).';

--
-- Name: _is_uuid(text); Type: FUNCTION; Schema: sms_monitor
--

CREATE FUNCTION sms_monitor._is_uuid(p_text text) RETURNS boolean
    LANGUAGE plpgsql IMMUTABLE
    SET search_path TO 'pg_catalog', 'pg_temp'
    -- body: sql/functions/_is_uuid.sql

--
-- Name: FUNCTION _is_uuid(p_text text); Type: COMMENT; Schema: sms_monitor
--

COMMENT ON FUNCTION sms_monitor._is_uuid(p_text text) IS 'Internal: whether a string casts to uuid (NULL counts as valid: no user).';

--
-- Name: _iso_utc(timestamp with time zone); Type: FUNCTION; Schema: sms_monitor
--

CREATE FUNCTION sms_monitor._iso_utc(p_time timestamp with time zone) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    SET search_path TO 'pg_catalog', 'pg_temp'
    -- body: sql/functions/_iso_utc.sql

--
-- Name: FUNCTION _iso_utc(p_time timestamp with time zone); Type: COMMENT; Schema: sms_monitor
--

COMMENT ON FUNCTION sms_monitor._iso_utc(p_time timestamp with time zone) IS 'A time as the HTTP API writes it: ISO 8601 UTC with Z (fraction only when there is one).';

--
-- Name: _latency_bucket(double precision); Type: FUNCTION; Schema: sms_monitor
--

CREATE FUNCTION sms_monitor._latency_bucket(p_ms double precision) RETURNS integer
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    -- body: sql/functions/_latency_bucket.sql

--
-- Name: FUNCTION _latency_bucket(p_ms double precision); Type: COMMENT; Schema: sms_monitor
--

COMMENT ON FUNCTION sms_monitor._latency_bucket(p_ms double precision) IS 'Internal: the latency histogram bucket of p_ms: 0 for <= 1 ms, else ceil(ln(ms) / ln(1.03)).';

--
-- Name: _latency_bucket_ms(integer); Type: FUNCTION; Schema: sms_monitor
--

CREATE FUNCTION sms_monitor._latency_bucket_ms(p_bucket integer) RETURNS double precision
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    -- body: migrations/committed/

--
-- Name: FUNCTION _latency_bucket_ms(p_bucket integer); Type: COMMENT; Schema: sms_monitor
--

COMMENT ON FUNCTION sms_monitor._latency_bucket_ms(p_bucket integer) IS 'Internal: the representative latency in ms of a latency histogram bucket: 2 x 1.03^b / 2.03, 0 for bucket 0.';

--
-- Name: _latency_histogram_add(integer[], integer[]); Type: FUNCTION; Schema: sms_monitor
--

CREATE FUNCTION sms_monitor._latency_histogram_add(p_a integer[], p_b integer[]) RETURNS integer[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path TO 'pg_catalog', 'pg_temp'
    -- body: migrations/committed/

--
-- Name: FUNCTION _latency_histogram_add(p_a integer[], p_b integer[]); Type: COMMENT; Schema: sms_monitor
--

COMMENT ON FUNCTION sms_monitor._latency_histogram_add(p_a integer[], p_b integer[]) IS 'Internal: two latency histograms (buckets, then running totals) added per bucket, zero sums left out.';

--
-- Name: _latency_histogram_final(double precision[]); Type: FUNCTION; Schema: sms_monitor
--

CREATE FUNCTION sms_monitor._latency_histogram_final(p_latencies double precision[]) RETURNS integer[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path TO 'pg_catalog', 'pg_temp'
    -- body: migrations/committed/

--
-- Name: FUNCTION _latency_histogram_final(p_latencies double precision[]); Type: COMMENT; Schema: sms_monitor
--

COMMENT ON FUNCTION sms_monitor._latency_histogram_final(p_latencies double precision[]) IS 'Internal: the final function of _latency_histogram: the latencies counted per bucket.';

--
-- Name: _latency_histogram_merge(sms_monitor.latency_histogram_part[]); Type: FUNCTION; Schema: sms_monitor
--

CREATE FUNCTION sms_monitor._latency_histogram_merge(p_parts sms_monitor.latency_histogram_part[]) RETURNS integer[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path TO 'pg_catalog', 'pg_temp'
    -- body: migrations/committed/

--
-- Name: FUNCTION _latency_histogram_merge(p_parts sms_monitor.latency_histogram_part[]); Type: COMMENT; Schema: sms_monitor
--

COMMENT ON FUNCTION sms_monitor._latency_histogram_merge(p_parts sms_monitor.latency_histogram_part[]) IS 'Internal: the signed sum of latency histograms, zero sums left out (the final function of _latency_histogram_sum).';

--
-- Name: _latency_histogram_of_final(integer[]); Type: FUNCTION; Schema: sms_monitor
--

CREATE FUNCTION sms_monitor._latency_histogram_of_final(p_pairs integer[]) RETURNS integer[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path TO 'pg_catalog', 'pg_temp'
    -- body: migrations/committed/

--
-- Name: FUNCTION _latency_histogram_of_final(p_pairs integer[]); Type: COMMENT; Schema: sms_monitor
--

COMMENT ON FUNCTION sms_monitor._latency_histogram_of_final(p_pairs integer[]) IS 'Internal: the final function of _latency_histogram_of.';

--
-- Name: _latency_histogram_sum_step(sms_monitor.latency_histogram_part[], integer[]); Type: FUNCTION; Schema: sms_monitor
--

CREATE FUNCTION sms_monitor._latency_histogram_sum_step(p_state sms_monitor.latency_histogram_part[], p_h integer[]) RETURNS sms_monitor.latency_histogram_part[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path TO 'pg_catalog', 'pg_temp'
    -- body: migrations/committed/

--
-- Name: FUNCTION _latency_histogram_sum_step(p_state sms_monitor.latency_histogram_part[], p_h integer[]); Type: COMMENT; Schema: sms_monitor
--

COMMENT ON FUNCTION sms_monitor._latency_histogram_sum_step(p_state sms_monitor.latency_histogram_part[], p_h integer[]) IS 'Internal: the state function of _latency_histogram_sum.';

--
-- Name: _looks_like_iso_time_with_offset(text); Type: FUNCTION; Schema: sms_monitor
--

CREATE FUNCTION sms_monitor._looks_like_iso_time_with_offset(p_text text) RETURNS boolean
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    -- body: sql/functions/_looks_like_iso_time_with_offset.sql

--
-- Name: FUNCTION _looks_like_iso_time_with_offset(p_text text); Type: COMMENT; Schema: sms_monitor
--

COMMENT ON FUNCTION sms_monitor._looks_like_iso_time_with_offset(p_text text) IS 'Internal: whether an event time is a date, a time and an explicit UTC offset and nothing else (cheap, one regex).';

--
-- Name: _max_clock_skew(); Type: FUNCTION; Schema: sms_monitor
--

CREATE FUNCTION sms_monitor._max_clock_skew() RETURNS interval
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    -- body: sql/functions/_max_clock_skew.sql

--
-- Name: FUNCTION _max_clock_skew(); Type: COMMENT; Schema: sms_monitor
--

COMMENT ON FUNCTION sms_monitor._max_clock_skew() IS 'Internal constant: 5 minutes, how far ahead of now() a recorded or operator-given time may lie.';

--
-- Name: _merge_metadata(jsonb, jsonb); Type: FUNCTION; Schema: sms_monitor
--

CREATE FUNCTION sms_monitor._merge_metadata(p_old jsonb, p_new jsonb) RETURNS jsonb
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    -- body: sql/functions/_merge_metadata.sql

--
-- Name: FUNCTION _merge_metadata(p_old jsonb, p_new jsonb); Type: COMMENT; Schema: sms_monitor
--

COMMENT ON FUNCTION sms_monitor._merge_metadata(p_old jsonb, p_new jsonb) IS 'Internal: merges bucket metadata, bounded to 16 KiB (then marks the bucket _metadata_truncated).';

--
-- Name: _message_bucket_cut(); Type: FUNCTION; Schema: sms_monitor
--

CREATE FUNCTION sms_monitor._message_bucket_cut() RETURNS timestamp with time zone
    LANGUAGE sql STABLE
    SET search_path TO 'pg_catalog', 'pg_temp'
    -- body: sql/functions/_message_bucket_cut.sql

--
-- Name: FUNCTION _message_bucket_cut(); Type: COMMENT; Schema: sms_monitor
--

COMMENT ON FUNCTION sms_monitor._message_bucket_cut() IS 'Internal: the minute before which no message bucket exists (retention''s cut; the fold writes no bucket before it).';

--
-- Name: _message_by_problem(text, boolean); Type: FUNCTION; Schema: sms_monitor
--

CREATE FUNCTION sms_monitor._message_by_problem(p_by text, p_optional boolean) RETURNS text
    LANGUAGE sql STABLE
    SET search_path TO 'pg_catalog', 'pg_temp'
    -- body: sql/functions/_message_by_problem.sql

--
-- Name: FUNCTION _message_by_problem(p_by text, p_optional boolean); Type: COMMENT; Schema: sms_monitor
--

COMMENT ON FUNCTION sms_monitor._message_by_problem(p_by text, p_optional boolean) IS 'Internal: the 22023 message for a by= that is not a message_dimension (NULL allowed when p_optional), or NULL.';

--
-- Name: _message_contributions(sms_monitor.sms_messages); Type: FUNCTION; Schema: sms_monitor
--

CREATE FUNCTION sms_monitor._message_contributions(p_message sms_monitor.sms_messages) RETURNS TABLE(minute timestamp with time zone, dimension sms_monitor.message_dimension, value text, carrier_country text, sent integer, delivered integer, undelivered integer, failed integer, canceled integer, waiting integer, latency_ms double precision, error_code text)
    LANGUAGE sql STABLE PARALLEL SAFE
    -- body: sql/functions/_message_contributions.sql

--
-- Name: FUNCTION _message_contributions(p_message sms_monitor.sms_messages); Type: COMMENT; Schema: sms_monitor
--

COMMENT ON FUNCTION sms_monitor._message_contributions(p_message sms_monitor.sms_messages) IS 'Internal: the rows one message adds to sms_message_minute_stats (one per kind: all, then each dimension).';

--
-- Name: _message_event_problem(jsonb, text); Type: FUNCTION; Schema: sms_monitor
--

CREATE FUNCTION sms_monitor._message_event_problem(p_event jsonb, p_status text) RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE
    -- body: sql/functions/_message_event_problem.sql

--
-- Name: FUNCTION _message_event_problem(p_event jsonb, p_status text); Type: COMMENT; Schema: sms_monitor
--

COMMENT ON FUNCTION sms_monitor._message_event_problem(p_event jsonb, p_status text) IS 'Internal: the validation rules for one message event; returns "<field>: <problem>" or NULL.';

--
-- Name: _message_event_unknown_field(jsonb); Type: FUNCTION; Schema: sms_monitor
--

CREATE FUNCTION sms_monitor._message_event_unknown_field(p_event jsonb) RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE
    -- body: sql/functions/_message_event_unknown_field.sql

--
-- Name: FUNCTION _message_event_unknown_field(p_event jsonb); Type: COMMENT; Schema: sms_monitor
--

COMMENT ON FUNCTION sms_monitor._message_event_unknown_field(p_event jsonb) IS 'Internal: "<field>: unknown field (allowed: ...)" for the first key of a message event that is not a field.';

--
-- Name: _message_events_shape(); Type: FUNCTION; Schema: sms_monitor
--

CREATE FUNCTION sms_monitor._message_events_shape() RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    -- body: sql/functions/_message_events_shape.sql

--
-- Name: FUNCTION _message_events_shape(); Type: COMMENT; Schema: sms_monitor
--

COMMENT ON FUNCTION sms_monitor._message_events_shape() IS 'Internal: the regular expression a JSON array of message events matches (as jsonb text) only when each element passes _message_event_problem, lengths, price scale, status, user_id and times aside.';

--
-- Name: _message_minute_rows(timestamp with time zone, timestamp with time zone, boolean, sms_monitor.message_dimension); Type: FUNCTION; Schema: sms_monitor
--

CREATE FUNCTION sms_monitor._message_minute_rows(p_from timestamp with time zone, p_to timestamp with time zone, p_every_kind boolean, p_dimension sms_monitor.message_dimension) RETURNS TABLE(minute timestamp with time zone, dimension sms_monitor.message_dimension, value text, carrier_country text, messages bigint, sent bigint, delivered bigint, undelivered bigint, failed bigint, canceled bigint, waiting bigint, latency integer[], error_codes jsonb)
    LANGUAGE sql STABLE
    -- body: sql/functions/_message_minute_rows.sql

--
-- Name: FUNCTION _message_minute_rows(p_from timestamp with time zone, p_to timestamp with time zone, p_every_kind boolean, p_dimension sms_monitor.message_dimension); Type: COMMENT; Schema: sms_monitor
--

COMMENT ON FUNCTION sms_monitor._message_minute_rows(p_from timestamp with time zone, p_to timestamp with time zone, p_every_kind boolean, p_dimension sms_monitor.message_dimension) IS 'Internal: the sms_message_minute_stats rows of the messages entering in [p_from, p_to), from sms_messages (every kind, or p_dimension''s alone).';

--
-- Name: _message_stats(sms_monitor.message_dimension, timestamp with time zone, timestamp with time zone, interval, boolean, boolean, boolean); Type: FUNCTION; Schema: sms_monitor
--

CREATE FUNCTION sms_monitor._message_stats(p_dimension sms_monitor.message_dimension, p_from timestamp with time zone, p_to timestamp with time zone, p_step interval DEFAULT NULL::interval, p_latency boolean DEFAULT true, p_error_codes boolean DEFAULT false, p_carrier_country boolean DEFAULT false) RETURNS TABLE(at timestamp with time zone, value text, messages bigint, sent bigint, delivered bigint, undelivered bigint, failed bigint, canceled bigint, waiting bigint, timed bigint, p50 double precision, p95 double precision, p99 double precision, error_codes jsonb, carrier_country text)
    LANGUAGE plpgsql STABLE
    SET search_path TO 'pg_catalog', 'pg_temp'
    SET plan_cache_mode TO 'force_custom_plan'
    -- body: sql/functions/_message_stats.sql

--
-- Name: FUNCTION _message_stats(p_dimension sms_monitor.message_dimension, p_from timestamp with time zone, p_to timestamp with time zone, p_step interval, p_latency boolean, p_error_codes boolean, p_carrier_country boolean); Type: COMMENT; Schema: sms_monitor
--

COMMENT ON FUNCTION sms_monitor._message_stats(p_dimension sms_monitor.message_dimension, p_from timestamp with time zone, p_to timestamp with time zone, p_step interval, p_latency boolean, p_error_codes boolean, p_carrier_country boolean) IS 'Internal: the message counts and latency percentiles of [p_from, p_to) per value of p_dimension (and p_step bucket): minute buckets for whole minutes, sms_messages for the edges (or for all of it when the caller may not read the buckets).';

--
-- Name: _message_value(sms_monitor.sms_messages, sms_monitor.message_dimension); Type: FUNCTION; Schema: sms_monitor
--

CREATE FUNCTION sms_monitor._message_value(p_message sms_monitor.sms_messages, p_dimension sms_monitor.message_dimension) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    -- body: sql/functions/_message_value.sql

--
-- Name: FUNCTION _message_value(p_message sms_monitor.sms_messages, p_dimension sms_monitor.message_dimension); Type: COMMENT; Schema: sms_monitor
--

COMMENT ON FUNCTION sms_monitor._message_value(p_message sms_monitor.sms_messages, p_dimension sms_monitor.message_dimension) IS 'Internal: the message''s value of p_dimension (carrier, country, ...), NULL when unknown or p_dimension is NULL.';

--
-- Name: _message_window(integer, timestamp with time zone, timestamp with time zone, timestamp with time zone); Type: FUNCTION; Schema: sms_monitor
--

CREATE FUNCTION sms_monitor._message_window(p_minutes integer, p_start timestamp with time zone, p_end timestamp with time zone, p_now timestamp with time zone, OUT from_at timestamp with time zone, OUT to_at timestamp with time zone) RETURNS record
    LANGUAGE plpgsql STABLE
    SET search_path TO 'pg_catalog', 'pg_temp'
    -- body: sql/functions/_message_window.sql

--
-- Name: FUNCTION _message_window(p_minutes integer, p_start timestamp with time zone, p_end timestamp with time zone, p_now timestamp with time zone, OUT from_at timestamp with time zone, OUT to_at timestamp with time zone); Type: COMMENT; Schema: sms_monitor
--

COMMENT ON FUNCTION sms_monitor._message_window(p_minutes integer, p_start timestamp with time zone, p_end timestamp with time zone, p_now timestamp with time zone, OUT from_at timestamp with time zone, OUT to_at timestamp with time zone) IS 'Internal: the [from_at, to_at) window of a message read from minutes or start/end; 22023 when out of bounds.';

--
-- Name: _metric_problem(text, text, numeric, jsonb, text); Type: FUNCTION; Schema: sms_monitor
--

CREATE FUNCTION sms_monitor._metric_problem(p_kind text, p_metric_type text, p_metric_value numeric, p_metadata jsonb, p_value_field text DEFAULT 'metric_value'::text) RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE
    -- body: sql/functions/_metric_problem.sql

--
-- Name: FUNCTION _metric_problem(p_kind text, p_metric_type text, p_metric_value numeric, p_metadata jsonb, p_value_field text); Type: COMMENT; Schema: sms_monitor
--

COMMENT ON FUNCTION sms_monitor._metric_problem(p_kind text, p_metric_type text, p_metric_value numeric, p_metadata jsonb, p_value_field text) IS 'Internal: the validation rules for one recorded value; returns "<field>: <problem>" or NULL.';

--
-- Name: _minute_bits(integer); Type: FUNCTION; Schema: sms_monitor
--

CREATE FUNCTION sms_monitor._minute_bits(p_minute integer) RETURNS bigint
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    -- body: sql/functions/_minute_bits.sql

--
-- Name: FUNCTION _minute_bits(p_minute integer); Type: COMMENT; Schema: sms_monitor
--

COMMENT ON FUNCTION sms_monitor._minute_bits(p_minute integer) IS 'Internal: the active-minute bit of minute p_minute (0 .. 59), or all 60 bits for NULL (an hour row).';

--
-- Name: _minute_rollup_days(); Type: FUNCTION; Schema: sms_monitor
--

CREATE FUNCTION sms_monitor._minute_rollup_days() RETURNS integer
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    -- body: sql/functions/_minute_rollup_days.sql

--
-- Name: FUNCTION _minute_rollup_days(); Type: COMMENT; Schema: sms_monitor
--

COMMENT ON FUNCTION sms_monitor._minute_rollup_days() IS 'Internal constant: 8 reporting days of minute-grain rollups; older minutes are compacted into hours by retention.';

--
-- Name: _notify_channel(); Type: FUNCTION; Schema: sms_monitor
--

CREATE FUNCTION sms_monitor._notify_channel() RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path TO 'pg_catalog', 'pg_temp'
    -- body: sql/functions/_notify_channel.sql

--
-- Name: FUNCTION _notify_channel(); Type: COMMENT; Schema: sms_monitor
--

COMMENT ON FUNCTION sms_monitor._notify_channel() IS 'Internal: the NOTIFY channel of the notification outbox (sms_monitor_notifications).';

--
-- Name: _notify_sms_notifications(); Type: FUNCTION; Schema: sms_monitor
--

CREATE FUNCTION sms_monitor._notify_sms_notifications() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    -- body: sql/functions/_notify_sms_notifications.sql

--
-- Name: FUNCTION _notify_sms_notifications(); Type: COMMENT; Schema: sms_monitor
--

COMMENT ON FUNCTION sms_monitor._notify_sms_notifications() IS 'Internal trigger: NOTIFY sms_monitor_notifications with a JSON array of the inserted ids (<= 7000 bytes).';

--
-- Name: _raise_22023(text); Type: FUNCTION; Schema: sms_monitor
--

CREATE FUNCTION sms_monitor._raise_22023(p_message text) RETURNS numeric
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'pg_temp'
    -- body: sql/functions/_raise_22023.sql

--
-- Name: FUNCTION _raise_22023(p_message text); Type: COMMENT; Schema: sms_monitor
--

COMMENT ON FUNCTION sms_monitor._raise_22023(p_message text) IS 'Internal: raises 22023 with the message (for CASE branches inside SQL statements).';

--
-- Name: _reader_date_problem(text, date); Type: FUNCTION; Schema: sms_monitor
--

CREATE FUNCTION sms_monitor._reader_date_problem(p_field text, p_value date) RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE
    -- body: sql/functions/_reader_date_problem.sql

--
-- Name: FUNCTION _reader_date_problem(p_field text, p_value date); Type: COMMENT; Schema: sms_monitor
--

COMMENT ON FUNCTION sms_monitor._reader_date_problem(p_field text, p_value date) IS 'Internal: "<field>: <problem>" when a date argument is NULL, infinite or outside 2000-01-01 .. 2199-12-31; else NULL.';

--
-- Name: _reader_time_problem(text, timestamp with time zone); Type: FUNCTION; Schema: sms_monitor
--

CREATE FUNCTION sms_monitor._reader_time_problem(p_field text, p_value timestamp with time zone) RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE
    -- body: sql/functions/_reader_time_problem.sql

--
-- Name: FUNCTION _reader_time_problem(p_field text, p_value timestamp with time zone); Type: COMMENT; Schema: sms_monitor
--

COMMENT ON FUNCTION sms_monitor._reader_time_problem(p_field text, p_value timestamp with time zone) IS 'Internal: "<field>: <problem>" when a time argument is NULL, infinite or outside 2000-01-01 .. 2199-12-31; else NULL.';

--
-- Name: _rebuild_message_minute_stats(timestamp with time zone, timestamp with time zone); Type: FUNCTION; Schema: sms_monitor
--

CREATE FUNCTION sms_monitor._rebuild_message_minute_stats(p_from timestamp with time zone, p_to timestamp with time zone) RETURNS bigint
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'pg_temp'
    -- body: sql/functions/_rebuild_message_minute_stats.sql

--
-- Name: FUNCTION _rebuild_message_minute_stats(p_from timestamp with time zone, p_to timestamp with time zone); Type: COMMENT; Schema: sms_monitor
--

COMMENT ON FUNCTION sms_monitor._rebuild_message_minute_stats(p_from timestamp with time zone, p_to timestamp with time zone) IS 'Internal: recomputes the minute buckets of [p_from, p_to) (whole minutes) from sms_messages; returns the minute rows written.';

--
-- Name: _rebuild_system_rollups(date, date); Type: FUNCTION; Schema: sms_monitor
--

CREATE FUNCTION sms_monitor._rebuild_system_rollups(p_from date, p_to date) RETURNS bigint
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'pg_temp'
    -- body: sql/functions/_rebuild_system_rollups.sql

--
-- Name: FUNCTION _rebuild_system_rollups(p_from date, p_to date); Type: COMMENT; Schema: sms_monitor
--

COMMENT ON FUNCTION sms_monitor._rebuild_system_rollups(p_from date, p_to date) IS 'Internal: rebuilds sms_metric_rollups_system_daily and sms_metric_active_users_daily for the days p_from .. p_to from sms_metric_rollups_daily, and the alert-window grains (migration backfill, benchmark seeds); returns the day rows written.';

--
-- Name: _rebuild_window_grains(date, date); Type: FUNCTION; Schema: sms_monitor
--

CREATE FUNCTION sms_monitor._rebuild_window_grains(p_from date, p_to date) RETURNS bigint
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'pg_temp'
    -- body: sql/functions/_rebuild_window_grains.sql

--
-- Name: FUNCTION _rebuild_window_grains(p_from date, p_to date); Type: COMMENT; Schema: sms_monitor
--

COMMENT ON FUNCTION sms_monitor._rebuild_window_grains(p_from date, p_to date) IS 'Internal: rebuilds sms_metric_rollups_system and sms_metric_active_minutes for the days p_from .. p_to from sms_metric_rollups (backfill, seeds, a rollup run that left them behind); returns the system rows written.';

--
-- Name: _record_metric(date, integer, uuid, text, numeric, jsonb, text, integer); Type: FUNCTION; Schema: sms_monitor
--

CREATE FUNCTION sms_monitor._record_metric(p_metric_date date, p_metric_hour integer, p_user_id uuid, p_metric_type text, p_metric_value numeric, p_metadata jsonb DEFAULT '{}'::jsonb, p_value_field text DEFAULT 'metric_value'::text, p_metric_minute integer DEFAULT NULL::integer) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    -- body: sql/functions/_record_metric.sql

--
-- Name: FUNCTION _record_metric(p_metric_date date, p_metric_hour integer, p_user_id uuid, p_metric_type text, p_metric_value numeric, p_metadata jsonb, p_value_field text, p_metric_minute integer); Type: COMMENT; Schema: sms_monitor
--

COMMENT ON FUNCTION sms_monitor._record_metric(p_metric_date date, p_metric_hour integer, p_user_id uuid, p_metric_type text, p_metric_value numeric, p_metadata jsonb, p_value_field text, p_metric_minute integer) IS 'Internal: validates one value and appends it to sms_metric_events for its (date, hour, minute, user, type) bucket.';

--
-- Name: _reporting_timezone(); Type: FUNCTION; Schema: sms_monitor
--

CREATE FUNCTION sms_monitor._reporting_timezone() RETURNS text
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    -- body: sql/functions/_reporting_timezone.sql

--
-- Name: FUNCTION _reporting_timezone(); Type: COMMENT; Schema: sms_monitor
--

COMMENT ON FUNCTION sms_monitor._reporting_timezone() IS 'Internal: the IANA zone that decides what a day and an hour are (sms_monitor.settings).';

--
-- Name: _rollup_claim_range(text, regclass, regclass); Type: FUNCTION; Schema: sms_monitor
--

CREATE FUNCTION sms_monitor._rollup_claim_range(p_rollup text, p_log regclass, p_sequence regclass, OUT from_id bigint, OUT to_id bigint) RETURNS record
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'pg_temp'
    -- body: sql/functions/_rollup_claim_range.sql

--
-- Name: FUNCTION _rollup_claim_range(p_rollup text, p_log regclass, p_sequence regclass, OUT from_id bigint, OUT to_id bigint); Type: COMMENT; Schema: sms_monitor
--

COMMENT ON FUNCTION sms_monitor._rollup_claim_range(p_rollup text, p_log regclass, p_sequence regclass, OUT from_id bigint, OUT to_id bigint) IS 'Internal: serializes rollup p_rollup, waits out writers holding lower ids, returns the id range (from_id, to_id] to aggregate and advances the watermark to to_id in the caller''s transaction.';

--
-- Name: _settings_validate(); Type: FUNCTION; Schema: sms_monitor
--

CREATE FUNCTION sms_monitor._settings_validate() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'pg_temp'
    -- body: sql/functions/_settings_validate.sql

--
-- Name: FUNCTION _settings_validate(); Type: COMMENT; Schema: sms_monitor
--

COMMENT ON FUNCTION sms_monitor._settings_validate() IS 'Internal trigger: rejects an unknown reporting_timezone with 22023.';

--
-- Name: _sms_message_status(text, text); Type: FUNCTION; Schema: sms_monitor
--

CREATE FUNCTION sms_monitor._sms_message_status(p_provider text, p_spelling text) RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE
    -- body: sql/functions/_sms_message_status.sql

--
-- Name: FUNCTION _sms_message_status(p_provider text, p_spelling text); Type: COMMENT; Schema: sms_monitor
--

COMMENT ON FUNCTION sms_monitor._sms_message_status(p_provider text, p_spelling text) IS 'Internal: maps a provider''s status spelling to queued, sent, delivered, undelivered, failed or canceled (NULL: unknown).';

--
-- Name: _sms_message_status_of(text, text); Type: FUNCTION; Schema: sms_monitor
--

CREATE FUNCTION sms_monitor._sms_message_status_of(p_provider text, p_spelling text) RETURNS TABLE(status text)
    LANGUAGE sql STABLE ROWS 1 PARALLEL SAFE
    -- body: sql/functions/_sms_message_status_of.sql

--
-- Name: FUNCTION _sms_message_status_of(p_provider text, p_spelling text); Type: COMMENT; Schema: sms_monitor
--

COMMENT ON FUNCTION sms_monitor._sms_message_status_of(p_provider text, p_spelling text) IS 'Internal: the status a provider''s spelling maps to, as one row (none: unknown); joined laterally it is inlined.';

--
-- Name: _sms_metrics_insert(); Type: FUNCTION; Schema: sms_monitor
--

CREATE FUNCTION sms_monitor._sms_metrics_insert() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'pg_temp'
    -- body: migrations/committed/

--
-- Name: FUNCTION _sms_metrics_insert(); Type: COMMENT; Schema: sms_monitor
--

COMMENT ON FUNCTION sms_monitor._sms_metrics_insert() IS 'Internal: INSTEAD OF INSERT on sms_metrics, adds whole buckets into sms_metric_rollups (owner only).';

--
-- Name: _user_days_from_view(date, date); Type: FUNCTION; Schema: sms_monitor
--

CREATE FUNCTION sms_monitor._user_days_from_view(p_from date, p_to date) RETURNS SETOF sms_monitor.sms_metrics_user_daily
    LANGUAGE sql STABLE
    SET search_path TO 'pg_catalog', 'pg_temp'
    -- body: sql/functions/_user_days_from_view.sql

--
-- Name: FUNCTION _user_days_from_view(p_from date, p_to date); Type: COMMENT; Schema: sms_monitor
--

COMMENT ON FUNCTION sms_monitor._user_days_from_view(p_from date, p_to date) IS 'Internal: sms_metrics_user_daily rows of p_from..p_to.';

--
-- Name: acknowledge_sms_alert(uuid, text, timestamp with time zone); Type: FUNCTION; Schema: sms_monitor
--

CREATE FUNCTION sms_monitor.acknowledge_sms_alert(p_alert_id uuid, p_by text DEFAULT NULL::text, p_now timestamp with time zone DEFAULT now()) RETURNS sms_monitor.sms_alert_history
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    -- body: sql/functions/acknowledge_sms_alert.sql

--
-- Name: FUNCTION acknowledge_sms_alert(p_alert_id uuid, p_by text, p_now timestamp with time zone); Type: COMMENT; Schema: sms_monitor
--

COMMENT ON FUNCTION sms_monitor.acknowledge_sms_alert(p_alert_id uuid, p_by text, p_now timestamp with time zone) IS 'Acknowledges an open incident (stops repeats) at p_now (between triggered_at and now() + 5 minutes) and queues an acknowledge to the channels that were told. p_by at most 200 characters. Unknown id: P0002; bad arguments: 22023.';

--
-- Name: api_alert_detail(uuid); Type: FUNCTION; Schema: sms_monitor
--

CREATE FUNCTION sms_monitor.api_alert_detail(p_alert_id uuid) RETURNS jsonb
    LANGUAGE plpgsql STABLE
    SET search_path TO 'pg_catalog', 'pg_temp'
    -- body: sql/functions/api_alert_detail.sql

--
-- Name: FUNCTION api_alert_detail(p_alert_id uuid); Type: COMMENT; Schema: sms_monitor
--

COMMENT ON FUNCTION sms_monitor.api_alert_detail(p_alert_id uuid) IS 'Dashboard (GET /alerts/:id): {success, data: {alert (_incident_json: the sms_alert_history row, times in Z, duration_seconds), channels: [per channel the latest notification: event, status, attempts, last_error, summary in words], notifications: [every outbox row]}}. Unknown id: P0002.';

--
-- Name: api_alert_rules(); Type: FUNCTION; Schema: sms_monitor
--

CREATE FUNCTION sms_monitor.api_alert_rules() RETURNS jsonb
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    -- body: sql/functions/api_alert_rules.sql

--
-- Name: FUNCTION api_alert_rules(); Type: COMMENT; Schema: sms_monitor
--

COMMENT ON FUNCTION sms_monitor.api_alert_rules() IS 'Dashboard (GET /rules): {success, data: [every rule: sms_alert_status (settings, last_evaluated_at, last_action, last_value, open_alert_id, silenced_until; times in Z) plus unit, threshold_text, last_value_text, description, channels, min_sample, pending and cooldown minutes]}.';

--
-- Name: api_alerts(text, integer, date, date); Type: FUNCTION; Schema: sms_monitor
--

CREATE FUNCTION sms_monitor.api_alerts(p_type text DEFAULT 'unresolved'::text, p_limit integer DEFAULT 50, p_start_date date DEFAULT NULL::date, p_end_date date DEFAULT NULL::date) RETURNS jsonb
    LANGUAGE plpgsql STABLE
    SET search_path TO 'pg_catalog', 'pg_temp'
    -- body: sql/functions/api_alerts.sql

--
-- Name: FUNCTION api_alerts(p_type text, p_limit integer, p_start_date date, p_end_date date); Type: COMMENT; Schema: sms_monitor
--

COMMENT ON FUNCTION sms_monitor.api_alerts(p_type text, p_limit integer, p_start_date date, p_end_date date) IS 'Dashboard (GET /alerts): {success, data: [incidents (_incident_json), newest first], type} for type unresolved (default) or history (start_date required, end_date inclusive, reporting days); limit 1-200 (default 50). Bad parameters: 22023.';

--
-- Name: api_daily_metrics(date, date); Type: FUNCTION; Schema: sms_monitor
--

CREATE FUNCTION sms_monitor.api_daily_metrics(p_start_date date, p_end_date date DEFAULT NULL::date) RETURNS jsonb
    LANGUAGE plpgsql STABLE
    SET search_path TO 'pg_catalog', 'pg_temp'
    -- body: sql/functions/api_daily_metrics.sql

--
-- Name: FUNCTION api_daily_metrics(p_start_date date, p_end_date date); Type: COMMENT; Schema: sms_monitor
--

COMMENT ON FUNCTION sms_monitor.api_daily_metrics(p_start_date date, p_end_date date) IS 'Dashboard (GET /daily): {success, data: [one sms_metrics_daily row per day, quiet days with zeros and NULL rates], date_range: {start, end}} for start..end inclusive (end default today, at most 366 days). Bad parameters: 22023.';

--
-- Name: api_health(timestamp with time zone); Type: FUNCTION; Schema: sms_monitor
--

CREATE FUNCTION sms_monitor.api_health(p_now timestamp with time zone DEFAULT now()) RETURNS jsonb
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    SET jit TO 'off'
    -- body: sql/functions/api_health.sql

--
-- Name: FUNCTION api_health(p_now timestamp with time zone); Type: COMMENT; Schema: sms_monitor
--

COMMENT ON FUNCTION sms_monitor.api_health(p_now timestamp with time zone) IS 'Dashboard health that agrees with the alert engine: {success, data: {status critical|degraded|healthy|unknown, overall_healthy (true/NULL when unknown/false), driving_rule, reason, as_of, open_incidents, rules: [each enabled rule''s value over its window, state breached|ok|no_data, open_alert_id]}}. Critical = an open critical incident; degraded = an open warning incident or a rule breaching without an incident yet; unknown = no rule has data.';

--
-- Name: api_message_breakdown(text, integer, timestamp with time zone, timestamp with time zone, timestamp with time zone); Type: FUNCTION; Schema: sms_monitor
--

CREATE FUNCTION sms_monitor.api_message_breakdown(p_by text, p_minutes integer DEFAULT 60, p_start timestamp with time zone DEFAULT NULL::timestamp with time zone, p_end timestamp with time zone DEFAULT NULL::timestamp with time zone, p_now timestamp with time zone DEFAULT now()) RETURNS jsonb
    LANGUAGE plpgsql STABLE
    SET search_path TO 'pg_catalog', 'pg_temp'
    -- body: sql/functions/api_message_breakdown.sql

--
-- Name: FUNCTION api_message_breakdown(p_by text, p_minutes integer, p_start timestamp with time zone, p_end timestamp with time zone, p_now timestamp with time zone); Type: COMMENT; Schema: sms_monitor
--

COMMENT ON FUNCTION sms_monitor.api_message_breakdown(p_by text, p_minutes integer, p_start timestamp with time zone, p_end timestamp with time zone, p_now timestamp with time zone) IS 'GET /breakdown: {success, by, start, end, data: [{key, sent, delivered, failed, terminal, delivery_rate_percent, failure_share_percent, terminal_share_percent, latency_p50_ms, latency_p95_ms}]} per value of p_by (carrier, country, sender, sender_type, error_code, message_class, provider) for messages entering the pipeline in the last p_minutes (1-44640) or [p_start, p_end), worst delivery rate first. Bad parameters: 22023.';

--
-- Name: api_message_latency(text, integer, timestamp with time zone, timestamp with time zone, timestamp with time zone); Type: FUNCTION; Schema: sms_monitor
--

CREATE FUNCTION sms_monitor.api_message_latency(p_by text DEFAULT NULL::text, p_minutes integer DEFAULT 60, p_start timestamp with time zone DEFAULT NULL::timestamp with time zone, p_end timestamp with time zone DEFAULT NULL::timestamp with time zone, p_now timestamp with time zone DEFAULT now()) RETURNS jsonb
    LANGUAGE plpgsql STABLE
    SET search_path TO 'pg_catalog', 'pg_temp'
    -- body: sql/functions/api_message_latency.sql

--
-- Name: FUNCTION api_message_latency(p_by text, p_minutes integer, p_start timestamp with time zone, p_end timestamp with time zone, p_now timestamp with time zone); Type: COMMENT; Schema: sms_monitor
--

COMMENT ON FUNCTION sms_monitor.api_message_latency(p_by text, p_minutes integer, p_start timestamp with time zone, p_end timestamp with time zone, p_now timestamp with time zone) IS 'GET /latency: {success, by, start, end, data: [{key, delivered, p50_ms, p95_ms, p99_ms}]}: percentiles (log histogram, <= 1.48 % off) of delivered minus sent for messages sent in the last p_minutes (1-44640) or [p_start, p_end) and delivered, overall (p_by NULL) or per carrier, country, sender, sender_type, error_code, message_class or provider, slowest first. Bad parameters: 22023.';

--
-- Name: api_message_receipts(integer, integer, timestamp with time zone); Type: FUNCTION; Schema: sms_monitor
--

CREATE FUNCTION sms_monitor.api_message_receipts(p_after_minutes integer DEFAULT 10, p_minutes integer DEFAULT 1440, p_now timestamp with time zone DEFAULT now()) RETURNS jsonb
    LANGUAGE plpgsql STABLE
    SET search_path TO 'pg_catalog', 'pg_temp'
    -- body: sql/functions/api_message_receipts.sql

--
-- Name: FUNCTION api_message_receipts(p_after_minutes integer, p_minutes integer, p_now timestamp with time zone); Type: COMMENT; Schema: sms_monitor
--

COMMENT ON FUNCTION sms_monitor.api_message_receipts(p_after_minutes integer, p_minutes integer, p_now timestamp with time zone) IS 'GET /receipts: {success, after_minutes, start, end, data: [{carrier, country, sent, waiting, waiting_percent, oldest_waiting_sent_at}]}: messages sent between p_minutes (default 1440) and p_after_minutes (default 10, 1-10080) ago still without a final status, per carrier and country, most waiting first. Bad parameters: 22023.';

--
-- Name: api_message_series(integer, integer, text, timestamp with time zone); Type: FUNCTION; Schema: sms_monitor
--

CREATE FUNCTION sms_monitor.api_message_series(p_minutes integer DEFAULT 180, p_step integer DEFAULT 1, p_by text DEFAULT NULL::text, p_now timestamp with time zone DEFAULT now()) RETURNS jsonb
    LANGUAGE plpgsql STABLE
    SET search_path TO 'pg_catalog', 'pg_temp'
    -- body: sql/functions/api_message_series.sql

--
-- Name: FUNCTION api_message_series(p_minutes integer, p_step integer, p_by text, p_now timestamp with time zone); Type: COMMENT; Schema: sms_monitor
--

COMMENT ON FUNCTION sms_monitor.api_message_series(p_minutes integer, p_step integer, p_by text, p_now timestamp with time zone) IS 'GET /series: {success, step_minutes, by, start, end, data: [{at, key, sent, delivered, failed, delivery_rate_percent, p95_ms}]}: buckets of p_step (1, 5, 15, 60) minutes over the last p_minutes (a multiple of step, up to 10080) up to the bucket holding p_now; every bucket without p_by, non-empty (bucket, key) rows with it. Bad parameters: 22023.';

--
-- Name: api_metrics_summary(timestamp with time zone, boolean); Type: FUNCTION; Schema: sms_monitor
--

CREATE FUNCTION sms_monitor.api_metrics_summary(p_now timestamp with time zone DEFAULT now(), p_live boolean DEFAULT false) RETURNS jsonb
    LANGUAGE plpgsql STABLE
    SET search_path TO 'pg_catalog', 'pg_temp'
    -- body: sql/functions/api_metrics_summary.sql

--
-- Name: FUNCTION api_metrics_summary(p_now timestamp with time zone, p_live boolean); Type: COMMENT; Schema: sms_monitor
--

COMMENT ON FUNCTION sms_monitor.api_metrics_summary(p_now timestamp with time zone, p_live boolean) IS 'Dashboard (GET /summary): {success, data: {today, week (7 days incl. today), alerts {unresolved_count, has_critical, recent (5)}, health (api_health''s status, overall_healthy, driving_rule, reason, as_of)}}.';

--
-- Name: api_prometheus_metrics(timestamp with time zone); Type: FUNCTION; Schema: sms_monitor
--

CREATE FUNCTION sms_monitor.api_prometheus_metrics(p_now timestamp with time zone DEFAULT now()) RETURNS text
    LANGUAGE plpgsql STABLE
    SET search_path TO 'pg_catalog', 'pg_temp'
    -- body: sql/functions/api_prometheus_metrics.sql

--
-- Name: FUNCTION api_prometheus_metrics(p_now timestamp with time zone); Type: COMMENT; Schema: sms_monitor
--

COMMENT ON FUNCTION sms_monitor.api_prometheus_metrics(p_now timestamp with time zone) IS 'GET /metrics: Prometheus text format (0.0.4): today''s events, costs, rates and active users, open incidents by rule and severity, outbox rows by channel and status, the age of the oldest pending notification. All gauges.';

--
-- Name: api_resolve_alert(uuid, text); Type: FUNCTION; Schema: sms_monitor
--

CREATE FUNCTION sms_monitor.api_resolve_alert(p_alert_id uuid, p_resolved_by text DEFAULT NULL::text) RETURNS jsonb
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'pg_temp'
    -- body: sql/functions/api_resolve_alert.sql

--
-- Name: FUNCTION api_resolve_alert(p_alert_id uuid, p_resolved_by text); Type: COMMENT; Schema: sms_monitor
--

COMMENT ON FUNCTION sms_monitor.api_resolve_alert(p_alert_id uuid, p_resolved_by text) IS 'Dashboard (POST /alerts): resolves an open incident: {success true, message, alert_id, resolved_at, resolved_by}; already resolved: success false saying when and by whom; unknown id: P0002.';

--
-- Name: api_today_metrics(timestamp with time zone, boolean); Type: FUNCTION; Schema: sms_monitor
--

CREATE FUNCTION sms_monitor.api_today_metrics(p_now timestamp with time zone DEFAULT now(), p_live boolean DEFAULT false) RETURNS jsonb
    LANGUAGE plpgsql STABLE
    SET search_path TO 'pg_catalog', 'pg_temp'
    SET jit TO 'off'
    -- body: sql/functions/api_today_metrics.sql

--
-- Name: FUNCTION api_today_metrics(p_now timestamp with time zone, p_live boolean); Type: COMMENT; Schema: sms_monitor
--

COMMENT ON FUNCTION sms_monitor.api_today_metrics(p_now timestamp with time zone, p_live boolean) IS 'Dashboard (GET /today): {success, source, as_of, data: today''s figures + health (api_health''s status, overall_healthy, driving_rule, reason, as_of)}. From sms_metrics_daily (live); source says whether p_live was asked.';

--
-- Name: api_top_users(integer, text, integer, timestamp with time zone, boolean); Type: FUNCTION; Schema: sms_monitor
--

CREATE FUNCTION sms_monitor.api_top_users(p_days integer DEFAULT 7, p_by text DEFAULT 'sent'::text, p_limit integer DEFAULT 10, p_now timestamp with time zone DEFAULT now(), p_live boolean DEFAULT false) RETURNS jsonb
    LANGUAGE plpgsql STABLE
    SET search_path TO 'pg_catalog', 'pg_temp'
    -- body: sql/functions/api_top_users.sql

--
-- Name: FUNCTION api_top_users(p_days integer, p_by text, p_limit integer, p_now timestamp with time zone, p_live boolean); Type: COMMENT; Schema: sms_monitor
--

COMMENT ON FUNCTION sms_monitor.api_top_users(p_days integer, p_by text, p_limit integer, p_now timestamp with time zone, p_live boolean) IS 'Dashboard (GET /top-users): {success, data: [{rank, user_id, sent, delivered, failed, delivery_rate_percent, llm_cost_usd, sms_cost_usd, cost_usd}], by, days, date_range} for the last p_days (1-365, default 7) reporting days up to p_now, ranked by p_by sent|cost|failures (default sent; ties by user_id; zero values left out), at most p_limit (1-100, default 10) users; live (p_live is accepted and has no effect). Bad parameters: 22023.';

--
-- Name: api_user_metrics(uuid, integer, timestamp with time zone); Type: FUNCTION; Schema: sms_monitor
--

CREATE FUNCTION sms_monitor.api_user_metrics(p_user_id uuid DEFAULT NULL::uuid, p_days integer DEFAULT 30, p_now timestamp with time zone DEFAULT now()) RETURNS jsonb
    LANGUAGE plpgsql STABLE
    SET search_path TO 'pg_catalog', 'pg_temp'
    -- body: sql/functions/api_user_metrics.sql

--
-- Name: FUNCTION api_user_metrics(p_user_id uuid, p_days integer, p_now timestamp with time zone); Type: COMMENT; Schema: sms_monitor
--

COMMENT ON FUNCTION sms_monitor.api_user_metrics(p_user_id uuid, p_days integer, p_now timestamp with time zone) IS 'Dashboard (GET /user): {success, data: {metrics: [daily rows], summary}, user_id} for the last p_days days (1-365, default 30) up to and including the reporting day of p_now (default now()); NULL user = the caller (request.jwt.claims.sub). Self-only callers get 42501 for anyone else.';

--
-- Name: apply_sms_retention(); Type: FUNCTION; Schema: sms_monitor
--

CREATE FUNCTION sms_monitor.apply_sms_retention() RETURNS TABLE(target text, deleted bigint)
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    -- body: sql/functions/apply_sms_retention.sql

--
-- Name: FUNCTION apply_sms_retention(); Type: COMMENT; Schema: sms_monitor
--

COMMENT ON FUNCTION sms_monitor.apply_sms_retention() IS 'Daily retention at the server''s now(): rolls up, deletes metric buckets older than settings.metric_retention_days (400), drops rolled-up event log partitions older than 3 days, deletes sent notifications older than notification_retention_days (30) of incidents resolved before then, batch ids older than 7 days and cron.job_run_details older than job_run_retention_days (14).';

--
-- Name: check_sms_alerts(timestamp with time zone); Type: FUNCTION; Schema: sms_monitor
--

CREATE FUNCTION sms_monitor.check_sms_alerts(p_now timestamp with time zone DEFAULT now()) RETURNS TABLE(alert_type text, action text, metric_value numeric, threshold_value numeric, sample_size bigint, alert_id uuid, detail text, group_by text, group_value text)
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    -- body: sql/functions/check_sms_alerts.sql

--
-- Name: FUNCTION check_sms_alerts(p_now timestamp with time zone); Type: COMMENT; Schema: sms_monitor
--

COMMENT ON FUNCTION sms_monitor.check_sms_alerts(p_now timestamp with time zone) IS 'Evaluates every enabled alert rule at p_now (default now(); at most 5 minutes ahead of the server clock, else 22023), opens/repeats/resolves incidents and queues notifications; resolves the open incident of a disabled rule; returns one row per rule (per value of a per-dimension rule: group_by, group_value) with its action, a value of the enum sms_monitor.alert_action (skipped = already evaluated at p_now or later; error = the rule''s evaluation failed: SQLSTATE and message in detail, the other rules are unaffected). Safe to run concurrently.';

--
-- Name: claim_sms_notifications(text, integer, integer, text[]); Type: FUNCTION; Schema: sms_monitor
--

CREATE FUNCTION sms_monitor.claim_sms_notifications(p_worker text, p_limit integer DEFAULT 10, p_lease_seconds integer DEFAULT 60, p_channels text[] DEFAULT NULL::text[]) RETURNS SETOF sms_monitor.sms_alert_notifications
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    -- body: sql/functions/claim_sms_notifications.sql

--
-- Name: FUNCTION claim_sms_notifications(p_worker text, p_limit integer, p_lease_seconds integer, p_channels text[]); Type: COMMENT; Schema: sms_monitor
--

COMMENT ON FUNCTION sms_monitor.claim_sms_notifications(p_worker text, p_limit integer, p_lease_seconds integer, p_channels text[]) IS 'Notifier: leases up to p_limit due outbox rows of the channels p_channels (NULL: all) to p_worker for p_lease_seconds (for update skip locked), oldest first; each claim counts one attempt. A row waits while an earlier row of the same incident and channel is pending (in-order delivery: trigger, acknowledge, resolve).';

--
-- Name: complete_sms_notification(bigint, text, text, text, timestamp with time zone); Type: FUNCTION; Schema: sms_monitor
--

CREATE FUNCTION sms_monitor.complete_sms_notification(p_id bigint, p_worker text, p_outcome text, p_error text DEFAULT NULL::text, p_retry_at timestamp with time zone DEFAULT NULL::timestamp with time zone) RETURNS text
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    -- body: sql/functions/complete_sms_notification.sql

--
-- Name: FUNCTION complete_sms_notification(p_id bigint, p_worker text, p_outcome text, p_error text, p_retry_at timestamp with time zone); Type: COMMENT; Schema: sms_monitor
--

COMMENT ON FUNCTION sms_monitor.complete_sms_notification(p_id bigint, p_worker text, p_outcome text, p_error text, p_retry_at timestamp with time zone) IS 'Notifier: records a delivery outcome (sent | retry | failed | defer) for a row leased by p_worker; returns the new status (sent, pending, failed, dead, superseded) or lost when the lease was lost. retry: pending again at p_retry_at, not counted against max_attempts, dead only after retry_until (24 h). sent: the channel''s rows waiting after a temporary failure are due at once. defer: pending again at p_retry_at with the attempt not counted. NULL id or bad outcome: 22023; unknown id: P0002.';

--
-- Name: get_sms_daily_metrics(date, date); Type: FUNCTION; Schema: sms_monitor
--

CREATE FUNCTION sms_monitor.get_sms_daily_metrics(p_start_date date, p_end_date date DEFAULT NULL::date) RETURNS SETOF sms_monitor.sms_metrics_daily
    LANGUAGE plpgsql STABLE
    SET search_path TO 'pg_catalog', 'pg_temp'
    -- body: sql/functions/get_sms_daily_metrics.sql

--
-- Name: FUNCTION get_sms_daily_metrics(p_start_date date, p_end_date date); Type: COMMENT; Schema: sms_monitor
--

COMMENT ON FUNCTION sms_monitor.get_sms_daily_metrics(p_start_date date, p_end_date date) IS 'Daily rows of sms_metrics_daily from p_start_date to p_end_date inclusive (NULL end = today in the reporting timezone), oldest first. Days without traffic have no row.';

--
-- Name: get_user_sms_metrics(uuid, integer, timestamp with time zone); Type: FUNCTION; Schema: sms_monitor
--

CREATE FUNCTION sms_monitor.get_user_sms_metrics(p_user_id uuid, p_days integer DEFAULT 30, p_now timestamp with time zone DEFAULT now()) RETURNS TABLE(metric_date date, scheduled_count numeric, sent_count numeric, delivered_count numeric, failed_count numeric, cancelled_count numeric, llm_success_count numeric, template_fallback_count numeric, opt_out_count numeric, quiet_hours_skip_count numeric, daily_limit_hit_count numeric, llm_cost_usd numeric, sms_cost_usd numeric, avg_delivery_time_ms numeric, avg_generation_time_ms numeric, delivery_rate_percent numeric, llm_success_rate_percent numeric)
    LANGUAGE plpgsql STABLE
    SET search_path TO 'pg_catalog', 'pg_temp'
    -- body: sql/functions/get_user_sms_metrics.sql

--
-- Name: FUNCTION get_user_sms_metrics(p_user_id uuid, p_days integer, p_now timestamp with time zone); Type: COMMENT; Schema: sms_monitor
--

COMMENT ON FUNCTION sms_monitor.get_user_sms_metrics(p_user_id uuid, p_days integer, p_now timestamp with time zone) IS 'One row per reporting day for p_user_id over the last p_days days (1-365) up to and including the reporting day of p_now (default now()). Self-only callers may read only the user in request.jwt.claims.sub (else 42501).';

--
-- Name: install_sms_monitor_schedule(); Type: FUNCTION; Schema: sms_monitor
--

CREATE FUNCTION sms_monitor.install_sms_monitor_schedule() RETURNS TABLE(jobname text, schedule text, command text, jobid bigint)
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'pg_temp'
    -- body: sql/functions/install_sms_monitor_schedule.sql

--
-- Name: FUNCTION install_sms_monitor_schedule(); Type: COMMENT; Schema: sms_monitor
--

COMMENT ON FUNCTION sms_monitor.install_sms_monitor_schedule() IS 'Registers (or updates) the pg_cron jobs by name: sms-monitor-check-alerts (every minute), sms-monitor-rollup (every minute: run_sms_rollups, a rollup every second for 55 s), sms-monitor-retention (03:17 UTC). Needs pg_cron (55000 otherwise).';

--
-- Name: lift_sms_alert_silence(bigint, timestamp with time zone); Type: FUNCTION; Schema: sms_monitor
--

CREATE FUNCTION sms_monitor.lift_sms_alert_silence(p_silence_id bigint, p_now timestamp with time zone DEFAULT now()) RETURNS sms_monitor.sms_alert_silences
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    -- body: sql/functions/lift_sms_alert_silence.sql

--
-- Name: FUNCTION lift_sms_alert_silence(p_silence_id bigint, p_now timestamp with time zone); Type: COMMENT; Schema: sms_monitor
--

COMMENT ON FUNCTION sms_monitor.lift_sms_alert_silence(p_silence_id bigint, p_now timestamp with time zone) IS 'Lifts a silence at p_now (default now); held-back open incidents are announced by the next check. Unknown id: P0002; NULL id or time: 22023.';

--
-- Name: list_sms_alert_silences(boolean, timestamp with time zone); Type: FUNCTION; Schema: sms_monitor
--

CREATE FUNCTION sms_monitor.list_sms_alert_silences(p_include_ended boolean DEFAULT false, p_now timestamp with time zone DEFAULT now()) RETURNS SETOF sms_monitor.sms_alert_silences
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    -- body: sql/functions/list_sms_alert_silences.sql

--
-- Name: FUNCTION list_sms_alert_silences(p_include_ended boolean, p_now timestamp with time zone); Type: COMMENT; Schema: sms_monitor
--

COMMENT ON FUNCTION sms_monitor.list_sms_alert_silences(p_include_ended boolean, p_now timestamp with time zone) IS 'Silences that are active or upcoming at p_now (all of them with p_include_ended), by start time. NULL or infinite p_now: 22023.';

--
-- Name: next_sms_notification_due(text[]); Type: FUNCTION; Schema: sms_monitor
--

CREATE FUNCTION sms_monitor.next_sms_notification_due(p_channels text[] DEFAULT NULL::text[]) RETURNS timestamp with time zone
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    -- body: sql/functions/next_sms_notification_due.sql

--
-- Name: FUNCTION next_sms_notification_due(p_channels text[]); Type: COMMENT; Schema: sms_monitor
--

COMMENT ON FUNCTION sms_monitor.next_sms_notification_due(p_channels text[]) IS 'Notifier: the earliest time a pending outbox row of the channels p_channels (NULL: all) becomes claimable (next_attempt_at, or lease end when leased), or NULL when nothing is pending; rows queued behind an earlier pending row of their incident and channel are not counted.';

--
-- Name: preview_sms_alerts(timestamp with time zone); Type: FUNCTION; Schema: sms_monitor
--

CREATE FUNCTION sms_monitor.preview_sms_alerts(p_now timestamp with time zone DEFAULT now()) RETURNS TABLE(alert_type text, action text, metric_value numeric, threshold_value numeric, sample_size bigint, alert_id uuid, detail text, group_by text, group_value text)
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    -- body: sql/functions/preview_sms_alerts.sql

--
-- Name: FUNCTION preview_sms_alerts(p_now timestamp with time zone); Type: COMMENT; Schema: sms_monitor
--

COMMENT ON FUNCTION sms_monitor.preview_sms_alerts(p_now timestamp with time zone) IS 'What check_sms_alerts(p_now) would do at any p_now (default now()), changing nothing: same rows (one per rule, and per value of a per-dimension rule); an incident it would open has an alert_id that does not exist. No notification, no NOTIFY.';

--
-- Name: record_sms_event(text, uuid, numeric, timestamp with time zone, jsonb); Type: FUNCTION; Schema: sms_monitor
--

CREATE FUNCTION sms_monitor.record_sms_event(p_metric_type text, p_user_id uuid DEFAULT NULL::uuid, p_value numeric DEFAULT 1, p_occurred_at timestamp with time zone DEFAULT now(), p_metadata jsonb DEFAULT '{}'::jsonb) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    -- body: sql/functions/record_sms_event.sql

--
-- Name: FUNCTION record_sms_event(p_metric_type text, p_user_id uuid, p_value numeric, p_occurred_at timestamp with time zone, p_metadata jsonb); Type: COMMENT; Schema: sms_monitor
--

COMMENT ON FUNCTION sms_monitor.record_sms_event(p_metric_type text, p_user_id uuid, p_value numeric, p_occurred_at timestamp with time zone, p_metadata jsonb) IS 'Records one event, bucketed into the date, hour and minute of p_occurred_at in the reporting timezone. p_occurred_at must be finite, at most 5 minutes ahead of the server clock and within metric_retention_days; else 22023.';

--
-- Name: record_sms_events(jsonb, uuid); Type: FUNCTION; Schema: sms_monitor
--

CREATE FUNCTION sms_monitor.record_sms_events(p_events jsonb, p_batch_id uuid DEFAULT NULL::uuid) RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    -- body: sql/functions/record_sms_events.sql

--
-- Name: FUNCTION record_sms_events(p_events jsonb, p_batch_id uuid); Type: COMMENT; Schema: sms_monitor
--

COMMENT ON FUNCTION sms_monitor.record_sms_events(p_events jsonb, p_batch_id uuid) IS 'Records a JSON array of events {metric_type, user_id?, value?, occurred_at?, metadata?} all or nothing; returns how many were recorded. The first bad element raises 22023 naming events[i].field. With p_batch_id the batch is recorded at most once: a repeated id records nothing and returns the first result (ids kept 7 days).';

--
-- Name: record_sms_message_event(text, text, timestamp with time zone, jsonb); Type: FUNCTION; Schema: sms_monitor
--

CREATE FUNCTION sms_monitor.record_sms_message_event(p_message_id text, p_status text, p_occurred_at timestamp with time zone, p_attributes jsonb DEFAULT '{}'::jsonb) RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    -- body: sql/functions/record_sms_message_event.sql

--
-- Name: FUNCTION record_sms_message_event(p_message_id text, p_status text, p_occurred_at timestamp with time zone, p_attributes jsonb); Type: COMMENT; Schema: sms_monitor
--

COMMENT ON FUNCTION sms_monitor.record_sms_message_event(p_message_id text, p_status text, p_occurred_at timestamp with time zone, p_attributes jsonb) IS 'Records one message event (the optional fields in p_attributes) like record_sms_message_events; returns 1 (accepted; rollup_sms_messages folds it). 22023 names the field.';

--
-- Name: record_sms_message_events(jsonb, uuid); Type: FUNCTION; Schema: sms_monitor
--

CREATE FUNCTION sms_monitor.record_sms_message_events(p_events jsonb, p_batch_id uuid DEFAULT NULL::uuid) RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    -- body: sql/functions/record_sms_message_events.sql

--
-- Name: FUNCTION record_sms_message_events(p_events jsonb, p_batch_id uuid); Type: COMMENT; Schema: sms_monitor
--

COMMENT ON FUNCTION sms_monitor.record_sms_message_events(p_events jsonb, p_batch_id uuid) IS 'Records a JSON array of message events {message_id, status, occurred_at, user_id?, provider?, sender?, sender_type?, carrier?, country?, error_code?, segments?, price_usd?, message_class?} all or nothing into the append-only log; the fold (rollup_sms_messages) counts each (message, status) once into sent/delivered/failed/cancelled counts, delivery time and cost. Returns how many events were accepted; 22023 names events[i].field. A repeated p_batch_id records nothing and returns the first result.';

--
-- Name: record_sms_metric(date, integer, uuid, text, numeric, jsonb); Type: FUNCTION; Schema: sms_monitor
--

CREATE FUNCTION sms_monitor.record_sms_metric(p_metric_date date, p_metric_hour integer, p_user_id uuid, p_metric_type text, p_metric_value numeric, p_metadata jsonb DEFAULT '{}'::jsonb) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    -- body: sql/functions/record_sms_metric.sql

--
-- Name: FUNCTION record_sms_metric(p_metric_date date, p_metric_hour integer, p_user_id uuid, p_metric_type text, p_metric_value numeric, p_metadata jsonb); Type: COMMENT; Schema: sms_monitor
--

COMMENT ON FUNCTION sms_monitor.record_sms_metric(p_metric_date date, p_metric_hour integer, p_user_id uuid, p_metric_type text, p_metric_value numeric, p_metadata jsonb) IS 'Records a value for the bucket (date, hour or NULL for the day, user or NULL for system-wide, type). Timings (avg_*_ms) count one sample per call. The bucket must lie within metric_retention_days and begin at most 5 minutes after now(). Bad input raises 22023 and writes nothing.';

--
-- Name: refresh_sms_metrics_daily(); Type: FUNCTION; Schema: sms_monitor
--

CREATE FUNCTION sms_monitor.refresh_sms_metrics_daily() RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    -- body: sql/functions/refresh_sms_metrics_daily.sql

--
-- Name: FUNCTION refresh_sms_metrics_daily(); Type: COMMENT; Schema: sms_monitor
--

COMMENT ON FUNCTION sms_monitor.refresh_sms_metrics_daily() IS 'Runs rollup_sms_metrics() (the daily views are live; nothing else to refresh). Kept for existing callers.';

--
-- Name: release_sms_notifications(text); Type: FUNCTION; Schema: sms_monitor
--

CREATE FUNCTION sms_monitor.release_sms_notifications(p_worker text) RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    -- body: sql/functions/release_sms_notifications.sql

--
-- Name: FUNCTION release_sms_notifications(p_worker text); Type: COMMENT; Schema: sms_monitor
--

COMMENT ON FUNCTION sms_monitor.release_sms_notifications(p_worker text) IS 'Notifier, graceful shutdown: rows leased by p_worker become claimable at once, the attempt not counted; returns how many were released and NOTIFYs sms_monitor_notifications with their ids.';

--
-- Name: renew_sms_notification_leases(text, bigint[], integer); Type: FUNCTION; Schema: sms_monitor
--

CREATE FUNCTION sms_monitor.renew_sms_notification_leases(p_worker text, p_ids bigint[], p_lease_seconds integer) RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    -- body: sql/functions/renew_sms_notification_leases.sql

--
-- Name: FUNCTION renew_sms_notification_leases(p_worker text, p_ids bigint[], p_lease_seconds integer); Type: COMMENT; Schema: sms_monitor
--

COMMENT ON FUNCTION sms_monitor.renew_sms_notification_leases(p_worker text, p_ids bigint[], p_lease_seconds integer) IS 'Notifier: extends to now() + p_lease_seconds the leases p_worker holds on the rows p_ids (deliveries in flight); returns how many were renewed. Bad arguments: 22023.';

--
-- Name: reporting_today(timestamp with time zone); Type: FUNCTION; Schema: sms_monitor
--

CREATE FUNCTION sms_monitor.reporting_today(p_now timestamp with time zone DEFAULT now()) RETURNS date
    LANGUAGE sql STABLE
    SET search_path TO 'pg_catalog', 'pg_temp'
    -- body: sql/functions/reporting_today.sql

--
-- Name: FUNCTION reporting_today(p_now timestamp with time zone); Type: COMMENT; Schema: sms_monitor
--

COMMENT ON FUNCTION sms_monitor.reporting_today(p_now timestamp with time zone) IS 'The reporting day (in settings.reporting_timezone) that contains p_now, default now().';

--
-- Name: resolve_sms_alert(uuid, text, timestamp with time zone); Type: FUNCTION; Schema: sms_monitor
--

CREATE FUNCTION sms_monitor.resolve_sms_alert(p_alert_id uuid, p_resolved_by text DEFAULT NULL::text, p_now timestamp with time zone DEFAULT now()) RETURNS sms_monitor.sms_alert_history
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    -- body: sql/functions/resolve_sms_alert.sql

--
-- Name: FUNCTION resolve_sms_alert(p_alert_id uuid, p_resolved_by text, p_now timestamp with time zone); Type: COMMENT; Schema: sms_monitor
--

COMMENT ON FUNCTION sms_monitor.resolve_sms_alert(p_alert_id uuid, p_resolved_by text, p_now timestamp with time zone) IS 'Resolves an open incident by hand (resolved_by defaults to the session user; at most 200 characters, not ''auto''/''rule disabled'') at p_now (between triggered_at and now() + 5 minutes; never before its acknowledgement) and queues a resolve to the channels that were told; idempotent on a resolved incident. Unknown id: P0002; bad arguments: 22023.';

--
-- Name: retry_sms_notifications(bigint, uuid); Type: FUNCTION; Schema: sms_monitor
--

CREATE FUNCTION sms_monitor.retry_sms_notifications(p_id bigint DEFAULT NULL::bigint, p_alert_id uuid DEFAULT NULL::uuid) RETURNS SETOF sms_monitor.sms_alert_notifications
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    -- body: sql/functions/retry_sms_notifications.sql

--
-- Name: FUNCTION retry_sms_notifications(p_id bigint, p_alert_id uuid); Type: COMMENT; Schema: sms_monitor
--

COMMENT ON FUNCTION sms_monitor.retry_sms_notifications(p_id bigint, p_alert_id uuid) IS 'Admin: re-sends failed and dead notifications (one by p_id, one incident''s by p_alert_id, or all): pending, due now, attempts 0, NOTIFY sms_monitor_notifications. Rows followed by a delivered notification of the same incident and channel are skipped (out of order). Returns the rows reset. Not failed/dead, out of order, bad id: 22023; unknown id: P0002.';

--
-- Name: rollup_sms_messages(); Type: FUNCTION; Schema: sms_monitor
--

CREATE FUNCTION sms_monitor.rollup_sms_messages() RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    -- body: sql/functions/rollup_sms_messages.sql

--
-- Name: FUNCTION rollup_sms_messages(); Type: COMMENT; Schema: sms_monitor
--

COMMENT ON FUNCTION sms_monitor.rollup_sms_messages() IS 'Folds the message events past the watermark into sms_messages and the counters, exactly once (one transaction with the watermark); returns how many events.';

--
-- Name: rollup_sms_metrics(); Type: FUNCTION; Schema: sms_monitor
--

CREATE FUNCTION sms_monitor.rollup_sms_metrics() RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    -- body: sql/functions/rollup_sms_metrics.sql

--
-- Name: FUNCTION rollup_sms_metrics(); Type: COMMENT; Schema: sms_monitor
--

COMMENT ON FUNCTION sms_monitor.rollup_sms_metrics() IS 'Rolls the sms_metric_events rows past the watermark up into sms_metric_rollups, exactly once (one transaction with the watermark); returns how many rows. Readers never wait for it: the views add the tail.';

--
-- Name: silence_sms_alerts(text, timestamp with time zone, text, timestamp with time zone, text); Type: FUNCTION; Schema: sms_monitor
--

CREATE FUNCTION sms_monitor.silence_sms_alerts(p_alert_type text, p_until timestamp with time zone, p_reason text, p_starts_at timestamp with time zone DEFAULT NULL::timestamp with time zone, p_group_value text DEFAULT NULL::text) RETURNS sms_monitor.sms_alert_silences
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    -- body: sql/functions/silence_sms_alerts.sql

--
-- Name: FUNCTION silence_sms_alerts(p_alert_type text, p_until timestamp with time zone, p_reason text, p_starts_at timestamp with time zone, p_group_value text); Type: COMMENT; Schema: sms_monitor
--

COMMENT ON FUNCTION sms_monitor.silence_sms_alerts(p_alert_type text, p_until timestamp with time zone, p_reason text, p_starts_at timestamp with time zone, p_group_value text) IS 'Silences a rule (NULL = all), or one value of a per-dimension rule (p_group_value), from p_starts_at (default now) until p_until: incidents are recorded, not notified, and announced when the silence ends if still open. Returns the silence row.';

--
-- Name: sms_notifier_heartbeat(text, text[], integer); Type: FUNCTION; Schema: sms_monitor
--

CREATE FUNCTION sms_monitor.sms_notifier_heartbeat(p_worker text, p_channels text[], p_ttl_seconds integer DEFAULT 30) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    -- body: sql/functions/sms_notifier_heartbeat.sql

--
-- Name: FUNCTION sms_notifier_heartbeat(p_worker text, p_channels text[], p_ttl_seconds integer); Type: COMMENT; Schema: sms_monitor
--

COMMENT ON FUNCTION sms_monitor.sms_notifier_heartbeat(p_worker text, p_channels text[], p_ttl_seconds integer) IS 'Notifier: records that p_worker is alive and serves p_channels until now() + p_ttl_seconds; NULL channels signs it off. Bad arguments: 22023.';

--
-- Name: uninstall_sms_monitor_schedule(); Type: FUNCTION; Schema: sms_monitor
--

CREATE FUNCTION sms_monitor.uninstall_sms_monitor_schedule() RETURNS integer
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'pg_temp'
    -- body: sql/functions/uninstall_sms_monitor_schedule.sql

--
-- Name: FUNCTION uninstall_sms_monitor_schedule(); Type: COMMENT; Schema: sms_monitor
--

COMMENT ON FUNCTION sms_monitor.uninstall_sms_monitor_schedule() IS 'Removes the sms-monitor-* pg_cron jobs (e.g. where an external scheduler or notifier --evaluate-every runs the checks instead); returns how many were removed.';

--
-- Name: _count_map(text); Type: AGGREGATE; Schema: sms_monitor
--

CREATE AGGREGATE sms_monitor._count_map(text) (
    SFUNC = array_append,
    STYPE = text[],
    INITCOND = '{}',
    FINALFUNC = sms_monitor._count_map_final
);

--
-- Name: AGGREGATE _count_map(text); Type: COMMENT; Schema: sms_monitor
--

COMMENT ON AGGREGATE sms_monitor._count_map(text) IS 'Internal: {value: count} of the non-NULL values.';

--
-- Name: _count_map_sum(jsonb); Type: AGGREGATE; Schema: sms_monitor
--

CREATE AGGREGATE sms_monitor._count_map_sum(jsonb) (
    SFUNC = array_append,
    STYPE = jsonb[],
    INITCOND = '{}',
    FINALFUNC = sms_monitor._count_map_sum_final
);

--
-- Name: AGGREGATE _count_map_sum(jsonb); Type: COMMENT; Schema: sms_monitor
--

COMMENT ON AGGREGATE sms_monitor._count_map_sum(jsonb) IS 'Internal: the per-key sums of count maps, zero sums left out.';

--
-- Name: _jsonb_merge_agg(jsonb); Type: AGGREGATE; Schema: sms_monitor
--

CREATE AGGREGATE sms_monitor._jsonb_merge_agg(jsonb) (
    SFUNC = sms_monitor._merge_metadata,
    STYPE = jsonb,
    INITCOND = '{}'
);

--
-- Name: AGGREGATE _jsonb_merge_agg(jsonb); Type: COMMENT; Schema: sms_monitor
--

COMMENT ON AGGREGATE sms_monitor._jsonb_merge_agg(jsonb) IS 'Internal: merges the metadata of several events into one bucket, bounded like _merge_metadata.';

--
-- Name: _latency_histogram(double precision); Type: AGGREGATE; Schema: sms_monitor
--

CREATE AGGREGATE sms_monitor._latency_histogram(double precision) (
    SFUNC = array_append,
    STYPE = double precision[],
    INITCOND = '{}',
    FINALFUNC = sms_monitor._latency_histogram_final
);

--
-- Name: AGGREGATE _latency_histogram(double precision); Type: COMMENT; Schema: sms_monitor
--

COMMENT ON AGGREGATE sms_monitor._latency_histogram(double precision) IS 'Internal: the latency histogram (buckets of _latency_bucket, then running totals) of the latencies in ms.';

--
-- Name: _latency_histogram_of(integer[]); Type: AGGREGATE; Schema: sms_monitor
--

CREATE AGGREGATE sms_monitor._latency_histogram_of(integer[]) (
    SFUNC = array_cat,
    STYPE = integer[],
    INITCOND = '{}',
    FINALFUNC = sms_monitor._latency_histogram_of_final
);

--
-- Name: AGGREGATE _latency_histogram_of(integer[]); Type: COMMENT; Schema: sms_monitor
--

COMMENT ON AGGREGATE sms_monitor._latency_histogram_of(integer[]) IS 'Internal: the latency histogram of array[bucket, count] pairs, zero sums left out.';

--
-- Name: _latency_histogram_sum(integer[]); Type: AGGREGATE; Schema: sms_monitor
--

CREATE AGGREGATE sms_monitor._latency_histogram_sum(integer[]) (
    SFUNC = sms_monitor._latency_histogram_sum_step,
    STYPE = sms_monitor.latency_histogram_part[],
    INITCOND = '{}',
    FINALFUNC = sms_monitor._latency_histogram_merge
);

--
-- Name: AGGREGATE _latency_histogram_sum(integer[]); Type: COMMENT; Schema: sms_monitor
--

COMMENT ON AGGREGATE sms_monitor._latency_histogram_sum(integer[]) IS 'Internal: the sum of latency histograms.';

--
-- Name: FUNCTION _active_user_counts_apply(); Type: ACL; Schema: sms_monitor
--

REVOKE ALL ON FUNCTION sms_monitor._active_user_counts_apply() FROM PUBLIC;

--
-- Name: FUNCTION _alert_acknowledge(p_alert_id uuid, p_by text, p_now timestamp with time zone); Type: ACL; Schema: sms_monitor
--

REVOKE ALL ON FUNCTION sms_monitor._alert_acknowledge(p_alert_id uuid, p_by text, p_now timestamp with time zone) FROM PUBLIC;

--
-- Name: FUNCTION _alert_compare(p_value numeric, p_comparison text, p_threshold numeric); Type: ACL; Schema: sms_monitor
--

REVOKE ALL ON FUNCTION sms_monitor._alert_compare(p_value numeric, p_comparison text, p_threshold numeric) FROM PUBLIC;

--
-- Name: FUNCTION _alert_cost_baseline(p_today date); Type: ACL; Schema: sms_monitor
--

REVOKE ALL ON FUNCTION sms_monitor._alert_cost_baseline(p_today date) FROM PUBLIC;

--
-- Name: FUNCTION _alert_dedup_key(p_alert_type text, p_id uuid); Type: ACL; Schema: sms_monitor
--

REVOKE ALL ON FUNCTION sms_monitor._alert_dedup_key(p_alert_type text, p_id uuid) FROM PUBLIC;

--
-- Name: FUNCTION _alert_dedup_key(p_alert_type text, p_id uuid, p_group_by text, p_group_value text); Type: ACL; Schema: sms_monitor
--

REVOKE ALL ON FUNCTION sms_monitor._alert_dedup_key(p_alert_type text, p_id uuid, p_group_by text, p_group_value text) FROM PUBLIC;

--
-- Name: FUNCTION _alert_enqueue(p_alert_id uuid, p_event text, p_channels text[]); Type: ACL; Schema: sms_monitor
--

REVOKE ALL ON FUNCTION sms_monitor._alert_enqueue(p_alert_id uuid, p_event text, p_channels text[]) FROM PUBLIC;

--
-- Name: FUNCTION _alert_evaluate(p_now timestamp with time zone, p_preview boolean); Type: ACL; Schema: sms_monitor
--

REVOKE ALL ON FUNCTION sms_monitor._alert_evaluate(p_now timestamp with time zone, p_preview boolean) FROM PUBLIC;

--
-- Name: FUNCTION _alert_evaluate_value(p_now timestamp with time zone, p_preview boolean, p_alert_type text, p_group text, p_value numeric, p_sample bigint, p_detail text, p_values_error text); Type: ACL; Schema: sms_monitor
--

REVOKE ALL ON FUNCTION sms_monitor._alert_evaluate_value(p_now timestamp with time zone, p_preview boolean, p_alert_type text, p_group text, p_value numeric, p_sample bigint, p_detail text, p_values_error text) FROM PUBLIC;

--
-- Name: FUNCTION _alert_format_value(p_value numeric, p_unit text); Type: ACL; Schema: sms_monitor
--

REVOKE ALL ON FUNCTION sms_monitor._alert_format_value(p_value numeric, p_unit text) FROM PUBLIC;

--
-- Name: FUNCTION _alert_history_dedup_key(); Type: ACL; Schema: sms_monitor
--

REVOKE ALL ON FUNCTION sms_monitor._alert_history_dedup_key() FROM PUBLIC;

--
-- Name: FUNCTION _alert_lock_incident(p_alert_id uuid, p_now timestamp with time zone); Type: ACL; Schema: sms_monitor
--

REVOKE ALL ON FUNCTION sms_monitor._alert_lock_incident(p_alert_id uuid, p_now timestamp with time zone) FROM PUBLIC;

--
-- Name: FUNCTION _alert_lock_rule(p_alert_type text); Type: ACL; Schema: sms_monitor
--

REVOKE ALL ON FUNCTION sms_monitor._alert_lock_rule(p_alert_type text) FROM PUBLIC;

--
-- Name: FUNCTION _alert_message_values(p_now timestamp with time zone, p_alert_type text); Type: ACL; Schema: sms_monitor
--

REVOKE ALL ON FUNCTION sms_monitor._alert_message_values(p_now timestamp with time zone, p_alert_type text) FROM PUBLIC;

--
-- Name: FUNCTION _alert_operator_problem(p_alert_id uuid, p_by_field text, p_by text, p_now timestamp with time zone); Type: ACL; Schema: sms_monitor
--

REVOKE ALL ON FUNCTION sms_monitor._alert_operator_problem(p_alert_id uuid, p_by_field text, p_by text, p_now timestamp with time zone) FROM PUBLIC;

--
-- Name: FUNCTION _alert_resolve(p_alert_id uuid, p_resolved_by text, p_now timestamp with time zone); Type: ACL; Schema: sms_monitor
--

REVOKE ALL ON FUNCTION sms_monitor._alert_resolve(p_alert_id uuid, p_resolved_by text, p_now timestamp with time zone) FROM PUBLIC;

--
-- Name: FUNCTION _alert_rule_params_problem(p_metric text, p_group_by text, p_params jsonb); Type: ACL; Schema: sms_monitor
--

REVOKE ALL ON FUNCTION sms_monitor._alert_rule_params_problem(p_metric text, p_group_by text, p_params jsonb) FROM PUBLIC;

--
-- Name: FUNCTION _alert_rule_values(p_now timestamp with time zone, p_alert_type text); Type: ACL; Schema: sms_monitor
--

REVOKE ALL ON FUNCTION sms_monitor._alert_rule_values(p_now timestamp with time zone, p_alert_type text) FROM PUBLIC;

--
-- Name: FUNCTION _alert_slo_burn(p_now timestamp with time zone, p_params jsonb, p_min_sample integer); Type: ACL; Schema: sms_monitor
--

REVOKE ALL ON FUNCTION sms_monitor._alert_slo_burn(p_now timestamp with time zone, p_params jsonb, p_min_sample integer) FROM PUBLIC;

--
-- Name: FUNCTION _alert_supersede_unreached(p_alert_id uuid); Type: ACL; Schema: sms_monitor
--

REVOKE ALL ON FUNCTION sms_monitor._alert_supersede_unreached(p_alert_id uuid) FROM PUBLIC;

--
-- Name: FUNCTION _alert_sync_notification_status(p_alert_id uuid); Type: ACL; Schema: sms_monitor
--

REVOKE ALL ON FUNCTION sms_monitor._alert_sync_notification_status(p_alert_id uuid) FROM PUBLIC;

--
-- Name: FUNCTION _alert_thresholds_before_delete(); Type: ACL; Schema: sms_monitor
--

REVOKE ALL ON FUNCTION sms_monitor._alert_thresholds_before_delete() FROM PUBLIC;

--
-- Name: FUNCTION _alert_thresholds_validate(); Type: ACL; Schema: sms_monitor
--

REVOKE ALL ON FUNCTION sms_monitor._alert_thresholds_validate() FROM PUBLIC;

--
-- Name: FUNCTION _alert_told_channels(p_alert_id uuid); Type: ACL; Schema: sms_monitor
--

REVOKE ALL ON FUNCTION sms_monitor._alert_told_channels(p_alert_id uuid) FROM PUBLIC;

--
-- Name: FUNCTION _alert_window_stats(p_now timestamp with time zone, p_window_minutes integer); Type: ACL; Schema: sms_monitor
--

REVOKE ALL ON FUNCTION sms_monitor._alert_window_stats(p_now timestamp with time zone, p_window_minutes integer) FROM PUBLIC;

--
-- Name: FUNCTION _apply_sms_message_retention(p_now timestamp with time zone, p_days integer); Type: ACL; Schema: sms_monitor
--

REVOKE ALL ON FUNCTION sms_monitor._apply_sms_message_retention(p_now timestamp with time zone, p_days integer) FROM PUBLIC;

--
-- Name: FUNCTION _apply_sms_retention(p_now timestamp with time zone); Type: ACL; Schema: sms_monitor
--

REVOKE ALL ON FUNCTION sms_monitor._apply_sms_retention(p_now timestamp with time zone) FROM PUBLIC;

--
-- Name: FUNCTION _assert_can_read_user(p_user_id uuid); Type: ACL; Schema: sms_monitor
--

REVOKE ALL ON FUNCTION sms_monitor._assert_can_read_user(p_user_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION sms_monitor._assert_can_read_user(p_user_id uuid) TO sms_monitor_reader;
GRANT ALL ON FUNCTION sms_monitor._assert_can_read_user(p_user_id uuid) TO sms_monitor_admin;
GRANT ALL ON FUNCTION sms_monitor._assert_can_read_user(p_user_id uuid) TO sms_monitor_self;

--
-- Name: FUNCTION _audit_subject(); Type: ACL; Schema: sms_monitor
--

REVOKE ALL ON FUNCTION sms_monitor._audit_subject() FROM PUBLIC;

--
-- Name: FUNCTION _bucket_time_problem(p_date_field text, p_hour_field text, p_date date, p_hour integer); Type: ACL; Schema: sms_monitor
--

REVOKE ALL ON FUNCTION sms_monitor._bucket_time_problem(p_date_field text, p_hour_field text, p_date date, p_hour integer) FROM PUBLIC;

--
-- Name: FUNCTION _caller_user_id(); Type: ACL; Schema: sms_monitor
--

REVOKE ALL ON FUNCTION sms_monitor._caller_user_id() FROM PUBLIC;
GRANT ALL ON FUNCTION sms_monitor._caller_user_id() TO sms_monitor_reader;
GRANT ALL ON FUNCTION sms_monitor._caller_user_id() TO sms_monitor_admin;
GRANT ALL ON FUNCTION sms_monitor._caller_user_id() TO sms_monitor_self;

--
-- Name: FUNCTION _count_map_add(p_a jsonb, p_b jsonb); Type: ACL; Schema: sms_monitor
--

REVOKE ALL ON FUNCTION sms_monitor._count_map_add(p_a jsonb, p_b jsonb) FROM PUBLIC;
GRANT ALL ON FUNCTION sms_monitor._count_map_add(p_a jsonb, p_b jsonb) TO sms_monitor_reader;
GRANT ALL ON FUNCTION sms_monitor._count_map_add(p_a jsonb, p_b jsonb) TO sms_monitor_self;
GRANT ALL ON FUNCTION sms_monitor._count_map_add(p_a jsonb, p_b jsonb) TO sms_monitor_admin;

--
-- Name: FUNCTION _count_map_final(p_values text[]); Type: ACL; Schema: sms_monitor
--

REVOKE ALL ON FUNCTION sms_monitor._count_map_final(p_values text[]) FROM PUBLIC;
GRANT ALL ON FUNCTION sms_monitor._count_map_final(p_values text[]) TO sms_monitor_reader;
GRANT ALL ON FUNCTION sms_monitor._count_map_final(p_values text[]) TO sms_monitor_self;
GRANT ALL ON FUNCTION sms_monitor._count_map_final(p_values text[]) TO sms_monitor_admin;

--
-- Name: FUNCTION _count_map_sum_final(p_maps jsonb[]); Type: ACL; Schema: sms_monitor
--

REVOKE ALL ON FUNCTION sms_monitor._count_map_sum_final(p_maps jsonb[]) FROM PUBLIC;
GRANT ALL ON FUNCTION sms_monitor._count_map_sum_final(p_maps jsonb[]) TO sms_monitor_reader;
GRANT ALL ON FUNCTION sms_monitor._count_map_sum_final(p_maps jsonb[]) TO sms_monitor_self;
GRANT ALL ON FUNCTION sms_monitor._count_map_sum_final(p_maps jsonb[]) TO sms_monitor_admin;

--
-- Name: FUNCTION _rollup_watermark(p_rollup text); Type: ACL; Schema: sms_monitor
--

REVOKE ALL ON FUNCTION sms_monitor._rollup_watermark(p_rollup text) FROM PUBLIC;
GRANT ALL ON FUNCTION sms_monitor._rollup_watermark(p_rollup text) TO sms_monitor_reader;
GRANT ALL ON FUNCTION sms_monitor._rollup_watermark(p_rollup text) TO sms_monitor_self;
GRANT ALL ON FUNCTION sms_monitor._rollup_watermark(p_rollup text) TO sms_monitor_admin;

--
-- Name: FUNCTION _system_wide_user(); Type: ACL; Schema: sms_monitor
--

REVOKE ALL ON FUNCTION sms_monitor._system_wide_user() FROM PUBLIC;
GRANT ALL ON FUNCTION sms_monitor._system_wide_user() TO sms_monitor_reader;
GRANT ALL ON FUNCTION sms_monitor._system_wide_user() TO sms_monitor_self;
GRANT ALL ON FUNCTION sms_monitor._system_wide_user() TO sms_monitor_admin;

--
-- Name: FUNCTION _daily_metrics_series(p_start_date date, p_end_date date); Type: ACL; Schema: sms_monitor
--

REVOKE ALL ON FUNCTION sms_monitor._daily_metrics_series(p_start_date date, p_end_date date) FROM PUBLIC;
GRANT ALL ON FUNCTION sms_monitor._daily_metrics_series(p_start_date date, p_end_date date) TO sms_monitor_reader;
GRANT ALL ON FUNCTION sms_monitor._daily_metrics_series(p_start_date date, p_end_date date) TO sms_monitor_admin;

--
-- Name: FUNCTION _duration_text(p_duration interval); Type: ACL; Schema: sms_monitor
--

REVOKE ALL ON FUNCTION sms_monitor._duration_text(p_duration interval) FROM PUBLIC;
GRANT ALL ON FUNCTION sms_monitor._duration_text(p_duration interval) TO sms_monitor_reader;
GRANT ALL ON FUNCTION sms_monitor._duration_text(p_duration interval) TO sms_monitor_admin;

--
-- Name: FUNCTION _ensure_sms_event_partitions(p_from date, p_days integer); Type: ACL; Schema: sms_monitor
--

REVOKE ALL ON FUNCTION sms_monitor._ensure_sms_event_partitions(p_from date, p_days integer) FROM PUBLIC;

--
-- Name: FUNCTION _event_log_retention(); Type: ACL; Schema: sms_monitor
--

REVOKE ALL ON FUNCTION sms_monitor._event_log_retention() FROM PUBLIC;

--
-- Name: FUNCTION _fold_message_events(p_from_id bigint, p_to_id bigint, p_tz text); Type: ACL; Schema: sms_monitor
--

REVOKE ALL ON FUNCTION sms_monitor._fold_message_events(p_from_id bigint, p_to_id bigint, p_tz text) FROM PUBLIC;

--
-- Name: FUNCTION _histogram_percentile(p_histogram integer[], p_q double precision); Type: ACL; Schema: sms_monitor
--

REVOKE ALL ON FUNCTION sms_monitor._histogram_percentile(p_histogram integer[], p_q double precision) FROM PUBLIC;
GRANT ALL ON FUNCTION sms_monitor._histogram_percentile(p_histogram integer[], p_q double precision) TO sms_monitor_reader;
GRANT ALL ON FUNCTION sms_monitor._histogram_percentile(p_histogram integer[], p_q double precision) TO sms_monitor_self;
GRANT ALL ON FUNCTION sms_monitor._histogram_percentile(p_histogram integer[], p_q double precision) TO sms_monitor_admin;

--
-- Name: FUNCTION _idempotency_claim(p_key text, p_request_hash text); Type: ACL; Schema: sms_monitor
--

REVOKE ALL ON FUNCTION sms_monitor._idempotency_claim(p_key text, p_request_hash text) FROM PUBLIC;
GRANT ALL ON FUNCTION sms_monitor._idempotency_claim(p_key text, p_request_hash text) TO sms_monitor_admin;
GRANT ALL ON FUNCTION sms_monitor._idempotency_claim(p_key text, p_request_hash text) TO sms_monitor_reader;
GRANT ALL ON FUNCTION sms_monitor._idempotency_claim(p_key text, p_request_hash text) TO sms_monitor_self;

--
-- Name: FUNCTION _idempotency_store(p_key text, p_request_hash text, p_status integer, p_body text); Type: ACL; Schema: sms_monitor
--

REVOKE ALL ON FUNCTION sms_monitor._idempotency_store(p_key text, p_request_hash text, p_status integer, p_body text) FROM PUBLIC;
GRANT ALL ON FUNCTION sms_monitor._idempotency_store(p_key text, p_request_hash text, p_status integer, p_body text) TO sms_monitor_admin;
GRANT ALL ON FUNCTION sms_monitor._idempotency_store(p_key text, p_request_hash text, p_status integer, p_body text) TO sms_monitor_reader;
GRANT ALL ON FUNCTION sms_monitor._idempotency_store(p_key text, p_request_hash text, p_status integer, p_body text) TO sms_monitor_self;

--
-- Name: FUNCTION _incident_json(p_incident sms_monitor.sms_alert_history); Type: ACL; Schema: sms_monitor
--

REVOKE ALL ON FUNCTION sms_monitor._incident_json(p_incident sms_monitor.sms_alert_history) FROM PUBLIC;
GRANT ALL ON FUNCTION sms_monitor._incident_json(p_incident sms_monitor.sms_alert_history) TO sms_monitor_reader;
GRANT ALL ON FUNCTION sms_monitor._incident_json(p_incident sms_monitor.sms_alert_history) TO sms_monitor_admin;

--
-- Name: FUNCTION _is_canonical_uuid(p_text text); Type: ACL; Schema: sms_monitor
--

REVOKE ALL ON FUNCTION sms_monitor._is_canonical_uuid(p_text text) FROM PUBLIC;

--
-- Name: FUNCTION _is_timestamptz(p_text text); Type: ACL; Schema: sms_monitor
--

REVOKE ALL ON FUNCTION sms_monitor._is_timestamptz(p_text text) FROM PUBLIC;

--
-- Name: FUNCTION _is_uuid(p_text text); Type: ACL; Schema: sms_monitor
--

REVOKE ALL ON FUNCTION sms_monitor._is_uuid(p_text text) FROM PUBLIC;

--
-- Name: FUNCTION _iso_utc(p_time timestamp with time zone); Type: ACL; Schema: sms_monitor
--

REVOKE ALL ON FUNCTION sms_monitor._iso_utc(p_time timestamp with time zone) FROM PUBLIC;
GRANT ALL ON FUNCTION sms_monitor._iso_utc(p_time timestamp with time zone) TO sms_monitor_reader;
GRANT ALL ON FUNCTION sms_monitor._iso_utc(p_time timestamp with time zone) TO sms_monitor_admin;
GRANT ALL ON FUNCTION sms_monitor._iso_utc(p_time timestamp with time zone) TO sms_monitor_self;

--
-- Name: FUNCTION _latency_bucket(p_ms double precision); Type: ACL; Schema: sms_monitor
--

REVOKE ALL ON FUNCTION sms_monitor._latency_bucket(p_ms double precision) FROM PUBLIC;
GRANT ALL ON FUNCTION sms_monitor._latency_bucket(p_ms double precision) TO sms_monitor_reader;
GRANT ALL ON FUNCTION sms_monitor._latency_bucket(p_ms double precision) TO sms_monitor_self;
GRANT ALL ON FUNCTION sms_monitor._latency_bucket(p_ms double precision) TO sms_monitor_admin;

--
-- Name: FUNCTION _latency_bucket_ms(p_bucket integer); Type: ACL; Schema: sms_monitor
--

REVOKE ALL ON FUNCTION sms_monitor._latency_bucket_ms(p_bucket integer) FROM PUBLIC;
GRANT ALL ON FUNCTION sms_monitor._latency_bucket_ms(p_bucket integer) TO sms_monitor_reader;
GRANT ALL ON FUNCTION sms_monitor._latency_bucket_ms(p_bucket integer) TO sms_monitor_self;
GRANT ALL ON FUNCTION sms_monitor._latency_bucket_ms(p_bucket integer) TO sms_monitor_admin;

--
-- Name: FUNCTION _latency_histogram_add(p_a integer[], p_b integer[]); Type: ACL; Schema: sms_monitor
--

REVOKE ALL ON FUNCTION sms_monitor._latency_histogram_add(p_a integer[], p_b integer[]) FROM PUBLIC;
GRANT ALL ON FUNCTION sms_monitor._latency_histogram_add(p_a integer[], p_b integer[]) TO sms_monitor_reader;
GRANT ALL ON FUNCTION sms_monitor._latency_histogram_add(p_a integer[], p_b integer[]) TO sms_monitor_self;
GRANT ALL ON FUNCTION sms_monitor._latency_histogram_add(p_a integer[], p_b integer[]) TO sms_monitor_admin;

--
-- Name: FUNCTION _latency_histogram_final(p_latencies double precision[]); Type: ACL; Schema: sms_monitor
--

REVOKE ALL ON FUNCTION sms_monitor._latency_histogram_final(p_latencies double precision[]) FROM PUBLIC;
GRANT ALL ON FUNCTION sms_monitor._latency_histogram_final(p_latencies double precision[]) TO sms_monitor_reader;
GRANT ALL ON FUNCTION sms_monitor._latency_histogram_final(p_latencies double precision[]) TO sms_monitor_self;
GRANT ALL ON FUNCTION sms_monitor._latency_histogram_final(p_latencies double precision[]) TO sms_monitor_admin;

--
-- Name: FUNCTION _latency_histogram_merge(p_parts sms_monitor.latency_histogram_part[]); Type: ACL; Schema: sms_monitor
--

REVOKE ALL ON FUNCTION sms_monitor._latency_histogram_merge(p_parts sms_monitor.latency_histogram_part[]) FROM PUBLIC;
GRANT ALL ON FUNCTION sms_monitor._latency_histogram_merge(p_parts sms_monitor.latency_histogram_part[]) TO sms_monitor_reader;
GRANT ALL ON FUNCTION sms_monitor._latency_histogram_merge(p_parts sms_monitor.latency_histogram_part[]) TO sms_monitor_self;
GRANT ALL ON FUNCTION sms_monitor._latency_histogram_merge(p_parts sms_monitor.latency_histogram_part[]) TO sms_monitor_admin;

--
-- Name: FUNCTION _latency_histogram_of_final(p_pairs integer[]); Type: ACL; Schema: sms_monitor
--

REVOKE ALL ON FUNCTION sms_monitor._latency_histogram_of_final(p_pairs integer[]) FROM PUBLIC;
GRANT ALL ON FUNCTION sms_monitor._latency_histogram_of_final(p_pairs integer[]) TO sms_monitor_reader;
GRANT ALL ON FUNCTION sms_monitor._latency_histogram_of_final(p_pairs integer[]) TO sms_monitor_self;
GRANT ALL ON FUNCTION sms_monitor._latency_histogram_of_final(p_pairs integer[]) TO sms_monitor_admin;

--
-- Name: FUNCTION _latency_histogram_sum_step(p_state sms_monitor.latency_histogram_part[], p_h integer[]); Type: ACL; Schema: sms_monitor
--

REVOKE ALL ON FUNCTION sms_monitor._latency_histogram_sum_step(p_state sms_monitor.latency_histogram_part[], p_h integer[]) FROM PUBLIC;
GRANT ALL ON FUNCTION sms_monitor._latency_histogram_sum_step(p_state sms_monitor.latency_histogram_part[], p_h integer[]) TO sms_monitor_reader;
GRANT ALL ON FUNCTION sms_monitor._latency_histogram_sum_step(p_state sms_monitor.latency_histogram_part[], p_h integer[]) TO sms_monitor_self;
GRANT ALL ON FUNCTION sms_monitor._latency_histogram_sum_step(p_state sms_monitor.latency_histogram_part[], p_h integer[]) TO sms_monitor_admin;

--
-- Name: FUNCTION _looks_like_iso_time_with_offset(p_text text); Type: ACL; Schema: sms_monitor
--

REVOKE ALL ON FUNCTION sms_monitor._looks_like_iso_time_with_offset(p_text text) FROM PUBLIC;

--
-- Name: FUNCTION _max_clock_skew(); Type: ACL; Schema: sms_monitor
--

REVOKE ALL ON FUNCTION sms_monitor._max_clock_skew() FROM PUBLIC;

--
-- Name: FUNCTION _merge_metadata(p_old jsonb, p_new jsonb); Type: ACL; Schema: sms_monitor
--

REVOKE ALL ON FUNCTION sms_monitor._merge_metadata(p_old jsonb, p_new jsonb) FROM PUBLIC;
GRANT ALL ON FUNCTION sms_monitor._merge_metadata(p_old jsonb, p_new jsonb) TO sms_monitor_reader;
GRANT ALL ON FUNCTION sms_monitor._merge_metadata(p_old jsonb, p_new jsonb) TO sms_monitor_self;
GRANT ALL ON FUNCTION sms_monitor._merge_metadata(p_old jsonb, p_new jsonb) TO sms_monitor_admin;

--
-- Name: FUNCTION _message_bucket_cut(); Type: ACL; Schema: sms_monitor
--

REVOKE ALL ON FUNCTION sms_monitor._message_bucket_cut() FROM PUBLIC;

--
-- Name: FUNCTION _message_by_problem(p_by text, p_optional boolean); Type: ACL; Schema: sms_monitor
--

REVOKE ALL ON FUNCTION sms_monitor._message_by_problem(p_by text, p_optional boolean) FROM PUBLIC;
GRANT ALL ON FUNCTION sms_monitor._message_by_problem(p_by text, p_optional boolean) TO sms_monitor_reader;
GRANT ALL ON FUNCTION sms_monitor._message_by_problem(p_by text, p_optional boolean) TO sms_monitor_self;
GRANT ALL ON FUNCTION sms_monitor._message_by_problem(p_by text, p_optional boolean) TO sms_monitor_admin;

--
-- Name: FUNCTION _message_contributions(p_message sms_monitor.sms_messages); Type: ACL; Schema: sms_monitor
--

REVOKE ALL ON FUNCTION sms_monitor._message_contributions(p_message sms_monitor.sms_messages) FROM PUBLIC;
GRANT ALL ON FUNCTION sms_monitor._message_contributions(p_message sms_monitor.sms_messages) TO sms_monitor_reader;
GRANT ALL ON FUNCTION sms_monitor._message_contributions(p_message sms_monitor.sms_messages) TO sms_monitor_self;
GRANT ALL ON FUNCTION sms_monitor._message_contributions(p_message sms_monitor.sms_messages) TO sms_monitor_admin;

--
-- Name: FUNCTION _message_event_problem(p_event jsonb, p_status text); Type: ACL; Schema: sms_monitor
--

REVOKE ALL ON FUNCTION sms_monitor._message_event_problem(p_event jsonb, p_status text) FROM PUBLIC;

--
-- Name: FUNCTION _message_event_unknown_field(p_event jsonb); Type: ACL; Schema: sms_monitor
--

REVOKE ALL ON FUNCTION sms_monitor._message_event_unknown_field(p_event jsonb) FROM PUBLIC;

--
-- Name: FUNCTION _message_events_shape(); Type: ACL; Schema: sms_monitor
--

REVOKE ALL ON FUNCTION sms_monitor._message_events_shape() FROM PUBLIC;

--
-- Name: FUNCTION _message_minute_rows(p_from timestamp with time zone, p_to timestamp with time zone, p_every_kind boolean, p_dimension sms_monitor.message_dimension); Type: ACL; Schema: sms_monitor
--

REVOKE ALL ON FUNCTION sms_monitor._message_minute_rows(p_from timestamp with time zone, p_to timestamp with time zone, p_every_kind boolean, p_dimension sms_monitor.message_dimension) FROM PUBLIC;
GRANT ALL ON FUNCTION sms_monitor._message_minute_rows(p_from timestamp with time zone, p_to timestamp with time zone, p_every_kind boolean, p_dimension sms_monitor.message_dimension) TO sms_monitor_reader;
GRANT ALL ON FUNCTION sms_monitor._message_minute_rows(p_from timestamp with time zone, p_to timestamp with time zone, p_every_kind boolean, p_dimension sms_monitor.message_dimension) TO sms_monitor_self;
GRANT ALL ON FUNCTION sms_monitor._message_minute_rows(p_from timestamp with time zone, p_to timestamp with time zone, p_every_kind boolean, p_dimension sms_monitor.message_dimension) TO sms_monitor_admin;

--
-- Name: FUNCTION _message_stats(p_dimension sms_monitor.message_dimension, p_from timestamp with time zone, p_to timestamp with time zone, p_step interval, p_latency boolean, p_error_codes boolean, p_carrier_country boolean); Type: ACL; Schema: sms_monitor
--

REVOKE ALL ON FUNCTION sms_monitor._message_stats(p_dimension sms_monitor.message_dimension, p_from timestamp with time zone, p_to timestamp with time zone, p_step interval, p_latency boolean, p_error_codes boolean, p_carrier_country boolean) FROM PUBLIC;
GRANT ALL ON FUNCTION sms_monitor._message_stats(p_dimension sms_monitor.message_dimension, p_from timestamp with time zone, p_to timestamp with time zone, p_step interval, p_latency boolean, p_error_codes boolean, p_carrier_country boolean) TO sms_monitor_reader;
GRANT ALL ON FUNCTION sms_monitor._message_stats(p_dimension sms_monitor.message_dimension, p_from timestamp with time zone, p_to timestamp with time zone, p_step interval, p_latency boolean, p_error_codes boolean, p_carrier_country boolean) TO sms_monitor_self;
GRANT ALL ON FUNCTION sms_monitor._message_stats(p_dimension sms_monitor.message_dimension, p_from timestamp with time zone, p_to timestamp with time zone, p_step interval, p_latency boolean, p_error_codes boolean, p_carrier_country boolean) TO sms_monitor_admin;

--
-- Name: FUNCTION _message_value(p_message sms_monitor.sms_messages, p_dimension sms_monitor.message_dimension); Type: ACL; Schema: sms_monitor
--

REVOKE ALL ON FUNCTION sms_monitor._message_value(p_message sms_monitor.sms_messages, p_dimension sms_monitor.message_dimension) FROM PUBLIC;
GRANT ALL ON FUNCTION sms_monitor._message_value(p_message sms_monitor.sms_messages, p_dimension sms_monitor.message_dimension) TO sms_monitor_reader;
GRANT ALL ON FUNCTION sms_monitor._message_value(p_message sms_monitor.sms_messages, p_dimension sms_monitor.message_dimension) TO sms_monitor_self;
GRANT ALL ON FUNCTION sms_monitor._message_value(p_message sms_monitor.sms_messages, p_dimension sms_monitor.message_dimension) TO sms_monitor_admin;

--
-- Name: FUNCTION _message_window(p_minutes integer, p_start timestamp with time zone, p_end timestamp with time zone, p_now timestamp with time zone, OUT from_at timestamp with time zone, OUT to_at timestamp with time zone); Type: ACL; Schema: sms_monitor
--

REVOKE ALL ON FUNCTION sms_monitor._message_window(p_minutes integer, p_start timestamp with time zone, p_end timestamp with time zone, p_now timestamp with time zone, OUT from_at timestamp with time zone, OUT to_at timestamp with time zone) FROM PUBLIC;
GRANT ALL ON FUNCTION sms_monitor._message_window(p_minutes integer, p_start timestamp with time zone, p_end timestamp with time zone, p_now timestamp with time zone, OUT from_at timestamp with time zone, OUT to_at timestamp with time zone) TO sms_monitor_reader;
GRANT ALL ON FUNCTION sms_monitor._message_window(p_minutes integer, p_start timestamp with time zone, p_end timestamp with time zone, p_now timestamp with time zone, OUT from_at timestamp with time zone, OUT to_at timestamp with time zone) TO sms_monitor_self;
GRANT ALL ON FUNCTION sms_monitor._message_window(p_minutes integer, p_start timestamp with time zone, p_end timestamp with time zone, p_now timestamp with time zone, OUT from_at timestamp with time zone, OUT to_at timestamp with time zone) TO sms_monitor_admin;

--
-- Name: FUNCTION _metric_problem(p_kind text, p_metric_type text, p_metric_value numeric, p_metadata jsonb, p_value_field text); Type: ACL; Schema: sms_monitor
--

REVOKE ALL ON FUNCTION sms_monitor._metric_problem(p_kind text, p_metric_type text, p_metric_value numeric, p_metadata jsonb, p_value_field text) FROM PUBLIC;

--
-- Name: FUNCTION _minute_bits(p_minute integer); Type: ACL; Schema: sms_monitor
--

REVOKE ALL ON FUNCTION sms_monitor._minute_bits(p_minute integer) FROM PUBLIC;

--
-- Name: FUNCTION _minute_rollup_days(); Type: ACL; Schema: sms_monitor
--

REVOKE ALL ON FUNCTION sms_monitor._minute_rollup_days() FROM PUBLIC;

--
-- Name: FUNCTION _notify_channel(); Type: ACL; Schema: sms_monitor
--

REVOKE ALL ON FUNCTION sms_monitor._notify_channel() FROM PUBLIC;

--
-- Name: FUNCTION _notify_sms_notifications(); Type: ACL; Schema: sms_monitor
--

REVOKE ALL ON FUNCTION sms_monitor._notify_sms_notifications() FROM PUBLIC;

--
-- Name: FUNCTION _raise_22023(p_message text); Type: ACL; Schema: sms_monitor
--

REVOKE ALL ON FUNCTION sms_monitor._raise_22023(p_message text) FROM PUBLIC;

--
-- Name: FUNCTION _reader_date_problem(p_field text, p_value date); Type: ACL; Schema: sms_monitor
--

REVOKE ALL ON FUNCTION sms_monitor._reader_date_problem(p_field text, p_value date) FROM PUBLIC;
GRANT ALL ON FUNCTION sms_monitor._reader_date_problem(p_field text, p_value date) TO sms_monitor_reader;
GRANT ALL ON FUNCTION sms_monitor._reader_date_problem(p_field text, p_value date) TO sms_monitor_admin;
GRANT ALL ON FUNCTION sms_monitor._reader_date_problem(p_field text, p_value date) TO sms_monitor_self;
GRANT ALL ON FUNCTION sms_monitor._reader_date_problem(p_field text, p_value date) TO sms_monitor_notifier;

--
-- Name: FUNCTION _reader_time_problem(p_field text, p_value timestamp with time zone); Type: ACL; Schema: sms_monitor
--

REVOKE ALL ON FUNCTION sms_monitor._reader_time_problem(p_field text, p_value timestamp with time zone) FROM PUBLIC;
GRANT ALL ON FUNCTION sms_monitor._reader_time_problem(p_field text, p_value timestamp with time zone) TO sms_monitor_reader;
GRANT ALL ON FUNCTION sms_monitor._reader_time_problem(p_field text, p_value timestamp with time zone) TO sms_monitor_admin;
GRANT ALL ON FUNCTION sms_monitor._reader_time_problem(p_field text, p_value timestamp with time zone) TO sms_monitor_self;
GRANT ALL ON FUNCTION sms_monitor._reader_time_problem(p_field text, p_value timestamp with time zone) TO sms_monitor_notifier;

--
-- Name: FUNCTION _rebuild_message_minute_stats(p_from timestamp with time zone, p_to timestamp with time zone); Type: ACL; Schema: sms_monitor
--

REVOKE ALL ON FUNCTION sms_monitor._rebuild_message_minute_stats(p_from timestamp with time zone, p_to timestamp with time zone) FROM PUBLIC;

--
-- Name: FUNCTION _rebuild_system_rollups(p_from date, p_to date); Type: ACL; Schema: sms_monitor
--

REVOKE ALL ON FUNCTION sms_monitor._rebuild_system_rollups(p_from date, p_to date) FROM PUBLIC;

--
-- Name: FUNCTION _rebuild_window_grains(p_from date, p_to date); Type: ACL; Schema: sms_monitor
--

REVOKE ALL ON FUNCTION sms_monitor._rebuild_window_grains(p_from date, p_to date) FROM PUBLIC;

--
-- Name: FUNCTION _record_metric(p_metric_date date, p_metric_hour integer, p_user_id uuid, p_metric_type text, p_metric_value numeric, p_metadata jsonb, p_value_field text, p_metric_minute integer); Type: ACL; Schema: sms_monitor
--

REVOKE ALL ON FUNCTION sms_monitor._record_metric(p_metric_date date, p_metric_hour integer, p_user_id uuid, p_metric_type text, p_metric_value numeric, p_metadata jsonb, p_value_field text, p_metric_minute integer) FROM PUBLIC;

--
-- Name: FUNCTION _reporting_timezone(); Type: ACL; Schema: sms_monitor
--

REVOKE ALL ON FUNCTION sms_monitor._reporting_timezone() FROM PUBLIC;
GRANT ALL ON FUNCTION sms_monitor._reporting_timezone() TO sms_monitor_writer;
GRANT ALL ON FUNCTION sms_monitor._reporting_timezone() TO sms_monitor_reader;
GRANT ALL ON FUNCTION sms_monitor._reporting_timezone() TO sms_monitor_admin;
GRANT ALL ON FUNCTION sms_monitor._reporting_timezone() TO sms_monitor_self;

--
-- Name: FUNCTION _rollup_claim_range(p_rollup text, p_log regclass, p_sequence regclass, OUT from_id bigint, OUT to_id bigint); Type: ACL; Schema: sms_monitor
--

REVOKE ALL ON FUNCTION sms_monitor._rollup_claim_range(p_rollup text, p_log regclass, p_sequence regclass, OUT from_id bigint, OUT to_id bigint) FROM PUBLIC;

--
-- Name: FUNCTION _settings_validate(); Type: ACL; Schema: sms_monitor
--

REVOKE ALL ON FUNCTION sms_monitor._settings_validate() FROM PUBLIC;

--
-- Name: FUNCTION _sms_message_status(p_provider text, p_spelling text); Type: ACL; Schema: sms_monitor
--

REVOKE ALL ON FUNCTION sms_monitor._sms_message_status(p_provider text, p_spelling text) FROM PUBLIC;

--
-- Name: FUNCTION _sms_message_status_of(p_provider text, p_spelling text); Type: ACL; Schema: sms_monitor
--

REVOKE ALL ON FUNCTION sms_monitor._sms_message_status_of(p_provider text, p_spelling text) FROM PUBLIC;

--
-- Name: FUNCTION _sms_metrics_insert(); Type: ACL; Schema: sms_monitor
--

REVOKE ALL ON FUNCTION sms_monitor._sms_metrics_insert() FROM PUBLIC;

--
-- Name: FUNCTION _user_days_from_view(p_from date, p_to date); Type: ACL; Schema: sms_monitor
--

REVOKE ALL ON FUNCTION sms_monitor._user_days_from_view(p_from date, p_to date) FROM PUBLIC;
GRANT ALL ON FUNCTION sms_monitor._user_days_from_view(p_from date, p_to date) TO sms_monitor_reader;
GRANT ALL ON FUNCTION sms_monitor._user_days_from_view(p_from date, p_to date) TO sms_monitor_admin;

--
-- Name: FUNCTION acknowledge_sms_alert(p_alert_id uuid, p_by text, p_now timestamp with time zone); Type: ACL; Schema: sms_monitor
--

REVOKE ALL ON FUNCTION sms_monitor.acknowledge_sms_alert(p_alert_id uuid, p_by text, p_now timestamp with time zone) FROM PUBLIC;
GRANT ALL ON FUNCTION sms_monitor.acknowledge_sms_alert(p_alert_id uuid, p_by text, p_now timestamp with time zone) TO sms_monitor_admin;

--
-- Name: FUNCTION api_alert_detail(p_alert_id uuid); Type: ACL; Schema: sms_monitor
--

REVOKE ALL ON FUNCTION sms_monitor.api_alert_detail(p_alert_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION sms_monitor.api_alert_detail(p_alert_id uuid) TO sms_monitor_reader;
GRANT ALL ON FUNCTION sms_monitor.api_alert_detail(p_alert_id uuid) TO sms_monitor_admin;

--
-- Name: FUNCTION api_alert_rules(); Type: ACL; Schema: sms_monitor
--

REVOKE ALL ON FUNCTION sms_monitor.api_alert_rules() FROM PUBLIC;
GRANT ALL ON FUNCTION sms_monitor.api_alert_rules() TO sms_monitor_reader;
GRANT ALL ON FUNCTION sms_monitor.api_alert_rules() TO sms_monitor_admin;

--
-- Name: FUNCTION api_alerts(p_type text, p_limit integer, p_start_date date, p_end_date date); Type: ACL; Schema: sms_monitor
--

REVOKE ALL ON FUNCTION sms_monitor.api_alerts(p_type text, p_limit integer, p_start_date date, p_end_date date) FROM PUBLIC;
GRANT ALL ON FUNCTION sms_monitor.api_alerts(p_type text, p_limit integer, p_start_date date, p_end_date date) TO sms_monitor_reader;
GRANT ALL ON FUNCTION sms_monitor.api_alerts(p_type text, p_limit integer, p_start_date date, p_end_date date) TO sms_monitor_admin;

--
-- Name: FUNCTION api_daily_metrics(p_start_date date, p_end_date date); Type: ACL; Schema: sms_monitor
--

REVOKE ALL ON FUNCTION sms_monitor.api_daily_metrics(p_start_date date, p_end_date date) FROM PUBLIC;
GRANT ALL ON FUNCTION sms_monitor.api_daily_metrics(p_start_date date, p_end_date date) TO sms_monitor_reader;
GRANT ALL ON FUNCTION sms_monitor.api_daily_metrics(p_start_date date, p_end_date date) TO sms_monitor_admin;

--
-- Name: FUNCTION api_health(p_now timestamp with time zone); Type: ACL; Schema: sms_monitor
--

REVOKE ALL ON FUNCTION sms_monitor.api_health(p_now timestamp with time zone) FROM PUBLIC;
GRANT ALL ON FUNCTION sms_monitor.api_health(p_now timestamp with time zone) TO sms_monitor_reader;
GRANT ALL ON FUNCTION sms_monitor.api_health(p_now timestamp with time zone) TO sms_monitor_admin;

--
-- Name: FUNCTION api_message_breakdown(p_by text, p_minutes integer, p_start timestamp with time zone, p_end timestamp with time zone, p_now timestamp with time zone); Type: ACL; Schema: sms_monitor
--

REVOKE ALL ON FUNCTION sms_monitor.api_message_breakdown(p_by text, p_minutes integer, p_start timestamp with time zone, p_end timestamp with time zone, p_now timestamp with time zone) FROM PUBLIC;
GRANT ALL ON FUNCTION sms_monitor.api_message_breakdown(p_by text, p_minutes integer, p_start timestamp with time zone, p_end timestamp with time zone, p_now timestamp with time zone) TO sms_monitor_reader;
GRANT ALL ON FUNCTION sms_monitor.api_message_breakdown(p_by text, p_minutes integer, p_start timestamp with time zone, p_end timestamp with time zone, p_now timestamp with time zone) TO sms_monitor_self;
GRANT ALL ON FUNCTION sms_monitor.api_message_breakdown(p_by text, p_minutes integer, p_start timestamp with time zone, p_end timestamp with time zone, p_now timestamp with time zone) TO sms_monitor_admin;

--
-- Name: FUNCTION api_message_latency(p_by text, p_minutes integer, p_start timestamp with time zone, p_end timestamp with time zone, p_now timestamp with time zone); Type: ACL; Schema: sms_monitor
--

REVOKE ALL ON FUNCTION sms_monitor.api_message_latency(p_by text, p_minutes integer, p_start timestamp with time zone, p_end timestamp with time zone, p_now timestamp with time zone) FROM PUBLIC;
GRANT ALL ON FUNCTION sms_monitor.api_message_latency(p_by text, p_minutes integer, p_start timestamp with time zone, p_end timestamp with time zone, p_now timestamp with time zone) TO sms_monitor_reader;
GRANT ALL ON FUNCTION sms_monitor.api_message_latency(p_by text, p_minutes integer, p_start timestamp with time zone, p_end timestamp with time zone, p_now timestamp with time zone) TO sms_monitor_self;
GRANT ALL ON FUNCTION sms_monitor.api_message_latency(p_by text, p_minutes integer, p_start timestamp with time zone, p_end timestamp with time zone, p_now timestamp with time zone) TO sms_monitor_admin;

--
-- Name: FUNCTION api_message_receipts(p_after_minutes integer, p_minutes integer, p_now timestamp with time zone); Type: ACL; Schema: sms_monitor
--

REVOKE ALL ON FUNCTION sms_monitor.api_message_receipts(p_after_minutes integer, p_minutes integer, p_now timestamp with time zone) FROM PUBLIC;
GRANT ALL ON FUNCTION sms_monitor.api_message_receipts(p_after_minutes integer, p_minutes integer, p_now timestamp with time zone) TO sms_monitor_reader;
GRANT ALL ON FUNCTION sms_monitor.api_message_receipts(p_after_minutes integer, p_minutes integer, p_now timestamp with time zone) TO sms_monitor_self;
GRANT ALL ON FUNCTION sms_monitor.api_message_receipts(p_after_minutes integer, p_minutes integer, p_now timestamp with time zone) TO sms_monitor_admin;

--
-- Name: FUNCTION api_message_series(p_minutes integer, p_step integer, p_by text, p_now timestamp with time zone); Type: ACL; Schema: sms_monitor
--

REVOKE ALL ON FUNCTION sms_monitor.api_message_series(p_minutes integer, p_step integer, p_by text, p_now timestamp with time zone) FROM PUBLIC;
GRANT ALL ON FUNCTION sms_monitor.api_message_series(p_minutes integer, p_step integer, p_by text, p_now timestamp with time zone) TO sms_monitor_reader;
GRANT ALL ON FUNCTION sms_monitor.api_message_series(p_minutes integer, p_step integer, p_by text, p_now timestamp with time zone) TO sms_monitor_self;
GRANT ALL ON FUNCTION sms_monitor.api_message_series(p_minutes integer, p_step integer, p_by text, p_now timestamp with time zone) TO sms_monitor_admin;

--
-- Name: FUNCTION api_metrics_summary(p_now timestamp with time zone, p_live boolean); Type: ACL; Schema: sms_monitor
--

REVOKE ALL ON FUNCTION sms_monitor.api_metrics_summary(p_now timestamp with time zone, p_live boolean) FROM PUBLIC;
GRANT ALL ON FUNCTION sms_monitor.api_metrics_summary(p_now timestamp with time zone, p_live boolean) TO sms_monitor_reader;
GRANT ALL ON FUNCTION sms_monitor.api_metrics_summary(p_now timestamp with time zone, p_live boolean) TO sms_monitor_admin;

--
-- Name: FUNCTION api_prometheus_metrics(p_now timestamp with time zone); Type: ACL; Schema: sms_monitor
--

REVOKE ALL ON FUNCTION sms_monitor.api_prometheus_metrics(p_now timestamp with time zone) FROM PUBLIC;
GRANT ALL ON FUNCTION sms_monitor.api_prometheus_metrics(p_now timestamp with time zone) TO sms_monitor_reader;
GRANT ALL ON FUNCTION sms_monitor.api_prometheus_metrics(p_now timestamp with time zone) TO sms_monitor_admin;

--
-- Name: FUNCTION api_resolve_alert(p_alert_id uuid, p_resolved_by text); Type: ACL; Schema: sms_monitor
--

REVOKE ALL ON FUNCTION sms_monitor.api_resolve_alert(p_alert_id uuid, p_resolved_by text) FROM PUBLIC;
GRANT ALL ON FUNCTION sms_monitor.api_resolve_alert(p_alert_id uuid, p_resolved_by text) TO sms_monitor_admin;

--
-- Name: FUNCTION api_today_metrics(p_now timestamp with time zone, p_live boolean); Type: ACL; Schema: sms_monitor
--

REVOKE ALL ON FUNCTION sms_monitor.api_today_metrics(p_now timestamp with time zone, p_live boolean) FROM PUBLIC;
GRANT ALL ON FUNCTION sms_monitor.api_today_metrics(p_now timestamp with time zone, p_live boolean) TO sms_monitor_reader;
GRANT ALL ON FUNCTION sms_monitor.api_today_metrics(p_now timestamp with time zone, p_live boolean) TO sms_monitor_admin;

--
-- Name: FUNCTION api_top_users(p_days integer, p_by text, p_limit integer, p_now timestamp with time zone, p_live boolean); Type: ACL; Schema: sms_monitor
--

REVOKE ALL ON FUNCTION sms_monitor.api_top_users(p_days integer, p_by text, p_limit integer, p_now timestamp with time zone, p_live boolean) FROM PUBLIC;
GRANT ALL ON FUNCTION sms_monitor.api_top_users(p_days integer, p_by text, p_limit integer, p_now timestamp with time zone, p_live boolean) TO sms_monitor_reader;
GRANT ALL ON FUNCTION sms_monitor.api_top_users(p_days integer, p_by text, p_limit integer, p_now timestamp with time zone, p_live boolean) TO sms_monitor_admin;

--
-- Name: FUNCTION api_user_metrics(p_user_id uuid, p_days integer, p_now timestamp with time zone); Type: ACL; Schema: sms_monitor
--

REVOKE ALL ON FUNCTION sms_monitor.api_user_metrics(p_user_id uuid, p_days integer, p_now timestamp with time zone) FROM PUBLIC;
GRANT ALL ON FUNCTION sms_monitor.api_user_metrics(p_user_id uuid, p_days integer, p_now timestamp with time zone) TO sms_monitor_reader;
GRANT ALL ON FUNCTION sms_monitor.api_user_metrics(p_user_id uuid, p_days integer, p_now timestamp with time zone) TO sms_monitor_admin;
GRANT ALL ON FUNCTION sms_monitor.api_user_metrics(p_user_id uuid, p_days integer, p_now timestamp with time zone) TO sms_monitor_self;

--
-- Name: FUNCTION apply_sms_retention(); Type: ACL; Schema: sms_monitor
--

REVOKE ALL ON FUNCTION sms_monitor.apply_sms_retention() FROM PUBLIC;
GRANT ALL ON FUNCTION sms_monitor.apply_sms_retention() TO sms_monitor_admin;
GRANT ALL ON FUNCTION sms_monitor.apply_sms_retention() TO sms_monitor_notifier;

--
-- Name: FUNCTION check_sms_alerts(p_now timestamp with time zone); Type: ACL; Schema: sms_monitor
--

REVOKE ALL ON FUNCTION sms_monitor.check_sms_alerts(p_now timestamp with time zone) FROM PUBLIC;
GRANT ALL ON FUNCTION sms_monitor.check_sms_alerts(p_now timestamp with time zone) TO sms_monitor_admin;
GRANT ALL ON FUNCTION sms_monitor.check_sms_alerts(p_now timestamp with time zone) TO sms_monitor_notifier;

--
-- Name: FUNCTION claim_sms_notifications(p_worker text, p_limit integer, p_lease_seconds integer, p_channels text[]); Type: ACL; Schema: sms_monitor
--

REVOKE ALL ON FUNCTION sms_monitor.claim_sms_notifications(p_worker text, p_limit integer, p_lease_seconds integer, p_channels text[]) FROM PUBLIC;
GRANT ALL ON FUNCTION sms_monitor.claim_sms_notifications(p_worker text, p_limit integer, p_lease_seconds integer, p_channels text[]) TO sms_monitor_admin;
GRANT ALL ON FUNCTION sms_monitor.claim_sms_notifications(p_worker text, p_limit integer, p_lease_seconds integer, p_channels text[]) TO sms_monitor_notifier;

--
-- Name: FUNCTION complete_sms_notification(p_id bigint, p_worker text, p_outcome text, p_error text, p_retry_at timestamp with time zone); Type: ACL; Schema: sms_monitor
--

REVOKE ALL ON FUNCTION sms_monitor.complete_sms_notification(p_id bigint, p_worker text, p_outcome text, p_error text, p_retry_at timestamp with time zone) FROM PUBLIC;
GRANT ALL ON FUNCTION sms_monitor.complete_sms_notification(p_id bigint, p_worker text, p_outcome text, p_error text, p_retry_at timestamp with time zone) TO sms_monitor_admin;
GRANT ALL ON FUNCTION sms_monitor.complete_sms_notification(p_id bigint, p_worker text, p_outcome text, p_error text, p_retry_at timestamp with time zone) TO sms_monitor_notifier;

--
-- Name: FUNCTION get_sms_daily_metrics(p_start_date date, p_end_date date); Type: ACL; Schema: sms_monitor
--

REVOKE ALL ON FUNCTION sms_monitor.get_sms_daily_metrics(p_start_date date, p_end_date date) FROM PUBLIC;
GRANT ALL ON FUNCTION sms_monitor.get_sms_daily_metrics(p_start_date date, p_end_date date) TO sms_monitor_reader;
GRANT ALL ON FUNCTION sms_monitor.get_sms_daily_metrics(p_start_date date, p_end_date date) TO sms_monitor_admin;

--
-- Name: FUNCTION get_user_sms_metrics(p_user_id uuid, p_days integer, p_now timestamp with time zone); Type: ACL; Schema: sms_monitor
--

REVOKE ALL ON FUNCTION sms_monitor.get_user_sms_metrics(p_user_id uuid, p_days integer, p_now timestamp with time zone) FROM PUBLIC;
GRANT ALL ON FUNCTION sms_monitor.get_user_sms_metrics(p_user_id uuid, p_days integer, p_now timestamp with time zone) TO sms_monitor_reader;
GRANT ALL ON FUNCTION sms_monitor.get_user_sms_metrics(p_user_id uuid, p_days integer, p_now timestamp with time zone) TO sms_monitor_admin;
GRANT ALL ON FUNCTION sms_monitor.get_user_sms_metrics(p_user_id uuid, p_days integer, p_now timestamp with time zone) TO sms_monitor_self;

--
-- Name: FUNCTION install_sms_monitor_schedule(); Type: ACL; Schema: sms_monitor
--

REVOKE ALL ON FUNCTION sms_monitor.install_sms_monitor_schedule() FROM PUBLIC;

--
-- Name: FUNCTION lift_sms_alert_silence(p_silence_id bigint, p_now timestamp with time zone); Type: ACL; Schema: sms_monitor
--

REVOKE ALL ON FUNCTION sms_monitor.lift_sms_alert_silence(p_silence_id bigint, p_now timestamp with time zone) FROM PUBLIC;
GRANT ALL ON FUNCTION sms_monitor.lift_sms_alert_silence(p_silence_id bigint, p_now timestamp with time zone) TO sms_monitor_admin;

--
-- Name: FUNCTION list_sms_alert_silences(p_include_ended boolean, p_now timestamp with time zone); Type: ACL; Schema: sms_monitor
--

REVOKE ALL ON FUNCTION sms_monitor.list_sms_alert_silences(p_include_ended boolean, p_now timestamp with time zone) FROM PUBLIC;
GRANT ALL ON FUNCTION sms_monitor.list_sms_alert_silences(p_include_ended boolean, p_now timestamp with time zone) TO sms_monitor_reader;
GRANT ALL ON FUNCTION sms_monitor.list_sms_alert_silences(p_include_ended boolean, p_now timestamp with time zone) TO sms_monitor_admin;

--
-- Name: FUNCTION next_sms_notification_due(p_channels text[]); Type: ACL; Schema: sms_monitor
--

REVOKE ALL ON FUNCTION sms_monitor.next_sms_notification_due(p_channels text[]) FROM PUBLIC;
GRANT ALL ON FUNCTION sms_monitor.next_sms_notification_due(p_channels text[]) TO sms_monitor_admin;
GRANT ALL ON FUNCTION sms_monitor.next_sms_notification_due(p_channels text[]) TO sms_monitor_notifier;

--
-- Name: FUNCTION preview_sms_alerts(p_now timestamp with time zone); Type: ACL; Schema: sms_monitor
--

REVOKE ALL ON FUNCTION sms_monitor.preview_sms_alerts(p_now timestamp with time zone) FROM PUBLIC;
GRANT ALL ON FUNCTION sms_monitor.preview_sms_alerts(p_now timestamp with time zone) TO sms_monitor_reader;
GRANT ALL ON FUNCTION sms_monitor.preview_sms_alerts(p_now timestamp with time zone) TO sms_monitor_admin;

--
-- Name: FUNCTION record_sms_event(p_metric_type text, p_user_id uuid, p_value numeric, p_occurred_at timestamp with time zone, p_metadata jsonb); Type: ACL; Schema: sms_monitor
--

REVOKE ALL ON FUNCTION sms_monitor.record_sms_event(p_metric_type text, p_user_id uuid, p_value numeric, p_occurred_at timestamp with time zone, p_metadata jsonb) FROM PUBLIC;
GRANT ALL ON FUNCTION sms_monitor.record_sms_event(p_metric_type text, p_user_id uuid, p_value numeric, p_occurred_at timestamp with time zone, p_metadata jsonb) TO sms_monitor_writer;
GRANT ALL ON FUNCTION sms_monitor.record_sms_event(p_metric_type text, p_user_id uuid, p_value numeric, p_occurred_at timestamp with time zone, p_metadata jsonb) TO sms_monitor_admin;

--
-- Name: FUNCTION record_sms_events(p_events jsonb, p_batch_id uuid); Type: ACL; Schema: sms_monitor
--

REVOKE ALL ON FUNCTION sms_monitor.record_sms_events(p_events jsonb, p_batch_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION sms_monitor.record_sms_events(p_events jsonb, p_batch_id uuid) TO sms_monitor_writer;
GRANT ALL ON FUNCTION sms_monitor.record_sms_events(p_events jsonb, p_batch_id uuid) TO sms_monitor_admin;

--
-- Name: FUNCTION record_sms_message_event(p_message_id text, p_status text, p_occurred_at timestamp with time zone, p_attributes jsonb); Type: ACL; Schema: sms_monitor
--

REVOKE ALL ON FUNCTION sms_monitor.record_sms_message_event(p_message_id text, p_status text, p_occurred_at timestamp with time zone, p_attributes jsonb) FROM PUBLIC;
GRANT ALL ON FUNCTION sms_monitor.record_sms_message_event(p_message_id text, p_status text, p_occurred_at timestamp with time zone, p_attributes jsonb) TO sms_monitor_writer;
GRANT ALL ON FUNCTION sms_monitor.record_sms_message_event(p_message_id text, p_status text, p_occurred_at timestamp with time zone, p_attributes jsonb) TO sms_monitor_admin;

--
-- Name: FUNCTION record_sms_message_events(p_events jsonb, p_batch_id uuid); Type: ACL; Schema: sms_monitor
--

REVOKE ALL ON FUNCTION sms_monitor.record_sms_message_events(p_events jsonb, p_batch_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION sms_monitor.record_sms_message_events(p_events jsonb, p_batch_id uuid) TO sms_monitor_writer;
GRANT ALL ON FUNCTION sms_monitor.record_sms_message_events(p_events jsonb, p_batch_id uuid) TO sms_monitor_admin;

--
-- Name: FUNCTION record_sms_metric(p_metric_date date, p_metric_hour integer, p_user_id uuid, p_metric_type text, p_metric_value numeric, p_metadata jsonb); Type: ACL; Schema: sms_monitor
--

REVOKE ALL ON FUNCTION sms_monitor.record_sms_metric(p_metric_date date, p_metric_hour integer, p_user_id uuid, p_metric_type text, p_metric_value numeric, p_metadata jsonb) FROM PUBLIC;
GRANT ALL ON FUNCTION sms_monitor.record_sms_metric(p_metric_date date, p_metric_hour integer, p_user_id uuid, p_metric_type text, p_metric_value numeric, p_metadata jsonb) TO sms_monitor_writer;
GRANT ALL ON FUNCTION sms_monitor.record_sms_metric(p_metric_date date, p_metric_hour integer, p_user_id uuid, p_metric_type text, p_metric_value numeric, p_metadata jsonb) TO sms_monitor_admin;

--
-- Name: FUNCTION refresh_sms_metrics_daily(); Type: ACL; Schema: sms_monitor
--

REVOKE ALL ON FUNCTION sms_monitor.refresh_sms_metrics_daily() FROM PUBLIC;
GRANT ALL ON FUNCTION sms_monitor.refresh_sms_metrics_daily() TO sms_monitor_admin;
GRANT ALL ON FUNCTION sms_monitor.refresh_sms_metrics_daily() TO sms_monitor_notifier;

--
-- Name: FUNCTION release_sms_notifications(p_worker text); Type: ACL; Schema: sms_monitor
--

REVOKE ALL ON FUNCTION sms_monitor.release_sms_notifications(p_worker text) FROM PUBLIC;
GRANT ALL ON FUNCTION sms_monitor.release_sms_notifications(p_worker text) TO sms_monitor_admin;
GRANT ALL ON FUNCTION sms_monitor.release_sms_notifications(p_worker text) TO sms_monitor_notifier;

--
-- Name: FUNCTION renew_sms_notification_leases(p_worker text, p_ids bigint[], p_lease_seconds integer); Type: ACL; Schema: sms_monitor
--

REVOKE ALL ON FUNCTION sms_monitor.renew_sms_notification_leases(p_worker text, p_ids bigint[], p_lease_seconds integer) FROM PUBLIC;
GRANT ALL ON FUNCTION sms_monitor.renew_sms_notification_leases(p_worker text, p_ids bigint[], p_lease_seconds integer) TO sms_monitor_admin;
GRANT ALL ON FUNCTION sms_monitor.renew_sms_notification_leases(p_worker text, p_ids bigint[], p_lease_seconds integer) TO sms_monitor_notifier;

--
-- Name: FUNCTION reporting_today(p_now timestamp with time zone); Type: ACL; Schema: sms_monitor
--

REVOKE ALL ON FUNCTION sms_monitor.reporting_today(p_now timestamp with time zone) FROM PUBLIC;
GRANT ALL ON FUNCTION sms_monitor.reporting_today(p_now timestamp with time zone) TO sms_monitor_writer;
GRANT ALL ON FUNCTION sms_monitor.reporting_today(p_now timestamp with time zone) TO sms_monitor_reader;
GRANT ALL ON FUNCTION sms_monitor.reporting_today(p_now timestamp with time zone) TO sms_monitor_admin;
GRANT ALL ON FUNCTION sms_monitor.reporting_today(p_now timestamp with time zone) TO sms_monitor_self;

--
-- Name: FUNCTION resolve_sms_alert(p_alert_id uuid, p_resolved_by text, p_now timestamp with time zone); Type: ACL; Schema: sms_monitor
--

REVOKE ALL ON FUNCTION sms_monitor.resolve_sms_alert(p_alert_id uuid, p_resolved_by text, p_now timestamp with time zone) FROM PUBLIC;
GRANT ALL ON FUNCTION sms_monitor.resolve_sms_alert(p_alert_id uuid, p_resolved_by text, p_now timestamp with time zone) TO sms_monitor_admin;

--
-- Name: FUNCTION retry_sms_notifications(p_id bigint, p_alert_id uuid); Type: ACL; Schema: sms_monitor
--

REVOKE ALL ON FUNCTION sms_monitor.retry_sms_notifications(p_id bigint, p_alert_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION sms_monitor.retry_sms_notifications(p_id bigint, p_alert_id uuid) TO sms_monitor_admin;

--
-- Name: FUNCTION rollup_sms_messages(); Type: ACL; Schema: sms_monitor
--

REVOKE ALL ON FUNCTION sms_monitor.rollup_sms_messages() FROM PUBLIC;
GRANT ALL ON FUNCTION sms_monitor.rollup_sms_messages() TO sms_monitor_admin;
GRANT ALL ON FUNCTION sms_monitor.rollup_sms_messages() TO sms_monitor_notifier;

--
-- Name: FUNCTION rollup_sms_metrics(); Type: ACL; Schema: sms_monitor
--

REVOKE ALL ON FUNCTION sms_monitor.rollup_sms_metrics() FROM PUBLIC;
GRANT ALL ON FUNCTION sms_monitor.rollup_sms_metrics() TO sms_monitor_admin;
GRANT ALL ON FUNCTION sms_monitor.rollup_sms_metrics() TO sms_monitor_notifier;

--
-- Name: FUNCTION silence_sms_alerts(p_alert_type text, p_until timestamp with time zone, p_reason text, p_starts_at timestamp with time zone, p_group_value text); Type: ACL; Schema: sms_monitor
--

REVOKE ALL ON FUNCTION sms_monitor.silence_sms_alerts(p_alert_type text, p_until timestamp with time zone, p_reason text, p_starts_at timestamp with time zone, p_group_value text) FROM PUBLIC;
GRANT ALL ON FUNCTION sms_monitor.silence_sms_alerts(p_alert_type text, p_until timestamp with time zone, p_reason text, p_starts_at timestamp with time zone, p_group_value text) TO sms_monitor_admin;

--
-- Name: FUNCTION sms_notifier_heartbeat(p_worker text, p_channels text[], p_ttl_seconds integer); Type: ACL; Schema: sms_monitor
--

REVOKE ALL ON FUNCTION sms_monitor.sms_notifier_heartbeat(p_worker text, p_channels text[], p_ttl_seconds integer) FROM PUBLIC;
GRANT ALL ON FUNCTION sms_monitor.sms_notifier_heartbeat(p_worker text, p_channels text[], p_ttl_seconds integer) TO sms_monitor_notifier;

--
-- Name: FUNCTION uninstall_sms_monitor_schedule(); Type: ACL; Schema: sms_monitor
--

REVOKE ALL ON FUNCTION sms_monitor.uninstall_sms_monitor_schedule() FROM PUBLIC;

--
-- Name: FUNCTION _count_map(text); Type: ACL; Schema: sms_monitor
--

REVOKE ALL ON FUNCTION sms_monitor._count_map(text) FROM PUBLIC;
GRANT ALL ON FUNCTION sms_monitor._count_map(text) TO sms_monitor_reader;
GRANT ALL ON FUNCTION sms_monitor._count_map(text) TO sms_monitor_self;
GRANT ALL ON FUNCTION sms_monitor._count_map(text) TO sms_monitor_admin;

--
-- Name: FUNCTION _count_map_sum(jsonb); Type: ACL; Schema: sms_monitor
--

REVOKE ALL ON FUNCTION sms_monitor._count_map_sum(jsonb) FROM PUBLIC;
GRANT ALL ON FUNCTION sms_monitor._count_map_sum(jsonb) TO sms_monitor_reader;
GRANT ALL ON FUNCTION sms_monitor._count_map_sum(jsonb) TO sms_monitor_self;
GRANT ALL ON FUNCTION sms_monitor._count_map_sum(jsonb) TO sms_monitor_admin;

--
-- Name: FUNCTION _jsonb_merge_agg(jsonb); Type: ACL; Schema: sms_monitor
--

REVOKE ALL ON FUNCTION sms_monitor._jsonb_merge_agg(jsonb) FROM PUBLIC;
GRANT ALL ON FUNCTION sms_monitor._jsonb_merge_agg(jsonb) TO sms_monitor_reader;
GRANT ALL ON FUNCTION sms_monitor._jsonb_merge_agg(jsonb) TO sms_monitor_self;
GRANT ALL ON FUNCTION sms_monitor._jsonb_merge_agg(jsonb) TO sms_monitor_admin;

--
-- Name: FUNCTION _latency_histogram(double precision); Type: ACL; Schema: sms_monitor
--

REVOKE ALL ON FUNCTION sms_monitor._latency_histogram(double precision) FROM PUBLIC;
GRANT ALL ON FUNCTION sms_monitor._latency_histogram(double precision) TO sms_monitor_reader;
GRANT ALL ON FUNCTION sms_monitor._latency_histogram(double precision) TO sms_monitor_self;
GRANT ALL ON FUNCTION sms_monitor._latency_histogram(double precision) TO sms_monitor_admin;

--
-- Name: FUNCTION _latency_histogram_of(integer[]); Type: ACL; Schema: sms_monitor
--

REVOKE ALL ON FUNCTION sms_monitor._latency_histogram_of(integer[]) FROM PUBLIC;
GRANT ALL ON FUNCTION sms_monitor._latency_histogram_of(integer[]) TO sms_monitor_reader;
GRANT ALL ON FUNCTION sms_monitor._latency_histogram_of(integer[]) TO sms_monitor_self;
GRANT ALL ON FUNCTION sms_monitor._latency_histogram_of(integer[]) TO sms_monitor_admin;

--
-- Name: FUNCTION _latency_histogram_sum(integer[]); Type: ACL; Schema: sms_monitor
--

REVOKE ALL ON FUNCTION sms_monitor._latency_histogram_sum(integer[]) FROM PUBLIC;
GRANT ALL ON FUNCTION sms_monitor._latency_histogram_sum(integer[]) TO sms_monitor_reader;
GRANT ALL ON FUNCTION sms_monitor._latency_histogram_sum(integer[]) TO sms_monitor_self;
GRANT ALL ON FUNCTION sms_monitor._latency_histogram_sum(integer[]) TO sms_monitor_admin;
