// Alert powers: behaviours that need more than one session: preview_sms_alerts sends no NOTIFY (a real
// LISTEN connection), and an acknowledge that commits while a resolve from an older transaction
// waits still leaves acknowledged_at <= resolved_at.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase, type TestDatabase } from '../../test/db.ts';
import { OUTBOX_NOTIFY_CHANNEL } from '../../client/generated/enums.ts';
import { waitFor } from '../../test/client-helpers.ts';

let db: TestDatabase;
beforeAll(async () => { db = await freshDatabase(); });
afterAll(async () => { await db?.drop(); });

/** 50 % delivery in the current hour and the two before: the delivery rule is breached at now(). */
async function badHours(): Promise<void> {
  await db.sql`
    select sms_monitor._record_metric(((now() - make_interval(hours => k)) at time zone 'UTC')::date,
             extract(hour from (now() - make_interval(hours => k)) at time zone 'UTC')::int, null, t.type, t.v)
      from generate_series(0, 2) k, (values ('sent_count', 100), ('delivered_count', 50)) t(type, v)`;
}

describe('preview_sms_alerts', () => {
  it('sends no NOTIFY and queues nothing; the check after it does', async () => {
    await badHours();
    const listener = db.connect({ max: 1 });
    const seen: string[] = [];
    await listener.listen(OUTBOX_NOTIFY_CHANNEL, (p) => { seen.push(`outbox ${p}`); });
    await listener.listen('issue10_marker', (p) => { seen.push(`marker ${p}`); });

    const preview = await db.sql<Array<{ action: string }>>`
      select action from sms_monitor.preview_sms_alerts() where alert_type = 'delivery_rate_critical'`;
    expect(preview[0]?.action).toBe('fired');
    // NOTIFYs reach a listener in commit order: once the marker sent after the preview arrives,
    // any NOTIFY of the preview would have arrived before it.
    await db.sql`select pg_notify('issue10_marker', 'after preview')`;
    await waitFor(async () => seen.includes('marker after preview'), 'the marker');
    expect(seen).toEqual(['marker after preview']);
    const [{ n } = { n: -1 }] = await db.sql<Array<{ n: number }>>`select count(*)::int as n from sms_monitor.sms_alert_notifications`;
    expect(n).toBe(0);

    const check = await db.sql<Array<{ action: string }>>`
      select action from sms_monitor.check_sms_alerts() where alert_type = 'delivery_rate_critical'`;
    expect(check[0]?.action).toBe('fired');
    await waitFor(async () => seen.length === 2, 'the NOTIFY of the real trigger');
    expect(seen[1]).toMatch(/^outbox \[\d+\]$/);
  });
});

describe('acknowledge and resolve at once', () => {
  it('a resolve from a transaction that began before a committed acknowledge is not dated before it', async () => {
    const [open] = await db.sql<Array<{ id: string }>>`
      select id from sms_monitor.sms_alert_history where resolved_at is null and alert_type = 'delivery_rate_critical'`;
    expect(open).toBeDefined();
    const resolver = db.connect({ max: 1 });
    const acker = db.connect({ max: 1 });
    // The resolver's transaction starts first: its now() (the default p_now) is earlier than the
    // acknowledge's, which commits before the resolve runs.
    const result = await resolver.begin(async (tx) => {
      const [{ t0 } = { t0: new Date(0) }] = await tx<Array<{ t0: Date }>>`select now() as t0`;
      await acker`select sms_monitor.acknowledge_sms_alert(${open!.id}::uuid, 'alice')`;
      const [row] = await tx<Array<{ acknowledged_at: Date; resolved_at: Date }>>`
        select acknowledged_at, resolved_at from sms_monitor.resolve_sms_alert(${open!.id}::uuid, 'bob')`;
      return { t0, row: row! };
    });
    expect(result.row.acknowledged_at.getTime()).toBeGreaterThan(result.t0.getTime());
    // resolved_at never precedes acknowledged_at (a resolve stamped t0 before a later ack)
    expect(result.row.resolved_at.getTime()).toBeGreaterThanOrEqual(result.row.acknowledged_at.getTime());
    const [stored] = await db.sql<Array<{ ok: boolean }>>`
      select acknowledged_at <= resolved_at as ok from sms_monitor.sms_alert_history where id = ${open!.id}::uuid`;
    expect(stored).toEqual({ ok: true });
  });
});
