// The append-only log and its incremental rollup under concurrency, on a real PostgreSQL: writers
// on several connections race rollup runs that overlap each other and a retention run; every
// reader then answers exactly what was written, to the unit, before and after a final rollup. A
// rollup whose backend is terminated (while it waits for a writer, and after it aggregated but
// before it committed) loses and doubles nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase, type TestDatabase } from '../../test/db.ts';
import { waitFor } from '../../test/client-helpers.ts';
import { seededRandom } from '../../cli/simulate.ts';

let db: TestDatabase;
beforeAll(async () => { db = await freshDatabase(); });
afterAll(async () => { await db?.drop(); });

const userOf = (n: number) => `d2000000-0000-0000-0000-${String(n).padStart(12, '0')}`;

/** What every reader says for the test's users today: from the buckets, the daily views, top users. */
async function readers(sql: TestDatabase['sql']) {
  const [buckets] = await sql`select coalesce(sum(metric_value) filter (where metric_type = 'sent_count'), 0)::text as sent,
      coalesce(sum(metric_value) filter (where metric_type = 'delivered_count'), 0)::text as delivered,
      coalesce(sum(sample_count) filter (where metric_type = 'sent_count'), 0)::text as samples
    from sms_monitor.sms_metrics where user_id::text like 'd2000000-%'`;
  const [perUser] = await sql`select coalesce(sum(sent_count), 0)::text as sent, coalesce(sum(delivered_count), 0)::text as delivered
    from sms_monitor.sms_metrics_user_daily where user_id::text like 'd2000000-%'`;
  const [daily] = await sql`select coalesce(sum(sent_count), 0)::text as sent, coalesce(sum(delivered_count), 0)::text as delivered
    from sms_monitor.sms_metrics_daily`;
  const [today] = await sql`select (sms_monitor.api_today_metrics(now()) -> 'data' ->> 'sent_count') as sent`;
  const [top] = await sql`select coalesce(sum((e ->> 'sent')::bigint), 0)::text as sent
    from jsonb_array_elements(sms_monitor.api_top_users(1, 'sent', 100) -> 'data') e`;
  return { buckets, perUser, daily, today: today!.sent, top: top!.sent };
}

describe('exactly once under concurrent writers, overlapping rollups and retention', () => {
  it('every reader equals what was written, before and after the final rollup', async () => {
    const random = seededRandom(20261204);
    const writers = db.connect({ max: 6 });
    const rollers = db.connect({ max: 3 });
    let sent = 0, delivered = 0, samples = 0;
    const writer = async (w: number) => {
      for (let i = 0; i < 60; i++) {
        const u = userOf(1 + Math.floor(random() * 20));
        const pick = Math.floor(random() * 3);
        if (pick === 0) {
          const v = 1 + Math.floor(random() * 5);
          sent += v; samples++;
          await writers`select sms_monitor.record_sms_event('sent_count', ${u}::uuid, ${v}, now() - interval '1 second')`;
        } else if (pick === 1) {
          delivered += 2;
          await writers`select sms_monitor.record_sms_metric(sms_monitor.reporting_today(), extract(hour from now() at time zone 'UTC')::int,
            ${u}::uuid, 'delivered_count', 2)`;
        } else {
          const n = 1 + Math.floor(random() * 50);
          const events = Array.from({ length: n }, () => ({ metric_type: 'sent_count', user_id: u, value: 1 }));
          sent += n; samples += n;
          await writers`select sms_monitor.record_sms_events(${writers.json(events)}, ${crypto.randomUUID()}::uuid)`;
        }
      }
      return w;
    };
    let rolling = true;
    let runs = 0;
    const roller = async () => {
      while (rolling) {
        await rollers`select sms_monitor.rollup_sms_metrics()`;
        runs++;
      }
    };
    const rolls = [roller(), roller()];
    const retention = rollers`select * from sms_monitor.apply_sms_retention()`;
    try {
      await Promise.all(Array.from({ length: 6 }, (_, w) => writer(w)));
      await retention;
    } finally {
      rolling = false;
      await Promise.allSettled(rolls);
    }
    expect(runs).toBeGreaterThan(0);

    const expected = {
      buckets: { sent: String(sent), delivered: String(delivered), samples: String(samples) },
      perUser: { sent: String(sent), delivered: String(delivered) },
      daily: { sent: String(sent), delivered: String(delivered) },
      today: String(sent),
      top: String(sent),
    };
    expect(await readers(db.sql)).toEqual(expected);
    await db.sql`select sms_monitor.rollup_sms_metrics()`;
    const [tail] = await db.sql`select count(*)::int as n from sms_monitor.sms_metric_events
      where id > (select last_id from sms_monitor.sms_rollup_watermarks where rollup_name = 'sms_metrics')`;
    expect(tail!.n).toBe(0);
    expect(await readers(db.sql)).toEqual(expected);
    const [rolled] = await db.sql`select sum(metric_value) filter (where metric_type = 'sent_count')::text as sent
      from sms_monitor.sms_metric_rollups where user_id::text like 'd2000000-%'`;
    expect(rolled!.sent).toBe(String(sent));
    await writers.end({ timeout: 1 });
    await rollers.end({ timeout: 1 });
  });
});

