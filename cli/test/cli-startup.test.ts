// Start-up cost of the CLI: `--help` (and a command's --help) must not load the heavy modules
// (postgres.js, graphile-migrate, pino, nodemailer, zod); each command imports them in its action.
// Observed deterministically with a module resolve hook that lists every module the process
// loads, not with a timer (the timing is `npm run bench 45-cli`).
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../client/paths.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'sms-monitor-startup-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const hook = path.join(dir, 'list-modules.mjs');
writeFileSync(hook, `import { register } from 'node:module';
register('data:text/javascript,' + encodeURIComponent(
  "export async function resolve(s, c, next) { const r = await next(s, c); process.stderr.write('LOADED ' + r.url + '\\\\n'); return r; }"));
`);

function loadedBy(...args: string[]): Promise<{ code: number; modules: string[]; stdout: string }> {
  return new Promise((resolve) => {
    execFile('node', ['--import', hook, path.join(repoRoot, 'bin', 'sms-monitor.js'), ...args], {
      cwd: repoRoot, env: { ...process.env, DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' }, timeout: 60_000,
    }, (error, stdout, stderr) => {
      const modules = [...new Set(stderr.split('\n').filter((l) => l.startsWith('LOADED ')).map((l) => l.slice(7)))];
      resolve({ code: error ? Number(error.code ?? 1) : 0, modules, stdout });
    });
  });
}

const HEAVY = ['postgres', 'graphile-migrate', '@graphile/logger', 'pg', 'pino', 'nodemailer', 'zod', 'fastify', 'jose'];
const heavy = (modules: string[]) => modules.filter((m) => HEAVY.some((h) => m.includes(`/node_modules/${h}/`)));

describe('CLI start-up', { timeout: 180_000 }, () => {
  it('--help loads commander and the command files only, none of the heavy modules', async () => {
    const r = await loadedBy('--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Usage: sms-monitor');
    // The hook sees something: the command files and commander (so an empty list cannot pass).
    expect(r.modules.some((m) => m.endsWith('/cli/main.js'))).toBe(true);
    expect(r.modules.some((m) => m.includes('/node_modules/commander/'))).toBe(true);
    expect(heavy(r.modules)).toEqual([]);
  });

  it('a subcommand --help too; a command that runs loads what it needs', async () => {
    for (const args of [['alerts', 'list', '--help'], ['notifier', '--help'], ['migrate', '--help'], ['record', '--help']]) {
      const r = await loadedBy(...args);
      expect(r.code).toBe(0);
      expect(heavy(r.modules)).toEqual([]);
    }
    // status against an unreachable database: postgres.js is loaded (and fails to connect).
    const run = await loadedBy('status');
    expect(run.code).toBe(1);
    expect(heavy(run.modules).some((m) => m.includes('/node_modules/postgres/'))).toBe(true);
  });
});
