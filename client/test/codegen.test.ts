// The committed generated files must be exactly what `npm run codegen` produces from the current
// schema (committed migrations + current.sql), so SQL and TypeScript cannot drift apart.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { METRIC_KINDS, METRIC_TYPES } from 'sms-monitor';
import { GENERATED_FILES, generate, generatedDir } from '../../scripts/codegen.ts';
import { freshDatabase, type TestDatabase } from '../../test/db.ts';

let db: TestDatabase;
let files: Record<string, string>;
beforeAll(async () => {
  db = await freshDatabase();
  files = await generate(db.url);
});
afterAll(async () => { await db?.drop(); });

describe('generated types are up to date (run `npm run codegen` when this fails)', () => {
  for (const file of GENERATED_FILES) {
    it(`client/generated/${file}`, () => {
      const committed = readFileSync(path.join(generatedDir, file), 'utf8');
      expect(committed.startsWith('// GENERATED FILE, DO NOT EDIT.')).toBe(true);
      expect(committed).toBe(files[file]);
    });
  }

  it('covers schema sms_monitor only, and every public function but no internal one', async () => {
    expect(files['db.ts']).toContain('sms_metrics_daily: SmsMetricsDaily;');
    const tables = [...files['db.ts']!.matchAll(/^ {2}(\S+): \w+;$/gm)].map((m) => m[1]);
    expect(tables.length).toBeGreaterThan(3);
    expect(tables.filter((t) => t!.includes('.'))).toEqual([]); // no cron.job, graphile_migrate.*
    const names = (await db.sql<Array<{ proname: string }>>`
      select p.proname from pg_proc p join pg_namespace n on n.oid = p.pronamespace
       where n.nspname = 'sms_monitor' and p.prokind = 'f' and p.proname !~ '^_'
         and p.prorettype <> 'trigger'::regtype order by 1`).map((r) => r.proname);
    expect(names).toContain('record_sms_events');
    const declared = [...files['functions.ts']!.matchAll(/^ {2}([a-z][a-z0-9_]*): \{$/gm)].map((m) => m[1]);
    expect(declared).toEqual([...names, ...names]); // the interface, then the runtime table
    expect(files['functions.ts']).not.toMatch(/^ {2}_/m);
  });

  it('METRIC_KINDS and METRIC_TYPES are the rows of sms_monitor.metric_types', async () => {
    const rows = await db.sql<Array<{ metric_type: string; kind: string; unit: string; description: string }>>`
      select metric_type, kind, unit, description from sms_monitor.metric_types order by metric_type collate "C"`;
    expect(rows.length).toBe(15);
    expect(Object.entries(METRIC_TYPES).map(([metric_type, t]) => ({ metric_type, ...t }))
      .sort((a, b) => (a.metric_type < b.metric_type ? -1 : 1))).toEqual(rows);
    expect(Object.entries(METRIC_KINDS).sort()).toEqual(
      rows.filter((r) => r.kind !== 'derived').map((r) => [r.metric_type, r.kind]));
  });
});
