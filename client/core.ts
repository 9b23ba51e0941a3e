// The client's connection (its own pool from a URL, or a postgres.js instance it was given) and the
// typed RPC over the generated function signatures. The recording, dashboard and alert parts
// (recording.ts, dashboards.ts, alerts.ts) each hold it; client.ts puts them together.
import postgres from 'postgres';
import { SmsMonitorClosedError, SmsMonitorValidationError, toSmsMonitorError } from './errors.ts';

export { jsonText } from './rpc.ts';
import { callFunction } from './rpc.ts';
import type { ArgsOf, Fn, ResultOf, SmsMonitorOptions, Sql } from './types.ts';

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
    try {
      return await callFunction(this.sql, name, args);
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
