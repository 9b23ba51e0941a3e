// Group commit for webhook requests: requests arriving together are written as one
// record_sms_message_events call in one transaction, instead of one transaction each.
// No timer: a request is written at once when fewer than `maxInFlight` writes are under way;
// otherwise it waits in the queue, and when a write finishes every request queued meanwhile
// (up to `maxRequests`) goes into the next one. So an idle server adds no latency, and under load
// the batches grow by themselves with the commit time.
// Each request's promise settles only after the transaction holding its events committed (or
// failed), so nothing answered 2xx is lost. When a batch of several requests fails (one request's
// bad event raises 22023 and the function writes nothing, or anything else), each request is
// written again on its own: its own result or its own error, with the event index of its own
// array; the other requests' events are not refused because of it.
import type { Pool } from '../db.ts';

/** The role webhook requests write as, once their signature holds. */
const WRITER_ROLE = 'sms_monitor_writer';

interface Pending {
  events: Array<Record<string, unknown>>;
  resolve: (batchSize: number) => void;
  reject: (error: unknown) => void;
}

export interface BatcherOptions {
  statementTimeoutMs: number;
  /** Writes under way at once (connections of the pool they take; default 4). */
  maxInFlight?: number;
  /** Requests in one write at most (default 256). */
  maxRequests?: number;
}

export class EventBatcher {
  private readonly queue: Pending[] = [];
  private inFlight = 0;
  private readonly maxInFlight: number;
  private readonly maxRequests: number;

  constructor(private readonly pool: Pool, private readonly options: BatcherOptions) {
    this.maxInFlight = options.maxInFlight ?? 4;
    this.maxRequests = options.maxRequests ?? 256;
  }

  /**
   * Records one request's events; resolves with the number of requests its transaction held
   * once that transaction committed, rejects with the database's error for this request's events.
   */
  record(events: Array<Record<string, unknown>>): Promise<number> {
    if (events.length === 0) return Promise.resolve(0);
    return new Promise((resolve, reject) => {
      this.queue.push({ events, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.inFlight < this.maxInFlight && this.queue.length > 0) {
      const batch = this.queue.splice(0, this.maxRequests);
      this.inFlight++;
      void this.flush(batch).finally(() => {
        this.inFlight--;
        this.pump();
      });
    }
  }

  private async flush(batch: Pending[]): Promise<void> {
    try {
      await this.write(batch.flatMap((p) => p.events));
      for (const p of batch) p.resolve(batch.length);
    } catch (error) {
      if (batch.length === 1) {
        batch[0]!.reject(error);
        return;
      }
      // one request's events spoiled the batch (or the batch met a conflict): each on its own
      await Promise.all(batch.map(async (p) => {
        try {
          await this.write(p.events);
          p.resolve(1);
        } catch (own) {
          p.reject(own);
        }
      }));
    }
  }

  private write(events: Array<Record<string, unknown>>): Promise<number> {
    const timeout = String(this.options.statementTimeoutMs);
    return this.pool.begin(async (tx) => {
      const [, rows] = await Promise.all([
        tx`select set_config('role', ${WRITER_ROLE}, true), set_config('statement_timeout', ${timeout}, true)`,
        tx`select sms_monitor.record_sms_message_events(${tx.json(events as never)}) as n`,
      ]);
      return Number(rows[0]?.n ?? 0);
    }) as Promise<number>;
  }
}
