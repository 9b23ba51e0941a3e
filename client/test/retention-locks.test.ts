// Retention beside the message fold, on a real PostgreSQL: a fold holds the 'sms_messages'
// watermark row from its claim to its commit and writes its counters to the event log in
// between; retention moves the message buckets' cut on that row and drops and creates log
// partitions. Retention takes the row before any lock on the log, so it waits for the fold
// without holding what the fold still needs: no deadlock, both finish.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase, type TestDatabase } from '../../test/db.ts';
import { waitFor } from '../../test/client-helpers.ts';

let db: TestDatabase;
beforeAll(async () => { db = await freshDatabase(); });
afterAll(async () => { await db?.drop(); });

describe('retention and the message fold', () => {
  it('retention waits for a fold mid-run holding no lock on the event log, then both finish', async () => {
    const fold = db.connect({ max: 1 });
    const retention = db.connect({ max: 1, fetch_types: false, connection: { application_name: 'retention-under-test' } });
    let release!: () => void;
    const released = new Promise<void>((r) => { release = r; });
    let folding!: () => void;
    const claimed = new Promise<void>((r) => { folding = r; });
    // the fold: its claim's row lock, then (after retention is waiting) its counters into the log
    const foldDone = fold.begin(async (tx) => {
      await tx`select 1 from sms_monitor.sms_rollup_watermarks where rollup_name = 'sms_messages' for update`;
      folding();
      await released;
      await tx`select sms_monitor.record_sms_event('sent_count', 'c1000000-0000-0000-0000-000000000001'::uuid, 3, now())`;
    });
    await claimed;
    const retentionDone = retention`select target, deleted from sms_monitor._apply_sms_retention(now())`.execute();
    const waiting = await waitFor(async () => {
      const rows = await db.sql<Array<{ pid: number }>>`select a.pid from pg_stat_activity a
        where a.datname = current_database() and a.application_name = 'retention-under-test' and a.wait_event_type = 'Lock'`;
      return rows[0];
    }, 'retention waiting for the fold');
    const held = await db.sql<Array<{ relation: string }>>`select l.relation::regclass::text as relation from pg_locks l
      join pg_class c on c.oid = l.relation
      where l.pid = ${waiting.pid} and l.granted and c.relname like 'sms_metric_events%'`;
    expect(held).toEqual([]);
    release();
    await foldDone;
    const result = await retentionDone;
    expect(result.map((r) => r.target)).toContain('sms_monitor.sms_message_minute_stats');
    const [sum] = await db.sql<Array<{ sent: string }>>`select coalesce(sum(metric_value), 0)::text as sent
      from sms_monitor.sms_metrics where metric_type = 'sent_count'`;
    expect(sum!.sent).toBe('3');
  }, 60_000);
});
