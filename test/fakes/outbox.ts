// Test helpers for the notifier: incidents and outbox rows inserted directly (as the test
// superuser), waiting on row statuses with a deadline, and the notifier as a child process.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type postgres from 'postgres';
import { repoRoot } from '../../client/migrate.ts';
import type { NotificationEvent, NotificationPayload, Severity } from '../../notifier/types.ts';

export const ROUTING_KEY = 'R0UT1NGKEYabcdefghijklmnopqrstuv';

export interface Incident {
  id: string;
  alertType: string;
  payload(event: NotificationEvent): NotificationPayload;
}

/** A (resolved, so any number can coexist) incident of a seeded rule, and its payload snapshot. */
export async function insertIncident(sql: postgres.Sql, alertType = 'delivery_rate_critical', severity: Severity = 'critical'): Promise<Incident> {
  const id = randomUUID();
  await sql`
    insert into sms_monitor.sms_alert_history
      (id, alert_type, severity, metric, comparison, metric_value, threshold_value, recovery_value, window_minutes,
       sample_size, message, triggered_at, resolved_at, resolved_by)
    values (${id}, ${alertType}, ${severity}, 'delivery_rate', '<', 85.5, 90, 92, 60, 400,
       'Delivery rate 85.5 % is below 90 %', '2026-05-01T10:00:00Z', '2026-05-01T11:00:00Z', 'test')`;
  return {
    id,
    alertType,
    payload: (event) => ({
      alert_id: id, alert_type: alertType, event, severity, metric: 'delivery_rate', comparison: '<',
      metric_value: 85.5, threshold_value: 90, recovery_value: 92, window_minutes: 60, sample_size: 400,
      message: 'Delivery rate 85.5 % is below 90 %', description: null, triggered_at: '2026-05-01T10:00:00Z',
      resolved_at: event === 'resolve' ? '2026-05-01T11:00:00Z' : null, resolved_by: event === 'resolve' ? 'test' : null,
      acknowledged_at: event === 'acknowledge' ? '2026-05-01T10:10:00Z' : null, acknowledged_by: event === 'acknowledge' ? 'alice' : null,
      dedup_key: `sms-monitor/${alertType}/${id}`,
    }),
  };
}

/** Inserts outbox rows (one statement: one NOTIFY); returns their ids in order. */
export async function enqueue(sql: postgres.Sql, rows: Array<{ incident: Incident; channel: string; event: NotificationEvent; maxAttempts?: number }>): Promise<string[]> {
  const values = rows.map((r) => ({
    alert_id: r.incident.id, channel: r.channel, event: r.event, max_attempts: r.maxAttempts ?? 10,
    payload: r.incident.payload(r.event),
  }));
  const out = await sql<Array<{ id: string }>>`
    insert into sms_monitor.sms_alert_notifications (alert_id, channel, event, max_attempts, payload)
    select (v->>'alert_id')::uuid, v->>'channel', v->>'event', (v->>'max_attempts')::int, v->'payload'
      from jsonb_array_elements(${sql.json(values as unknown as postgres.JSONValue)}) with ordinality as t(v, n)
     order by n
    returning id::text as id`;
  return out.map((r) => r.id);
}

export interface RowState { id: string; status: string; attempts: number; last_error: string | null; locked_by: string | null }

export async function rowStates(sql: postgres.Sql, ids: string[]): Promise<RowState[]> {
  return sql<RowState[]>`
    select id::text as id, status, attempts, last_error, locked_by from sms_monitor.sms_alert_notifications
     where id = any(${ids}::bigint[]) order by id`;
}

/** Polls until every row has left 'pending' (or matches `done`), with a deadline. */
export async function waitForRows(sql: postgres.Sql, ids: string[], timeoutMs = 15_000,
  done: (r: RowState) => boolean = (r) => r.status !== 'pending'): Promise<RowState[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const rows = await rowStates(sql, ids);
    if (rows.length === ids.length && rows.every(done)) return rows;
    if (Date.now() > deadline) throw new Error(`rows not done after ${timeoutMs} ms: ${JSON.stringify(rows)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export async function waitUntil<T>(what: string, fn: () => Promise<T | null | undefined | false> | T | null | undefined | false, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** `node bin/sms-monitor.js notifier` with exactly the given environment (nothing inherited but PATH/HOME). */
export class NotifierProcess {
  readonly stdout: string[] = [];
  readonly stderr: string[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private readonly child: ChildProcess;

  constructor(env: Record<string, string>, args: string[] = []) {
    this.child = spawn(process.execPath, [path.join(repoRoot, 'bin', 'sms-monitor.js'), 'notifier', ...args], {
      cwd: repoRoot,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const lines = (into: string[]) => {
      let buf = '';
      return (chunk: Buffer) => {
        buf += chunk.toString('utf8');
        const parts = buf.split('\n');
        buf = parts.pop() ?? '';
        into.push(...parts);
      };
    };
    this.child.stdout!.on('data', lines(this.stdout));
    this.child.stderr!.on('data', lines(this.stderr));
    this.exited = new Promise((resolve) => this.child.on('exit', (code, signal) => resolve({ code, signal })));
  }

  get pid(): number { return this.child.pid!; }

  kill(signal: NodeJS.Signals): void { this.child.kill(signal); }

  /** Resolves with the first stderr log line matching, counting only lines after `from`. */
  waitForLog(re: RegExp, timeoutMs = 15_000, from = 0): Promise<string> {
    return waitUntil(`log line ${re}`, () => this.stderr.slice(from).find((l) => re.test(l)) ?? null, timeoutMs);
  }

  async stop(): Promise<number | null> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    const r = await Promise.race([this.exited, new Promise<null>((res) => setTimeout(() => res(null), 20_000))]);
    if (r === null) { this.child.kill('SIGKILL'); return (await this.exited).code; }
    return r.code;
  }
}
