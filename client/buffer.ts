// The buffered recorder: increments aggregate in memory per (time slice, user, metric type) and are
// written with record_sms_events on an interval, when the buffer reaches its key limit, and on
// flush()/close(). A failed write puts its data back and retries with exponential backoff; memory
// is bounded by maxBufferedKeys, counted in wire elements: one per counter/sum key, one per timing
// sample (what is past it is dropped, counted and reported). A flush builds and sends one batch
// (at most maxBatchEvents elements) at a time, never the whole buffer's JSON at once.
//
// Time slices are 15 minutes long, taken at record time. Every IANA zone in use today has an
// offset that is a whole multiple of 15 minutes, so a slice lies inside exactly one hour of the
// reporting timezone, whatever settings.reporting_timezone says: the database buckets the slice's
// start into the same (date, hour) it would have bucketed each event into. A reporting hour
// therefore collects at most four keys per (user, type); the database sums them into one row.
//
// Timings stay true means: a key of avg_*_ms keeps its sum and its sample count; record_sms_events
// counts one sample per element, so the flush sends the sum in the first element and one
// zero-valued element per further sample (sum and sample_count land exactly; see docs/client.md).
//
// Exactly once: every batch gets a random batch id (record_sms_events' p_batch_id). A batch whose
// write fails is kept as it is, JSON and id, and is the first thing the next flush sends, so a batch
// the database committed but whose reply was lost (a cut connection) is not recorded twice: the
// database answers the repeated id with the first result. Only the keys no batch took yet go back
// into the map. A batch the database refuses for its content (SQLSTATE 22023: it would never be
// accepted) is dropped and counted in `dropped` instead of blocking every later batch.
//
// Sums are kept exactly to 9 decimal places (whole part + integer billionths), never as a float
// sum, so 1,000 x 0.0012 USD is 1.2 in the database, not 1.2000000000000002. Each value is rounded
// to 9 decimal places when added (documented; unbuffered writes store the value as given).

import { randomUUID } from 'node:crypto';
import { BOUNDS } from './bounds.ts';
import {
  boundedJson, decimal, elementsOf, isTiming, keyOf, NANO, positive, SLICE_MS, type Entry,
} from './buffer-entry.ts';

export interface BufferOptions {
  /** Write what is buffered this often (ms). Default 1000. */
  flushIntervalMs?: number;
  /** Start a write as soon as this many elements (keys, plus timing samples) are buffered. Default 10,000. */
  maxKeys?: number;
  /**
   * Hard memory bound, in elements: each counter or sum key is one, each timing sample is one (a
   * timing key is sent as one element per sample). Includes data waiting for a retry. Default 200,000.
   */
  maxBufferedKeys?: number;
  /** Elements per record_sms_events call (the function accepts at most 100,000). Default 20,000. */
  maxBatchEvents?: number;
  /** First retry delay after a failed write (ms), doubled per failure. Default 250. */
  retryBaseMs?: number;
  /** Longest retry delay (ms). Default 30,000. */
  retryMaxMs?: number;
}

export interface BufferStats {
  /** Events accepted into the buffer since start. */
  accepted: number;
  /** Events durably written (their batch committed). */
  flushed: number;
  /** Events dropped: the buffer was full (maxBufferedKeys elements), or the database refused their batch's content (22023). */
  dropped: number;
  /** Events in memory, waiting to be written (those of a write under way included). */
  pending: number;
  /** Keys in memory. */
  pendingKeys: number;
  /** Writes that failed (their data was kept and retried). */
  failedFlushes: number;
  /** Successful record_sms_events calls. */
  batches: number;
}

export type WriteBatch = (json: string, events: number, batchId: string) => Promise<void>;

interface Batch { json: string; elements: number; events: number; entries: Entry[]; id: string }

/** What a flush has not yet put into a batch: the rest of a split timing key, then the taken keys. */
interface Cursor { carry: Entry | null; rest: Iterator<Entry> }

export class MetricBuffer {
  readonly flushIntervalMs: number;
  readonly maxKeys: number;
  readonly maxBufferedKeys: number;
  readonly maxBatchEvents: number;
  readonly retryBaseMs: number;
  readonly retryMaxMs: number;

  private entries = new Map<string, Entry>();
  private pendingEvents = 0;
  private inFlight = 0; // events taken by the write under way, not yet written, dropped or put back
  /** Wire elements held: one per counter/sum key, one per timing sample (bounded by maxBufferedKeys). */
  private elements = 0;
  private stats_ = { accepted: 0, flushed: 0, dropped: 0, failedFlushes: 0, batches: 0 };
  private droppedReported = 0;
  private consecutiveFailures = 0;
  private retryAt = 0;
  private running: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private sizeFlushQueued = false;
  private lastSlice = -1;
  private lastSliceIso = '';
  /** A batch whose write failed: resent first, unchanged and with the same id. */
  private retryBatch: Batch | null = null;

