// Shared by the operator commands: one strict client per invocation, --json or a human table,
// and exit codes 0 ok / 1 failure / 2 usage (bad arguments, or input the database refused as
// invalid: SQLSTATE 22023). Errors print what was wrong, and the SQLSTATE when there is one.
//
// Start-up cost: this file and every cli/<command>.ts load only commander and small local modules
// at start; the client (postgres.js), graphile-migrate, the notifier (pino, nodemailer, zod) are
// imported inside the action that needs them, so `sms-monitor --help` costs about a Node start.
import { type Command, InvalidArgumentError } from 'commander';
import type { SmsMonitor } from '../client/client.ts';
import { resolveDatabaseUrl } from '../client/config.ts';
import { parseDuration as parseDurationMs } from '../client/duration.ts';
import { isUuid } from '../client/validate.ts';
import { classifyError, SmsMonitorError, toSmsMonitorError } from '../client/errors.ts';

/** A mistake in what the operator typed: exit code 2. */
export class UsageError extends Error {}

/** Runs a command body with a client, prints failures, sets the exit code. */
export function withClient<A extends unknown[]>(
  program: Command,
  name: string,
  body: (client: SmsMonitor, ...args: A) => Promise<void>,
): (...args: A) => Promise<void> {
  return async (...args: A) => {
    let client: SmsMonitor | null = null;
    try {
      const { createSmsMonitor } = await import('../client/client.ts');
      client = createSmsMonitor(resolveDatabaseUrl(program.opts().databaseUrl as string | undefined), {
        strict: true,
        connection: { max: 1, connect_timeout: 10 },
      });
      await body(client, ...args);
    } catch (error) {
      process.exitCode = report(name, error);
    } finally {
      await client?.close().catch(() => {});
    }
  };
}

function report(name: string, error: unknown): number {
  if (error instanceof UsageError || error instanceof InvalidArgumentError) {
    console.error(`sms-monitor ${name}: ${error.message}`);
    return 2;
  }
  const e: SmsMonitorError = error instanceof SmsMonitorError ? error
    : (error as { name?: string }).name === 'PostgresError' || (error as { code?: unknown }).code !== undefined
      ? toSmsMonitorError(error) : new SmsMonitorError((error as Error).message ?? String(error), 'ERROR');
  const { kind, sqlstate } = classifyError(e);
  if (kind === 'schema') {
    console.error(`sms-monitor ${name}: this database has no sms-monitor schema, or an older one (${e.message}): `
      + 'run `sms-monitor migrate` first');
    return 1;
  }
  console.error(`sms-monitor ${name}: ${e.message}${sqlstate ? ` (SQLSTATE ${sqlstate})` : ''}`);
  return sqlstate === '22023' ? 2 : 1;
}

export function printJson(value: unknown): void {
  console.log(JSON.stringify(value, null, 2));
}

/** Which value of a per-dimension rule a check row is about ("carrier=A"; system-wide: null, printed "-"). */
export function dimension(r: { group_by: string | null; group_value: string | null }): string | null {
  return r.group_by && r.group_value !== null ? `${r.group_by}=${r.group_value}` : null;
}

/** A plain text table; null/undefined print as "-". */
export function printTable(headers: string[], rows: unknown[][]): void {
  const cells = [headers, ...rows.map((r) => r.map(cell))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  for (const [n, r] of cells.entries()) {
    console.log(r.map((c, i) => (c ?? '').padEnd(widths[i]!)).join('  ').trimEnd());
    if (n === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  }
}

export function cell(v: unknown): string {
  if (v === null || v === undefined) return '-';
  if (v instanceof Date) return v.toISOString().replace('.000Z', 'Z');
  if (Array.isArray(v)) return v.join(',');
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** A duration longer than zero ("2h", "90m", "1h30m", "1d", "45s"; client/duration.ts) -> milliseconds. */
export function parseDuration(text: string): number {
  const ms = parseDurationMs(text);
  if (ms === null) throw new InvalidArgumentError(`"${text}" is not a duration (e.g. 30m, 2h, 1h30m, 1d)`);
  if (ms <= 0) throw new InvalidArgumentError(`"${text}" must be longer than zero`);
  return ms;
}

export function parsePositiveInt(text: string): number {
  if (!/^\d+$/.test(text)) throw new InvalidArgumentError(`"${text}" is not a whole number`);
  return Number(text);
}

export function parseUuid(text: string): string {
  if (!isUuid(text)) throw new InvalidArgumentError(`"${text}" is not an alert id (a UUID)`);
  return text;
}

/** An outbox status as operators read it: pending is "waiting" (queued, or between retries). */
export function statusWord(status: unknown): string {
  return status === 'pending' ? 'waiting' : String(status);
}

/**
 * An incident's notification_status ({"slack/trigger": "sent", ...}) in a few words: "sent" when
 * every notification went out, else the ones that did not ("pagerduty/trigger failed, slack/trigger
 * waiting"); "-" when there is none (silenced, or no channel).
 */
export function notificationSummary(status: unknown): string {
  const entries = Object.entries((status ?? {}) as Record<string, string>).sort(([a], [b]) => a.localeCompare(b));
  if (entries.length === 0) return '-';
  const open = entries.filter(([, s]) => s !== 'sent');
  return open.length === 0 ? 'sent' : open.map(([k, s]) => `${k} ${statusWord(s)}`).join(', ');
}
