// The live feed behind the dashboard: one LISTEN on the outbox's NOTIFY channel (OUTBOX_NOTIFY_CHANNEL:
// an incident fired, repeated, was acknowledged or resolved) fanned out to every open event stream
// as `event: change`. The events carry only outbox ids, never figures: the page refetches through
// the authorized endpoints. A comment line every heartbeat keeps proxies from closing idle streams.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type pino from 'pino';
import type { Pool } from './db.ts';
import { OUTBOX_NOTIFY_CHANNEL } from '../client/generated/enums.ts';

export class EventHub {
  private readonly clients = new Set<FastifyReply>();
  private heartbeat: NodeJS.Timeout | null = null;
  private unlisten: (() => Promise<void>) | null = null;
  private seq = 0;

  constructor(private readonly pool: Pool, private readonly log: pino.Logger, private readonly heartbeatMs: number) {}

  async start(): Promise<void> {
    const sub = await this.pool.listen(OUTBOX_NOTIFY_CHANNEL, (payload) => this.broadcast('change', payload),
      () => this.broadcast('change', '"listening"'));
    this.unlisten = sub.unlisten;
    this.heartbeat = setInterval(() => {
      for (const c of this.clients) c.raw.write(': keep-alive\n\n');
    }, this.heartbeatMs);
    this.heartbeat.unref();
  }

  get size(): number {
    return this.clients.size;
  }

  attach(request: FastifyRequest, reply: FastifyReply): void {
    reply.hijack();
    reply.raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-request-id': request.id,
      'x-accel-buffering': 'no',
    });
    reply.raw.write(`retry: 3000\nevent: ready\ndata: {"clients": ${this.clients.size + 1}}\n\n`);
    this.clients.add(reply);
    request.raw.on('close', () => { this.clients.delete(reply); });
  }

  broadcast(event: string, payload: string): void {
    this.seq += 1;
    let data: string;
    try {
      data = JSON.stringify({ ids: JSON.parse(payload) });
    } catch {
      data = '{}';
    }
    for (const c of this.clients) c.raw.write(`id: ${this.seq}\nevent: ${event}\ndata: ${data}\n\n`);
    this.log.debug({ event, clients: this.clients.size }, 'event broadcast');
  }

  /** Ends every stream (on shutdown, so the server can close). */
  close(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    for (const c of this.clients) c.raw.end();
    this.clients.clear();
    void this.unlisten?.().catch(() => {});
  }
}
