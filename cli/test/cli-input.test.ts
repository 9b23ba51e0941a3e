// record --stdin (JSON lines, one round trip per chunk, each chunk all or nothing, errors naming the
// line), the advice to migrate on a database without the schema, the PostgreSQL version check of
// migrate, and plain (colourless) output when it is not a terminal.
import { execFile, spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import postgres from 'postgres';
import { inject } from 'vitest';
import { assertServerVersion } from '../../client/migrate.ts';
import { repoRoot } from '../../client/paths.ts';
import { withDatabase } from '../../test/db-url.ts';
import { freshDatabase, type TestDatabase } from '../../test/db.ts';

let db: TestDatabase;
beforeAll(async () => { db = await freshDatabase(); });
afterAll(async () => { await db?.drop(); });

interface Run { code: number; stdout: string; stderr: string }
function cli(args: string[], input?: string, url = db.url): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn('node', [path.join(repoRoot, 'bin', 'sms-monitor.js'), ...args], {
      cwd: repoRoot, env: { ...process.env, DATABASE_URL: url },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
    child.stdin.end(input ?? '');
  });
}

const U = 'c9000000-0000-0000-0000-000000000001';
const line = (o: Record<string, unknown>) => JSON.stringify(o);

async function sums(): Promise<Record<string, number>> {
  const rows = await db.sql<Array<{ t: string; v: number }>>`select metric_type as t, sum(metric_value)::float8 as v
    from sms_monitor.sms_metrics where user_id = ${U}::uuid group by metric_type order by metric_type`;
  return Object.fromEntries(rows.map((r) => [r.t, r.v]));
}

describe('record --stdin', { timeout: 180_000 }, () => {
  it('records JSON lines in chunks, skipping blank lines', async () => {
    const input = [
      line({ metric_type: 'sent_count', user_id: U, occurred_at: '2026-04-01T10:00:00Z' }),
      line({ metric_type: 'sent_count', user_id: U, value: 2, occurred_at: '2026-04-01T10:05:00Z' }),
      '',
      line({ metric_type: 'delivered_count', user_id: U, value: 3, occurred_at: '2026-04-01T10:06:00Z' }),
      line({ metric_type: 'llm_cost_usd', user_id: U, value: 0.25, occurred_at: '2026-04-01T10:07:00Z', metadata: { model: 'm1' } }),
      line({ metric_type: 'avg_delivery_time_ms', user_id: U, value: 1200, occurred_at: '2026-04-01T10:08:00Z' }),
    ].join('\n') + '\n';
    const r = await cli(['record', '--stdin', '--chunk-size', '2'], input);
    expect(r).toMatchObject({ code: 0, stdout: 'recorded 5 events from 6 lines in 3 round trips\n' });
    expect(await sums()).toEqual({ avg_delivery_time_ms: 1200, delivered_count: 3, llm_cost_usd: 0.25, sent_count: 3 });
    const dash = await cli(['record', '-', '--json'], line({ metric_type: 'sent_count', user_id: U, occurred_at: '2026-04-01T11:00:00Z' }));
    expect(dash.code).toBe(0);
    expect(JSON.parse(dash.stdout)).toEqual({ recorded: 1, lines: 1, round_trips: 1 });
    expect((await sums()).sent_count).toBe(4);
    expect(await cli(['record', '--stdin'], '')).toMatchObject({ code: 0, stdout: 'recorded 0 events from 0 lines in 0 round trips\n' });
  });

  it('a bad line: the error names it, its chunk is not written, earlier chunks are', async () => {
    const before = await sums();
    const input = [
      line({ metric_type: 'opt_out_count', user_id: U, occurred_at: '2026-04-02T10:00:00Z' }),
      line({ metric_type: 'opt_out_count', user_id: U, occurred_at: '2026-04-02T10:01:00Z' }),
      line({ metric_type: 'failed_count', user_id: U, occurred_at: '2026-04-02T10:02:00Z' }),
      '',
      line({ metric_type: 'failed_count', user_id: U, value: -1, occurred_at: '2026-04-02T10:03:00Z' }),
      line({ metric_type: 'failed_count', user_id: U, occurred_at: '2026-04-02T10:04:00Z' }),
    ].join('\n');
    const r = await cli(['record', '--stdin', '--chunk-size', '2'], input);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('sms-monitor record: line 5: value: must not be negative (got -1) '
      + '(nothing of lines 3-5 was recorded; the 2 events of the lines before were)\n');
    expect(await sums()).toEqual({ ...before, opt_out_count: 2 });

    const notJson = await cli(['record', '--stdin'], `${line({ metric_type: 'failed_count', user_id: U })}\n{"metric_type": sent_count}\n`);
    expect(notJson.code).toBe(2);
    expect(notJson.stderr).toMatch(/^sms-monitor record: line 2: not JSON \(.+\) \(nothing of lines 1-2 was recorded\)\n$/);
    const unknownType = await cli(['record', '-'], line({ metric_type: 'sent_cnt' }));
    expect(unknownType.code).toBe(2);
    expect(unknownType.stderr).toContain('line 1: metric_type: ');
    expect(await sums()).toEqual({ ...before, opt_out_count: 2 });
    expect((await cli(['record', '--stdin', '--user', U], ''))).toMatchObject({ code: 2 });
    expect((await cli(['record', '--stdin', '--chunk-size', '0'], ''))).toMatchObject({ code: 2 });
  });
});

