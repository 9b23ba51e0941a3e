// Group commit for webhook requests: requests arriving together are written as one
// record_sms_message_events call, instead of one transaction each.
// One write at a time: a request arriving at an idle server is written at once; requests arriving
// while a write is under way wait in the queue and go into the next write together (up to
// `maxRequests`). After a write of several requests the next write also waits for as many requests
// as that write held, but no longer than that write's statement took and never longer than
// MAX_GROUP_WAIT_MS: under load the groups keep their size instead of shrinking to whatever arrived
// during the last write; at a server gone quiet after a burst, one request waits that long once
// (the wait's short group sets the next target), and a failed write resets the wait to none.
// A write is one statement, one round trip: the connection of the writer pool (writerPool) is
// sms_monitor_writer with the statement timeout from its start, so the call runs as its own
// transaction without a BEGIN, SET and COMMIT of its own.
// Each request's promise settles only after the statement holding its events committed (or
// failed), so nothing answered 2xx is lost. When a group of several requests is refused for its
// input (SQLSTATE class 22, such as 22023: one request's bad event; the function writes nothing),
// each request is written again on its own: its own result or its own error, with the event index
// of its own array; the other requests' events are not refused because of it. Any other error (a
// timeout, the database gone) fails every request of the group at once with it, so no request
// waits behind retries that would meet it too. A retried callback is written again like any
// other; the fold counts each (message, status) once.
import postgres from 'postgres';
import { classifyError } from '../../client/errors.ts';

/** The role webhook requests write as, once their signature holds. */
const WRITER_ROLE = 'sms_monitor_writer';

/** The longest a write waits for its group to fill (ms), however long the last write took. */
export const MAX_GROUP_WAIT_MS = 20;

/** A refusal of the input (class 22, the shared classifier's `invalid`): one request's events, not the group's. */
const refusedInput = (error: unknown): boolean => classifyError(error).kind === 'invalid';

export type WriterPool = postgres.Sql<Record<string, postgres.PostgresType>>;

/**
 * Connections for webhook writes only: databaseUrl's LOGIN role (a member of
 * sms_monitor_authenticator) switched to sms_monitor_writer at connection start, with the
 * statement timeout, for as long as the connection lives.
 */
export function writerPool(databaseUrl: string, statementTimeoutMs: number, max = 1): WriterPool {
  return postgres(databaseUrl, {
    max,
    onnotice: () => {},
    connect_timeout: 5,
    connection: { application_name: 'sms-monitor-serve-webhooks', role: WRITER_ROLE, statement_timeout: statementTimeoutMs },
  });
}

interface Pending {
  events: Array<Record<string, unknown>>;
  resolve: (batchSize: number) => void;
  reject: (error: unknown) => void;
}

export interface BatcherOptions {
  /** Requests in one write at most (default 256). */
  maxRequests?: number;
}

export class EventBatcher {
  private readonly queue: Pending[] = [];
  private writing = false;
  /** Requests the next write waits for, and for how long at most (ms): the last write's size and duration. */
  private target = 1;
  private lastWriteMs = 0;
  private wait: NodeJS.Timeout | undefined;
  private readonly maxRequests: number;

  constructor(private readonly pool: WriterPool, options: BatcherOptions = {}) {
    this.maxRequests = options.maxRequests ?? 256;
  }

  /** Requests waiting for the next write. */
  get queued(): number {
    return this.queue.length;
  }

  /**
   * Records one request's events; resolves with the number of requests its statement held
   * once it committed, rejects with the database's error for this request's events.
   */
  record(events: Array<Record<string, unknown>>): Promise<number> {
    if (events.length === 0) return Promise.resolve(0);
    return new Promise((resolve, reject) => {
      this.queue.push({ events, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    if (this.writing || this.queue.length === 0) return;
    const full = this.queue.length >= Math.min(this.target, this.maxRequests);
    if (!full) {
      this.wait ??= setTimeout(() => {
        this.wait = undefined;
        this.start();
      }, this.lastWriteMs);
      return;
    }
    this.start();
  }

  private start(): void {
    if (this.wait) {
      clearTimeout(this.wait);
      this.wait = undefined;
    }
    if (this.writing || this.queue.length === 0) return;
    const group = this.queue.splice(0, this.maxRequests);
    this.writing = true;
    void this.flush(group).then((tookMs) => {
      this.target = tookMs === undefined ? 1 : group.length;
      this.lastWriteMs = tookMs === undefined ? 0 : Math.min(tookMs, MAX_GROUP_WAIT_MS);
    }).finally(() => {
      this.writing = false;
      this.pump();
    });
  }

  /** Writes a group; resolves with the group statement's duration (ms), or undefined when it failed. */
  private async flush(group: Pending[]): Promise<number | undefined> {
    const began = performance.now();
    try {
      await this.write(group.length === 1 ? group[0]!.events : group.flatMap((p) => p.events));
      const tookMs = performance.now() - began;
      for (const p of group) p.resolve(group.length);
      return tookMs;
    } catch (error) {
      if (group.length === 1 || !refusedInput(error)) {
        for (const p of group) p.reject(error);
        return undefined;
      }
      // one request's events spoiled the group: each on its own, until an error that is not its own
      for (const [i, p] of group.entries()) {
        try {
          await this.write(p.events);
          p.resolve(1);
        } catch (own) {
          p.reject(own);
          if (!refusedInput(own)) {
            for (const rest of group.slice(i + 1)) rest.reject(own);
            return undefined;
          }
        }
      }
      return undefined;
    }
  }

  private async write(events: Array<Record<string, unknown>>): Promise<number> {
    const rows = await this.pool`select sms_monitor.record_sms_message_events(${this.pool.json(events as never)}) as n`;
    return Number(rows[0]?.n ?? 0);
  }
}
