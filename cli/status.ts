// sms-monitor status: today's health, the week, and open incidents (api_metrics_summary).
import { type Command, InvalidArgumentError } from 'commander';
import { printNotificationErrors } from './alerts.ts';
import { notificationSummary, printJson, printTable, withClient } from './common.ts';
import { hasUtcOffset } from '../client/validate.ts';

export function registerStatus(program: Command): void {
  program
    .command('status')
    .description("today's health and the open incidents (exit 0 whatever the status; see --json)")
    .option('--json', 'print the api_metrics_summary body as JSON')
    .option('--from-view', "today's figures from sms_metrics_daily (refreshed every 5 minutes) instead of live")
    .option('--now <time>', 'as of this time, ISO 8601 with a UTC offset, e.g. 2026-03-29T12:00:00Z (default now): picks "today" and the week', (v: string) => {
      if (!hasUtcOffset(v)) throw new InvalidArgumentError(`"${v}" has no UTC offset (say Z or +hh:mm, e.g. 2026-03-29T12:00:00Z)`);
      const t = new Date(v);
      if (Number.isNaN(t.getTime())) throw new InvalidArgumentError(`"${v}" is not a time (ISO 8601)`);
      return t;
    })
    .action(withClient(program, 'status', async (client, opts: { json?: boolean; fromView?: boolean; now?: Date }) => {
      // Live: one call, so exactness beats the view's speed (the view may be 5 minutes old).
      const body = await client.metricsSummary({ live: !opts.fromView, now: opts.now });
      if (opts.json) return printJson(body);
      const { today, week, alerts, health } = body.data;
      const pct = (v: number | null) => (v === null ? 'no data' : `${v} %`);
      console.log(`status: ${health.status} (${health.reason})`);
      console.log(`today ${today.metric_date}: sent ${today.sent_count}, delivered ${today.delivered_count} `
        + `(${pct(today.delivery_rate_percent)}), failed ${today.failed_count}, LLM success `
        + `${pct(today.llm_success_rate_percent)}, active users ${today.active_users}`);
      console.log(`week ${week.start_date}..${week.end_date}: sent ${week.totals.sent}, delivery `
        + `${pct(week.delivery_rate_percent)}, avg daily cost $${week.avg_daily_cost_usd.toFixed(4)}`);
      console.log(`open incidents: ${alerts.unresolved_count}${alerts.unresolved_count > alerts.recent.length ? ` (newest ${alerts.recent.length} below)` : ''}`);
      if (alerts.recent.length) {
        // The summary carries no notification state: read it from api_alerts for these incidents.
        const open = await client.alerts({ type: 'unresolved', limit: 200 });
        const byId = new Map(open.data.map((a) => [a.id, a]));
        printTable(['id', 'alert_type', 'severity', 'value', 'threshold', 'triggered_at', 'acknowledged', 'notifications'],
          alerts.recent.map((a) => [a.id, a.alert_type, a.severity, a.value_text, a.threshold_text, a.triggered_at,
            a.acknowledged_at ? 'yes' : 'no', notificationSummary(byId.get(a.id)?.notification_status)]));
        printNotificationErrors(alerts.recent.map((a) => byId.get(a.id) ?? { id: a.id }));
      }
    }));
}