describe('a rollup terminated mid-run', () => {
  async function state() {
    const [w] = await db.sql`select last_id::text as last_id from sms_monitor.sms_rollup_watermarks where rollup_name = 'sms_metrics'`;
    const [r] = await db.sql`select coalesce(sum(metric_value), 0)::text as v from sms_monitor.sms_metric_rollups
      where user_id = ${userOf(99)}::uuid`;
    const [m] = await db.sql`select coalesce(sum(metric_value), 0)::text as v from sms_monitor.sms_metrics
      where user_id = ${userOf(99)}::uuid`;
    return { watermark: w!.last_id, rollups: r!.v, live: m!.v };
  }

  it('while it waits for an in-flight writer: nothing lost, nothing doubled', async () => {
    await db.sql`select sms_monitor.rollup_sms_metrics()`;
    await db.sql`select sms_monitor.record_sms_event('opt_out_count', ${userOf(99)}::uuid, 5, now())`;
    const before = await state();
    expect(before.live).toBe('5');
    const writer = await db.sql.reserve();
    const rollerPool = db.connect({ max: 1 });
    try {
      await writer`begin`;
      await writer`select sms_monitor.record_sms_event('opt_out_count', ${userOf(99)}::uuid, 7, now())`;
      const pid = (await rollerPool<{ pid: number }[]>`select pg_backend_pid() as pid`)[0]!.pid;
      const run = rollerPool`select sms_monitor.rollup_sms_metrics()`.then(() => 'finished', (e: { code?: string }) => e.code);
      // the rollup holds its advisory lock and the watermark row and waits for the writer's lock
      await waitFor(async () => (await db.sql`select 1 from pg_locks where pid = ${pid} and not granted`).length > 0,
        'the rollup to wait for the writer');
      await db.sql`select pg_terminate_backend(${pid})`;
      // postgres.js reports the connection the server closed (FATAL 57P01) as CONNECTION_CLOSED
      expect(['57P01', 'CONNECTION_CLOSED']).toContain(await run);
      expect(await state()).toEqual(before);
      await writer`commit`;
    } finally {
      writer.release();
      await rollerPool.end({ timeout: 1 });
    }
    expect((await state()).live).toBe('12');
    await db.sql`select sms_monitor.rollup_sms_metrics()`;
    expect(await state()).toMatchObject({ rollups: '12', live: '12' });
  });

  it('after it aggregated, before it committed: nothing lost, nothing doubled', async () => {
    await db.sql`select sms_monitor.record_sms_event('opt_out_count', ${userOf(99)}::uuid, 30, now())`;
    const before = await state();
    expect(before).toMatchObject({ rollups: '12', live: '42' });
    const rollerPool = db.connect({ max: 1 });
    const roller = await rollerPool.reserve();
    try {
      const pid = (await roller<{ pid: number }[]>`select pg_backend_pid() as pid`)[0]!.pid;
      await roller`begin`;
      const n = (await roller<{ n: number }[]>`select sms_monitor.rollup_sms_metrics()::int as n`)[0]!.n;
      expect(n).toBe(1);
      expect(await state()).toEqual(before); // not committed: others still read the tail
      await db.sql`select pg_terminate_backend(${pid})`;
      await waitFor(async () => (await db.sql`select 1 from pg_stat_activity where pid = ${pid}`).length === 0,
        'the terminated backend to go');
    } finally {
      roller.release();
      await rollerPool.end({ timeout: 1 });
    }
    expect(await state()).toEqual(before);
    await db.sql`select sms_monitor.rollup_sms_metrics()`;
    expect(await state()).toMatchObject({ rollups: '42', live: '42' });
  });
});

