// The notifier daemon: puts its parts together and runs them until stopped.
//   listen.ts     LISTEN for outbox NOTIFYs (a hint only), pinged, replaced when it goes quiet
//   drain.ts      claim due rows with a lease, deliver them through the channels, record each
//                 outcome, renew the leases of deliveries in flight; back off while the database is away
//   heartbeat.ts  tell the database which channels this notifier serves
//   scheduler.ts  with --evaluate-every, the jobs pg_cron would run (servers without pg_cron)
// Survives the database going away; SIGTERM stops claiming, lets in-flight deliveries finish (or
// releases their rows) and exits 0.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import pino from 'pino';
import postgres from 'postgres';
import { formatDuration } from '../client/duration.ts';
import { callFunction } from '../client/rpc.ts';
import type { SmsMonitorFunctions } from '../client/generated/functions.ts';
import { buildChannels } from './channels/index.ts';
import { configSecrets, scrub, type NotifierConfig } from './config.ts';
import { errText, type NotifierContext, type NotifierStats } from './context.ts';
import { OutboxDrain } from './drain.ts';
import { Heartbeat } from './heartbeat.ts';
import { backoffMs, sleep } from './http.ts';
import { OutboxListener } from './listen.ts';
import { Scheduler } from './scheduler.ts';
import type { Channel, ChannelName, OutboxRow } from './types.ts';

export { NOTIFY_CHANNEL, PING_PREFIX } from './listen.ts';
export { EVALUATE_LOCK_SQL } from './scheduler.ts';
export { isConnectionError, problemHint, sqlState } from './problems.ts';

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

