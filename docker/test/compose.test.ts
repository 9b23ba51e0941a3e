// docker-compose.yml cannot run here (no Docker engine), so its shape is checked instead: valid
// against the Compose Specification's JSON schema (the copy dclint ships, validated with ajv as
// dclint does), the application image built by docker/app.Dockerfile with `npm ci --omit=dev` and
// nothing from the host mounted, every variable the notifier reads passed through, each service
// connecting as its own role. The parts that can run do, on a real database: docker/login-roles.sql
// (the `roles` step) with psql, and docker/database-url.mjs (the URL-encoded connection string).
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Ajv } from 'ajv';
import postgres from 'postgres';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../client/migrate.ts';
import { freshDatabase, type TestDatabase } from '../../test/db.ts';

interface Service {
  build?: string | { context: string; dockerfile?: string };
  image?: string;
  command?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
}
interface Compose { services: Record<string, Service>; volumes?: Record<string, unknown> }

const composeText = readFileSync(path.join(repoRoot, 'docker-compose.yml'), 'utf8');
const compose = parse(composeText, { merge: true }) as Compose;
const services = compose.services;
const appServices = ['migrate', 'notifier', 'server'];

function composeSchemaValidator() {
  const require = createRequire(import.meta.url);
  const file = path.join(path.dirname(require.resolve('dclint/package.json')), 'schemas', 'compose.schema.json');
  const schema = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  delete schema.$schema; // draft-07 by another URL; ajv's default draft is draft-07
  return new Ajv({ allErrors: true, strict: false, allowUnionTypes: true }).compile(schema);
}

