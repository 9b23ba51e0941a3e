// Exactly-once batches through a connection that is cut mid-flush: a real TCP proxy on 127.0.0.1
// (node:net) between the buffered client and PostgreSQL drops, per record_sms_events call and by a
// seeded choice, either the request (the batch never runs) or the reply (the batch committed, the
// client never hears it), or lets it through. The client resends a failed batch with the same
// p_batch_id; the database records each id once. Sums must be exact and timing means true.
import net from 'node:net';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSmsMonitor } from 'sms-monitor';
import { freshDatabase, type TestDatabase } from '../../test/db.ts';
import { user, waitFor } from '../../test/client-helpers.ts';
import { seededRandom } from '../../cli/simulate.ts';

let db: TestDatabase;
beforeAll(async () => { db = await freshDatabase(); });
afterAll(async () => { await db?.drop(); });

type Fate = 'pass' | 'drop-request' | 'drop-reply';
const READY_FOR_QUERY = Buffer.from([0x5a, 0, 0, 0, 5]);

/**
 * A TCP proxy that decides the fate of every client chunk carrying a record_sms_events call (the
 * client runs with prepare: false, so every call sends its query text): forward it and its reply,
 * drop it (cut both sockets before the server sees it), or forward it and cut both sockets instead
 * of passing on the reply's ReadyForQuery (sent after the implicit commit at Sync).
 */
