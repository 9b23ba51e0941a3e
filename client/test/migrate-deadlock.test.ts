// A migration that loses a deadlock to a running job (40P01) is run again; other errors are not.
// The deadlock is real: two sessions lock two tables in opposite orders. PostgreSQL checks for a
// deadlock once, deadlock_timeout after a session starts to wait, and rolls back the session that
// checks: so the job asks first and waits with a long timeout, and the migration closes the cycle
// last with a short one. Whatever the machine's speed, the migration is the one rolled back.
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { migrateRetryingDeadlocks } from '../migrate.ts';

const suffix = randomBytes(4).toString('hex');
const a = `deadlock_a_${suffix}`;
const b = `deadlock_b_${suffix}`;
let admin: postgres.Sql;

beforeAll(async () => {
  admin = postgres(inject('adminUrl'), { max: 1, onnotice: () => {} });
  await admin.unsafe(`create table ${a} (x int); create table ${b} (x int)`);
});
afterAll(async () => {
  await admin.unsafe(`drop table if exists ${a}, ${b}`);
  await admin.end();
});

describe('migrateRetryingDeadlocks', () => {
  it('runs a migration rolled back by a deadlock again, and it then succeeds', async () => {
    const job = postgres(inject('adminUrl'), { max: 1, onnotice: () => {} });
    const migration = postgres(inject('adminUrl'), { max: 1, onnotice: () => {} });
    const log: string[] = [];
    let attempts = 0;
    try {
      // the "job" holds a and will want b; the first attempt holds b and then wants a
      let locked!: () => void;
      const jobLocked = new Promise<void>((resolve) => { locked = resolve; });
      const waitFor = async (tx: postgres.TransactionSql, table: string, granted: boolean) => {
        while ((await tx.unsafe(`select count(*)::int as n from pg_locks l join pg_class c on c.oid = l.relation
                                  where c.relname = '${table}' and l.mode = 'AccessExclusiveLock' and l.granted = ${granted}
                                    and l.pid <> pg_backend_pid()`))[0]!.n === 0) {
          await tx.unsafe('select pg_sleep(0.01)');
        }
      };
      const jobDone = job.begin(async (tx) => {
        await tx.unsafe(`set local deadlock_timeout = '60s'; lock table ${a}`);
        locked();
        // once the migration holds b, ask for b: the job waits (no cycle yet)
        await waitFor(tx, b, true);
        await tx.unsafe(`lock table ${b}`);
      });
      await jobLocked;
      await migrateRetryingDeadlocks(async () => {
        attempts++;
        await migration.begin(async (tx) => {
          await tx.unsafe(`set local deadlock_timeout = '50ms'; lock table ${b}`);
          if (attempts === 1) {
            await waitFor(tx, b, false); // the job waits for b now
            await tx.unsafe(`lock table ${a}`); // closes the cycle: this session checks first
          }
          await tx.unsafe(`insert into ${b} values (${attempts})`);
        });
      }, (m) => log.push(m));
      await jobDone;
    } finally {
      await Promise.all([job.end(), migration.end()]);
    }
    expect(attempts).toBe(2);
    expect(log).toEqual([
      '[migrate] deadlock with a running job (40P01): that migration was rolled back; running it again (2 of 5)']);
    expect(await admin.unsafe(`select x from ${b}`)).toEqual([{ x: 2 }]);
  });

  it('does not run a migration again for another error', async () => {
    let attempts = 0;
    const error = await migrateRetryingDeadlocks(async () => {
      attempts++;
      throw Object.assign(new Error('syntax error'), { code: '42601' });
    }, () => {}).catch((e: unknown) => e);
    expect([attempts, (error as { code: string }).code]).toEqual([1, '42601']);
  });
});