describe('docker-compose.yml', () => {
  it('is valid against the Compose Specification schema (and the validator rejects a broken copy)', () => {
    const validate = composeSchemaValidator();
    expect(validate(compose), JSON.stringify(validate.errors)).toBe(true);
    const broken = structuredClone(compose) as unknown as { services: Record<string, Record<string, unknown>> };
    broken.services.notifier!.enviroment = { X: '1' };
    broken.services.migrate!.depends_on = { db: { condition: 'whenever' } };
    expect(validate(broken)).toBe(false);
    expect(validate.errors?.map((e) => `${e.instancePath} ${e.message}`)).toEqual(expect.arrayContaining([
      '/services/notifier must NOT have additional properties', '/services/migrate/depends_on/db/condition must be equal to one of the allowed values']));
  });

  it('the application image is built with npm ci --omit=dev; nothing from the host is mounted', () => {
    for (const name of appServices) {
      expect(services[name]?.build, name).toEqual({ context: '.', dockerfile: 'docker/app.Dockerfile' });
      expect(services[name]?.volumes, name).toBeUndefined();
    }
    for (const [name, s] of Object.entries(services)) {
      for (const v of s.volumes ?? []) expect(v, name).toMatch(/^[a-z]+:\//); // named volumes only, no bind mount
    }
    const dockerfile = readFileSync(path.join(repoRoot, 'docker', 'app.Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/^FROM node:20[^\n]* AS build$/m);
    expect(dockerfile).toMatch(/^RUN npm run build$/m);
    expect(dockerfile).toMatch(/^RUN npm ci --omit=dev\b/m);
    expect(dockerfile).toContain('COPY --from=build /app/dist ./dist');
    expect(dockerfile).not.toMatch(/npm install/);
    const ignored = readFileSync(path.join(repoRoot, '.dockerignore'), 'utf8').split('\n');
    expect(ignored).toEqual(expect.arrayContaining(['node_modules', 'dist', '.sms-monitor', '.git', '.env']));
  });

  it('passes every variable the notifier reads through to it', () => {
    const config = readFileSync(path.join(repoRoot, 'notifier', 'config.ts'), 'utf8');
    const names = [...new Set([...config.matchAll(/setting\('([A-Z][A-Z0-9_]+)'/g)].map((m) => m[1]!))].sort();
    expect(names).toEqual(expect.arrayContaining(['ALERT_EMAIL_FROM', 'ALERT_EMAIL_TO', 'LOG_LEVEL',
      'PAGERDUTY_EVENTS_URL', 'PAGERDUTY_INTEGRATION_KEY', 'SLACK_WEBHOOK_URL', 'SMTP_URL']));
    const env = services.notifier!.environment!;
    for (const name of names) {
      expect(env[name], name).toMatch(new RegExp(`^\\$\\{${name}(:-[^}]*)?\\}$`));
    }
  });

  it('migrate runs as the owner, the notifier and the server as their own login roles; the URL is built encoded', () => {
    expect(services.migrate!.environment).toMatchObject({ PGUSER: 'postgres', PGHOST: 'db' });
    expect(services.migrate!.command).toEqual(['migrate', '--no-pgtap']);
    expect(services.notifier!.environment).toMatchObject({ PGUSER: 'sms_notifier', PGPASSWORD: '${SMS_MONITOR_NOTIFIER_PASSWORD:?set SMS_MONITOR_NOTIFIER_PASSWORD}' });
    expect(services.notifier!.command).toEqual(['notifier']);
    expect(services.server!.environment).toMatchObject({ PGUSER: 'sms_server', SMS_MONITOR_JWT_SECRET: '${SMS_MONITOR_JWT_SECRET:?set SMS_MONITOR_JWT_SECRET}' });
    expect(services.server!.command).toEqual(['serve', '--host', '0.0.0.0', '--port', '8787']);
    // The owner's password reaches only the database, the migrations and the roles step.
    const withOwnerPassword = Object.entries(services)
      .filter(([, s]) => Object.values(s.environment ?? {}).some((v) => v.includes('POSTGRES_PASSWORD'))).map(([n]) => n);
    expect(withOwnerPassword.sort()).toEqual(['db', 'migrate', 'roles']);
    for (const name of appServices) expect(services[name]!.environment!.DATABASE_URL, name).toBeUndefined();
    expect(services.roles!.command).toEqual(['psql', '-X', '-q', '-f', '/sms-monitor/login-roles.sql']);
    expect(readFileSync(path.join(repoRoot, 'docker', 'Dockerfile'), 'utf8')).toContain('COPY login-roles.sql /sms-monitor/login-roles.sql');
    // Order: db healthy -> migrate -> roles -> notifier, server.
    expect(services.migrate!.depends_on).toEqual({ db: { condition: 'service_healthy' } });
    expect(services.roles!.depends_on).toEqual({ migrate: { condition: 'service_completed_successfully' } });
    expect(services.notifier!.depends_on).toEqual({ roles: { condition: 'service_completed_successfully' } });
    expect(services.server!.depends_on).toEqual({ roles: { condition: 'service_completed_successfully' } });
  });

  it('the database healthcheck asks over TCP', () => {
    const test = services.db!.healthcheck!.test;
    expect(test.slice(0, 2)).toEqual(['CMD', 'pg_isready']);
    expect(test[test.indexOf('-h') + 1]).toBe('127.0.0.1');
  });
});

// ---- what can run here, on a real database ---------------------------------------------------

interface Run { code: number; stdout: string; stderr: string }
function run(cmd: string, args: string[], env: Record<string, string>): Promise<Run> {
  return new Promise((resolve) => {
    execFile(cmd, args, { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env }, timeout: 120_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

function pgEnv(url: string): Record<string, string> {
  const u = new URL(url);
  return { PGHOST: u.hostname, PGPORT: u.port || '5432', PGUSER: decodeURIComponent(u.username),
    PGPASSWORD: decodeURIComponent(u.password), PGDATABASE: decodeURIComponent(u.pathname.slice(1)) };
}

describe('the roles step and the encoded connection string', () => {
  let db: TestDatabase;
  // Roles belong to the whole server (maybe yours, through DATABASE_URL): names of this run only.
  const suffix = `_t${process.pid}_${Date.now() % 100_000}`;
  const notifierRole = `sms_notifier${suffix}`;
  const serverRole = `sms_server${suffix}`;
  const notifierPassword = 'n@t:i/f%y#1 ?&=';
  const serverPassword = "s'rv\\er@:/";
  beforeAll(async () => { db = await freshDatabase(); });
  afterAll(async () => {
    if (db) {
      await db.sql.unsafe(`drop role if exists ${notifierRole}`);
      await db.sql.unsafe(`drop role if exists ${serverRole}`);
      await db.drop();
    }
  });

  const sqlFile = path.join(repoRoot, 'docker', 'login-roles.sql');
  const roles = (env: Record<string, string>) => run('psql', ['-X', '-q', '-f', sqlFile],
    { ...pgEnv(db.url), SMS_MONITOR_NOTIFIER_ROLE: notifierRole, SMS_MONITOR_SERVER_ROLE: serverRole, ...env });
  const urlFor = async (user: string, password: string) => {
    const r = await run('node', [path.join(repoRoot, 'docker', 'database-url.mjs')], { ...pgEnv(db.url), PGUSER: user, PGPASSWORD: password });
    expect(r.code).toBe(0);
    return r.stdout;
  };

  it('database-url.mjs encodes user, password and database; without PGHOST it says what to set', async () => {
    const url = await urlFor('sms_notifier', notifierPassword);
    const u = new URL(url);
    expect(decodeURIComponent(u.password)).toBe(notifierPassword);
    expect(u.username).toBe('sms_notifier');
    expect(u.pathname).toBe(`/${db.name}`);
    expect(url).toBe(`postgres://sms_notifier:${encodeURIComponent(notifierPassword)}@${u.hostname}:${u.port}/${db.name}`);
    expect(url).toBe(`postgres://sms_notifier:n%40t%3Ai%2Ff%25y%231%20%3F%26%3D@${u.hostname}:${u.port}/${db.name}`);
    const none = await run('node', [path.join(repoRoot, 'docker', 'database-url.mjs')], {});
    expect(none).toMatchObject({ code: 2, stdout: '' });
    expect(none.stderr).toContain('set DATABASE_URL, or PGHOST');
  });

  it('login-roles.sql creates the login roles with least privilege, idempotently, and refuses a missing password', async () => {
    const missing = await roles({});
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain('SMS_MONITOR_NOTIFIER_PASSWORD: must be set');

    const first = await roles({ SMS_MONITOR_NOTIFIER_PASSWORD: 'old-password', SMS_MONITOR_SERVER_PASSWORD: serverPassword });
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    // Again, with a new notifier password: no error, and the new password is the one that works.
    const again = await roles({ SMS_MONITOR_NOTIFIER_PASSWORD: notifierPassword, SMS_MONITOR_SERVER_PASSWORD: serverPassword });
    expect(again).toMatchObject({ code: 0, stderr: '' });

    const memberships = await db.sql<Array<{ member: string; role: string; login: boolean }>>`
      select m.rolname as member, r.rolname as role, m.rolcanlogin as login
        from pg_auth_members a join pg_roles m on m.oid = a.member join pg_roles r on r.oid = a.roleid
       where m.rolname in (${notifierRole}, ${serverRole}) order by 1, 2`;
    expect(memberships).toEqual([
      { member: notifierRole, role: 'sms_monitor_notifier', login: true },
      { member: serverRole, role: 'sms_monitor_authenticator', login: true },
    ]);

    const notifier = postgres(await urlFor(notifierRole, notifierPassword), { max: 1, onnotice: () => {} });
    const stale = postgres(await urlFor(notifierRole, 'old-password'), { max: 1, onnotice: () => {}, connect_timeout: 10 });
    const server = postgres(await urlFor(serverRole, serverPassword), { max: 1, onnotice: () => {} });
    try {
      const [due] = await notifier`select sms_monitor.next_sms_notification_due() as due, current_user as who`;
      expect(due).toEqual({ due: null, who: notifierRole });
      // The notifier may not record metrics or tune rules.
      await expect(notifier`select sms_monitor.record_sms_event('sent_count')`).rejects.toMatchObject({ code: '42501' });
      await expect(notifier`update sms_monitor.sms_alert_thresholds set is_enabled = false`).rejects.toMatchObject({ code: '42501' });
      await expect(stale`select 1`).rejects.toMatchObject({ code: '28P01' });
      // The server has no rights of its own (NOINHERIT): it reads only after switching to a role
      // a token names, as serve does per request.
      await expect(server`select sms_monitor.api_metrics_summary()`).rejects.toMatchObject({ code: '42501' });
      const summary = await server.begin(async (tx) => {
        await tx`set local role sms_monitor_reader`;
        return tx`select (sms_monitor.api_metrics_summary() ->> 'success')::boolean as ok`;
      });
      expect([...summary]).toEqual([{ ok: true }]);
      await expect(server.begin((tx) => tx`set local role postgres`)).rejects.toMatchObject({ code: '42501' });
      // The server is no owner: the pg_cron schedule and the schema's objects are not its to change.
      await expect(server`select sms_monitor.uninstall_sms_monitor_schedule()`).rejects.toMatchObject({ code: '42501' });
      await expect(server`create table sms_monitor.intruder (id int)`).rejects.toMatchObject({ code: '42501' });
    } finally {
      await Promise.all([notifier.end(), stale.end(), server.end()]);
    }
  }, 120_000);
});