describe('run_sms_rollups (the pg_cron job body)', () => {
  it('rolls up and commits each run; bad arguments are 22023', async () => {
    await db.sql`select sms_monitor.record_sms_event('scheduled_count', ${userOf(98)}::uuid, 4, now())`;
    const tail = async () => (await db.sql<{ n: number }[]>`select count(*)::int as n from sms_monitor.sms_metric_events
      where id > (select last_id from sms_monitor.sms_rollup_watermarks where rollup_name = 'sms_metrics')`)[0]!.n;
    expect(await tail()).toBe(1);
    await db.sql`call sms_monitor.run_sms_rollups(0, 0.1)`;
    expect(await tail()).toBe(0);
    const [r] = await db.sql`select sum(metric_value)::int as v from sms_monitor.sms_metric_rollups where user_id = ${userOf(98)}::uuid`;
    expect(r).toEqual({ v: 4 });
    const err = await db.sql`call sms_monitor.run_sms_rollups(-1)`.then(() => null, (e: { code?: string; message?: string }) => e);
    expect(err).toMatchObject({ code: '22023', message: 'seconds: must be between 0 and 3600 (got -1)' });
  });
});

describe('_rebuild_system_rollups (the upgrade backfill)', () => {
  it('waits for a rollup run under way, so the per-user days that run adds are summed too', async () => {
    const day = '2031-05-01';
    const holder = await db.sql.reserve();
    const rebuilder = db.connect({ max: 1 });
    try {
      // a rollup run under way: it holds the rollup's lock and adds to the per-user day grain
      await holder`begin`;
      await holder`select pg_advisory_xact_lock(hashtext('sms_monitor rollup'), hashtext('sms_metrics'))`;
      await holder`insert into sms_monitor.sms_metric_rollups_daily (user_id, metric_type, metric_date, metric_value, sample_count)
        values (${userOf(77)}::uuid, 'sent_count', ${day}::date, 4, 4)`;
      const pid = (await rebuilder<{ pid: number }[]>`select pg_backend_pid() as pid`)[0]!.pid;
      const run = rebuilder`select sms_monitor._rebuild_system_rollups(${day}::date, ${day}::date) as n`.execute();
      await waitFor(async () => (await db.sql`select 1 from pg_locks where pid = ${pid} and locktype = 'advisory' and not granted`).length > 0,
        'the rebuild to wait for the rollup lock');
      await holder`commit`;
      expect((await run)[0]!.n).toBe('1');
    } finally {
      holder.release();
      await rebuilder.end({ timeout: 1 });
    }
    const system = await db.sql`select metric_type, metric_value::text as v, sample_count::text as n
      from sms_monitor.sms_metric_rollups_system_daily where metric_date = ${day}::date`;
    expect(system).toEqual([{ metric_type: 'sent_count', v: '4', n: '4' }]);
    const users = await db.sql`select user_id::text as u from sms_monitor.sms_metric_active_users_daily where metric_date = ${day}::date`;
    expect(users).toEqual([{ u: userOf(77) }]);
  });
});
