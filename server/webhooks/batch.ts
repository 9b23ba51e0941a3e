// Group commit for webhook requests: requests arriving together are written as one
// record_sms_message_events call, instead of one transaction each.
// No timer: a request is written at once when fewer than `maxInFlight` writes are under way;
// otherwise it waits in the queue, and when a write finishes every request queued meanwhile
// (up to `maxRequests`) goes into the next one. So an idle server adds no latency, and under load
// the batches grow by themselves with the commit time.
// A write is one statement, one round trip: the connections of the writer pool (writerPool) are
// sms_monitor_writer with the statement timeout from their start, so the call runs as its own
// transaction without a BEGIN, SET and COMMIT of its own.
// Each request's promise settles only after the statement holding its events committed (or
// failed), so nothing answered 2xx is lost. When a batch of several requests fails (one request's
// bad event raises 22023 and the function writes nothing, or anything else), each request is
// written again on its own: its own result or its own error, with the event index of its own
// array; the other requests' events are not refused because of it.
import postgres from 'postgres';

/** The role webhook requests write as, once their signature holds. */
const WRITER_ROLE = 'sms_monitor_writer';

export type WriterPool = postgres.Sql<Record<string, postgres.PostgresType>>;

/**
 * Connections for webhook writes only: databaseUrl's LOGIN role (a member of
 * sms_monitor_authenticator) switched to sms_monitor_writer at connection start, with the
 * statement timeout, for as long as the connection lives.
 */
export function writerPool(databaseUrl: string, statementTimeoutMs: number, max: number): WriterPool {
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
  /** Writes under way at once (default 2). */
  maxInFlight?: number;
  /** Requests in one write at most (default 256). */
  maxRequests?: number;
}

export class EventBatcher {
  private readonly queue: Pending[] = [];
  private inFlight = 0;
  private readonly maxInFlight: number;
  private readonly maxRequests: number;

  constructor(private readonly pool: WriterPool, options: BatcherOptions = {}) {
    this.maxInFlight = options.maxInFlight ?? 2;
    this.maxRequests = options.maxRequests ?? 256;
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
      await this.write(batch.length === 1 ? batch[0]!.events : batch.flatMap((p) => p.events));
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

  private async write(events: Array<Record<string, unknown>>): Promise<number> {
    const rows = await this.pool`select sms_monitor.record_sms_message_events(${this.pool.json(events as never)}) as n`;
    return Number(rows[0]?.n ?? 0);
  }
}
