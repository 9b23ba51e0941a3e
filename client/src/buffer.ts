// The buffered recorder: increments aggregate in memory per (time slice, user, metric type) and are
// written with record_sms_events on an interval, when the buffer reaches its key limit, and on
// flush()/close(). A failed write puts its data back and retries with exponential backoff; memory
// is bounded by maxBufferedKeys (new keys past it are dropped, counted and reported).
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
// Sums are kept exactly to 9 decimal places (whole part + integer billionths), never as a float
// sum, so 1,000 x 0.0012 USD is 1.2 in the database, not 1.2000000000000002.

const SLICE_MS = 15 * 60 * 1000;
const NANO = 1_000_000_000;

export interface BufferOptions {
  /** Write what is buffered this often (ms). Default 1000. */
  flushIntervalMs?: number;
  /** Start a write as soon as this many keys are buffered. Default 10,000. */
  maxKeys?: number;
  /** Hard memory bound: keys held (including data waiting for a retry). Default 200,000. */
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
  /** Events dropped because the buffer was full (maxBufferedKeys). */
  dropped: number;
  /** Events in memory, waiting to be written. */
  pending: number;
  /** Keys in memory. */
  pendingKeys: number;
  /** Writes that failed (their data was kept and retried). */
  failedFlushes: number;
  /** Successful record_sms_events calls. */
  batches: number;
}

interface Entry {
  type: string;
  user: string | null;
  slice: number;
  whole: number;
  nanos: number;
  samples: number;
  metadata: Record<string, unknown> | null;
}

export type WriteBatch = (json: string, events: number) => Promise<void>;

export class MetricBuffer {
  readonly flushIntervalMs: number;
  readonly maxKeys: number;
  readonly maxBufferedKeys: number;
  readonly maxBatchEvents: number;
  readonly retryBaseMs: number;
  readonly retryMaxMs: number;

  private entries = new Map<string, Entry>();
  private pendingEvents = 0;
  private stats_ = { accepted: 0, flushed: 0, dropped: 0, failedFlushes: 0, batches: 0 };
  private droppedReported = 0;
  private consecutiveFailures = 0;
  private retryAt = 0;
  private running: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private sizeFlushQueued = false;
  private lastSlice = -1;
  private lastSliceIso = '';

  constructor(
    private readonly write: WriteBatch,
    private readonly report: (error: unknown, operation: string) => void,
    private readonly overflowError: (dropped: number) => Error,
    options: BufferOptions = {},
  ) {
    this.flushIntervalMs = positive('flushIntervalMs', options.flushIntervalMs ?? 1000);
    this.maxKeys = positive('maxKeys', options.maxKeys ?? 10_000);
    this.maxBufferedKeys = positive('maxBufferedKeys', options.maxBufferedKeys ?? 200_000);
    this.maxBatchEvents = positive('maxBatchEvents', Math.min(options.maxBatchEvents ?? 20_000, 100_000));
    this.retryBaseMs = positive('retryBaseMs', options.retryBaseMs ?? 250);
    this.retryMaxMs = positive('retryMaxMs', options.retryMaxMs ?? 30_000);
    if (this.maxBufferedKeys < this.maxKeys) throw new RangeError('maxBufferedKeys: must be >= maxKeys');
    this.timer = setInterval(() => this.tick(), this.flushIntervalMs);
    this.timer.unref();
  }

  stats(): BufferStats {
    return { ...this.stats_, pending: this.pendingEvents, pendingKeys: this.entries.size };
  }

