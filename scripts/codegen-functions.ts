// client/generated/functions.ts for `npm run codegen` (scripts/codegen.ts): every public sms_monitor
// function from pg_proc, with its arguments, defaults, result and comment, as TypeScript.
import postgres from 'postgres';

export const BANNER = `// GENERATED FILE, DO NOT EDIT. Regenerate with \`npm run codegen\` (scripts/codegen.ts)
// from a freshly migrated database; \`npm test\` fails when this file is stale.
`;

interface ProcRow {
  name: string;
  comment: string | null;
  volatility: string;
  setof: boolean;
  result_type: string;
  result_kind: string; // 'c' composite, 'p' pseudo (void, record), 'b' base, ...
  args: Array<{ name: string; type: string; mode: string; default: string | null }>;
  columns: Array<{ name: string; type: string }> | null;
}

export async function functionTypes(url: string): Promise<string> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  let rows: ProcRow[];
  try {
    rows = await sql<ProcRow[]>`
      select p.proname as name,
             obj_description(p.oid, 'pg_proc') as comment,
             case p.provolatile when 'i' then 'immutable' when 's' then 'stable' else 'volatile' end as volatility,
             p.proretset as setof,
             format_type(p.prorettype, null) as result_type,
             case when rt.typtype = 'c' then 'c' when rt.typtype = 'p' then 'p' else 'b' end as result_kind,
             coalesce((
               select json_agg(json_build_object(
                        'name', coalesce(p.proargnames[a.n::int], '$' || a.n),
                        'type', format_type(a.t, null),
                        'mode', coalesce(p.proargmodes[a.n::int], 'i'),
                        'default', case when coalesce(p.proargmodes[a.n::int], 'i') in ('i', 'b', 'v')
                                        then pg_get_function_arg_default(p.oid, a.n::int) end)
                        order by a.n)
                 from unnest(coalesce(p.proallargtypes, p.proargtypes::oid[])) with ordinality as a(t, n)
             ), '[]'::json) as args,
             (select json_agg(json_build_object('name', att.attname, 'type', format_type(att.atttypid, att.atttypmod))
                              order by att.attnum)
                from pg_attribute att
               where rt.typtype = 'c' and att.attrelid = rt.typrelid and att.attnum > 0 and not att.attisdropped
             ) as columns
        from pg_proc p
        join pg_namespace n on n.oid = p.pronamespace
        join pg_type rt on rt.oid = p.prorettype
       where n.nspname = 'sms_monitor'
         and p.prokind = 'f'
         and p.proname !~ '^_'
         and p.prorettype <> 'trigger'::regtype
       order by p.proname`;
  } finally {
    await sql.end();
  }
  return render(rows);
}

const SCALARS_OUT: Record<string, string> = {
  boolean: 'boolean', smallint: 'number', integer: 'number', real: 'number', 'double precision': 'number',
  bigint: 'number', numeric: 'number', text: 'string', 'character varying': 'string', uuid: 'string',
  name: 'string', interval: 'string', date: 'Date', 'timestamp with time zone': 'Date',
  'timestamp without time zone': 'Date', json: 'Json', jsonb: 'Json', void: 'null',
};
const SCALARS_IN: Record<string, string> = {
  ...SCALARS_OUT, bigint: 'number | string', numeric: 'number | string', date: 'string',
  'timestamp with time zone': 'Date | string', 'timestamp without time zone': 'Date | string',
};

function tsType(pg: string, map: Record<string, string>): string {
  if (pg.endsWith('[]')) {
    const inner = tsType(pg.slice(0, -2), map);
    return inner.includes('|') ? `Array<${inner}>` : `${inner}[]`;
  }
  const bare = pg.replace(/\(.*\)$/, '');
  return map[bare] ?? 'unknown';
}

function render(rows: ProcRow[]): string {
  const out: string[] = [BANNER,
    '// Typed signatures of every public function in schema sms_monitor, read from pg_proc.',
    '// Arguments: SQL parameter name -> TypeScript type (optional = has a SQL default). Results are',
    '// typed as the client returns them: bigint and numeric as number (client/numbers.ts has the rule),',
    '// date/timestamptz as Date.',
    '',
    'export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };',
    '',
    'export interface SmsMonitorFunctions {'];
  for (const r of rows) {
    const inArgs = r.args.filter((a) => a.mode === 'i' || a.mode === 'b' || a.mode === 'v');
    const outCols = r.args.filter((a) => a.mode === 't' || a.mode === 'o' || a.mode === 'b');
    if (r.comment) out.push(`  /** ${r.comment.replace(/\*\//g, '* /').replace(/\s+/g, ' ').trim()} */`);
    out.push(`  ${r.name}: {`);
    out.push(`    args: {${inArgs.length ? '' : '}'}`);
    for (const a of inArgs) {
      out.push(`      ${a.name}${a.default !== null ? '?' : ''}: ${tsType(a.type, SCALARS_IN)} | null;`);
    }
    if (inArgs.length) out.push('    };');
    let returns: string;
    const cols = outCols.length ? outCols : r.result_kind === 'c' ? r.columns ?? [] : [];
    if (cols.length) {
      returns = `{\n${cols.map((c) => `      ${c.name}: ${tsType(c.type, SCALARS_OUT)} | null;`).join('\n')}\n    }`;
    } else {
      returns = tsType(r.result_type, SCALARS_OUT) + (r.result_type === 'void' ? '' : ' | null');
    }
    out.push(`    returns: ${returns};`);
    out.push(`    setof: ${r.setof};`);
    out.push('  };');
  }
  out.push('}', '');
  out.push('/** Runtime description of the same functions (argument order, SQL types, defaults). */');
  out.push('export const smsMonitorFunctions = {');
  for (const r of rows) {
    const inArgs = r.args.filter((a) => a.mode === 'i' || a.mode === 'b' || a.mode === 'v');
    const outCols = r.args.filter((a) => a.mode === 't' || a.mode === 'o' || a.mode === 'b');
    out.push(`  ${r.name}: {`);
    out.push(`    args: [${inArgs.length ? '' : '],'}`);
    for (const a of inArgs) {
      out.push(`      { name: ${q(a.name)}, type: ${q(a.type)}, default: ${a.default === null ? 'null' : q(a.default)} },`);
    }
    if (inArgs.length) out.push('    ],');
    out.push(`    returns: ${q(outCols.length ? 'table' : r.result_type)},`);
    out.push(`    setof: ${r.setof},`);
    out.push(`    composite: ${outCols.length > 0 || r.result_kind === 'c'},`);
    out.push(`    volatility: ${q(r.volatility)},`);
    out.push('  },');
  }
  out.push('} as const;', '');
  out.push('export type SmsMonitorFunctionName = keyof SmsMonitorFunctions;', '');
  return out.join('\n');
}

export function q(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** A fresh, migrated database; returns its URL and how to drop it. */
