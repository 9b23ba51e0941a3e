// check_sms_alerts run by several schedulers at once: one breach opens exactly one incident and
// queues each notification once; the outbox NOTIFY carries the new ids. Real PostgreSQL, several
// connections, time controlled through p_now.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type postgres from 'postgres';
import { freshDatabase, type TestDatabase } from '../../test/db.ts';
import { OUTBOX_NOTIFY_CHANNEL } from '../../client/generated/enums.ts';

let db: TestDatabase;
beforeAll(async () => {
  db = await freshDatabase();
  // Two channels on the delivery rule, so "once per channel" is visible.
  await db.sql`update sms_monitor.sms_alert_thresholds set notification_channels = '{pagerduty,slack}'
                 where alert_type = 'delivery_rate_critical'`;
});
afterAll(async () => { await db?.drop(); });

async function delivery(date: string, hour: number, sent: number, delivered: number): Promise<void> {
  await db.sql`select sms_monitor._record_metric(${date}::date, ${hour}, null, 'sent_count', ${sent})`;
  await db.sql`select sms_monitor._record_metric(${date}::date, ${hour}, null, 'delivered_count', ${delivered})`;
}

/** Runs check_sms_alerts(p_now) on each pool at once; returns the delivery rule's action per run. */
async function checkAll(pools: postgres.Sql[], now: string): Promise<string[]> {
  const runs = await Promise.all(pools.map((p) => p<{ action: string }[]>`
    select action from sms_monitor._alert_evaluate(${now}::timestamptz) where alert_type = 'delivery_rate_critical'`));
  return runs.map((r) => r[0]!.action).sort();
}

async function waitFor(pred: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await pred())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setImmediate(r));
  }
}

async function outbox(): Promise<string[]> {
  const rows = await db.sql<{ k: string }[]>`
    select h.triggered_at::text || ' ' || n.channel || '/' || n.event as k
      from sms_monitor.sms_alert_notifications n join sms_monitor.sms_alert_history h on h.id = n.alert_id
     order by n.id`;
  return rows.map((r) => r.k);
}