describe('a database without the schema', { timeout: 180_000 }, () => {
  let bare: string;
  beforeAll(async () => {
    const admin = postgres(inject('adminUrl'), { max: 1, onnotice: () => {} });
    const name = `${db.name}_bare`;
    await admin.unsafe(`create database ${name}`);
    await admin.end();
    bare = withDatabase(inject('adminUrl'), name);
  });
  afterAll(async () => {
    const admin = postgres(inject('adminUrl'), { max: 1, onnotice: () => {} });
    await admin.unsafe(`drop database if exists ${db.name}_bare with (force)`);
    await admin.end();
  });

  it('every command says to run sms-monitor migrate', async () => {
    for (const args of [['status'], ['alerts', 'list'], ['thresholds', 'list'], ['check'], ['silence', 'list'],
      ['notifications', 'list'], ['record', 'sent_count']]) {
      const r = await cli(args, undefined, bare);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr, args.join(' ')).toMatch(new RegExp(`^sms-monitor ${args.slice(0, args[0] === 'record' || args[0] === 'status' || args[0] === 'check' ? 1 : 2).join(' ')}: `
        + 'this database has no sms-monitor schema, or an older one \\(.*sms_monitor.*\\): run `sms-monitor migrate` first\\n$'));
    }
  });
});

describe('migrate: PostgreSQL 15 or newer', { timeout: 180_000 }, () => {
  it('an older server is refused before anything is changed, newer ones pass', () => {
    expect(() => assertServerVersion(140011, '14.11 (Debian 14.11-1)')).toThrow(
      'PostgreSQL 15 or newer is required, this server is 14.11 (Debian 14.11-1): the schema\'s unique constraints use '
      + 'NULLS NOT DISTINCT (PostgreSQL 15). Nothing was changed.');
    expect(() => assertServerVersion(Number.NaN, '?')).toThrow('PostgreSQL 15 or newer is required');
    expect(() => assertServerVersion(150000, '15.0')).not.toThrow();
    expect(() => assertServerVersion(170002, '17.2')).not.toThrow();
  });
});

describe('colour', { timeout: 180_000 }, () => {
  // vitest colours through tinyrainbow, which ignores whether stdout is a terminal.
  const paint = (env: NodeJS.ProcessEnv, prelude = ''): Promise<string> => new Promise((resolve, reject) => {
    execFile('bash', ['-c', `source scripts/lib.sh; ${prelude} node --input-type=module -e "import c from 'tinyrainbow'; process.stdout.write(c.red('x'))"`],
      { cwd: repoRoot, env }, (error, stdout) => (error ? reject(error) : resolve(stdout)));
  });
  const base = { ...process.env, TERM: 'xterm' } as NodeJS.ProcessEnv;
  delete base.NO_COLOR;
  delete base.FORCE_COLOR;

  it('npm test sets NO_COLOR when its output is not a terminal (unless FORCE_COLOR asks for colour)', async () => {
    expect(await paint(base)).toBe('\u001b[31mx\u001b[39m'); // the problem: colour into a pipe
    expect(await paint(base, 'plain_output_unless_tty;')).toBe('x');
    expect(await paint({ ...base, FORCE_COLOR: '1' }, 'plain_output_unless_tty;')).toBe('\u001b[31mx\u001b[39m');
  });
});