export function makeWorkerId(): string {
  return `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
}

export function createLogger(level: NotifierConfig['logLevel'], dest: NodeJS.WritableStream | number = 2): pino.Logger {
  const stream = typeof dest === 'number' ? pino.destination({ fd: dest, sync: true }) : dest;
  return pino({ level, base: { component: 'notifier' }, timestamp: pino.stdTimeFunctions.isoTime }, stream as pino.DestinationStream);
}

export class Notifier {
  readonly workerId: string;
  /** The channels this notifier serves: the only ones it claims. */
  readonly served: ChannelName[];
  /** Counters, for tests and the bench. */
  readonly stats: NotifierStats = { claimed: 0, sent: 0, retried: 0, deferred: 0, failed: 0, dead: 0, superseded: 0, lost: 0, drains: 0, listens: 0, renewed: 0 };
  private readonly ctx: NotifierContext;
  private readonly stopping = new AbortController();
  private readonly abort = new AbortController();
  private readonly drain: OutboxDrain;
  private readonly listener: OutboxListener | null;
  private readonly heartbeat: Heartbeat;
  private readonly scheduler: Scheduler | null;
  private stopped: Promise<void> | null = null;

  constructor(private readonly config: NotifierConfig, opts: NotifierOptions = {}) {
    this.workerId = opts.workerId ?? makeWorkerId();
    const channels = opts.channels ?? buildChannels(config, opts.logOut);
    this.served = [...channels.keys()].sort();
    const pgOptions = (): postgres.Options<Record<string, postgres.PostgresType>> => ({
      onnotice: () => {},
      connect_timeout: 10,
      connection: { application_name: 'sms-monitor-notifier' },
      // Reconnect waits of the pool and of the LISTEN connection: jittered, capped.
      backoff: (retries: number) => backoffMs(retries + 1, 250, config.reconnectMaxMs) / 1000,
    });
    this.ctx = {
      config,
      log: (opts.logger ?? createLogger(config.logLevel)).child({ worker: this.workerId }),
      sql: postgres(config.databaseUrl, { ...pgOptions(), max: 4, idle_timeout: 60 }),
      workerId: this.workerId,
      channels,
      served: this.served,
      stats: this.stats,
      stopping: this.stopping.signal,
      abort: this.abort.signal,
      secrets: configSecrets(config),
      pgOptions,
    };
    const pingIntervalMs = opts.pingIntervalMs ?? Math.min(Math.max(config.pollIntervalMs, 2000), 10_000);
    const heartbeatIntervalMs = opts.heartbeatIntervalMs ?? Math.min(Math.max(config.pollIntervalMs, 1000), 10_000);
    this.drain = new OutboxDrain(this.ctx, () => {
      if (this.listener?.state === 'off') void this.listener.listen();
    });
    this.listener = config.listen
      ? new OutboxListener(this.ctx, { onListen: () => this.drain.reconnected(), onNotify: () => this.drain.request('notify') }, pingIntervalMs)
      : null;
    this.heartbeat = new Heartbeat(this.ctx, heartbeatIntervalMs);
    this.scheduler = config.evaluateEveryMs
      ? new Scheduler(this.ctx, config.evaluateEveryMs, () => this.drain.request('evaluate'))
      : null;
  }

  /** Starts the parts and drains at once. Never throws for a database that is down. */
  async start(): Promise<void> {
    const configured = [...this.ctx.channels.keys()];
    this.ctx.log.info({ channels: configured, listen: this.config.listen, poll_interval_ms: this.config.pollIntervalMs,
      lease_seconds: this.config.leaseSeconds, evaluate_every_ms: this.config.evaluateEveryMs },
      `notifier starting: channels ${configured.join(', ')}; ${this.config.listen ? 'listening for NOTIFY and ' : ''}polling every ${formatDuration(this.config.pollIntervalMs)}`);
    this.heartbeat.start();
    this.listener?.start();
    this.scheduler?.start();
    this.drain.start();
  }

  /** Asks for a drain; coalesced with one in progress. While the database is down, waits for the backoff. */
  requestDrain(reason: string, force = false): void {
    this.drain.request(reason, force);
  }

  /** The wait before retrying a row after a temporary failure (drain.ts retryDelayMs). */
  retryDelayMs(row: OutboxRow, retryAfterMs: number | undefined, now = Date.now()): number {
    return this.drain.retryDelayMs(row, retryAfterMs, now);
  }

  /** Stops claiming, waits for in-flight deliveries (up to the grace period), releases what is left, closes. */
  stop(reason = 'stop requested'): Promise<void> {
    this.stopped ??= this.doStop(reason);
    return this.stopped;
  }

  private async doStop(reason: string): Promise<void> {
    const { log, sql } = this.ctx;
    log.info({ reason }, `stopping: no new claims; waiting up to ${formatDuration(this.config.shutdownGraceMs)} for deliveries in flight`);
    this.stopping.abort();
    this.drain.stopTimers();
    this.listener?.stopTimer();
    this.scheduler?.stopTimer();
    this.heartbeat.stopTimer();
    const grace = setTimeout(() => this.abort.abort(), this.config.shutdownGraceMs);
    const pending = [this.drain.running, this.scheduler?.running].filter(Boolean) as Array<Promise<void>>;
    const giveUp = new AbortController();
    await Promise.race([Promise.allSettled(pending), sleep(this.config.shutdownGraceMs + 5000, giveUp.signal)]);
    giveUp.abort();
    clearTimeout(grace);
    this.drain.stopRenewing();
    try {
      await this.drain.flushUnrecorded();
    } catch (error) {
      log.warn({ err: errText(this.ctx, error), rows: this.drain.unrecordedCount }, 'could not record some outcomes; those rows will be retried when their lease ends');
    }
    try {
      const n = await callFunction(sql, 'release_sms_notifications', { p_worker: this.workerId });
      if ((n ?? 0) > 0) log.info({ released: n }, `released ${n} claimed notifications for other workers`);
    } catch (error) {
      log.warn({ err: errText(this.ctx, error) }, `could not release claimed rows; they become claimable when the lease (${this.config.leaseSeconds} s) ends`);
    }
    await this.heartbeat.withdraw();
    await this.listener?.drop();
    for (const c of this.ctx.channels.values()) await c.close?.().catch(() => {});
    await sql.end({ timeout: 5 }).catch(() => {});
    log.info({ stats: this.stats }, 'notifier stopped');
  }
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
