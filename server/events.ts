// The live feed behind the dashboard: one LISTEN on the outbox's NOTIFY channel fanned out to every
// open event stream as `event: change`. Any database login may pg_notify that channel (PUBLIC can
// execute pg_notify), so a NOTIFY is only a hint: the hub then reads a fingerprint of the incidents
// from the database (as sms_monitor_reader, at most one read at a time, bursts coalesced into one
// read) and sends `change` only when the fingerprint moved. A payload is never forwarded, and the
// notifier's liveness pings (which change nothing) never reach a browser. The events carry no
// figures: the page refetches through the authorized endpoints.
//
// Bounds: at most limits.streamsPerToken streams per token (429) and limits.streamsTotal in all
// (503); a stream ends with `event: expired` when its token expires; a reader that lets more than
// limits.streamBufferBytes pile up unread is dropped. A comment line every heartbeat keeps
// proxies from closing idle streams. HEAD answers with the stream's headers and no body.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type pino from 'pino';
import { type Claims, tokenKey } from './auth.ts';
import { asRole, type Pool } from './db.ts';
import { HttpError, RETRY_AFTER_SECONDS } from './errors.ts';
import type { Limits } from './limits.ts';
import { OUTBOX_NOTIFY_CHANNEL } from '../client/generated/enums.ts';

const CHANNEL = OUTBOX_NOTIFY_CHANNEL;
/** Bursts of hints within this window make one read. */
const COALESCE_MS = 200;
const MAX_TIMER_MS = 2 ** 31 - 1;

/** What a browser would want to know changed: incidents opened, repeated, acknowledged, resolved, delivered. */
const FINGERPRINT = `
  select md5(concat_ws('/', count(*), max(created_at), max(resolved_at), max(acknowledged_at), max(last_notified_at),
           sum(repeat_count), string_agg(id::text || notification_status::text, ',' order by id) filter (where resolved_at is null)
         )) as v
    from sms_monitor.sms_alert_history`;

interface Stream {
  reply: FastifyReply;
  key: string;
  timer: NodeJS.Timeout | null;
}

const READER = { role: 'sms_monitor_reader' } as Claims;

export class EventHub {
  private readonly streams = new Set<Stream>();
  private readonly perToken = new Map<string, number>();
  private heartbeat: NodeJS.Timeout | null = null;
  private unlisten: (() => Promise<void>) | null = null;
  private seq = 0;
  private fingerprint: string | null = null;
  private pending: NodeJS.Timeout | null = null;
  private reading = false;
  private again = false;
  /** Hints handled so far, each with one read of the fingerprint (a test counts them to see bursts coalesced). */
  checks = 0;

  constructor(private readonly pool: Pool, private readonly log: pino.Logger, private readonly limits: Limits,
    private readonly heartbeatMs: number) {}

  async start(): Promise<void> {
    this.fingerprint = await this.read().catch(() => null);
    const sub = await this.pool.listen(CHANNEL, () => this.hint(), () => this.hint());
    this.unlisten = sub.unlisten;
    this.heartbeat = setInterval(() => {
      for (const s of this.streams) this.write(s, ': keep-alive\n\n');
    }, this.heartbeatMs);
    this.heartbeat.unref();
  }

  get size(): number {
    return this.streams.size;
  }

  async attach(request: FastifyRequest, reply: FastifyReply, claims: Claims): Promise<FastifyReply | void> {
    const headers = {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-request-id': request.id,
      'x-accel-buffering': 'no',
    };
    if (request.method === 'HEAD') return reply.status(200).headers(headers).send();
    const key = tokenKey(request.headers.authorization);
    if ((this.perToken.get(key) ?? 0) >= this.limits.streamsPerToken) {
      throw new HttpError(429, 'too_many_streams', `events: at most ${this.limits.streamsPerToken} open streams per token`, RETRY_AFTER_SECONDS);
    }
    if (this.streams.size >= this.limits.streamsTotal) {
      throw new HttpError(503, 'too_many_streams', `events: the server has its ${this.limits.streamsTotal} streams open; retry later`, RETRY_AFTER_SECONDS);
    }
    reply.hijack();
    reply.raw.writeHead(200, { ...headers, connection: 'keep-alive' });
    const stream: Stream = { reply, key, timer: null };
    this.streams.add(stream);
    this.perToken.set(key, (this.perToken.get(key) ?? 0) + 1);
    reply.raw.write(`retry: 3000\nevent: ready\ndata: {"clients": ${this.streams.size}}\n\n`);
    const expireAt = (claims.exp ?? 0) * 1000;
    const arm = () => {
      const left = expireAt - Date.now();
      if (left <= 0) {
        this.write(stream, 'event: expired\ndata: {}\n\n');
        this.drop(stream, false);
        return;
      }
      stream.timer = setTimeout(arm, Math.min(left, MAX_TIMER_MS));
      stream.timer.unref();
    };
    arm();
    reply.raw.on('close', () => this.drop(stream, true));
  }

  /** A NOTIFY arrived (or the LISTEN reconnected): read the truth soon, once per burst. */
  private hint(): void {
    if (this.pending) return;
    this.pending = setTimeout(() => { this.pending = null; void this.check(); }, COALESCE_MS);
    this.pending.unref();
  }

  private async check(): Promise<void> {
    if (this.reading) { this.again = true; return; }
    this.reading = true;
    try {
      const v = await this.read();
      if (v !== this.fingerprint) {
        this.fingerprint = v;
        this.broadcast();
      }
    } catch (error) {
      this.log.warn({ err: { message: (error as Error).message } }, 'events: could not read what changed');
    } finally {
      this.checks += 1;
      this.reading = false;
      if (this.again) { this.again = false; this.hint(); }
    }
  }

  /** No hint waiting and no read under way. */
  get idle(): boolean {
    return !this.pending && !this.reading;
  }

  private async read(): Promise<string> {
    return asRole(this.pool, READER, { statementTimeoutMs: this.limits.statementTimeoutMs },
      async (tx, track) => String((await track(tx.unsafe(FINGERPRINT)))[0]?.v));
  }

  private broadcast(): void {
    this.seq += 1;
    for (const s of this.streams) this.write(s, `id: ${this.seq}\nevent: change\ndata: {"seq": ${this.seq}}\n\n`);
    this.log.debug({ clients: this.streams.size }, 'event broadcast');
  }

  /** Writes unless the reader has let too much pile up unread: then it is dropped. */
  private write(s: Stream, text: string): void {
    if (s.reply.raw.writableLength + text.length > this.limits.streamBufferBytes) {
      this.log.info({ queued: s.reply.raw.writableLength }, 'events: dropping a stream whose reader does not read');
      this.drop(s, true);
      return;
    }
    s.reply.raw.write(text);
  }

  private drop(s: Stream, destroy: boolean): void {
    if (!this.streams.delete(s)) return;
    if (s.timer) clearTimeout(s.timer);
    const n = (this.perToken.get(s.key) ?? 1) - 1;
    if (n > 0) this.perToken.set(s.key, n); else this.perToken.delete(s.key);
    if (destroy) s.reply.raw.destroy(); else s.reply.raw.end();
  }

  /** Ends every stream (on shutdown, so the server can close). */
  close(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    if (this.pending) clearTimeout(this.pending);
    for (const s of [...this.streams]) this.drop(s, false);
    void this.unlisten?.().catch((error: unknown) => this.log.debug({ err: { message: (error as Error).message } }, 'events: unlisten failed'));
  }
}
