// Draining and leases: claims due rows of the served channels (claim_sms_notifications: a lease,
// for update skip locked), delivers them through the channels, records each outcome
// (complete_sms_notification) and renews the leases of deliveries in flight. Drains on start, on
// every NOTIFY, on the poll timer, when the next retry is due and after a reconnect; backs off while
// the database is away and keeps outcomes it could not record until it is back.
import { formatDuration } from '../client/duration.ts';
import { callFunction } from '../client/rpc.ts';
import { notConfigured } from './channels/index.ts';
import { scrub } from './config.ts';
import { errText, type NotifierContext } from './context.ts';
import { backoffMs } from './http.ts';
import { isConnectionError, problemHint, sqlState } from './problems.ts';
import type { ChannelName, DeliveryContext, OutboxRow, Outcome } from './types.ts';

interface Unrecorded {
  row: OutboxRow;
  outcome: Exclude<Outcome, { kind: 'released' }>;
  retryInMs: number | null;
}

export class OutboxDrain {
  private wanted = false;
  /** The drain running now, if any (stop() waits for it). */
  running: Promise<void> | null = null;
  private dbFailures = 0;
  private dbRetryAt = 0;
  private pollTimer: NodeJS.Timeout | null = null;
  private dueTimer: NodeJS.Timeout | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private renewTimer: NodeJS.Timeout | null = null;
  /** Rows claimed by this notifier whose delivery is running: their leases are renewed. */
  private readonly inFlight = new Set<string>();
  /** Per channel: until when a row of it is already set to probe the provider (see retryDelayMs). */
  private readonly probeUntil = new Map<ChannelName, number>();
  private unrecorded: Unrecorded[] = [];

  /** `onReachable` runs when the database answers again after failures (the listener re-LISTENs). */
  constructor(private readonly ctx: NotifierContext, private readonly onReachable: () => void) {}

  start(): void {
    const { config } = this.ctx;
    this.pollTimer = setInterval(() => this.request('poll'), config.pollIntervalMs);
    // Leases are short; while a delivery is in flight its lease is renewed every third of it.
    this.renewTimer = setInterval(() => void this.renewLeases(), Math.max(250, Math.floor((config.leaseSeconds * 1000) / 3)));
    this.request('start');
  }

  /** Stops the drain's timers except the lease renewal (deliveries in flight still need it). */
  stopTimers(): void {
    if (this.pollTimer) clearInterval(this.pollTimer);
    for (const t of [this.dueTimer, this.retryTimer]) if (t) clearTimeout(t);
  }

  stopRenewing(): void {
    if (this.renewTimer) clearInterval(this.renewTimer);
  }

  /** Asks for a drain; coalesced with one in progress. While the database is down, waits for the backoff. */
  request(reason: string, force = false): void {
    if (this.ctx.stopping.aborted) return;
    if (!force && Date.now() < this.dbRetryAt) return;
    this.wanted = true;
    if (!this.running) {
      this.running = this.loop(reason).finally(() => { this.running = null; });
    }
  }

  /** The database answered a LISTEN: drain now, whatever the backoff said. */
  reconnected(): void {
    this.dbRetryAt = 0;
    this.request('listen', true);
  }

  private async loop(reason: string): Promise<void> {
    const { config, log, stopping } = this.ctx;
    while (this.wanted && !stopping.aborted) {
      this.wanted = false;
      this.ctx.stats.drains++;
      try {
        await this.flushUnrecorded();
        for (;;) {
          if (stopping.aborted) break;
          const rows = await this.claim();
          if (this.dbFailures > 0) {
            log.info({ after_failures: this.dbFailures }, 'database reachable again; draining the outbox');
            this.dbFailures = 0;
            this.dbRetryAt = 0;
            this.onReachable();
          }
          if (rows.length === 0) break;
          log.debug({ count: rows.length, reason }, `claimed ${rows.length} notifications; delivering`);
          // Every delivery of the batch runs to its end (and its outcome is recorded) before a
          // database error ends the drain: stop() waits for the drain, so nothing in flight is released.
          const settled = await Promise.allSettled(rows.map((r) => this.process(r)));
          const failure = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
          if (failure) throw failure.reason;
          if (rows.length < config.batchSize) break;
        }
        if (!stopping.aborted) await this.scheduleNextDue();
      } catch (error) {
        if (!isConnectionError(error)) {
          // Not an outage (missing function, permission, a bug): say what to check; the poll timer
          // tries again, without the reconnect backoff and without blocking anything else.
          log.error({ err: errText(this.ctx, error), sqlstate: sqlState(error) },
            `draining the outbox failed: ${problemHint(error)}; trying again at the next poll (${formatDuration(config.pollIntervalMs)})`);
          this.wanted = false;
          continue;
        }
        this.dbFailures++;
        const wait = backoffMs(this.dbFailures, 250, config.reconnectMaxMs);
        this.dbRetryAt = Date.now() + wait;
        log.warn({ err: errText(this.ctx, error), failures: this.dbFailures },
          `database unavailable; reconnecting and draining again in ${formatDuration(wait)}`);
        if (this.retryTimer) clearTimeout(this.retryTimer);
        this.retryTimer = setTimeout(() => this.request('reconnect', true), wait);
        this.wanted = false;
      }
    }
  }

