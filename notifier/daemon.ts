// The notifier daemon: LISTENs for outbox NOTIFYs (a hint only), drains the outbox on start, on every
// NOTIFY, on a poll timer, when the next retry is due and after every reconnect; claims rows with a
// lease (claim_sms_notifications: for update skip locked), delivers them through the channels and
// records each outcome with complete_sms_notification. Survives the database going away; SIGTERM
// stops claiming, lets in-flight deliveries finish (or releases their rows) and exits 0.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import pino from 'pino';
import postgres from 'postgres';
import { buildChannels, notConfigured } from './channels/index.ts';
import { configSecrets, scrub, type NotifierConfig } from './config.ts';
import { formatDuration } from '../client/duration.ts';
import { backoffMs, sleep } from './http.ts';
import type { SmsMonitorFunctions } from '../client/generated/functions.ts';
import { OUTBOX_NOTIFY_CHANNEL } from '../client/generated/enums.ts';
import { classifyError } from '../client/errors.ts';
import type { Channel, ChannelName, DeliveryContext, OutboxRow, Outcome } from './types.ts';

// Compile-time guard against drift between this daemon and the SQL contract: the functions it
// calls, the columns it reads and the argument names it relies on, checked against the signatures
// generated from pg_proc (client/generated/functions.ts).
type Fn = SmsMonitorFunctions;
export const OUTBOX_FUNCTIONS = ['claim_sms_notifications', 'complete_sms_notification', 'release_sms_notifications',
  'next_sms_notification_due', 'renew_sms_notification_leases', 'sms_notifier_heartbeat', 'check_sms_alerts'] as const satisfies ReadonlyArray<keyof Fn>;
export const CLAIMED_COLUMNS = ['id', 'alert_id', 'channel', 'event', 'attempts', 'retries', 'max_attempts', 'payload'] as const satisfies
  ReadonlyArray<keyof Fn['claim_sms_notifications']['returns']>;
export const CLAIM_ARGS = ['p_worker', 'p_limit', 'p_lease_seconds', 'p_channels'] as const satisfies
  ReadonlyArray<keyof Fn['claim_sms_notifications']['args']>;
export const COMPLETE_ARGS = ['p_id', 'p_worker', 'p_outcome', 'p_error', 'p_retry_at'] as const satisfies
  ReadonlyArray<keyof Fn['complete_sms_notification']['args']>;
export const CHECK_COLUMNS = ['alert_type', 'action'] as const satisfies ReadonlyArray<keyof Fn['check_sms_alerts']['returns']>;

/** The outbox's NOTIFY channel (generated from sms_monitor._notify_channel()). */
export const NOTIFY_CHANNEL = OUTBOX_NOTIFY_CHANNEL;
/** Payload prefix of the listener's own liveness pings on NOTIFY_CHANNEL (outbox NOTIFYs are JSON arrays). */
export const PING_PREFIX = 'sms-monitor-notifier-ping:';
/** Advisory lock key (transaction-scoped) that lets only one replica run check_sms_alerts() at a time. */
export const EVALUATE_LOCK_SQL = `hashtextextended('sms_monitor.check_sms_alerts', 0)`;

export interface NotifierOptions {
  logger?: pino.Logger;
  /** Where the log channel writes (default stdout). */
  logOut?: NodeJS.WritableStream;
  channels?: Map<ChannelName, Channel>;
  workerId?: string;
  /** How often the listener is pinged (default: the poll interval clamped to 2-10 s). */
  pingIntervalMs?: number;
  /** How often the heartbeat (served channels) is written (default: the poll interval clamped to 1-10 s). */
  heartbeatIntervalMs?: number;
}

interface Unrecorded {
  row: OutboxRow;
  outcome: Exclude<Outcome, { kind: 'released' }>;
  retryInMs: number | null;
}

