// `npm start` as a service: SIGTERM or SIGINT sent to the npm process alone (as systemd, Docker or
// an IDE's stop button do) stops everything it started (the notifier, the embedded PostgreSQL) and
// exits 0. Runs npm start as a child process on a throwaway embedded instance of its own
// (SMS_MONITOR_INSTANCE), waits for the notifier to start, collects every process it started,
// signals only npm's pid and checks that none of them is left. The banner's channel lines are
// checked against the rules read from that database while it runs.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import postgres from 'postgres';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../client/paths.ts';

const instance = `${process.env.SMS_MONITOR_TEST_INSTANCE ?? 'test'}-start`;
const state = path.join(repoRoot, '.sms-monitor', instance);
afterAll(() => { execFileSync('bash', [path.join(repoRoot, 'scripts', 'pg.sh'), 'destroy', instance], { stdio: 'ignore' }); });

/** Alive and not a zombie. */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** Every descendant of pid, from /proc (pid -> parent). */
function descendants(root: number): number[] {
  const parent = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      parent.set(Number(name), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch { /* gone meanwhile */ }
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const [child, pp] of parent) if (pp === p) { out.push(child); walk(child); }
  };
  walk(root);
  return out;
}

const CHANNEL_ENV = ['SLACK_WEBHOOK_URL', 'PAGERDUTY_INTEGRATION_KEY', 'SMTP_URL', 'ALERT_EMAIL_FROM', 'ALERT_EMAIL_TO'];

/** A port nobody listens on now (the dashboard's, so that 8787 being taken cannot fail the test). */
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

/**
 * `npm` alone: only npm's pid is signalled (systemd's main process, Docker, an IDE). `group`: npm
 * leads a process group and the whole group is signalled, as Ctrl-C in a terminal does: npm, the
 * script and every child get the signal at once, and npm forwards it again.
 */
async function runAndStop(signal: 'SIGTERM' | 'SIGINT', extraEnv: Record<string, string>, configured: string[],
  target: 'npm' | 'group' = 'npm') {
  const env: NodeJS.ProcessEnv = { ...process.env, SMS_MONITOR_INSTANCE: instance,
    SMS_MONITOR_HTTP_PORT: String(await freePort()), ...extraEnv };
  delete env.DATABASE_URL;
  for (const k of CHANNEL_ENV) if (!(k in extraEnv)) delete env[k];
  const npm = spawn('npm', ['start'], { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'], detached: target === 'group' });
  let stdout = '';
  let stderr = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    npm.on('exit', (code, sig) => resolve({ code, signal: sig }));
  });
  // Started: the notifier's pid is announced and the notifier says it listens.
  const notifierPid = await new Promise<number>((resolve, reject) => {
    const check = () => {
      const m = /started node bin\/sms-monitor\.js notifier.* \(pid (\d+)\)/.exec(stderr);
      // ... and the dashboard's server has started beside it (its URL is printed last).
      if (m && stderr.includes('listening for outbox NOTIFYs') && stdout.includes('  dashboard:  http://127.0.0.1:')) {
        resolve(Number(m[1]));
      }
    };
    npm.stdout.on('data', (d) => { stdout += d; check(); });
    npm.stderr.on('data', (d) => { stderr += d; check(); });
    void exited.then((r) => reject(new Error(`npm start exited early (${JSON.stringify(r)}):\n${stderr}`)));
  });
  const started = descendants(npm.pid!);
  expect(started).toContain(notifierPid);
  const datadir = readFileSync(path.join(state, 'datadir'), 'utf8').trim();
  const postmaster = Number(readFileSync(path.join(datadir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  expect(alive(postmaster)).toBe(true);

  // The banner, against the rules of this very database.
  const sql = postgres(readFileSync(path.join(state, 'url'), 'utf8').trim(), { max: 1, onnotice: () => {} });
  const rules = await sql<Array<{ alert_type: string; notification_channels: string[] }>>`
    select alert_type, notification_channels from sms_monitor.sms_alert_thresholds where is_enabled order by alert_type`;
  await sql.end();
  const unreached = rules.filter((r) => !r.notification_channels.some((c) => configured.includes(c)))
    .map((r) => `${r.alert_type} (${r.notification_channels.join(', ')})`).join('; ');
  expect(stdout).toContain(`  rules with no configured channel: ${unreached || 'none'}\n`);
  expect(stdout).toMatch(new RegExp(`^  channels: {3}can deliver: ${configured.join(' ')}[;\\n]`, 'm'));

  if (target === 'npm') expect(npm.kill(signal)).toBe(true); // npm's pid only
  else process.kill(-npm.pid!, signal); // the whole group, as a terminal's Ctrl-C
  const result = await exited;
  expect(result, stderr).toEqual({ code: 0, signal: null });
  expect(stderr).toContain(`[start] ${signal}: stopping`);
  expect(started.filter(alive)).toEqual([]);
  expect(alive(notifierPid)).toBe(false);
  expect(alive(postmaster)).toBe(false);
  expect(existsSync(path.join(datadir, 'postmaster.pid'))).toBe(false);
  let status = 0;
  try { execFileSync('bash', [path.join(repoRoot, 'scripts', 'pg.sh'), 'status', instance], { stdio: 'ignore' }); } catch (e) {
    status = (e as { status: number }).status;
  }
  expect(status).toBe(3); // pg.sh status: stopped
  return { stdout, stderr };
}

describe('npm start', () => {
  it('SIGTERM to npm alone: notifier and embedded PostgreSQL stop, exit 0; the banner says no channel but log delivers', async () => {
    const { stdout } = await runAndStop('SIGTERM', {}, ['log']);
    expect(stdout).toContain('  channels:   can deliver: log; not configured: slack (set SLACK_WEBHOOK_URL), '
      + 'pagerduty (set PAGERDUTY_INTEGRATION_KEY), email (set SMTP_URL, ALERT_EMAIL_FROM and ALERT_EMAIL_TO)\n');
  }, 300_000);

  it('SIGINT to npm alone does the same (second start reuses the cluster); Slack configured reaches the Slack rules', async () => {
    const { stdout } = await runAndStop('SIGINT', { SLACK_WEBHOOK_URL: 'https://127.0.0.1:9/never-called' }, ['log', 'slack']);
    expect(stdout).toContain('  channels:   can deliver: log slack; not configured: pagerduty (set PAGERDUTY_INTEGRATION_KEY), '
      + 'email (set SMTP_URL, ALERT_EMAIL_FROM and ALERT_EMAIL_TO)\n');
  }, 300_000);

  it('Ctrl-C in a terminal (SIGINT to the whole process group, npm forwarding it again): everything stops, exit 0', async () => {
    await runAndStop('SIGINT', {}, ['log'], 'group');
  }, 300_000);
});
