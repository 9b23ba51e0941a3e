// The client's connection (its own pool from a URL, or a postgres.js instance it was given) and the
// typed RPC over the generated function signatures. The recording, dashboard and alert parts
// (recording.ts, dashboards.ts, alerts.ts) each hold it; client.ts puts them together.
import postgres from 'postgres';
import { SmsMonitorClosedError, SmsMonitorValidationError, toSmsMonitorError } from './errors.ts';
import { smsMonitorFunctions, type Json } from './generated/functions.ts';
import { withNumbers } from './numbers.ts';
import type { ArgsOf, Fn, ResultOf, SmsMonitorOptions, Sql } from './types.ts';

/** JSON already serialised (the buffer's batches): rpc passes the text as it is. */
class JsonText {
  constructor(readonly text: string) {}
}
/** A jsonb argument of rpc given as JSON text, not serialised again. */
export function jsonText(text: string): Json {
  return new JsonText(text) as unknown as Json;
}

export class SmsMonitorConnection {
  readonly sql: Sql;
  private readonly owned: boolean;
  /** Set by close(): every later call is refused (SmsMonitorClosedError). */
  closed = false;

  constructor(target: string | Sql, options: SmsMonitorOptions = {}) {
    if (typeof target === 'string') {
      if (!/^postgres(ql)?:\/\//.test(target)) {
        throw new SmsMonitorValidationError('url', 'must be a postgres:// or postgresql:// connection string');
      }
      this.sql = postgres(target, { max: 4, onnotice: () => {}, ...options.connection });
      this.owned = true;
    } else if (typeof target === 'function' && typeof (target as Partial<Sql>).unsafe === 'function') {
      this.sql = target;
      this.owned = false;
    } else {
      throw new SmsMonitorValidationError('sql', 'pass a connection string or a postgres.js sql instance');
    }
  }

  // ---- generic typed RPC over the generated signatures ----------------------------------------

  /**
   * Calls any public sms_monitor function with named arguments (omitted ones take their SQL
   * default). Typed from client/generated/functions.ts.
   */
  async rpc<F extends Fn>(name: F, args: ArgsOf<F>): Promise<ResultOf<F>> {
    this.assertOpen();
    return this.call(name, args);
  }

  /** rpc without the open check: for the buffer's last batches, written while the client closes. */
  async call<F extends Fn>(name: F, args: ArgsOf<F>): Promise<ResultOf<F>> {
    const meta = (smsMonitorFunctions as Record<string, {
      args: ReadonlyArray<{ name: string; type: string }>; setof: boolean; composite: boolean;
    }>)[name];
    if (!meta) throw new SmsMonitorValidationError('function', `unknown sms_monitor function ${String(name)}`);
    const given = args as Record<string, unknown>;
    const params: unknown[] = [];
    const named: string[] = [];
    for (const a of meta.args) {
      const v = given[a.name];
      if (v === undefined) continue;
      params.push(v instanceof Date ? v.toISOString() : v instanceof JsonText ? v.text
        : (a.type === 'jsonb' || a.type === 'json') && v !== null ? JSON.stringify(v) : v);
      named.push(`${a.name} => $${params.length}::${a.type === 'jsonb' || a.type === 'json' ? 'text::' : ''}${a.type}`);
    }
    for (const k of Object.keys(given)) {
      if (given[k] !== undefined && !meta.args.some((a) => a.name === k)) {
        throw new SmsMonitorValidationError(k, `is not an argument of sms_monitor.${String(name)}`);
      }
    }
    const call = `sms_monitor.${String(name)}(${named.join(', ')})`;
    try {
      // bigint and numeric columns come back as numbers (numbers.ts has the rule).
      if (meta.setof) {
        return withNumbers(await this.sql.unsafe(`select * from ${call}`, params as never[])) as ResultOf<F>;
      }
      if (meta.composite) {
        const [row] = withNumbers(await this.sql.unsafe(`select * from ${call}`, params as never[]));
        return (row ?? null) as ResultOf<F>;
      }
      const [row] = withNumbers<{ result: unknown }>(await this.sql.unsafe(`select ${call} as result`, params as never[]));
      return (row?.result ?? null) as ResultOf<F>;
    } catch (error) {
      throw toSmsMonitorError(error);
    }
  }

  /** An api_* call: its jsonb body, typed by the documented shape. */
  async body<T, F extends Fn & `api_${string}` = Fn & `api_${string}`>(name: F, args: ArgsOf<F>): Promise<T> {
    return (await this.rpc(name, args as never)) as unknown as T;
  }

  assertOpen(): void {
    if (this.closed) throw new SmsMonitorClosedError();
  }

  /** Ends the pool if this client opened it (never one it was given). */
  async endPool(): Promise<void> {
    if (this.owned) await this.sql.end({ timeout: 5 });
  }
}
