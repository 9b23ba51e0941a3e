// The one way routes reach SQL: a call of a public sms_monitor function by name with named
// arguments, checked against the generated signatures (client/generated/functions.ts; an omitted
// argument takes its SQL default), and the answer's envelope built here and only here:
//   a function returning jsonb or text (the api_* bodies, Prometheus text): that value;
//   one composite row: {"success": true, "data": <the row>};
//   a set of rows: {"success": true, "data": [<the rows, in the function's order>]}.
// The statement's single column `body` is the answer's text (db.ts jsonBody). Dates and times are
// sent as text and cast by PostgreSQL (`$n::text::date`): postgres.js would pass them through a
// JS Date, which rolls 2026-02-30 over to 2026-03-02 instead of letting PostgreSQL refuse it.
import { type SmsMonitorFunctions, smsMonitorFunctions } from '../client/generated/functions.ts';

type Fn = keyof SmsMonitorFunctions;
type Meta = { args: ReadonlyArray<{ name: string; type: string }>; setof: boolean; composite: boolean };

/** [statement, parameters] of sms_monitor.<name>(<args>) whose column `body` is the answer. */
export function callBody<F extends Fn>(name: F, args: { [K in keyof SmsMonitorFunctions[F]['args']]?: unknown }): [string, unknown[]] {
  const meta = (smsMonitorFunctions as Record<string, Meta>)[name];
  if (!meta) throw new Error(`sms_monitor.${String(name)}: not a generated function`);
  const given = args as Record<string, unknown>;
  for (const k of Object.keys(given)) {
    if (!meta.args.some((a) => a.name === k)) throw new Error(`${k}: is not an argument of sms_monitor.${String(name)}`);
  }
  const params: unknown[] = [];
  const named: string[] = [];
  for (const a of meta.args) {
    const v = given[a.name];
    if (v === undefined) continue;
    params.push(v);
    const viaText = /^(date|timestamp|time|interval)/.test(a.type) ? 'text::' : '';
    named.push(`${a.name} => $${params.length}::${viaText}${a.type}`);
  }
  const call = `sms_monitor.${String(name)}(${named.join(', ')})`;
  if (meta.setof) {
    return [`select jsonb_build_object('success', true, 'data', coalesce(jsonb_agg(to_jsonb(r) - 'ordinality' order by r.ordinality), `
      + `'[]'::jsonb))::text as body from ${call} with ordinality r`, params];
  }
  if (meta.composite) return [`select jsonb_build_object('success', true, 'data', to_jsonb(r))::text as body from ${call} r`, params];
  return [`select ${call}::text as body`, params];
}
