// The scheduler, for servers without pg_cron (--evaluate-every): one round of the jobs pg_cron would
// run, one replica at a time: check_sms_alerts(), refresh_sms_metrics_daily() and, once a day,
// apply_sms_retention().
import type postgres from 'postgres';
import { formatDuration } from '../client/duration.ts';
import { callFunction } from '../client/rpc.ts';
import { errText, type NotifierContext } from './context.ts';
import { isConnectionError, problemHint, sqlState } from './problems.ts';

/** Advisory lock key (transaction-scoped) that lets only one replica run check_sms_alerts() at a time. */
export const EVALUATE_LOCK_SQL = `hashtextextended('sms_monitor.check_sms_alerts', 0)`;

export class Scheduler {
  private timer: NodeJS.Timeout | null = null;
  /** The round running now, if any (stop() waits for it). */
  running: Promise<void> | null = null;
  /** When this notifier last ran apply_sms_retention(). */
  private lastRetentionAt = 0;

  /** `afterRound` runs after every round that evaluated (the drain picks up what it queued). */
  constructor(private readonly ctx: NotifierContext, private readonly everyMs: number, private readonly afterRound: () => void) {}

  start(): void {
    this.timer = setInterval(() => void this.round(), this.everyMs);
    void this.round();
  }

  stopTimer(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /**
   * One round in one transaction holding the advisory lock (replicas that do not get it skip the
   * round). The refresh and the retention run in savepoints: their failure is logged and does not
   * undo the alert evaluation.
   */
  async round(): Promise<void> {
    if (this.running || this.ctx.stopping.aborted) return;
    const { log } = this.ctx;
    this.running = (async () => {
      try {
        const retentionDue = Date.now() - this.lastRetentionAt >= 86_400_000;
        const outcome = await this.ctx.sql.begin(async (tx) => {
          const [l] = await tx.unsafe<Array<{ locked: boolean }>>(`select pg_try_advisory_xact_lock(${EVALUATE_LOCK_SQL}) as locked`);
          if (!l?.locked) return null;
          const checks = await callFunction(tx, 'check_sms_alerts', {});
          const job = async (name: string, run: (sp: postgres.TransactionSql) => Promise<unknown>) => {
            try {
              return await tx.savepoint(run);
            } catch (error) {
              if (isConnectionError(error)) throw error;
              log.error({ err: errText(this.ctx, error), sqlstate: sqlState(error) },
                `${name} failed: ${problemHint(error)}; the alert evaluation stands; trying again at the next round`);
              return undefined;
            }
          };
          const refreshed = (await job('refresh_sms_metrics_daily()', (sp) => callFunction(sp, 'refresh_sms_metrics_daily', {}))) !== undefined;
          const retention = retentionDue
            ? await job('apply_sms_retention()', (sp) => callFunction(sp, 'apply_sms_retention', {}))
            : undefined;
          return { checks, refreshed, retention: retention as Array<{ target: string | null; deleted: number | null }> | undefined };
        });
        if (outcome === null) {
          log.debug('another notifier is evaluating the alert rules; skipping this round');
          return;
        }
        if (outcome.retention) {
          this.lastRetentionAt = Date.now();
          const deleted = Object.fromEntries(outcome.retention.map((r) => [r.target, Number(r.deleted)]));
          log.info({ deleted }, 'applied retention (apply_sms_retention); next run in 24 h');
        }
        const result = outcome.checks;
        const actions: Record<string, number> = {};
        for (const row of result) {
          const a = String(row.action ?? 'unknown');
          actions[a] = (actions[a] ?? 0) + 1;
        }
        log.info({ actions }, `evaluated ${result.length} alert rules${outcome.refreshed ? ' and refreshed sms_metrics_daily' : ''}; next evaluation in ${formatDuration(this.everyMs)}`);
        this.afterRound();
      } catch (error) {
        const how = isConnectionError(error) ? 'database unavailable' : problemHint(error);
        log[isConnectionError(error) ? 'warn' : 'error']({ err: errText(this.ctx, error), sqlstate: sqlState(error) },
          `check_sms_alerts() failed (${how}); trying again in ${formatDuration(this.everyMs)}`);
      }
    })().finally(() => { this.running = null; });
    await this.running;
  }
}
