// The typed call of any public sms_monitor function, by the generated signatures
// (client/generated/functions.ts): named arguments (omitted ones take their SQL default), each cast
// to its SQL type; bigint and numeric results as numbers (numbers.ts). The client's rpc and the
// notifier call the database through it, on a pool or inside a transaction. Errors are thrown as
// postgres.js raised them (the client types them with toSmsMonitorError).
import type postgres from 'postgres';
import { SmsMonitorValidationError } from './errors.ts';
import { smsMonitorFunctions, type Json } from './generated/functions.ts';
import { withNumbers } from './numbers.ts';
import type { ArgsOf, Fn, ResultOf } from './types.ts';

/** JSON already serialised (the buffer's batches): passed as the text it is. */
class JsonText {
  constructor(readonly text: string) {}
}
/** A jsonb argument given as JSON text, not serialised again. */
export function jsonText(text: string): Json {
  return new JsonText(text) as unknown as Json;
}

/** Anything that runs a query with parameters: a postgres.js pool, reserved connection or transaction. */
export type Queryable = Pick<postgres.Sql, 'unsafe'> | Pick<postgres.TransactionSql, 'unsafe'>;

export async function callFunction<F extends Fn>(sql: Queryable, name: F, args: ArgsOf<F>): Promise<ResultOf<F>> {
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
    const json = a.type === 'jsonb' || a.type === 'json';
    params.push(v instanceof Date ? v.toISOString() : v instanceof JsonText ? v.text : json && v !== null ? JSON.stringify(v) : v);
    named.push(`${a.name} => $${params.length}::${json ? 'text::' : ''}${a.type}`);
  }
  for (const k of Object.keys(given)) {
    if (given[k] !== undefined && !meta.args.some((a) => a.name === k)) {
      throw new SmsMonitorValidationError(k, `is not an argument of sms_monitor.${String(name)}`);
    }
  }
  const call = `sms_monitor.${String(name)}(${named.join(', ')})`;
  const run = (text: string) => (sql.unsafe as (q: string, p: never[]) => Promise<postgres.RowList<postgres.Row[]>>)(text, params as never[]);
  if (meta.setof) return withNumbers(await run(`select * from ${call}`)) as ResultOf<F>;
  if (meta.composite) {
    const [row] = withNumbers(await run(`select * from ${call}`));
    return (row ?? null) as ResultOf<F>;
  }
  const [row] = withNumbers<{ result: unknown }>(await run(`select ${call} as result`));
  return (row?.result ?? null) as ResultOf<F>;
}
