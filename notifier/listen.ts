// Listening: LISTEN on the outbox's NOTIFY channel on a connection of its own, a hint to drain at
// once. A ping (a NOTIFY with this notifier's own payload) proves the listener alive; a listener
// that failed or went quiet is replaced. The drain never depends on it: polling goes on meanwhile.
import postgres from 'postgres';
import { OUTBOX_NOTIFY_CHANNEL } from '../client/generated/enums.ts';
import { errText, type NotifierContext } from './context.ts';

/** The outbox's NOTIFY channel (generated from sms_monitor._notify_channel()). */
export const NOTIFY_CHANNEL = OUTBOX_NOTIFY_CHANNEL;
/** Payload prefix of the listener's own liveness pings on NOTIFY_CHANNEL (outbox NOTIFYs are JSON arrays). */
export const PING_PREFIX = 'sms-monitor-notifier-ping:';

export interface ListenEvents {
  /** After every (re)LISTEN: NOTIFYs sent while disconnected are lost, so drain now. */
  onListen(): void;
  /** An outbox NOTIFY arrived. */
  onNotify(): void;
}

export class OutboxListener {
  private readonly pingPayload: string;
  /** The LISTEN connection: its own postgres.js instance, replaced (end + new) when it stops answering. */
  private listenSql: postgres.Sql | null = null;
  private gen = 0;
  state: 'off' | 'starting' | 'on' = 'off';
  private pingSentAt = 0;
  private lastPongAt = 0;
  private missedPings = 0;
  private lastListenLogAt = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly ctx: NotifierContext, private readonly events: ListenEvents,
    private readonly pingIntervalMs: number) {
    this.pingPayload = `${PING_PREFIX}${ctx.workerId}`;
  }

  start(): void {
    void this.listen();
    this.timer = setInterval(() => void this.check(), this.pingIntervalMs);
  }

  /** Stops pinging; the connection is ended by drop(). */
  stopTimer(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /**
   * LISTENs on a fresh postgres.js instance of its own (one connection). postgres.js remembers a
   * failed LISTEN per channel name for the life of an instance, so a listener that failed or went
   * quiet is never retried through the same instance: it is ended and replaced.
   */
  async listen(): Promise<void> {
    if (this.state === 'starting' || this.ctx.stopping.aborted) return;
    this.state = 'starting';
    await this.drop();
    const gen = ++this.gen;
    const sql = postgres(this.ctx.config.databaseUrl, { ...this.ctx.pgOptions(), max: 1 });
    this.listenSql = sql;
    try {
      // onlisten runs after the first LISTEN and after every reconnect: NOTIFYs sent while we were
      // disconnected are lost, so drain then.
      await sql.listen(NOTIFY_CHANNEL,
        (payload) => { if (gen === this.gen) this.onNotify(payload); },
        () => { if (gen === this.gen) this.onListen(); });
      if (gen !== this.gen) return;
      this.state = 'on';
      this.lastPongAt = Date.now();
      this.pingSentAt = 0;
      this.missedPings = 0;
    } catch (error) {
      if (gen !== this.gen) return;
      this.state = 'off';
      await this.drop();
      this.ctx.log.warn({ err: errText(this.ctx, error) }, 'could not LISTEN (database down?); polling meanwhile, will LISTEN again on a new connection at the next check');
    }
  }

  /** Ends the LISTEN instance (its connection is terminated at once); callbacks of older instances are ignored. */
  async drop(): Promise<void> {
    const old = this.listenSql;
    this.listenSql = null;
    this.gen++;
    if (old) await old.end({ timeout: 0 }).catch(() => {});
  }

  private onListen(): void {
    this.ctx.stats.listens++;
    // After an outage postgres.js may complete several queued LISTENs at once: log the first.
    const level = Date.now() - this.lastListenLogAt > 200 ? 'info' : 'debug';
    this.lastListenLogAt = Date.now();
    this.ctx.log[level]({ channel: NOTIFY_CHANNEL }, 'listening for outbox NOTIFYs; draining the outbox in case any were missed');
    this.events.onListen();
  }

  private onNotify(payload: string): void {
    if (payload.startsWith(PING_PREFIX)) {
      // A liveness ping, ours or another notifier's: not an outbox change.
      if (payload === this.pingPayload) this.lastPongAt = Date.now();
      return;
    }
    this.ctx.log.debug({ ids: payload.slice(0, 200) }, 'outbox NOTIFY received; draining');
    this.events.onNotify();
  }

  /**
   * postgres.js re-LISTENs after a lost connection (retrying while the database is down), but a
   * LISTEN that fails outright is not retried, and a connection can go quiet without closing. A
   * NOTIFY on the outbox channel with our ping payload proves the listener is alive; when two pings
   * in a row were sent (the database answered) but never came back, the LISTEN instance is ended
   * and a new one LISTENs (and drains).
   */
  private async check(): Promise<void> {
    if (this.ctx.stopping.aborted || this.state === 'starting') return;
    if (this.pingSentAt > 0 && this.lastPongAt < this.pingSentAt) this.missedPings++;
    else this.missedPings = 0;
    if (this.state === 'off' || this.missedPings >= 2) {
      if (this.state === 'on') this.ctx.log.warn('the LISTEN connection did not answer two pings; replacing it and listening again');
      this.state = 'off';
      this.missedPings = 0;
      this.pingSentAt = 0;
      await this.listen();
      return;
    }
    try {
      const sentAt = Date.now();
      await this.ctx.sql`select pg_notify(${NOTIFY_CHANNEL}, ${this.pingPayload})`;
      this.pingSentAt = sentAt;
    } catch {
      // The database is down: not the listener's fault; the drain loop reports and retries.
      this.pingSentAt = 0;
    }
  }
}
