// The pg_cron jobs really run (not only on paper): wait for
// pg_cron to run sms-monitor-check-alerts in the cluster's cron database and assert it succeeded.
// pg_cron 1.4 schedules by the minute, so this waits up to ~70 s for the next minute boundary;
// it waits on the observable run record, not on a fixed sleep.
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { migrateDatabase } from '../migrate.ts';
import { withDatabase } from '../../test/db-url.ts';

let sql: postgres.Sql | undefined;
let cronDb: string | null = null;

beforeAll(async () => {
  const adminUrl = inject('adminUrl');
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    const [row] = await admin<{ db: string | null }[]>`select current_setting('cron.database_name', true) as db`;
    cronDb = row?.db ?? null;
    if (cronDb) {
      const [exists] = await admin`select count(*)::int as n from pg_database where datname = ${cronDb}`;
      if (exists?.n !== 1) cronDb = null;
    }
  } finally {
    await admin.end();
  }
  if (!cronDb) return;
  const url = withDatabase(adminUrl, cronDb);
  sql = postgres(url, { max: 1, onnotice: () => {} });
  // npm test migrates this database before the pgTAP run; a standalone vitest run may find it empty.
  // Not again when it is migrated: current.sql's DDL would queue behind the rollup job running there.
  const [migrated] = await sql<{ ok: boolean }[]>`select to_regprocedure('sms_monitor.check_sms_alerts()') is not null as ok`;
  if (!migrated?.ok) await migrateDatabase(url, { includeCurrent: true, log: () => {} });
}, 120_000);

afterAll(async () => { await sql?.end(); });

describe('pg_cron schedule', () => {
  it.skipIf(process.env.DATABASE_URL !== undefined && process.env.TEST_ADMIN_URL === process.env.DATABASE_URL)(
    'runs sms-monitor-check-alerts and it succeeds', async () => {
      expect(cronDb, 'the test cluster has a cron database').not.toBeNull();
      const db = sql!;
      const [job] = await db<{ jobid: number; command: string }[]>`
        select jobid, command from cron.job where jobname = 'sms-monitor-check-alerts'`;
      expect(job?.command).toBe('select sms_monitor.check_sms_alerts()');
      const since = (await db<{ since: Date }[]>`select now() as since`)[0]!.since;
      // pg_cron starts the job at the next whole minute (up to 60 s away) and records its outcome once
      // the rollup job running beside it ends (up to 55 s later: pg_cron 1.4's launcher waits for it).
      // A generous deadline, only ever reached on failure.
      const deadline = Date.now() + 200_000;
      let run: { status: string; return_message: string } | undefined;
      while (!run) {
        [run] = await db<{ status: string; return_message: string }[]>`
          select status, return_message from cron.job_run_details
           where jobid = ${job!.jobid} and start_time >= ${since} and status in ('succeeded', 'failed')
           order by start_time limit 1`;
        if (run) break;
        if (Date.now() > deadline) throw new Error('pg_cron did not run the job within 200 s');
        await new Promise((r) => setTimeout(r, 500));
      }
      expect(run).toEqual({ status: 'succeeded', return_message: 'SELECT 10' });
    }, 220_000);
});
