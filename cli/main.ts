// sms-monitor command line. Reads DATABASE_URL (or the embedded cluster's URL); see --help.
// Each command lives in cli/<name>.ts and registers itself on the program here.
import { Command, CommanderError } from 'commander';
import { registerAlerts } from './alerts.ts';
import { registerCheck } from './check.ts';
import { registerMigrate } from './migrate.ts';
import { registerNotifications } from './notifications.ts';
import { registerNotifier } from './notifier.ts';
import { registerPreview } from './preview.ts';
import { registerRecord } from './record.ts';
import { registerServe } from './serve.ts';
import { registerSilence } from './silence.ts';
import { registerSimulate } from './simulate.ts';
import { registerStatus } from './status.ts';
import { registerThresholds } from './thresholds.ts';
import { registerToken } from './token.ts';

const program = new Command()
  .name('sms-monitor')
  .description('Metrics, alerting and notifications for an SMS pipeline (PostgreSQL-first).')
  .option('--database-url <url>', 'PostgreSQL connection string (default: $DATABASE_URL, else the embedded cluster). '
    + 'A password in it is visible to other users of this machine (ps, /proc): prefer DATABASE_URL')
  .showHelpAfterError()
  .exitOverride();

registerMigrate(program);
registerNotifier(program);
registerStatus(program);
registerCheck(program);
registerPreview(program);
registerThresholds(program);
registerAlerts(program);
registerSilence(program);
registerNotifications(program);
registerRecord(program);
registerServe(program);
registerToken(program);
registerSimulate(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    process.exit(error.exitCode === 0 ? 0 : 2);
  }
  const e = error as { message?: string; code?: string };
  console.error(`sms-monitor: ${e.message ?? String(error)}${e.code ? ` (SQLSTATE ${e.code})` : ''}`);
  process.exit(1);
}
