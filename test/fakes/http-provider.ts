// Fake Slack and PagerDuty: real HTTP servers on 127.0.0.1 that record every request and answer
// like the real services (validation included), or as scripted (429, 500, 400, hang).
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  raw: string;
  body: any;
  receivedAt: number;
  /** The status this fake answered with (undefined while it has not answered, or for a hang). */
  status?: number;
  answeredAt?: number;
  /** When the client closed the connection of a request this fake never answered (a hang). */
  closedAt?: number;
}

export interface ScriptedResponse {
  status?: number;
  body?: string;
  headers?: Record<string, string>;
  /** Never answer (the socket stays open until the server closes). */
  hang?: boolean;
  /** Answer after this many milliseconds. */
  delayMs?: number;
}

type Responder = (req: RecordedRequest) => ScriptedResponse;

export class FakeProvider {
  readonly requests: RecordedRequest[] = [];
  private readonly script: ScriptedResponse[] = [];
  private waiters: Array<{ n: number; resolve: () => void }> = [];
  private constructor(private readonly server: http.Server, readonly baseUrl: string, private readonly respond: Responder) {}

  static async start(respond: Responder): Promise<FakeProvider> {
    let self: FakeProvider | undefined;
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => self!.handle(req, res, Buffer.concat(chunks).toString('utf8')));
    });
    server.keepAliveTimeout = 1000;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    self = new FakeProvider(server, `http://127.0.0.1:${port}`, respond);
    return self;
  }

  /** The next requests get these answers, in order (then the default answer again). */
  enqueue(...responses: ScriptedResponse[]): void {
    this.script.push(...responses);
  }

  /**
   * A storm or an outage counted in requests, not in time (so a test's outcome does not depend on
   * machine speed): the next n requests get `response` (e.g. 429 with Retry-After: 1, or 503).
   */
  storm(n: number, response: ScriptedResponse): void {
    for (let i = 0; i < n; i++) this.script.push({ ...response });
  }

  /** Ends a storm: the scripted answers still to come are dropped. */
  calm(): void {
    this.script.length = 0;
  }

  /** How many scripted answers are still to come (0: the storm is over). */
  get scripted(): number {
    return this.script.length;
  }

  /** Requests this fake accepted (answered 2xx). */
  accepted(): RecordedRequest[] {
    return this.requests.filter((r) => r.status !== undefined && r.status >= 200 && r.status < 300);
  }

  /** Resolves once n requests in total have arrived; rejects after timeoutMs. */
  waitForRequests(n: number, timeoutMs = 15_000): Promise<RecordedRequest[]> {
    if (this.requests.length >= n) return Promise.resolve(this.requests.slice());
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`fake provider: ${this.requests.length} of ${n} requests after ${timeoutMs} ms`)), timeoutMs);
      this.waiters.push({ n, resolve: () => { clearTimeout(t); resolve(this.requests.slice()); } });
    });
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse, raw: string): void {
    let body: unknown = null;
    try { body = JSON.parse(raw); } catch { body = null; }
    const rec: RecordedRequest = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, raw, body, receivedAt: Date.now() };
    this.requests.push(rec);
    const ready = this.waiters.filter((w) => this.requests.length >= w.n);
    this.waiters = this.waiters.filter((w) => this.requests.length < w.n);
    const answer = this.script.shift() ?? this.respond(rec);
    for (const w of ready) w.resolve();
    if (answer.hang) {
      res.on('close', () => { rec.closedAt = Date.now(); });
      return;
    }
    const send = () => {
      if (res.destroyed) return;
      rec.status = answer.status ?? 200;
      rec.answeredAt = Date.now();
      res.writeHead(answer.status ?? 200, { 'content-type': 'text/plain', ...answer.headers });
      res.end(answer.body ?? '');
    };
    if (answer.delayMs) setTimeout(send, answer.delayMs);
    else send();
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** A fake Slack incoming webhook at /services/T000/B000/<token>: 200 "ok", like Slack. */
export async function fakeSlack(token = 'fakeSlackToken0123456789ab'): Promise<FakeProvider & { webhookUrl: string }> {
  const path = `/services/T0FAKE/B0FAKE/${token}`;
  const fake = await FakeProvider.start((req) => {
    if (req.method !== 'POST' || req.path !== path) return { status: 404, body: 'no_service' };
    if (!req.body || typeof req.body !== 'object') return { status: 400, body: 'invalid_payload' };
    if (typeof req.body.text !== 'string' || req.body.text === '') return { status: 400, body: 'no_text' };
    return { status: 200, body: 'ok' };
  });
  return Object.assign(fake, { webhookUrl: `${fake.baseUrl}${path}` });
}

/** A fake PagerDuty Events v2 endpoint at /v2/enqueue with PagerDuty's validation and answers. */
export async function fakePagerDuty(): Promise<FakeProvider & { eventsUrl: string }> {
  const fake = await FakeProvider.start((req) => {
    const json = (status: number, obj: unknown) => ({ status, body: JSON.stringify(obj), headers: { 'content-type': 'application/json' } });
    if (req.method !== 'POST' || req.path !== '/v2/enqueue') return json(404, { status: 'not found' });
    const e = req.body;
    const errors: string[] = [];
    if (!e || typeof e !== 'object') errors.push('Event object is invalid');
    else {
      if (typeof e.routing_key !== 'string' || e.routing_key.length !== 32) errors.push("'routing_key' is invalid");
      if (!['trigger', 'acknowledge', 'resolve'].includes(e.event_action)) errors.push("'event_action' is invalid");
      if (e.event_action !== 'trigger' && !e.dedup_key) errors.push("'dedup_key' is missing");
      if (e.dedup_key !== undefined && (typeof e.dedup_key !== 'string' || e.dedup_key.length > 255)) errors.push("'dedup_key' is invalid");
      if (e.event_action === 'trigger') {
        const p = e.payload;
        if (!p || typeof p.summary !== 'string' || p.summary.length === 0) errors.push("'payload.summary' is missing");
        else if (p.summary.length > 1024) errors.push("'payload.summary' is too long");
        if (!p || typeof p.source !== 'string' || !p.source) errors.push("'payload.source' is missing");
        if (!p || !['critical', 'error', 'warning', 'info'].includes(p.severity)) errors.push("'payload.severity' is invalid");
      }
    }
    if (errors.length) return json(400, { status: 'invalid event', message: 'Event object is invalid', errors });
    return json(202, { status: 'success', message: 'Event processed', dedup_key: e.dedup_key ?? 'generated' });
  });
  return Object.assign(fake, { eventsUrl: `${fake.baseUrl}/v2/enqueue` });
}
