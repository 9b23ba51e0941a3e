// Recording: one record* method per SMS pipeline event, written at once or through the
// in-memory buffer (buffer.ts). Bad arguments give a rejected promise, never a synchronous throw.
import { MetricBuffer } from './buffer.ts';
import { SmsMonitorError, toSmsMonitorError } from './errors.ts';
import { jsonText, type SmsMonitorConnection } from './core.ts';
import type { Json } from './generated/functions.ts';
import type { ClientStats, ErrorContext, MetricType, RecordOptions, SmsMonitorOptions } from './types.ts';
import { ev, id, text, type Event } from './validate.ts';
import { SmsMonitorValidationError } from './errors.ts';

/** monitor.record: one method per SMS pipeline event, written at once or buffered. */
export class SmsMonitorRecorder {
  private readonly strict: boolean;
  private readonly onError: SmsMonitorOptions['onError'];
  private readonly buffer: MetricBuffer | null;
  private counters = { writeErrors: 0, writes: 0 };

  constructor(private readonly conn: SmsMonitorConnection, options: SmsMonitorOptions = {}) {
    this.strict = options.strict ?? false;
    this.onError = options.onError;
    if (options.buffered) {
      const opts = options.buffered === true ? {} : options.buffered;
      this.buffer = new MetricBuffer(
        (json, _events, batchId) => this.writeBatch(json, batchId),
        (error, operation) => this.report(toSmsMonitorError(error), operation as ErrorContext['operation']),
        (n) => new SmsMonitorError(
          `buffer full (maxBufferedKeys ${opts.maxBufferedKeys ?? 200_000}): ${n} events dropped since the last report`,
          'BUFFER_FULL'),
        opts,
      );
    } else {
      this.buffer = null;
    }
  }

  /** Counters: failed and successful writes, and the buffer's figures. */
  stats(): ClientStats {
    const buffer = this.buffer?.stats() ?? null;
    return { writeErrors: this.counters.writeErrors, writes: this.counters.writes + (buffer?.flushed ?? 0), buffer };
  }

  // ---- recording: one method per pipeline event ---------------------------------------------

  // Each method validates inside write(): bad arguments (and a closed client) give a rejected
  // promise, never a synchronous throw into the caller's SMS code (see write()).

  scheduled(userId: string, count: number): Promise<void> {
    return this.write(() => [ev('scheduled_count', userId, count, 'count')], true);
  }

  sent(userId: string, messageId: string, providerSid?: string): Promise<void> {
    return this.write(() => {
      const metadata: Record<string, unknown> = { last_message_id: id('messageId', messageId) };
      if (providerSid !== undefined) metadata.last_provider_sid = id('providerSid', providerSid);
      return [ev('sent_count', userId, 1, 'value', undefined, metadata)];
    });
  }

  /** delivered_count + 1 and, when given, one avg_delivery_time_ms sample (atomic together). */
  delivered(userId: string, messageId: string, deliveryTimeMs?: number | null): Promise<void> {
    return this.write(() => {
      const metadata = { last_message_id: id('messageId', messageId) };
      const events = [ev('delivered_count', userId, 1, 'value', undefined, metadata)];
      if (deliveryTimeMs !== undefined && deliveryTimeMs !== null) {
        events.push(ev('avg_delivery_time_ms', userId, deliveryTimeMs, 'deliveryTimeMs'));
      }
      return events;
    });
  }

  failed(userId: string, messageId: string, error: string | Error): Promise<void> {
    return this.write(() => {
      const message = error instanceof Error ? error.message : text('error', error);
      return [ev('failed_count', userId, 1, 'value', undefined, {
        last_message_id: id('messageId', messageId), last_error: message.slice(0, 500),
      })];
    });
  }

  cancelled(userId: string, messageId: string, reason?: string): Promise<void> {
    return this.write(() => {
      const metadata: Record<string, unknown> = { last_message_id: id('messageId', messageId) };
      if (reason !== undefined) metadata.last_cancel_reason = text('reason', reason).slice(0, 500);
      return [ev('cancelled_count', userId, 1, 'value', undefined, metadata)];
    });
  }

  /** llm_success_count or template_fallback_count + 1, plus llm_cost_usd and one avg_generation_time_ms sample when given. */
  llmGeneration(userId: string, via: 'llm' | 'template', costUsd?: number | null,
    generationTimeMs?: number | null): Promise<void> {
    return this.write(() => {
      if (via !== 'llm' && via !== 'template') {
        throw new SmsMonitorValidationError('via', `must be 'llm' or 'template' (got ${JSON.stringify(via)})`);
      }
      const events = [ev(via === 'llm' ? 'llm_success_count' : 'template_fallback_count', userId, 1, 'value')];
      if (costUsd !== undefined && costUsd !== null) events.push(ev('llm_cost_usd', userId, costUsd, 'costUsd'));
      if (generationTimeMs !== undefined && generationTimeMs !== null) {
        events.push(ev('avg_generation_time_ms', userId, generationTimeMs, 'generationTimeMs'));
      }
      return events;
    });
  }