  constructor(
    private readonly write: WriteBatch,
    private readonly report: (error: unknown, operation: string) => void,
    private readonly overflowError: (dropped: number) => Error,
    options: BufferOptions = {},
  ) {
    this.flushIntervalMs = positive('flushIntervalMs', options.flushIntervalMs ?? 1000);
    this.maxKeys = positive('maxKeys', options.maxKeys ?? 10_000);
    this.maxBufferedKeys = positive('maxBufferedKeys', options.maxBufferedKeys ?? 200_000);
    this.maxBatchEvents = positive('maxBatchEvents', Math.min(options.maxBatchEvents ?? 20_000, BOUNDS.maxBatchEvents));
    this.retryBaseMs = positive('retryBaseMs', options.retryBaseMs ?? 250);
    this.retryMaxMs = positive('retryMaxMs', options.retryMaxMs ?? 30_000);
    if (this.maxBufferedKeys < this.maxKeys) throw new RangeError('maxBufferedKeys: must be >= maxKeys');
    this.timer = setInterval(() => this.tick(), this.flushIntervalMs);
    this.timer.unref();
  }

  stats(): BufferStats {
    // keys of a batch held for its retry count too (once, if the map has the same key again)
    let held = 0;
    for (const e of this.retryBatch?.entries ?? []) if (!this.entries.has(keyOf(e))) held++;
    return { ...this.stats_, pending: this.pendingEvents + this.inFlight, pendingKeys: this.entries.size + held };
  }

  /** Adds one already-validated value. `at` in epoch ms. Returns false when it was dropped. */
  add(type: string, user: string | null, value: number, at: number, metadata: Record<string, unknown> | null): boolean {
    const slice = Math.floor(at / SLICE_MS);
    const key = `${slice}|${user ?? ''}|${type}`;
    let e = this.entries.get(key);
    this.stats_.accepted++;
    // A new key is one more element; so is every sample of a timing key (one element each on the wire).
    if (e === undefined || isTiming(type)) {
      if (this.elements >= this.maxBufferedKeys) {
        this.stats_.dropped++;
        return false;
      }
      this.elements++;
      if (this.elements >= this.maxKeys) this.queueSizeFlush();
    }
    if (e === undefined) {
      e = { type, user, slice, whole: 0, nanos: 0, samples: 0, metadata: null };
      this.entries.set(key, e);
    }
    if (Number.isInteger(value)) {
      e.whole += value;
    } else {
      const w = Math.trunc(value);
      e.whole += w;
      e.nanos += Math.round((value - w) * NANO);
      if (e.nanos >= NANO) {
        const carry = Math.floor(e.nanos / NANO);
        e.whole += carry;
        e.nanos -= carry * NANO;
      }
    }
    e.samples++;
    this.pendingEvents++;
    if (metadata !== null) {
      // Merged into the key's own object (later keys win); bounded when the batch is built.
      if (e.metadata === null) e.metadata = { ...metadata };
      else Object.assign(e.metadata, metadata);
    }
    return true;
  }

  /** Writes everything buffered now (waits for a write in progress first). Rejects if a write fails. */
  async flush(): Promise<void> {
    while (this.running) await this.running.catch(() => {});
    if (this.entries.size === 0 && this.retryBatch === null) return;
    await this.runOnce();
  }