  private async claim(): Promise<OutboxRow[]> {
    const { sql, config, workerId, served } = this.ctx;
    const claimed = await callFunction(sql, 'claim_sms_notifications',
      { p_worker: workerId, p_limit: config.batchSize, p_lease_seconds: config.leaseSeconds, p_channels: served });
    this.ctx.stats.claimed += claimed.length;
    return claimed.map((r) => ({
      id: String(r.id), alert_id: r.alert_id!, channel: r.channel as OutboxRow['channel'], event: r.event as OutboxRow['event'],
      attempts: r.attempts!, retries: r.retries!, max_attempts: r.max_attempts!, payload: r.payload as unknown as OutboxRow['payload'],
    }));
  }

  private async scheduleNextDue(): Promise<void> {
    // The wait is computed by the database's clock (due time - now()), not this host's: raw SQL,
    // its function and arguments checked against the generated signatures in daemon.ts.
    const [r] = await this.ctx.sql<Array<{ ms: number | null }>>`
      select (extract(epoch from (sms_monitor.next_sms_notification_due(${this.ctx.served}::text[]) - now())) * 1000)::float8 as ms`;
    if (this.dueTimer) clearTimeout(this.dueTimer);
    this.dueTimer = null;
    if (r?.ms === null || r?.ms === undefined) return;
    const delay = Math.min(Math.max(Math.ceil(r.ms) + 5, 20), 2_000_000_000);
    this.dueTimer = setTimeout(() => this.request('due'), delay);
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
      const n = await callFunction(this.ctx.sql, 'renew_sms_notification_leases',
        { p_worker: this.ctx.workerId, p_ids: ids, p_lease_seconds: this.ctx.config.leaseSeconds });
      this.ctx.stats.renewed += n ?? 0;
    } catch (error) {
      // While the database is away the drain loop reports it; anything else deserves a warning.
      this.ctx.log[isConnectionError(error) ? 'debug' : 'warn']({ err: errText(this.ctx, error), rows: ids.length },
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
    const { config } = this.ctx;
    const floor = retryAfterMs ?? 0;
    const backoff = backoffMs((row.retries ?? 0) + 1, config.retryBaseMs, config.retryMaxMs);
    let delay = Math.max(floor, backoff);
    if ((this.probeUntil.get(row.channel) ?? 0) <= now) {
      delay = Math.max(floor, Math.min(backoff, config.probeIntervalMs));
      this.probeUntil.set(row.channel, now + delay);
    }
    return Math.min(delay, 86_400_000);
  }

  private deliveryContext(): DeliveryContext {
    // Pacing may use most of what the lease leaves after the request's own timeout (at least half the
    // lease: leases are renewed while in flight); a row that would wait longer is deferred to its
    // slot (complete_sms_notification 'defer': not an attempt).
    const { config } = this.ctx;
    const leaseMs = config.leaseSeconds * 1000;
    const maxWaitMs = Math.max(0, Math.floor(Math.max(leaseMs - config.requestTimeoutMs, leaseMs / 2) * 0.8));
    return { stopping: this.ctx.stopping, abort: this.ctx.abort, maxWaitMs };
  }

  private async process(row: OutboxRow): Promise<void> {
    const channel = this.ctx.channels.get(row.channel);
    let outcome: Outcome;
    this.inFlight.add(row.id);
    const heldMs = channel?.hold.remainingMs() ?? 0;
    try {
      // Claims name only the served channels; a row of another channel is handed back untried. A
      // row claimed while its provider's Retry-After runs (woken by another row's success, say)
      // waits for it, untried and not counted.
      outcome = !channel ? notConfigured(row.channel)
        : heldMs > 0 ? { kind: 'defer', reason: `${row.channel}: Retry-After of the provider runs ${heldMs} ms more`, retryAfterMs: heldMs }
        : await channel.deliver(row, this.deliveryContext());
    } catch (error) {
      outcome = { kind: 'retry', error: `${row.channel}: unexpected error: ${errText(this.ctx, error)}` };
    } finally {
      this.inFlight.delete(row.id);
    }
    if (outcome.kind === 'released') return; // handed back by release_sms_notifications at shutdown
    if (outcome.kind === 'retry' || outcome.kind === 'failed') outcome = { ...outcome, error: scrub(outcome.error, this.ctx.secrets) };
    if (outcome.kind === 'sent') this.probeUntil.delete(row.channel);
    if (outcome.kind === 'retry' && outcome.retryAfterMs !== undefined) channel?.hold.extend(Date.now() + outcome.retryAfterMs);
    const retryInMs = outcome.kind === 'retry'
      ? this.retryDelayMs(row, outcome.retryAfterMs)
      : outcome.kind === 'defer' ? Math.min(outcome.retryAfterMs, 86_400_000) : null;
    try {
      await this.record({ row, outcome, retryInMs });
    } catch (error) {
      if (!isConnectionError(error)) {
        this.ctx.log.error({ notification_id: row.id, err: errText(this.ctx, error), sqlstate: sqlState(error) },
          `could not record the outcome: ${problemHint(error)}; leaving the row to its lease (${this.ctx.config.leaseSeconds} s), after which it is retried`);
        return;
      }
      // Delivered (or not) but not recorded: keep it and record it once the database answers; if
      // the lease runs out first another worker re-sends it (at least once).
      this.unrecorded.push({ row, outcome, retryInMs });
      this.ctx.log.warn({ notification_id: row.id, err: errText(this.ctx, error) }, 'could not record the outcome; will record it when the database is back');
      throw error;
    }
  }

  private async record({ row, outcome, retryInMs }: Unrecorded): Promise<void> {
    const { sql, log, stats } = this.ctx;
    const error = outcome.kind === 'retry' || outcome.kind === 'failed' ? outcome.error : null;
    // The retry time is the database's now() + the wait (this host's clock may differ): raw SQL,
    // its function and arguments checked against the generated signatures in daemon.ts.
    const [r] = await sql<Array<{ status: string }>>`
      select sms_monitor.complete_sms_notification(${row.id}::bigint, ${this.ctx.workerId}, ${outcome.kind}, ${error},
        ${retryInMs === null ? null : sql`now() + make_interval(secs => ${retryInMs / 1000}::float8)`}) as status`;
    const status = r?.status ?? 'unknown';
    const ids = { notification_id: row.id, alert_id: row.alert_id, channel: row.channel, event: row.event, attempt: row.attempts };
    if (outcome.kind === 'defer' && status === 'pending') {
      stats.deferred++;
      log.info({ ...ids, reason: outcome.reason }, `not sent yet (${outcome.reason}); deferred ${formatDuration(retryInMs ?? 0)}, the attempt not counted`);
      return;
    }
    switch (status) {
      case 'sent':
        stats.sent++;
        log.info(ids, `delivered ${row.event} to ${row.channel}`);
        break;
      case 'pending':
        stats.retried++;
        log.warn({ ...ids, err: error, retries: (row.retries ?? 0) + 1 },
          `delivery failed temporarily (${(row.retries ?? 0) + 1} so far); retrying in ${formatDuration(retryInMs ?? 0)}, until delivered or 24 h after it was queued`);
        break;
      case 'superseded':
        stats.superseded++;
        log.info({ ...ids, err: error }, `not delivered, and no longer needed: the incident resolved before its trigger reached ${row.channel} (superseded)`);
        break;
      case 'failed':
        stats.failed++;
        log.error({ ...ids, err: error }, `delivery failed permanently; not retrying (see last_error in sms_alert_notifications)`);
        break;
      case 'dead':
        stats.dead++;
        log.error({ ...ids, err: error }, 'delivery still failing 24 h after it was queued; marked dead, not retrying');
        break;
      case 'lost':
        stats.lost++;
        log.warn(ids, 'lease lost before the outcome was recorded; another worker owns the row now (it may be sent twice)');
        break;
      default:
        log.warn({ ...ids, status }, 'unexpected status from complete_sms_notification; continuing');
    }
  }

  /** Records the outcomes kept while the database was away. Throws while it still is. */
  async flushUnrecorded(): Promise<void> {
    while (this.unrecorded.length > 0) {
      const u = this.unrecorded[0]!;
      try {
        await this.record(u);
      } catch (error) {
        if (isConnectionError(error)) throw error; // still down: the drain loop backs off
        this.ctx.log.error({ notification_id: u.row.id, err: errText(this.ctx, error), sqlstate: sqlState(error) },
          `could not record a late outcome: ${problemHint(error)}; dropping it (the row follows its lease)`);
      }
      this.unrecorded.shift();
    }
  }

  /** How many outcomes wait to be recorded. */
  get unrecordedCount(): number {
    return this.unrecorded.length;
  }
}