export function makeWorkerId(): string {
  return `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
}

export function createLogger(level: NotifierConfig['logLevel'], dest: NodeJS.WritableStream | number = 2): pino.Logger {
  const stream = typeof dest === 'number' ? pino.destination({ fd: dest, sync: true }) : dest;
  return pino({ level, base: { component: 'notifier' }, timestamp: pino.stdTimeFunctions.isoTime }, stream as pino.DestinationStream);
}

export class Notifier {
  readonly workerId: string;
  private readonly log: pino.Logger;
  private readonly channels: Map<ChannelName, Channel>;
  private readonly secrets: string[];
  private readonly sql: postgres.Sql;
  private readonly stopping = new AbortController();
  private readonly abort = new AbortController();
  private readonly pingPayload: string;
  /** The LISTEN connection: its own postgres.js instance, replaced (end + new) when it stops answering. */
  private listenSql: postgres.Sql | null = null;
  private listenGen = 0;
  private listenState: 'off' | 'starting' | 'on' = 'off';
  private pingSentAt = 0;
  private lastPongAt = 0;
  private missedPings = 0;
  private lastListenLogAt = 0;
  private drainWanted = false;
  private draining: Promise<void> | null = null;
  private dbFailures = 0;
  private dbRetryAt = 0;
  private pollTimer: NodeJS.Timeout | null = null;
  private pingTimer: NodeJS.Timeout | null = null;
  private dueTimer: NodeJS.Timeout | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private evalTimer: NodeJS.Timeout | null = null;
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private renewTimer: NodeJS.Timeout | null = null;
  /** Rows claimed by this notifier whose delivery is running: their leases are renewed. */
  private readonly inFlight = new Set<string>();
  /** Per channel: until when a row of it is already set to probe the provider (see retryDelayMs). */
  private readonly probeUntil = new Map<ChannelName, number>();
  /** Per channel: a provider's Retry-After holds every row of the channel back until then. */
  private readonly heldUntil = new Map<ChannelName, number>();
  /** The channels this notifier serves: the only ones it claims. */
  readonly served: ChannelName[];
  private evaluating: Promise<void> | null = null;
  /** When this notifier last ran apply_sms_retention() (--evaluate-every runs it once a day). */
  private lastRetentionAt = 0;
  private unrecorded: Unrecorded[] = [];
  private stopped: Promise<void> | null = null;
  /** Counters, for tests and the bench. */
  readonly stats = { claimed: 0, sent: 0, retried: 0, deferred: 0, failed: 0, dead: 0, superseded: 0, lost: 0, drains: 0, listens: 0, renewed: 0 };

  private readonly pingIntervalMs: number;
  private readonly heartbeatIntervalMs: number;

  constructor(private readonly config: NotifierConfig, opts: NotifierOptions = {}) {
    this.pingIntervalMs = opts.pingIntervalMs ?? Math.min(Math.max(config.pollIntervalMs, 2000), 10_000);
    this.workerId = opts.workerId ?? makeWorkerId();
    this.pingPayload = `${PING_PREFIX}${this.workerId}`;
    this.secrets = configSecrets(config);
    this.log = (opts.logger ?? createLogger(config.logLevel)).child({ worker: this.workerId });
    this.channels = opts.channels ?? buildChannels(config, opts.logOut);
    this.served = [...this.channels.keys()].sort();
    this.heartbeatIntervalMs = opts.heartbeatIntervalMs ?? Math.min(Math.max(config.pollIntervalMs, 1000), 10_000);
    this.sql = postgres(config.databaseUrl, { ...this.pgOptions(), max: 4, idle_timeout: 60 });
  }

  private pgOptions(): postgres.Options<Record<string, postgres.PostgresType>> {
    return {
      onnotice: () => {},
      connect_timeout: 10,
      connection: { application_name: 'sms-monitor-notifier' },
      // Reconnect waits of the pool and of the LISTEN connection: jittered, capped.
      backoff: (retries: number) => backoffMs(retries + 1, 250, this.config.reconnectMaxMs) / 1000,
    };
  }

  /** Starts the timers and the listener and drains at once. Never throws for a database that is down. */
  async start(): Promise<void> {
    const configured = [...this.channels.keys()];
    this.log.info({ channels: configured, listen: this.config.listen, poll_interval_ms: this.config.pollIntervalMs,
      lease_seconds: this.config.leaseSeconds, evaluate_every_ms: this.config.evaluateEveryMs },
      `notifier starting: channels ${configured.join(', ')}; ${this.config.listen ? 'listening for NOTIFY and ' : ''}polling every ${formatDuration(this.config.pollIntervalMs)}`);
    this.pollTimer = setInterval(() => this.requestDrain('poll'), this.config.pollIntervalMs);
    this.heartbeatTimer = setInterval(() => void this.heartbeat(), this.heartbeatIntervalMs);
    void this.heartbeat();
    // Leases are short; while a delivery is in flight its lease is renewed every third of it.
    this.renewTimer = setInterval(() => void this.renewLeases(), Math.max(250, Math.floor((this.config.leaseSeconds * 1000) / 3)));
    if (this.config.listen) {
      void this.startListening();
      this.pingTimer = setInterval(() => void this.checkListener(), this.pingIntervalMs);
    }
    if (this.config.evaluateEveryMs) {
      this.evalTimer = setInterval(() => void this.evaluate(), this.config.evaluateEveryMs);
      void this.evaluate();
    }
    this.requestDrain('start');
  }

  // ---- listening -------------------------------------------------------------------------------

  /**
   * LISTENs on a fresh postgres.js instance of its own (one connection). postgres.js remembers a
   * failed LISTEN per channel name for the life of an instance, so a listener that failed or went
   * quiet is never retried through the same instance: it is ended and replaced.
   */
  private async startListening(): Promise<void> {
    if (this.listenState === 'starting' || this.stopping.signal.aborted) return;
    this.listenState = 'starting';
    await this.dropListener();
    const gen = ++this.listenGen;
    const sql = postgres(this.config.databaseUrl, { ...this.pgOptions(), max: 1 });
    this.listenSql = sql;
    try {
      // onlisten runs after the first LISTEN and after every reconnect: NOTIFYs sent while we were
      // disconnected are lost, so drain then.
      await sql.listen(NOTIFY_CHANNEL,
        (payload) => { if (gen === this.listenGen) this.onNotify(payload); },
        () => { if (gen === this.listenGen) this.onListen(); });
      if (gen !== this.listenGen) return;
      this.listenState = 'on';
      this.lastPongAt = Date.now();
      this.pingSentAt = 0;
      this.missedPings = 0;
    } catch (error) {
      if (gen !== this.listenGen) return;
      this.listenState = 'off';
      await this.dropListener();
      this.log.warn({ err: this.errText(error) }, 'could not LISTEN (database down?); polling meanwhile, will LISTEN again on a new connection at the next check');
    }
  }

  /** Ends the LISTEN instance (its connection is terminated at once); callbacks of older instances are ignored. */
  private async dropListener(): Promise<void> {
    const old = this.listenSql;
    this.listenSql = null;
    this.listenGen++;
    if (old) await old.end({ timeout: 0 }).catch(() => {});
  }

  private onListen(): void {
    this.stats.listens++;
    // After an outage postgres.js may complete several queued LISTENs at once: log the first.
    const level = Date.now() - this.lastListenLogAt > 200 ? 'info' : 'debug';
    this.lastListenLogAt = Date.now();
    this.log[level]({ channel: NOTIFY_CHANNEL }, 'listening for outbox NOTIFYs; draining the outbox in case any were missed');
    this.dbRetryAt = 0;
    this.requestDrain('listen', true);
  }

  private onNotify(payload: string): void {
    if (payload.startsWith(PING_PREFIX)) {
      // A liveness ping, ours or another notifier's: not an outbox change.
      if (payload === this.pingPayload) this.lastPongAt = Date.now();
      return;
    }
    this.log.debug({ ids: payload.slice(0, 200) }, 'outbox NOTIFY received; draining');
    this.requestDrain('notify');
  }

  /**
   * postgres.js re-LISTENs after a lost connection (retrying while the database is down), but a
   * LISTEN that fails outright is not retried, and a connection can go quiet without closing. A
   * NOTIFY on the outbox channel with our ping payload proves the listener is alive; when two pings
   * in a row were sent (the database answered) but never came back, the LISTEN instance is ended
   * and a new one LISTENs (and drains).
   */
  private async checkListener(): Promise<void> {
    if (this.stopping.signal.aborted || this.listenState === 'starting') return;
    if (this.pingSentAt > 0 && this.lastPongAt < this.pingSentAt) this.missedPings++;
    else this.missedPings = 0;
    if (this.listenState === 'off' || this.missedPings >= 2) {
      if (this.listenState === 'on') this.log.warn('the LISTEN connection did not answer two pings; replacing it and listening again');
      this.listenState = 'off';
      this.missedPings = 0;
      this.pingSentAt = 0;
      await this.startListening();
      return;
    }
    try {
      const sentAt = Date.now();
      await this.sql`select pg_notify(${NOTIFY_CHANNEL}, ${this.pingPayload})`;
      this.pingSentAt = sentAt;
    } catch {
      // The database is down: not the listener's fault; the drain loop reports and retries.
      this.pingSentAt = 0;
    }
  }

  // ---- draining --------------------------------------------------------------------------------

  /** Asks for a drain; coalesced with one in progress. While the database is down, waits for the backoff. */
  requestDrain(reason: string, force = false): void {
    if (this.stopping.signal.aborted) return;
    if (!force && Date.now() < this.dbRetryAt) return;
    this.drainWanted = true;
    if (!this.draining) {
      this.draining = this.drainLoop(reason).finally(() => { this.draining = null; });
    }
  }

  private async drainLoop(reason: string): Promise<void> {
    while (this.drainWanted && !this.stopping.signal.aborted) {
      this.drainWanted = false;
      this.stats.drains++;
      try {
        await this.flushUnrecorded();
        for (;;) {
          if (this.stopping.signal.aborted) break;
          const rows = await this.claim();
          if (this.dbFailures > 0) {
            this.log.info({ after_failures: this.dbFailures }, 'database reachable again; draining the outbox');
            this.dbFailures = 0;
            this.dbRetryAt = 0;
            if (this.config.listen && this.listenState === 'off') void this.startListening();
          }
          if (rows.length === 0) break;
          this.log.debug({ count: rows.length, reason }, `claimed ${rows.length} notifications; delivering`);
          // Every delivery of the batch runs to its end (and its outcome is recorded) before a
          // database error ends the drain: stop() waits for the drain, so nothing in flight is released.
          const settled = await Promise.allSettled(rows.map((r) => this.process(r)));
          const failure = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
          if (failure) throw failure.reason;
          if (rows.length < this.config.batchSize) break;
        }
        if (!this.stopping.signal.aborted) await this.scheduleNextDue();
      } catch (error) {
        if (!isConnectionError(error)) {
          // Not an outage (missing function, permission, a bug): say what to check; the poll timer
          // tries again, without the reconnect backoff and without blocking anything else.
          this.log.error({ err: this.errText(error), sqlstate: sqlState(error) },
            `draining the outbox failed: ${problemHint(error)}; trying again at the next poll (${formatDuration(this.config.pollIntervalMs)})`);
          this.drainWanted = false;
          continue;
        }
        this.dbFailures++;
        const wait = backoffMs(this.dbFailures, 250, this.config.reconnectMaxMs);
        this.dbRetryAt = Date.now() + wait;
        this.log.warn({ err: this.errText(error), failures: this.dbFailures },
          `database unavailable; reconnecting and draining again in ${formatDuration(wait)}`);
        if (this.retryTimer) clearTimeout(this.retryTimer);
        this.retryTimer = setTimeout(() => this.requestDrain('reconnect', true), wait);
        this.drainWanted = false;
      }
    }
  }

  private async claim(): Promise<OutboxRow[]> {
    const rows = await this.sql<OutboxRow[]>`
      select id::text as id, alert_id::text as alert_id, channel, event, attempts, retries, max_attempts, payload
        from sms_monitor.claim_sms_notifications(${this.workerId}, ${this.config.batchSize}::integer,
          ${this.config.leaseSeconds}::integer, ${this.served}::text[])`;
    this.stats.claimed += rows.length;
    return rows;
  }

  private async scheduleNextDue(): Promise<void> {
    const [r] = await this.sql<Array<{ ms: number | null }>>`
      select (extract(epoch from (sms_monitor.next_sms_notification_due(${this.served}::text[]) - now())) * 1000)::float8 as ms`;
    if (this.dueTimer) clearTimeout(this.dueTimer);
    this.dueTimer = null;
    if (r?.ms === null || r?.ms === undefined) return;
    const delay = Math.min(Math.max(Math.ceil(r.ms) + 5, 20), 2_000_000_000);
    this.dueTimer = setTimeout(() => this.requestDrain('due'), delay);
  }

  /**
   * Tells the database which channels this notifier serves (sms_notifier_heartbeat), live for three
   * heartbeat intervals: a channel no live notifier serves shows as "not configured" in
   * sms_alert_status, and its rows wait for a notifier that is configured for it.
   */
  private async heartbeat(): Promise<void> {
    if (this.stopping.signal.aborted) return;
    const ttl = Math.max(5, Math.ceil((this.heartbeatIntervalMs * 3) / 1000));
    try {
      await this.sql`select sms_monitor.sms_notifier_heartbeat(${this.workerId}, ${this.served}::text[], ${ttl}::integer)`;
    } catch (error) {
      // Down or refused: the drain loop reports database problems; the next beat tries again.
      this.log.debug({ err: this.errText(error) }, 'could not write the heartbeat; trying again at the next one');
    }
  }

  /**
   * Extends the leases of the rows being delivered right now (a slow request is never taken over)
   * and of those whose outcome waits to be recorded (the database was away): the first renewal
   * after an outage keeps them ours until the late outcome is recorded.
   */
  private async renewLeases(): Promise<void> {
    const ids = [...new Set([...this.inFlight, ...this.unrecorded.map((u) => u.row.id)])].slice(0, 1000);
    if (ids.length === 0) return;
    try {
      const [r] = await this.sql<Array<{ n: number }>>`
        select sms_monitor.renew_sms_notification_leases(${this.workerId}, ${ids}::bigint[], ${this.config.leaseSeconds}::integer) as n`;
      this.stats.renewed += r?.n ?? 0;
    } catch (error) {
      // While the database is away the drain loop reports it; anything else deserves a warning.
      this.log[isConnectionError(error) ? 'debug' : 'warn']({ err: this.errText(error), rows: ids.length },
        'could not renew the leases of deliveries in flight; another notifier may take them over when they run out');
    }
  }

  /**
   * The wait before retrying after a temporary failure: never before the provider's Retry-After;
   * exponential backoff by the row's temporary failures (capped at --retry-max). While a channel is
   * failing, one of its rows (the probe) is retried within --probe-interval, so that when the
   * provider answers again its success (complete_sms_notification 'sent') wakes the others at once.
   */
  retryDelayMs(row: OutboxRow, retryAfterMs: number | undefined, now = Date.now()): number {
    const floor = retryAfterMs ?? 0;
    const backoff = backoffMs((row.retries ?? 0) + 1, this.config.retryBaseMs, this.config.retryMaxMs);
    let delay = Math.max(floor, backoff);
    if ((this.probeUntil.get(row.channel) ?? 0) <= now) {
      delay = Math.max(floor, Math.min(backoff, this.config.probeIntervalMs));
      this.probeUntil.set(row.channel, now + delay);
    }
    return Math.min(delay, 86_400_000);
  }

  private ctx(): DeliveryContext {
    // Pacing may use most of what the lease leaves after the request's own timeout (at least half the
    // lease: leases are renewed while in flight); a row that would wait longer is deferred to its
    // slot (complete_sms_notification 'defer': not an attempt).
    const leaseMs = this.config.leaseSeconds * 1000;
    const maxWaitMs = Math.max(0, Math.floor(Math.max(leaseMs - this.config.requestTimeoutMs, leaseMs / 2) * 0.8));
    return { stopping: this.stopping.signal, abort: this.abort.signal, maxWaitMs };
  }

  private async process(row: OutboxRow): Promise<void> {
    const channel = this.channels.get(row.channel);
    let outcome: Outcome;
    this.inFlight.add(row.id);
    const heldMs = (this.heldUntil.get(row.channel) ?? 0) - Date.now();
    try {
      // Claims name only the served channels; a row of another channel is handed back untried. A
      // row claimed while its provider's Retry-After runs (woken by another row's success, say)
      // waits for it, untried and not counted.
      outcome = !channel ? notConfigured(row.channel)
        : heldMs > 0 ? { kind: 'defer', reason: `${row.channel}: Retry-After of the provider runs ${heldMs} ms more`, retryAfterMs: heldMs }
        : await channel.deliver(row, this.ctx());
    } catch (error) {
      outcome = { kind: 'retry', error: `${row.channel}: unexpected error: ${this.errText(error)}` };
    } finally {
      this.inFlight.delete(row.id);
    }
    if (outcome.kind === 'released') return; // handed back by release_sms_notifications at shutdown
    if (outcome.kind === 'retry' || outcome.kind === 'failed') outcome = { ...outcome, error: scrub(outcome.error, this.secrets) };
    if (outcome.kind === 'sent') this.probeUntil.delete(row.channel);
    if (outcome.kind === 'retry' && outcome.retryAfterMs !== undefined) {
      this.heldUntil.set(row.channel, Math.max(this.heldUntil.get(row.channel) ?? 0, Date.now() + outcome.retryAfterMs));
    }
    const retryInMs = outcome.kind === 'retry'
      ? this.retryDelayMs(row, outcome.retryAfterMs)
      : outcome.kind === 'defer' ? Math.min(outcome.retryAfterMs, 86_400_000) : null;
    try {
      await this.record({ row, outcome, retryInMs });
    } catch (error) {
      if (!isConnectionError(error)) {
        this.log.error({ notification_id: row.id, err: this.errText(error), sqlstate: sqlState(error) },
          `could not record the outcome: ${problemHint(error)}; leaving the row to its lease (${this.config.leaseSeconds} s), after which it is retried`);
        return;
      }
      // Delivered (or not) but not recorded: keep it and record it once the database answers; if
      // the lease runs out first another worker re-sends it (at least once).
      this.unrecorded.push({ row, outcome, retryInMs });
      this.log.warn({ notification_id: row.id, err: this.errText(error) }, 'could not record the outcome; will record it when the database is back');
      throw error;
    }
  }

  private async record({ row, outcome, retryInMs }: Unrecorded): Promise<void> {
    const error = outcome.kind === 'retry' || outcome.kind === 'failed' ? outcome.error : null;
    const [r] = await this.sql<Array<{ status: string }>>`
      select sms_monitor.complete_sms_notification(${row.id}::bigint, ${this.workerId}, ${outcome.kind}, ${error},
        ${retryInMs === null ? null : this.sql`now() + make_interval(secs => ${retryInMs / 1000}::float8)`}) as status`;
    const status = r?.status ?? 'unknown';
    const ids = { notification_id: row.id, alert_id: row.alert_id, channel: row.channel, event: row.event, attempt: row.attempts };
    if (outcome.kind === 'defer' && status === 'pending') {
      this.stats.deferred++;
      this.log.info({ ...ids, reason: outcome.reason }, `not sent yet (${outcome.reason}); deferred ${formatDuration(retryInMs ?? 0)}, the attempt not counted`);
      return;
    }
    switch (status) {
      case 'sent':
        this.stats.sent++;
        this.log.info(ids, `delivered ${row.event} to ${row.channel}`);
        break;
      case 'pending':
        this.stats.retried++;
        this.log.warn({ ...ids, err: error, retries: (row.retries ?? 0) + 1 },
          `delivery failed temporarily (${(row.retries ?? 0) + 1} so far); retrying in ${formatDuration(retryInMs ?? 0)}, until delivered or 24 h after it was queued`);
        break;
      case 'superseded':
        this.stats.superseded++;
        this.log.info({ ...ids, err: error }, `not delivered, and no longer needed: the incident resolved before its trigger reached ${row.channel} (superseded)`);
        break;
      case 'failed':
        this.stats.failed++;
        this.log.error({ ...ids, err: error }, `delivery failed permanently; not retrying (see last_error in sms_alert_notifications)`);
        break;
      case 'dead':
        this.stats.dead++;
        this.log.error({ ...ids, err: error }, 'delivery still failing 24 h after it was queued; marked dead, not retrying');
        break;
      case 'lost':
        this.stats.lost++;
        this.log.warn(ids, 'lease lost before the outcome was recorded; another worker owns the row now (it may be sent twice)');
        break;
      default:
        this.log.warn({ ...ids, status }, 'unexpected status from complete_sms_notification; continuing');
    }
  }

  private async flushUnrecorded(): Promise<void> {
    while (this.unrecorded.length > 0) {
      const u = this.unrecorded[0]!;
      try {
        await this.record(u);
      } catch (error) {
        if (isConnectionError(error)) throw error; // still down: the drain loop backs off
        this.log.error({ notification_id: u.row.id, err: this.errText(error), sqlstate: sqlState(error) },
          `could not record a late outcome: ${problemHint(error)}; dropping it (the row follows its lease)`);
      }
      this.unrecorded.shift();
    }
  }

  // ---- evaluation (servers without pg_cron) ----------------------------------------------------

  /**
   * One round of the jobs pg_cron would run: check_sms_alerts(), refresh_sms_metrics_daily() and,
   * once a day, apply_sms_retention(), in one transaction holding the advisory lock (replicas that
   * do not get it skip the round). The refresh and the retention run in savepoints: their failure
   * is logged and does not undo the alert evaluation.
   */
  private async evaluate(): Promise<void> {
    if (this.evaluating || this.stopping.signal.aborted) return;
    this.evaluating = (async () => {
      try {
        const retentionDue = Date.now() - this.lastRetentionAt >= 86_400_000;
        const outcome = await this.sql.begin(async (tx) => {
          const [l] = await tx.unsafe<Array<{ locked: boolean }>>(`select pg_try_advisory_xact_lock(${EVALUATE_LOCK_SQL}) as locked`);
          if (!l?.locked) return null;
          const checks = await tx<Array<Record<string, unknown>>>`select * from sms_monitor.check_sms_alerts()`;
          const job = async (name: string, run: (sp: postgres.TransactionSql) => Promise<unknown>) => {
            try {
              return await tx.savepoint(run);
            } catch (error) {
              if (isConnectionError(error)) throw error;
              this.log.error({ err: this.errText(error), sqlstate: sqlState(error) },
                `${name} failed: ${problemHint(error)}; the alert evaluation stands; trying again at the next round`);
              return undefined;
            }
          };
          const refreshed = (await job('refresh_sms_metrics_daily()', (sp) => sp`select sms_monitor.refresh_sms_metrics_daily()`)) !== undefined;
          const retention = retentionDue
            ? await job('apply_sms_retention()', (sp) => sp<Array<{ target: string; deleted: string }>>`select * from sms_monitor.apply_sms_retention()`)
            : undefined;
          return { checks, refreshed, retention: retention as Array<{ target: string; deleted: string }> | undefined };
        });
        if (outcome === null) {
          this.log.debug('another notifier is evaluating the alert rules; skipping this round');
          return;
        }
        if (outcome.retention) {
          this.lastRetentionAt = Date.now();
          const deleted = Object.fromEntries(outcome.retention.map((r) => [r.target, Number(r.deleted)]));
          this.log.info({ deleted }, 'applied retention (apply_sms_retention); next run in 24 h');
        }
        const result = outcome.checks;
        const actions: Record<string, number> = {};
        for (const row of result) {
          const a = String(row.action ?? 'unknown');
          actions[a] = (actions[a] ?? 0) + 1;
        }
        this.log.info({ actions }, `evaluated ${result.length} alert rules${outcome.refreshed ? ' and refreshed sms_metrics_daily' : ''}; next evaluation in ${formatDuration(this.config.evaluateEveryMs ?? 0)}`);
        this.requestDrain('evaluate');
      } catch (error) {
        const how = isConnectionError(error) ? 'database unavailable' : problemHint(error);
        this.log[isConnectionError(error) ? 'warn' : 'error']({ err: this.errText(error), sqlstate: sqlState(error) },
          `check_sms_alerts() failed (${how}); trying again in ${formatDuration(this.config.evaluateEveryMs ?? 0)}`);
      }
    })().finally(() => { this.evaluating = null; });
    await this.evaluating;
  }

  // ---- shutdown --------------------------------------------------------------------------------

  /** Stops claiming, waits for in-flight deliveries (up to the grace period), releases what is left, closes. */
  stop(reason = 'stop requested'): Promise<void> {
    this.stopped ??= this.doStop(reason);
    return this.stopped;
  }

  private async doStop(reason: string): Promise<void> {
    this.log.info({ reason }, `stopping: no new claims; waiting up to ${formatDuration(this.config.shutdownGraceMs)} for deliveries in flight`);
    this.stopping.abort();
    for (const t of [this.pollTimer, this.pingTimer, this.evalTimer, this.heartbeatTimer]) if (t) clearInterval(t);
    for (const t of [this.dueTimer, this.retryTimer]) if (t) clearTimeout(t);
    const grace = setTimeout(() => this.abort.abort(), this.config.shutdownGraceMs);
    const pending = [this.draining, this.evaluating].filter(Boolean) as Array<Promise<void>>;
    const giveUp = new AbortController();
    await Promise.race([Promise.allSettled(pending), sleep(this.config.shutdownGraceMs + 5000, giveUp.signal)]);
    giveUp.abort();
    clearTimeout(grace);
    if (this.renewTimer) clearInterval(this.renewTimer);
    try {
      await this.flushUnrecorded();
    } catch (error) {
      this.log.warn({ err: this.errText(error), rows: this.unrecorded.length }, 'could not record some outcomes; those rows will be retried when their lease ends');
    }
    try {
      const [r] = await this.sql<Array<{ n: number }>>`select sms_monitor.release_sms_notifications(${this.workerId}) as n`;
      if ((r?.n ?? 0) > 0) this.log.info({ released: r?.n }, `released ${r?.n} claimed notifications for other workers`);
    } catch (error) {
      this.log.warn({ err: this.errText(error) }, `could not release claimed rows; they become claimable when the lease (${this.config.leaseSeconds} s) ends`);
    }
    try {
      await this.sql`select sms_monitor.sms_notifier_heartbeat(${this.workerId}, null)`;
    } catch { /* the heartbeat expires on its own */ }
    await this.dropListener();
    for (const c of this.channels.values()) await c.close?.().catch(() => {});
    await this.sql.end({ timeout: 5 }).catch(() => {});
    this.log.info({ stats: this.stats }, 'notifier stopped');
  }

  private errText(error: unknown): string {
    const e = error as { message?: string; code?: string };
    const text = `${e?.message ?? String(error)}${e?.code ? ` (${e.code})` : ''}`;
    return scrub(text, this.secrets);
  }
}

/**
 * True only for errors that mean "the database is unreachable right now" (reconnect with backoff):
 * the kind 'connection' of the shared classifier (client/errors.ts). Anything else (a missing
 * function, a permission, a bug) is not an outage.
 */
export function isConnectionError(error: unknown): boolean {
  return classifyError(error).kind === 'connection';
}

/** The SQLSTATE of a server error, else undefined. */
export function sqlState(error: unknown): string | undefined {
  return classifyError(error).sqlstate;
}

/** What an operator should check for an error that is not an outage. */
export function problemHint(error: unknown): string {
  const { kind, sqlstate } = classifyError(error);
  if (sqlstate === undefined) return 'unexpected error in the notifier (not a database outage); please report it with this log line';
  if (kind === 'permission') return `permission denied (SQLSTATE ${sqlstate}): grant sms_monitor_notifier to the notifier's login role`;
  if (kind === 'schema') {
    return `SQLSTATE ${sqlstate}: the sms_monitor schema is missing or older than this notifier; run \`sms-monitor migrate\``;
  }
  if (kind === 'login') return `SQLSTATE ${sqlstate}: check DATABASE_URL (role, password, database name)`;
  return `SQLSTATE ${sqlstate}: the database refused the request (not an outage); check the message`;
}

/** Runs until SIGTERM or SIGINT, then stops cleanly; resolves when stopped (exit code 0). */
export async function runNotifier(config: NotifierConfig): Promise<void> {
  const logger = createLogger(config.logLevel);
  const notifier = new Notifier(config, { logger });
  process.on('unhandledRejection', (error) => {
    logger.error({ err: scrub(String((error as Error)?.stack ?? error), configSecrets(config)) }, 'unhandled rejection; continuing');
  });
  await notifier.start();
  await new Promise<void>((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      process.removeAllListeners('SIGTERM');
      process.removeAllListeners('SIGINT');
      process.on('SIGTERM', () => logger.warn('already stopping'));
      process.on('SIGINT', () => logger.warn('already stopping'));
      void notifier.stop(signal).then(resolve, resolve);
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
  });
}
