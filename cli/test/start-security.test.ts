// `npm start` with least privilege and no secret in sight, and stoppable at any moment. On a
// throwaway embedded instance of its own: every login role its services use is listed from the
// database and none is a superuser; the process table, sampled all through start-up, never shows
// a password, the JWT secret or the admin token, and neither does its output. SIGTERM while it
// is still setting up (initdb, migrations) leaves nothing running and exits 0 promptly. A port in
// use is one line naming the variable that changes it.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import postgres from 'postgres';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../client/paths.ts';

const instance = `${process.env.SMS_MONITOR_TEST_INSTANCE ?? 'test'}-secure`;
const state = path.join(repoRoot, '.sms-monitor', instance);
const pgsh = path.join(repoRoot, 'scripts', 'pg.sh');
const destroy = () => execFileSync('bash', [pgsh, 'destroy', instance], { stdio: 'ignore' });
afterAll(destroy);

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** Every process's command line right now (what `ps` shows every local user). */
function commandLines(): string[] {
  const out: string[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try { out.push(readFileSync(`/proc/${name}/cmdline`, 'utf8').replace(/\0/g, ' ')); } catch { /* gone meanwhile */ }
  }
  return out;
}

function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** npm start on the instance; resolves `until` when its output matches; samples the process table meanwhile. */
async function start(until: RegExp) {
  const env: NodeJS.ProcessEnv = { ...process.env, SMS_MONITOR_INSTANCE: instance, SMS_MONITOR_HTTP_PORT: String(await freePort()) };
  delete env.DATABASE_URL;
  delete env.SMS_MONITOR_JWT_SECRET;
  const npm = spawn('npm', ['start'], { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const seen = new Set<string>();
  const sampler = setInterval(() => { for (const l of commandLines()) seen.add(l); }, 20);
  let output = '';
  const exited = new Promise<{ code: number | null; signal: string | null; ms: number }>((resolve) => {
    npm.on('exit', (code, signal) => resolve({ code, signal, ms: Date.now() - signalledAt }));
  });
  let signalledAt = 0;
  await new Promise<void>((resolve, reject) => {
    const check = () => { if (until.test(output)) resolve(); };
    npm.stdout.on('data', (d) => { output += d; check(); });
    npm.stderr.on('data', (d) => { output += d; check(); });
    void exited.then((r) => reject(new Error(`npm start exited early (${JSON.stringify(r)}):\n${output}`)));
  });
  return {
    seen, get output() { return output; },
    async stop() {
      signalledAt = Date.now();
      npm.kill('SIGTERM');
      const r = await exited;
      clearInterval(sampler);
      return r;
    },
  };
}

/** Nothing of the instance is left: no postmaster, pg.sh says stopped, no process names its folders. */
function assertStopped(): void {
  const datadirFile = path.join(state, 'datadir');
  // This checkout's instance only (its state folder and data directory): another checkout's test may
  // run the same instance name at the same time.
  const ours = [`${state}/`];
  if (existsSync(datadirFile)) {
    const datadir = readFileSync(datadirFile, 'utf8').trim();
    expect(existsSync(path.join(datadir, 'postmaster.pid'))).toBe(false);
    ours.push(`${datadir} `, `${datadir}/`);
  }
  let status = 0;
  try { execFileSync('bash', [pgsh, 'status', instance], { stdio: 'ignore' }); } catch (e) { status = (e as { status: number }).status; }
  expect(status).toBe(3);
  expect(commandLines().filter((l) => ours.some((p) => l.includes(p)))).toEqual([]);
}

describe('npm start: least privilege, no secret in sight, stoppable at any moment', () => {
  it('a dashboard port in use: one line naming SMS_MONITOR_HTTP_PORT, before any address is printed; exit 1', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as { port: number };
    try {
      const env: NodeJS.ProcessEnv = { ...process.env, SMS_MONITOR_INSTANCE: instance, SMS_MONITOR_HTTP_PORT: String(port) };
      delete env.DATABASE_URL;
      const r = await new Promise<{ code: number | null; out: string }>((resolve) => {
        const p = spawn('bash', [path.join(repoRoot, 'scripts', 'start.sh')], { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        p.stdout.on('data', (d) => { out += d; });
        p.stderr.on('data', (d) => { out += d; });
        p.on('close', (code) => resolve({ code, out }));
      });
      expect(r).toEqual({ code: 1, out: `[start] port ${port} is not free (EADDRINUSE): set SMS_MONITOR_HTTP_PORT to another port, `
        + 'e.g. SMS_MONITOR_HTTP_PORT=8788 npm start\n' });
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });

  it('SIGTERM during initdb of a first start: nothing left running, exit 0 promptly', async () => {
    destroy();
    const run = await start(/\[pg\] initdb/);
    const r = await run.stop();
    expect([r.code, r.signal]).toEqual([0, null]);
    expect(r.ms).toBeLessThan(30_000);
    assertStopped();
  }, 300_000);

  it('SIGTERM during the migrations: nothing left running, exit 0 promptly', async () => {
    const run = await start(/\[migrate\]/);
    const r = await run.stop();
    expect([r.code, r.signal]).toEqual([0, null]);
    expect(r.ms).toBeLessThan(30_000);
    assertStopped();
  }, 300_000);

  it('every login role of the services is not a superuser; no password, secret or token on a command line or in the output', async () => {
    const run = await start(/Press Ctrl-C to stop/);
    try {
      const sql = postgres(readFileSync(path.join(state, 'url'), 'utf8').trim(), { max: 1, onnotice: () => {} });
      try {
        const roles = await sql<{ usename: string; application_name: string; rolsuper: boolean }[]>`
          select distinct a.usename::text, a.application_name, r.rolsuper
            from pg_stat_activity a join pg_roles r on r.rolname = a.usename
           where a.backend_type = 'client backend' and a.application_name like 'sms-monitor-%'
           order by 1, 2`;
        expect(roles).toEqual([
          { usename: 'sms_monitor_http', application_name: 'sms-monitor-serve-health', rolsuper: false },
          { usename: 'sms_monitor_http', application_name: 'sms-monitor-serve-ops', rolsuper: false },
          { usename: 'sms_notifier', application_name: 'sms-monitor-notifier', rolsuper: false },
        ]);
      } finally {
        await sql.end();
      }
      const secrets = ['password', 'http-password', 'notifier-password', 'jwt-secret', 'admin-token']
        .map((f) => readFileSync(path.join(state, f), 'utf8').trim());
      expect(secrets.every((s) => s.length >= 24)).toBe(true);
      for (const f of ['http-password', 'notifier-password', 'jwt-secret', 'admin-token']) {
        expect([f, execFileSync('stat', ['-c', '%a', path.join(state, f)], { encoding: 'utf8' }).trim()]).toEqual([f, '600']);
      }
      expect(run.seen.size).toBeGreaterThan(10);
      const leaks = [...run.seen].filter((l) => secrets.some((s) => l.includes(s)));
      expect(leaks).toEqual([]);
      expect(secrets.filter((s) => run.output.includes(s))).toEqual([]);
      expect(run.output).toContain(`admin token in .sms-monitor/${instance}/admin-token`);
    } finally {
      const r = await run.stop();
      expect([r.code, r.signal]).toEqual([0, null]);
    }
    assertStopped();
  }, 300_000);
});