async function startProxy(target: { host: string; port: number }, fate: () => Fate) {
  const counts: Record<Fate, number> = { pass: 0, 'drop-request': 0, 'drop-reply': 0 };
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(target.port, target.host);
    sockets.add(client);
    sockets.add(upstream);
    let cutOnReply = false;
    const cut = () => { client.destroy(); upstream.destroy(); };
    client.on('data', (chunk) => {
      if (chunk.includes('record_sms_events')) {
        const f = fate();
        counts[f]++;
        if (f === 'drop-request') return cut();
        if (f === 'drop-reply') cutOnReply = true;
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk) => {
      // ReadyForQuery ('Z', length 5) comes after the implicit transaction committed at Sync:
      // withhold that chunk and cut, so the batch is in the database and the client never knows
      if (cutOnReply && chunk.includes(READY_FOR_QUERY)) return cut();
      client.write(chunk);
    });
    for (const s of [client, upstream]) {
      s.on('error', () => cut());
      s.on('close', () => { sockets.delete(s); cut(); });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    counts,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('buffered client through a connection cut mid-flush', () => {
  it('records every batch exactly once: sums exact, means true', async () => {
    const seed = Number(process.env.SMS_MONITOR_CUT_SEED ?? 20261202);
    console.log(`exactly-once: seed ${seed} (replay with SMS_MONITOR_CUT_SEED=${seed})`);
    const rand = seededRandom(seed); // the simulator's mulberry32: a failing run replays with its seed
    const target = new URL(db.url);
    const proxy = await startProxy({ host: target.hostname, port: Number(target.port) }, () => {
      const r = rand();
      return r < 0.3 ? 'drop-reply' : r < 0.5 ? 'drop-request' : 'pass';
    });
    const viaProxy = new URL(db.url);
    viaProxy.hostname = '127.0.0.1';
    viaProxy.port = String(proxy.port);
    const sql = postgres(viaProxy.toString(), { max: 1, prepare: false, onnotice: () => {}, connect_timeout: 5 });
    const errors: string[] = [];
    const m = createSmsMonitor(sql, {
      buffered: { flushIntervalMs: 3_600_000, maxBatchEvents: 40, retryBaseMs: 1, retryMaxMs: 2 },
      onError: (e) => { errors.push(e.code); },
    });
    try {
      // Expected figures, computed here independently of the client: counts, cost in integer
      // micro-dollars, timing sum and samples.
      const users = 25;
      let sent = 0, delivered = 0, costMicros = 0, timingSum = 0, timingSamples = 0;
      let flushes = 0;
      for (let round = 0; round < 12; round++) {
        for (let i = 0; i < 300; i++) {
          const u = user(1 + ((round * 300 + i) % users));
          m.recordSent(u, `r${round}m${i}`);
          sent++;
          if (i % 3 !== 0) {
            const ms = 100 + ((round * 7 + i * 13) % 900);
            m.recordDelivered(u, `r${round}m${i}`, ms);
            delivered++;
            timingSum += ms;
            timingSamples++;
          }
          if (i % 5 === 0) {
            m.recordSmsCost(u, 0.0075);
            costMicros += 7500;
          }
        }
        // Flush until everything is written: each failed write rejects; the next flush resends.
        for (let attempt = 0; ; attempt++) {
          expect(attempt, 'a flush makes progress within 200 attempts').toBeLessThan(200);
          flushes++;
          try {
            await m.flush();
            break;
          } catch { /* cut: the failed batch is held, with its id, for the next flush */ }
        }
      }
      const stats = m.stats().buffer!;
      expect(stats.pending).toBe(0);
      expect(stats.dropped).toBe(0);

      const rows = await db.sql<Array<{ metric_type: string; value: string; samples: string }>>`
        select metric_type, sum(metric_value)::text as value, sum(sample_count)::text as samples
          from sms_monitor.sms_metrics group by metric_type order by metric_type`;
      const got = Object.fromEntries(rows.map((r) => [r.metric_type, r]));
      const mean = Number(got.avg_delivery_time_ms!.value) / Number(got.avg_delivery_time_ms!.samples);
      const [{ batches } = { batches: -1 }] = await db.sql<Array<{ batches: number }>>`select count(*)::int as batches from sms_monitor.sms_ingest_batches`;
      console.log(`exactly-once: proxy ${JSON.stringify(proxy.counts)}, ${flushes} flush calls, ${stats.batches} batches ` +
        `(${batches} ids recorded); sent ${got.sent_count!.value} of ${sent}, delivered ${got.delivered_count!.value} of ` +
        `${delivered}, sms_cost_usd ${got.sms_cost_usd!.value} of ${costMicros / 1e6}, mean delivery ${mean} ms of ` +
        `${timingSum / timingSamples} (${got.avg_delivery_time_ms!.samples} samples of ${timingSamples})`);

      // The cuts really happened, both kinds: replies lost after commit are the double-count case.
      expect(proxy.counts['drop-reply']).toBeGreaterThanOrEqual(5);
      expect(proxy.counts['drop-request']).toBeGreaterThanOrEqual(5);
      expect(got.sent_count!.value).toBe(String(sent));
      expect(got.delivered_count!.value).toBe(String(delivered));
      // decimal strings without trailing zeros: exact, no float in between
      const trim = (d: string) => (d.includes('.') ? d.replace(/0+$/, '').replace(/\.$/, '') : d);
      expect(trim(got.sms_cost_usd!.value)).toBe(`${Math.floor(costMicros / 1e6)}.${String(costMicros % 1e6).padStart(6, '0')}`.replace(/0+$/, '').replace(/\.$/, ''));
      expect(got.avg_delivery_time_ms!.value).toBe(String(timingSum));
      expect(got.avg_delivery_time_ms!.samples).toBe(String(timingSamples));
      expect(mean).toBe(timingSum / timingSamples);
      // one id per batch: every batch the client counted as written is one row, resends included
      expect(batches).toBe(stats.batches);
    } finally {
      await m.close().catch(() => {});
      await sql.end({ timeout: 5 });
      await proxy.close();
    }
  }, 120_000);
});

describe('a retry that arrives while the first attempt still runs', () => {
  it('waits for it and returns its result; the batch counts once', async () => {
    const first = db.connect({ max: 1 });
    const retry = db.connect({ max: 1 });
    const id = 'e1000000-0000-0000-0000-000000000001';
    const events = JSON.stringify(Array.from({ length: 5 }, () => ({ metric_type: 'failed_count', user_id: user(900) })));
    // The first attempt has written but not committed (its client is gone; the server goes on).
    const reserved = await first.reserve();
    await reserved`begin`;
    await reserved`select sms_monitor.record_sms_events(${events}::text::jsonb, ${id}::uuid)`;
    const [pid] = await retry<Array<{ pid: number }>>`select pg_backend_pid() as pid`;
    const second = retry`select sms_monitor.record_sms_events(${events}::text::jsonb, ${id}::uuid) as n`.execute(); // sent now, not when awaited
    await waitFor(async () => {
      const [w] = await db.sql`select wait_event_type from pg_stat_activity where pid = ${pid!.pid}`;
      return w?.wait_event_type === 'Lock';
    }, 'the retry waiting on the first attempt\'s batch id');
    await reserved`commit`;
    reserved.release();
    const [r] = await second;
    expect(r).toEqual({ n: 5 });
    const [t] = await db.sql`select sum(metric_value)::int as v from sms_monitor.sms_metrics
      where metric_type = 'failed_count' and user_id = ${user(900)}::uuid`;
    expect(t).toEqual({ v: 5 });
  });

  it('records the batch itself when the first attempt rolled back', async () => {
    const first = db.connect({ max: 1 });
    const retry = db.connect({ max: 1 });
    const id = 'e1000000-0000-0000-0000-000000000002';
    const events = JSON.stringify(Array.from({ length: 4 }, () => ({ metric_type: 'failed_count', user_id: user(901) })));
    const reserved = await first.reserve();
    await reserved`begin`;
    await reserved`select sms_monitor.record_sms_events(${events}::text::jsonb, ${id}::uuid)`;
    const [pid] = await retry<Array<{ pid: number }>>`select pg_backend_pid() as pid`;
    const second = retry`select sms_monitor.record_sms_events(${events}::text::jsonb, ${id}::uuid) as n`.execute(); // sent now, not when awaited
    await waitFor(async () => {
      const [w] = await db.sql`select wait_event_type from pg_stat_activity where pid = ${pid!.pid}`;
      return w?.wait_event_type === 'Lock';
    }, 'the retry waiting on the first attempt\'s batch id');
    await reserved`rollback`;
    reserved.release();
    const [r] = await second;
    expect(r).toEqual({ n: 4 });
    const [t] = await db.sql`select sum(metric_value)::int as v from sms_monitor.sms_metrics
      where metric_type = 'failed_count' and user_id = ${user(901)}::uuid`;
    expect(t).toEqual({ v: 4 });
  });
});