  /** Stops the timer and drains. */
  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.flush();
    this.reportDropped();
  }

  private queueSizeFlush(): void {
    if (this.sizeFlushQueued) return;
    this.sizeFlushQueued = true;
    setImmediate(() => {
      this.sizeFlushQueued = false;
      if (!this.running && Date.now() >= this.retryAt && (this.entries.size > 0 || this.retryBatch !== null)) {
        this.runOnce().catch((error) => this.report(error, 'flush'));
      }
    });
  }

  private tick(): void {
    this.reportDropped();
    if (this.running || (this.entries.size === 0 && this.retryBatch === null) || Date.now() < this.retryAt) return;
    this.runOnce().catch((error) => this.report(error, 'flush'));
  }

  private reportDropped(): void {
    const dropped = this.stats_.dropped - this.droppedReported;
    if (dropped > 0) {
      this.droppedReported = this.stats_.dropped;
      this.report(this.overflowError(dropped), 'buffer');
    }
  }

  private runOnce(): Promise<void> {
    const p = this.writeAll().finally(() => { this.running = null; });
    this.running = p;
    return p;
  }

  private async writeAll(): Promise<void> {
    const taken = this.entries;
    this.entries = new Map();
    this.inFlight = this.pendingEvents; this.pendingEvents = 0;
    this.elements = 0;
    // The batch that failed last time goes first, as it was: same JSON, same id.
    const retry = this.retryBatch;
    this.retryBatch = null;
    // One batch is built, sent and released before the next is built: at most maxBatchEvents
    // elements of JSON exist at a time, whatever the buffer holds.
    const cursor: Cursor = { carry: null, rest: taken.values() };
    let batch: Batch | null = retry;
    try {
      if (batch === null) batch = this.nextBatch(cursor);
      while (batch !== null) {
        let written = true;
        try {
          await this.write(batch.json, batch.elements, batch.id);
        } catch (error) {
          if ((error as { code?: unknown }).code !== '22023') throw error;
          // refused for its content: it would be refused forever; drop it, keep the rest going
          written = false;
          this.stats_.dropped += batch.events;
          this.report(error, 'flush');
        }
        if (written) {
          this.stats_.flushed += batch.events;
          this.stats_.batches++;
        }
        this.inFlight = Math.max(0, this.inFlight - batch.events);
        batch = this.nextBatch(cursor);
      }
      this.consecutiveFailures = 0;
      this.retryAt = 0;
    } catch (error) {
      this.inFlight = 0; // what was taken goes back below, into pendingEvents
      // Keep the failed batch whole for the retry (it may have been committed: its id makes the
      // resend a no-op then); put back the keys no batch took yet; keys recorded meanwhile merge
      // with those.
      if (batch !== null) this.hold(batch);
      if (cursor.carry) this.restore(cursor.carry);
      for (let r = cursor.rest.next(); !r.done; r = cursor.rest.next()) this.restore(r.value);
      this.stats_.failedFlushes++;
      this.consecutiveFailures++;
      const delay = Math.min(this.retryMaxMs, this.retryBaseMs * 2 ** (this.consecutiveFailures - 1));
      this.retryAt = Date.now() + delay;
      const e = error as Error & { retryInMs?: number; pendingEvents?: number };
      try {
        e.retryInMs = delay;
        e.pendingEvents = this.pendingEvents;
      } catch { /* frozen error object */ }
      throw error;
    }
  }

  /** Keeps a failed batch for the next flush; it counts against maxBufferedKeys like its keys did. */
  private hold(batch: Batch): void {
    this.retryBatch = batch;
    this.elements += batch.elements;
    this.pendingEvents += batch.events;
  }

  /** Merges an entry back after a failed write (dropped and counted if there is no room). */
  private restore(old: Entry): void {
    const key = `${old.slice}|${old.user ?? ''}|${old.type}`;
    const cur = this.entries.get(key);
    const need = cur === undefined ? elementsOf(old) : isTiming(old.type) ? old.samples : 0;
    if (this.elements + need > this.maxBufferedKeys) {
      this.stats_.dropped += old.samples;
      return;
    }
    this.elements += need;
    if (cur === undefined) {
      this.entries.set(key, old);
    } else {
      cur.whole += old.whole;
      cur.nanos += old.nanos;
      if (cur.nanos >= NANO) {
        cur.whole += 1;
        cur.nanos -= NANO;
      }
      cur.samples += old.samples;
      cur.metadata = old.metadata && cur.metadata ? Object.assign(old.metadata, cur.metadata)
        : (cur.metadata ?? old.metadata);
    }
    this.pendingEvents += old.samples;
  }

  /** The next batch (at most maxBatchEvents elements) from the cursor, or null when it is exhausted. */
  private nextBatch(cursor: Cursor): Batch | null {
    const parts: string[] = [];
    const entries: Entry[] = [];
    let elements = 0;
    let events = 0;
    const add = (e: Entry, n: number) => {
      const head = `{"metric_type":"${e.type}","occurred_at":"${this.sliceIso(e.slice)}"${e.user === null ? '' : `,"user_id":"${e.user}"`}`;
      parts.push(`${head},"value":${decimal(e.whole, e.nanos)}${e.metadata ? `,"metadata":${boundedJson(e.metadata)}` : ''}}`);
      // One element per further timing sample: record_sms_events counts elements as samples.
      if (n > 1) parts.push(Array(n - 1).fill(`${head},"value":0}`).join(','));
      entries.push(e);
      elements += n;
      events += e.samples;
    };
    while (elements < this.maxBatchEvents) {
      let e = cursor.carry;
      cursor.carry = null;
      if (e === null) {
        const r = cursor.rest.next();
        if (r.done) break;
        e = r.value;
      }
      const n = elementsOf(e);
      if (elements + n <= this.maxBatchEvents) {
        add(e, n);
        continue;
      }
      // A timing key with more samples than this batch has room for: split it into parts that
      // partition its samples (the sum rides in the first part, the others add zeros).
      const room = this.maxBatchEvents - elements;
      if (room > 0 && isTiming(e.type)) {
        cursor.carry = { ...e, whole: 0, nanos: 0, samples: e.samples - room, metadata: null };
        add({ ...e, samples: room }, room);
      } else {
        cursor.carry = e;
      }
      break;
    }
    return entries.length === 0 ? null : { json: `[${parts.join(',')}]`, elements, events, entries, id: randomUUID() };
  }

  private sliceIso(slice: number): string {
    if (slice !== this.lastSlice) {
      this.lastSlice = slice;
      this.lastSliceIso = new Date(slice * SLICE_MS).toISOString();
    }
    return this.lastSliceIso;
  }
}
