// sms-monitor notifier: the daemon (notifier/, with pino, postgres, zod and nodemailer: loaded on use).
import type { Command } from 'commander';
import { resolveDatabaseUrl } from '../client/config.ts';
import type { NotifierFlags } from '../notifier/config.ts';

export function registerNotifier(program: Command): void {
  program
    .command('notifier')
    .description('run the notifier daemon: deliver queued alert notifications to Slack, PagerDuty, e-mail and the log '
      + '(channels configured by environment: SLACK_WEBHOOK_URL, PAGERDUTY_INTEGRATION_KEY, SMTP_URL + ALERT_EMAIL_FROM + ALERT_EMAIL_TO; see docs/notifier.md)')
    .option('--poll-interval <duration>', 'drain the outbox at least this often (env NOTIFIER_POLL_INTERVAL, default 5s)')
    .option('--evaluate-every <duration>', 'also run check_sms_alerts() this often, one replica at a time (env NOTIFIER_EVALUATE_EVERY; for servers without pg_cron)')
    .option('--lease <duration>', 'lease on claimed rows, renewed while a delivery is in flight (env NOTIFIER_LEASE, default 10s)')
    .option('--batch-size <n>', 'rows claimed at a time (env NOTIFIER_BATCH_SIZE, default 20)')
    .option('--request-timeout <duration>', 'timeout of every provider request (env NOTIFIER_REQUEST_TIMEOUT, default 10s)')
    .option('--retry-base <duration>', 'first retry delay, doubled per attempt with jitter (env NOTIFIER_RETRY_BASE, default 5s)')
    .option('--retry-max <duration>', 'longest retry delay (env NOTIFIER_RETRY_MAX, default 2m)')
    .option('--probe-interval <duration>', 'while a channel is failing, try one of its rows this often; a success wakes the rest (env NOTIFIER_PROBE_INTERVAL, default 5s)')
    .option('--reconnect-max <duration>', 'longest wait between database reconnect attempts (env NOTIFIER_RECONNECT_MAX, default 30s)')
    .option('--shutdown-grace <duration>', 'on SIGTERM, how long deliveries in flight may take (env NOTIFIER_SHUTDOWN_GRACE, default 15s)')
    .option('--no-listen', 'do not LISTEN for NOTIFYs; poll only (env NOTIFIER_LISTEN=false)')
    .option('--slack-min-interval <duration>', 'minimum gap between Slack messages (env SLACK_MIN_INTERVAL, default 1s)')
    .option('--pagerduty-events-url <url>', 'PagerDuty Events v2 endpoint (env PAGERDUTY_EVENTS_URL)')
    .option('--pagerduty-source <text>', 'payload.source of PagerDuty events (env PAGERDUTY_SOURCE, default sms-monitor)')
    .option('--email-from <address>', 'sender address (env ALERT_EMAIL_FROM)')
    .option('--email-to <addresses>', 'comma-separated recipients (env ALERT_EMAIL_TO)')
    .option('--log-level <level>', 'fatal|error|warn|info|debug|trace|silent (env LOG_LEVEL, default info)')
    .action(async (opts: NotifierFlags) => {
      // Secrets (webhook URL, routing key, SMTP URL) come from the environment only: flags show in `ps`.
      const flags: NotifierFlags = { ...opts, slackWebhookUrl: undefined, pagerdutyIntegrationKey: undefined, smtpUrl: undefined };
      const url = resolveDatabaseUrl(program.opts().databaseUrl);
      const [{ loadNotifierConfig }, { runNotifier }] = await Promise.all([
        import('../notifier/config.ts'), import('../notifier/daemon.ts')]);
      const config = loadNotifierConfig(url, process.env, flags);
      await runNotifier(config);
      process.exit(0);
    });
}