  /** Adds one already-validated value. `at` in epoch ms. Returns false when it was dropped. */
  add(type: string, user: string | null, value: number, at: number, metadata: Record<string, unknown> | null): boolean {
    const slice = Math.floor(at / SLICE_MS);
    const key = `${slice}|${user ?? ''}|${type}`;
    let e = this.entries.get(key);
    this.stats_.accepted++;
    if (e === undefined) {
      if (this.entries.size >= this.maxBufferedKeys) {
        this.stats_.dropped++;
        return false;
      }
      e = { type, user, slice, whole: 0, nanos: 0, samples: 0, metadata: null };
      this.entries.set(key, e);
      if (this.entries.size >= this.maxKeys) this.queueSizeFlush();
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
    if (this.entries.size === 0) return;
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
      if (!this.running && Date.now() >= this.retryAt && this.entries.size > 0) {
        this.runOnce().catch((error) => this.report(error, 'flush'));
      }
    });
  }

  private tick(): void {
    this.reportDropped();
    if (this.running || this.entries.size === 0 || Date.now() < this.retryAt) return;
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
    this.pendingEvents = 0;
    const batches = this.toBatches(taken);
    let done = 0;
    try {
      for (; done < batches.length; done++) {
        const b = batches[done]!;
        await this.write(b.json, b.elements);
        this.stats_.flushed += b.events;
        this.stats_.batches++;
      }
      this.consecutiveFailures = 0;
      this.retryAt = 0;
    } catch (error) {
      // Put back what was not written; keys recorded meanwhile merge with it.
      for (const b of batches.slice(done)) {
        for (const e of b.entries) this.restore(e);
      }
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

  /** Merges an entry back after a failed write (dropped and counted if there is no room). */
  private restore(old: Entry): void {
    const key = `${old.slice}|${old.user ?? ''}|${old.type}`;
    const cur = this.entries.get(key);
    if (cur === undefined) {
      if (this.entries.size >= this.maxBufferedKeys) {
        this.stats_.dropped += old.samples;
        return;
      }
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

  private toBatches(taken: Map<string, Entry>): Array<{ json: string; elements: number; events: number; entries: Entry[] }> {
    const out: Array<{ json: string; elements: number; events: number; entries: Entry[] }> = [];
    let parts: string[] = [];
    let entries: Entry[] = [];
    let elements = 0;
    let events = 0;
    const close = () => {
      if (entries.length === 0) return;
      out.push({ json: `[${parts.join(',')}]`, elements, events, entries });
      parts = [];
      entries = [];
      elements = 0;
      events = 0;
    };
    const add = (e: Entry, n: number) => {
      const head = `{"metric_type":"${e.type}","occurred_at":"${this.sliceIso(e.slice)}"${e.user === null ? '' : `,"user_id":"${e.user}"`}`;
      parts.push(`${head},"value":${decimal(e.whole, e.nanos)}${e.metadata ? `,"metadata":${boundedJson(e.metadata)}` : ''}}`);
      // One element per further timing sample: record_sms_events counts elements as samples.
      if (n > 1) parts.push(Array(n - 1).fill(`${head},"value":0}`).join(','));
      entries.push(e);
      elements += n;
      events += e.samples;
    };
    for (const e of taken.values()) {
      if (!isTiming(e.type)) {
        if (elements + 1 > this.maxBatchEvents) close();
        add(e, 1);
        continue;
      }
      // A timing key may hold more samples than one batch takes: split it into parts that
      // partition its samples (the sum rides in the first part, the others add zeros).
      let rest: Entry = e;
      while (elements + rest.samples > this.maxBatchEvents) {
        const room = this.maxBatchEvents - elements;
        if (room === 0) { close(); continue; }
        const part: Entry = { ...rest, samples: room };
        rest = { ...rest, whole: 0, nanos: 0, samples: rest.samples - room, metadata: null };
        add(part, room);
        close();
      }
      if (rest.samples > 0) add(rest, rest.samples);
    }
    close();
    return out;
  }

  private sliceIso(slice: number): string {
    if (slice !== this.lastSlice) {
      this.lastSlice = slice;
      this.lastSliceIso = new Date(slice * SLICE_MS).toISOString();
    }
    return this.lastSliceIso;
  }
}

function isTiming(type: string): boolean {
  return type === 'avg_delivery_time_ms' || type === 'avg_generation_time_ms';
}

function decimal(whole: number, nanos: number): string {
  if (nanos === 0) return String(whole);
  return `${whole}.${String(nanos).padStart(9, '0').replace(/0+$/, '')}`;
}

/**
 * A key's merged metadata as JSON, bounded like the database's (an element may carry at most 4096
 * bytes): past 4000 bytes, the keys that fit are kept and the object is marked _metadata_truncated.
 */
function boundedJson(metadata: Record<string, unknown>): string {
  const json = JSON.stringify(metadata);
  if (Buffer.byteLength(json) <= 4000) return json;
  const kept: Record<string, unknown> = { _metadata_truncated: true };
  for (const [k, v] of Object.entries(metadata)) {
    kept[k] = v;
    if (Buffer.byteLength(JSON.stringify(kept)) > 4000) {
      delete kept[k];
      break;
    }
  }
  return JSON.stringify(kept);
}

function positive(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) throw new RangeError(`${name}: must be a positive number (got ${value})`);
  return value;
}
