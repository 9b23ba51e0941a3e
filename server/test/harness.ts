// The HTTP tests' harness: a real server (buildServer) on 127.0.0.1 and a random port, connected
// to a fresh database as a LOGIN role of its own that is a member of sms_monitor_authenticator
// (as in production), with its JSON log lines captured so tests can read them (debug level: the
// one line per successful request is among them).
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import pino from 'pino';
import postgres from 'postgres';
import { inject } from 'vitest';
import { buildServer, type SmsMonitorServer } from '../app.ts';
import type { Limits } from '../limits.ts';
import { signToken, type TokenRole } from '../auth.ts';
import { freshDatabase, type TestDatabase } from '../../test/db.ts';

export interface TestServer {
  db: TestDatabase;
  server: SmsMonitorServer;
  base: string;
  secret: string;
  /** The server's own login role (a member of sms_monitor_authenticator). */
  loginUrl: string;
  /** The captured log lines (JSON text), in order. */
  logs: string[];
  /** Every token handed out, to check that none reaches the log. */
  tokens: string[];
  token(role: 'admin' | 'reader' | 'self', sub?: string, ttlSeconds?: number): Promise<string>;
  request(method: string, path: string, options?: { token?: string | null; body?: unknown; headers?: Record<string, string> }): Promise<{ status: number; body: any; text: string; headers: Headers }>;
  close(): Promise<void>;
}

export async function startTestServer(options: { heartbeatMs?: number; limits?: Partial<Limits>; poolSize?: number } = {}): Promise<TestServer> {
  const db = await freshDatabase();
  const role = `sms_monitor_http_${randomBytes(5).toString('hex')}`;
  const password = randomBytes(18).toString('hex');
  const admin = postgres(inject('adminUrl'), { max: 1, onnotice: () => {} });
  await admin.unsafe(`create role ${role} login noinherit password '${password}' in role sms_monitor_authenticator`);
  await admin.end();
  const url = new URL(db.url);
  url.username = role;
  url.password = password;

  const logs: string[] = [];
  const sink = new Writable({ write(chunk, _enc, cb) { logs.push(...String(chunk).split('\n').filter(Boolean)); cb(); } });
  const logger = pino({ level: 'debug', base: { component: 'serve' }, redact: ['req.headers.authorization'] }, sink);
  const secret = randomBytes(32).toString('base64url');
  const server = await buildServer({ databaseUrl: url.toString(), jwtSecret: secret, logger, poolSize: options.poolSize ?? 4,
    heartbeatMs: options.heartbeatMs, limits: options.limits });
  const address = await server.app.listen({ host: '127.0.0.1', port: 0 });
  const tokens: string[] = [];
  const names = { admin: 'sms_monitor_admin', reader: 'sms_monitor_reader', self: 'sms_monitor_self' } as const;
  return {
    db, server, base: address, secret, logs, tokens, loginUrl: url.toString(),
    async token(r, sub, ttlSeconds = 3600) {
      const t = await signToken(secret, { role: names[r] as TokenRole, sub, ttlSeconds });
      tokens.push(t);
      return t;
    },
    async request(method, path, opts = {}) {
      const headers: Record<string, string> = { ...opts.headers };
      if (opts.token) headers.authorization = `Bearer ${opts.token}`;
      if (opts.body !== undefined) headers['content-type'] = 'application/json';
      const res = await fetch(address + path, { method, headers, body: opts.body === undefined ? undefined : JSON.stringify(opts.body) });
      const text = await res.text();
      let body: unknown = null;
      try { body = JSON.parse(text); } catch { body = null; }
      return { status: res.status, body, text, headers: res.headers };
    },
    async close() {
      await server.app.close();
      await db.drop();
      const a = postgres(inject('adminUrl'), { max: 1, onnotice: () => {} });
      await a.unsafe(`drop role if exists ${role}`);
      await a.end();
    },
  };
}