  optOut(userId: string): Promise<void> {
    return this.write(() => [ev('opt_out_count', userId, 1, 'value')]);
  }

  quietHoursSkip(userId: string, count: number): Promise<void> {
    return this.write(() => [ev('quiet_hours_skip_count', userId, count, 'count')], true);
  }

  dailyLimitHit(userId: string): Promise<void> {
    return this.write(() => [ev('daily_limit_hit_count', userId, 1, 'value')]);
  }

  smsCost(userId: string, usd: number): Promise<void> {
    return this.write(() => [ev('sms_cost_usd', userId, usd, 'usd')]);
  }

  /** Any recordable metric type; `userId` omitted or null = system-wide. */
  event(type: MetricType, options: RecordOptions = {}): Promise<void> {
    return this.write(() => {
      if (options === null || typeof options !== 'object') {
        throw new SmsMonitorValidationError('options', 'must be an object { userId?, value?, at?, metadata? }');
      }
      return [ev(type, options.userId ?? null, options.value ?? 1, 'value', options.at, options.metadata, true)];
    });
  }

  /** Writes everything buffered now. Rejects (typed) if the write fails; the data stays buffered. */
  async flush(): Promise<void> {
    if (!this.buffer) return;
    try {
      await this.buffer.flush();
    } catch (error) {
      throw toSmsMonitorError(error);
    }
  }

  /** Drains the buffer, then ends the pool if this client opened it (never one it was given). */
  async close(): Promise<void> {
    if (this.conn.closed) return;
    this.conn.closed = true;
    let failure: unknown = null;
    if (this.buffer) {
      try {
        await this.buffer.close();
      } catch (error) {
        failure = error;
      }
    }
    await this.conn.endPool();
    if (failure) {
      const e = toSmsMonitorError(failure);
      throw new SmsMonitorError(
        `close: ${this.buffer?.stats().pending ?? 0} buffered events could not be written: ${e.message}`, e.code, e);
    }
  }

  /**
   * A record call: builds (validates) its events, then writes or buffers them. Bad arguments and a
   * closed client never throw synchronously: they give a rejected promise, before any round trip.
   * Not strict: the error also goes to onError and writeErrors, and the promise is marked handled,
   * so a fire-and-forget call cannot become an unhandledRejection that ends the process (a caller's
   * .catch() or await still sees the rejection). Strict: only the rejection.
   */
  private write(build: () => Event[], skipZero = false): Promise<void> {
    let events: Event[];
    try {
      this.conn.assertOpen();
      events = build();
    } catch (error) {
      const e = toSmsMonitorError(error);
      const rejected = Promise.reject(e);
      if (!this.strict) {
        this.report(e, 'record');
        rejected.catch(() => {});
      }
      return rejected;
    }
    if (skipZero && events.every((e) => e.value === 0)) return Promise.resolve();
    if (this.buffer) {
      const now = Date.now();
      for (const e of events) this.buffer.add(e.type, e.user, e.value, e.at ?? now, e.metadata);
      return Promise.resolve();
    }
    return this.direct(events).then(
      () => { this.counters.writes += events.length; },
      (error: unknown) => {
        const e = toSmsMonitorError(error);
        this.report(e, 'record');
        if (this.strict) throw e;
      },
    );
  }

  private async direct(events: Event[]): Promise<void> {
    if (events.length === 1) {
      const e = events[0]!;
      // p_occurred_at omitted: the database's now(); the value as text keeps every digit
      await this.conn.rpc('record_sms_event', {
        p_metric_type: e.type, p_user_id: e.user, p_value: String(e.value),
        p_occurred_at: e.at === null ? undefined : new Date(e.at), p_metadata: (e.metadata ?? {}) as Json,
      });
      return;
    }
    const batch = events.map((e) => ({
      metric_type: e.type,
      user_id: e.user,
      value: e.value,
      ...(e.at === null ? {} : { occurred_at: new Date(e.at).toISOString() }),
      ...(e.metadata ? { metadata: e.metadata } : {}),
    }));
    await this.conn.rpc('record_sms_events', { p_events: batch as Json });
  }

  /** One buffered batch; the same batchId on every retry makes it count once (record_sms_events p_batch_id). */
  private async writeBatch(json: string, batchId: string): Promise<void> {
    try {
      await this.conn.call('record_sms_events', { p_events: jsonText(json), p_batch_id: batchId });
    } catch (error) {
      this.counters.writeErrors++;
      throw toSmsMonitorError(error);
    }
  }

  private report(error: SmsMonitorError, operation: ErrorContext['operation']): void {
    if (operation === 'record') this.counters.writeErrors++;
    if (!this.onError) return;
    try {
      this.onError(error, { operation });
    } catch {
      // A throwing hook must not turn a metrics problem into an application failure.
    }
  }
}
