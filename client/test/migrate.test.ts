// `sms-monitor migrate` on someone's existing database: a non-superuser owner, no pg_cron.
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { migrateDatabase } from '../migrate.ts';
import { withDatabase } from '../../test/db-url.ts';

const suffix = randomBytes(4).toString('hex');
const role = `sms_limited_${suffix}`;
const dbName = `sms_monitor_migrate_${suffix}`;
const password = randomBytes(12).toString('hex');
let admin: postgres.Sql;
let url: string;

beforeAll(async () => {
  const adminUrl = inject('adminUrl');
  admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create role ${role} login password '${password}' createdb`);
  await admin.unsafe(`create database ${dbName} owner ${role}`);
  const u = new URL(withDatabase(adminUrl, dbName));
  u.username = role;
  u.password = password;
  url = u.toString();
});

afterAll(async () => {
  // graphile-migrate ends its pools without waiting for them (pgReal's _reallyRelease): a
  // connection still closing when `drop database ... with (force)` terminates it reaches
  // graphile-migrate's pool error handler, which calls process.exit(1) (seen under load). Wait
  // for every connection to this database to be gone first (a deadline only on failure).
  const deadline = Date.now() + 30_000;
  while ((await admin.unsafe(`select count(*)::int as n from pg_stat_activity where datname = '${dbName}'`))[0]!.n > 0) {
    if (Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  await admin.unsafe(`drop database if exists ${dbName} with (force)`);
  await admin.unsafe(`drop role if exists ${role}`);
  await admin.end();
});

describe('migrate on an existing database', () => {
  it('refuses up front, saying what to do, when the user may not create roles', async () => {
    await expect(migrateDatabase(url, { log: () => {} })).rejects.toThrow(
      `user "${role}" may not create roles; the migrations create and grant the roles sms_monitor_writer, `
      + 'sms_monitor_reader, sms_monitor_admin, sms_monitor_self, sms_monitor_notifier: run them as a user '
      + `with CREATEROLE (for example: alter role ${role} createrole)`);
    const [row] = await admin.unsafe(`select count(*)::int as n from pg_database where datname = '${dbName}'`);
    expect(row).toEqual({ n: 1 });
  });

  it('migrates as a CREATEROLE non-superuser and says why pg_cron was skipped', async () => {
    await admin.unsafe(`alter role ${role} createrole`);
    const lines: string[] = [];
    const outcomes = await migrateDatabase(url, { includeCurrent: true, log: (m) => lines.push(m) });
    expect(outcomes[0]).toEqual({
      name: 'pg_cron',
      status: 'skipped',
      reason: 'only a superuser may create pg_cron (or read its settings); ask one to run `create extension pg_cron` '
        + 'in cron.database_name, then `select sms_monitor.install_sms_monitor_schedule()`',
    });
    expect(lines[0]).toMatch(/^\[migrate\] pg_cron: skipped: only a superuser/);
    const sql = postgres(url, { max: 1, onnotice: () => {} });
    try {
      await sql`select sms_monitor.record_sms_event('sent_count', null, 3, '2026-01-05T10:00:00Z')`;
      const rows = await sql`select metric_value::int as v from sms_monitor.sms_metrics`;
      expect(rows).toEqual([{ v: 3 }]);
      // Running it again is a no-op.
      await migrateDatabase(url, { log: () => {} });
    } finally {
      await sql.end();
    }
  });
});