describe('concurrent check_sms_alerts', () => {
  it('8 checks released at the same instant: one incident, one trigger per channel', async () => {
    await delivery('2030-05-01', 10, 100, 80);
    // A blocker holds the rule's lock so all 8 checks queue on the rule locks (each takes every
    // rule's lock, in name order, before computing anything); once pg_stat_activity shows 8
    // waiters, the blocker lets go and they race for the incident. The first evaluates; the others
    // find the rule already evaluated at that instant and skip it.
    const blocker = db.connect({ max: 1 });
    const pools = Array.from({ length: 8 }, () => db.connect({ max: 1 }));
    const released = blocker.begin(async (tx) => {
      await tx`insert into sms_monitor.sms_alert_rule_state (alert_type) values ('delivery_rate_critical') on conflict do nothing`;
      await tx`select 1 from sms_monitor.sms_alert_rule_state where alert_type = 'delivery_rate_critical' for update`;
      const running = checkAll(pools, '2030-05-01 10:30Z');
      await waitFor(async () => {
        const [r] = await db.sql<{ n: number }[]>`select count(*)::int as n from pg_stat_activity
          where datname = current_database() and wait_event_type = 'Lock'`;
        return r!.n === 8;
      }, '8 checks waiting on the rule lock');
      return [running] as const; // not awaited here: the checks finish only after this commits
    });
    const actions = await (await released)[0];
    expect(actions).toEqual(['fired', 'skipped', 'skipped', 'skipped', 'skipped', 'skipped', 'skipped', 'skipped']);
    const incidents = await db.sql`select count(*)::int as n from sms_monitor.sms_alert_history where alert_type = 'delivery_rate_critical'`;
    expect(incidents[0]!.n).toBe(1);
    expect(await outbox()).toEqual([
      '2030-05-01 10:30:00+00 pagerduty/trigger',
      '2030-05-01 10:30:00+00 slack/trigger',
    ]);
  });

  it('free-running checks from several connections over a whole incident queue each event once', async () => {
    const pools = Array.from({ length: 6 }, () => db.connect({ max: 1 }));
    // still breached at 11:30 (cooldown 60 since 10:30): exactly one repeat however many run
    await delivery('2030-05-01', 11, 100, 80);
    expect(await checkAll(pools, '2030-05-01 11:30Z')).toEqual(
      ['repeated', 'skipped', 'skipped', 'skipped', 'skipped', 'skipped']);
    // recovered at 13:10 (hours 12-13 at 100 %): exactly one resolve per channel
    await delivery('2030-05-01', 12, 100, 100);
    expect(await checkAll(pools, '2030-05-01 13:10Z')).toEqual(['resolved', 'skipped', 'skipped', 'skipped', 'skipped', 'skipped']);
    // more rounds change nothing: one of each round evaluates, the rest skip
    for (let round = 0; round < 3; round++) {
      expect(await checkAll(pools, `2030-05-01 13:2${round}Z`)).toEqual(['ok', 'skipped', 'skipped', 'skipped', 'skipped', 'skipped']);
    }
    // runs for different instants at once: whichever order they get the locks in, an older one
    // that comes after a newer one skips, so the rule state ends at the newest instant
    const instants = pools.map((_, i) => `2030-05-01 13:3${i}Z`);
    await Promise.all(pools.map((p, i) => p`select * from sms_monitor._alert_evaluate(${instants[i]!}::timestamptz)`));
    const [state] = await db.sql<{ t: string }[]>`select last_evaluated_at::text as t from sms_monitor.sms_alert_rule_state
      where alert_type = 'delivery_rate_critical'`;
    expect(state!.t).toBe('2030-05-01 13:35:00+00');
    expect(await outbox()).toEqual([
      '2030-05-01 10:30:00+00 pagerduty/trigger',
      '2030-05-01 10:30:00+00 slack/trigger',
      '2030-05-01 10:30:00+00 pagerduty/repeat',
      '2030-05-01 10:30:00+00 slack/repeat',
      '2030-05-01 10:30:00+00 pagerduty/resolve',
      '2030-05-01 10:30:00+00 slack/resolve',
    ]);
    const open = await db.sql`select count(*)::int as n from sms_monitor.sms_alert_history where resolved_at is null`;
    expect(open[0]!.n).toBe(0);
  });

  it('a manual resolve racing a check: the incident is resolved once and told once', async () => {
    await delivery('2030-05-02', 10, 100, 50);
    const [fired] = await db.sql<{ alert_id: string }[]>`
      select alert_id from sms_monitor._alert_evaluate('2030-05-02 10:30Z') where alert_type = 'delivery_rate_critical'`;
    const pools = Array.from({ length: 4 }, () => db.connect({ max: 1 }));
    await Promise.all(pools.map((p, i) => (i % 2
      ? p`select sms_monitor._alert_resolve(${fired!.alert_id}::uuid, ${`op${i}`}, '2030-05-02 10:35Z')`
      : p`select * from sms_monitor._alert_evaluate('2030-05-02 10:35Z')`)));
    // a check that ran after the resolve saw 50 % and opened a new incident: close it for the next test
    await db.sql`select sms_monitor._alert_resolve(id, 'test', '2030-05-02 10:40Z')
                   from sms_monitor.sms_alert_history where resolved_at is null`;
    const rows = await db.sql<{ event: string; n: number }[]>`
      select event, count(*)::int as n from sms_monitor.sms_alert_notifications
       where alert_id = ${fired!.alert_id} group by event order by event`;
    expect(rows).toEqual([{ event: 'resolve', n: 2 }, { event: 'trigger', n: 2 }]);
    const [h] = await db.sql`select resolved_by from sms_monitor.sms_alert_history where id = ${fired!.alert_id}`;
    expect(['op1', 'op3']).toContain(h!.resolved_by);
  });
});

describe('outbox NOTIFY', () => {
  it('inserting notifications NOTIFYs the new ids as a JSON array (cut to fit 7000 bytes)', async () => {
    const listener = db.connect({ max: 1 });
    const payloads: string[] = [];
    await listener.listen(OUTBOX_NOTIFY_CHANNEL, (p) => { payloads.push(p); });
    await delivery('2030-05-03', 10, 100, 10);
    await db.sql`select * from sms_monitor._alert_evaluate('2030-05-03 10:30Z')`;
    const ids = (await db.sql<{ id: string }[]>`
      select n.id::text as id from sms_monitor.sms_alert_notifications n join sms_monitor.sms_alert_history h on h.id = n.alert_id
       where h.triggered_at = '2030-05-03 10:30Z' order by n.id`).map((r) => Number(r.id));
    expect(ids).toHaveLength(2);
    await waitFor(async () => payloads.length === 1, 'the NOTIFY of the trigger');
    expect(JSON.parse(payloads[0]!)).toEqual(ids);

    // 2,000 rows in one statement: one NOTIFY with the first ids that fit
    const [alert] = await db.sql<{ id: string }[]>`select id from sms_monitor.sms_alert_history order by triggered_at desc limit 1`;
    const inserted = await db.sql<{ id: string }[]>`
      insert into sms_monitor.sms_alert_notifications (alert_id, channel, event, payload)
      select ${alert!.id}::uuid, 'log', 'repeat', '{}'::jsonb from generate_series(1, 2000) returning id::text as id`;
    await waitFor(async () => payloads.length === 2, 'the NOTIFY of the bulk insert');
    const big = payloads[1]!;
    expect(Buffer.byteLength(big)).toBeLessThanOrEqual(7000);
    const got = JSON.parse(big) as number[];
    const all = inserted.map((r) => Number(r.id)).sort((a, b) => a - b);
    expect(got.length).toBeGreaterThan(100);
    expect(got.length).toBeLessThan(2000);
    expect(got).toEqual(all.slice(0, got.length));
  });
});
