// The dashboard's today read (api_today_metrics) and where its time goes, with a full alert window:
// 1,000 users recording 6 metric types over the last 50 minutes (SEED_EVENTS events through
// record_sms_events, rolled up: about 75,000 minute rows inside the 60-minute rule windows), then
// (1) each part of the read on its own, 15 rounds, median ms: the day's figures (sms_metrics_daily's
//     row for today), the counter rules' window (_alert_window_stats, 60 minutes), the cost-spike
//     baseline (_alert_cost_baseline), every message rule alone (_alert_message_values per rule),
//     all rules (_alert_rule_values), api_health and api_today_metrics;
// (2) api_today_metrics p50 / p95 while a writer records 10,000 events/s (batches of 1,000 every
//     100 ms, the same 6 types and users) and run_sms_rollups rolls up at the job's pause, sampled every
//     100 ms for SMS_MONITOR_BENCH_TODAY_SECONDS (default 40, at least 10), with the tail (log rows past the watermark) sampled beside.
import { median, percentile, printTable, rollupJobDefaults, type BenchSection } from '../lib.ts';

const SEED_EVENTS = 150_000;
const SECONDS = Number(process.env.SMS_MONITOR_BENCH_TODAY_SECONDS ?? 40);
const ROUNDS = 15;
const TYPES = ['sent_count', 'delivered_count', 'llm_success_count', 'template_fallback_count', 'llm_cost_usd', 'opt_out_count'];

const batchOf = (c: number, b: number, at: string) => JSON.stringify(Array.from({ length: 1_000 }, (_, i) => ({
  metric_type: TYPES[(i + b) % TYPES.length], occurred_at: at, value: 1,
  user_id: `a1000000-0000-0000-0000-${String(((i * 13 + b) % 250) + c * 250 + 1).padStart(12, '0')}`,
})));

const section: BenchSection = {
  name: 'today',
  title: 'The today read and its health, idle and at 10,000 events/s',
  async run(db) {
    if (!Number.isInteger(SECONDS) || SECONDS < 10) {
      throw new Error(`SMS_MONITOR_BENCH_TODAY_SECONDS must be an integer >= 10, got ${process.env.SMS_MONITOR_BENCH_TODAY_SECONDS}`);
    }
    const sql = db.sql;
    for (let b = 0; b < SEED_EVENTS / 1_000; b++) {
      const at = new Date(Date.now() - (b % 50) * 60_000).toISOString();
      await sql`select sms_monitor.record_sms_events(${batchOf(b % 4, b, at)}::text::jsonb)`;
    }
    await sql`select sms_monitor.rollup_sms_metrics()`;
    await sql`vacuum analyze`;
    const [counted] = await sql<{ rows: number }[]>`select count(*)::int as rows from sms_monitor.sms_metric_rollups`;
    const rows = counted!.rows;

    const reader = db.connect(1);
    const timed = async (q: string) => {
      const t0 = process.hrtime.bigint();
      await reader.unsafe(q);
      return Number(process.hrtime.bigint() - t0) / 1e6;
    };
    const messageRules = await sql<{ alert_type: string }[]>`select t.alert_type from sms_monitor.sms_alert_thresholds t
      join sms_monitor.sms_alert_metrics m on m.metric = t.metric where m.source = 'messages' and t.is_enabled order by 1`;
    const parts: Array<[string, string]> = [
      ['sms_metrics_daily, today', 'select * from sms_monitor.sms_metrics_daily where metric_date = sms_monitor.reporting_today()'],
      ['_alert_window_stats(now, 60)', 'select * from sms_monitor._alert_window_stats(now(), 60)'],
      ['_alert_cost_baseline(today)', 'select * from sms_monitor._alert_cost_baseline(sms_monitor.reporting_today())'],
      ...messageRules.map(({ alert_type }): [string, string] =>
        [`message rule ${alert_type}`, `select * from sms_monitor._alert_message_values(now(), '${alert_type}')`]),
      ['_alert_message_values (all message rules)', 'select * from sms_monitor._alert_message_values(now())'],
      ['_alert_rule_values (every rule)', 'select * from sms_monitor._alert_rule_values(now())'],
      ['api_health()', 'select sms_monitor.api_health()'],
      ['api_today_metrics()', 'select sms_monitor.api_today_metrics()'],
    ];
    const idle = new Map<string, number[]>(parts.map(([n]) => [n, []]));
    for (const [, q] of parts) await timed(q); // warm-up: plans cached in the session
    for (let r = 0; r < ROUNDS; r++) for (const [name, q] of parts) idle.get(name)!.push(await timed(q));
    console.log(`(1) ${rows.toLocaleString('en-US')} minute rows (${SEED_EVENTS.toLocaleString('en-US')} events, 1,000 users, 6 types, `
      + `last 50 minutes), empty tail, message tables empty; ${ROUNDS} rounds\n`);
    printTable(['part', 'median ms'], parts.map(([name]) => [name, median(idle.get(name)!)]));

    const writer = db.connect(1);
    const roller = db.connect(1);
    const job = await rollupJobDefaults(sql);
    const rolling = roller`call sms_monitor.run_sms_rollups(${SECONDS + 3})`.execute();
    let writing = true;
    const during: number[] = [];
    const tails: number[] = [];
    const sampling = (async () => {
      while (writing) {
        during.push(await timed('select sms_monitor.api_today_metrics()'));
        const [t] = await reader<{ n: number }[]>`select count(*)::int as n from sms_monitor.sms_metric_events
          where id > sms_monitor._rollup_watermark('sms_metrics')`;
        tails.push(t!.n);
        await new Promise((res) => setTimeout(res, 100));
      }
    })();
    const t0 = Date.now();
    let sent = 0;
    for (let tick = 0; Date.now() - t0 < SECONDS * 1_000; tick++) {
      const due = t0 + tick * 100;
      if (Date.now() < due) await new Promise((res) => setTimeout(res, due - Date.now()));
      await writer`select sms_monitor.record_sms_events(${batchOf(tick % 4, tick, new Date().toISOString())}::text::jsonb)`;
      sent += 1_000;
    }
    const rate = sent / ((Date.now() - t0) / 1_000);
    writing = false;
    await sampling;
    await rolling;
    console.log(`\n(2) ${SECONDS} s at ${Math.round(rate).toLocaleString('en-US')} events/s with run_sms_rollups (a rollup every ${job.pause} s), `
      + `${during.length} samples\n`);
    printTable(['measure', 'value'], [
      ['api_today_metrics p50, ms, idle (from (1))', median(idle.get('api_today_metrics()')!)],
      ['api_today_metrics p50, ms, during', median(during)],
      ['api_today_metrics p95, ms, during', percentile(during, 95)],
      ['tail, median / max rows', `${median(tails).toLocaleString('en-US')} / ${Math.max(...tails).toLocaleString('en-US')}`],
    ]);
  },
};
export default section;
