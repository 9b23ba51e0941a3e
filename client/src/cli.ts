// sms-monitor command line. Reads DATABASE_URL (or the embedded cluster's URL); see --help.
import { Command, CommanderError } from 'commander';
import { migrateDatabase } from './migrate.ts';
import { resolveDatabaseUrl } from './config.ts';

const program = new Command()
  .name('sms-monitor')
  .description('Metrics, alerting and notifications for an SMS pipeline (PostgreSQL-first).')
  .option('--database-url <url>', 'PostgreSQL connection string (default: $DATABASE_URL, else the embedded cluster)')
  .showHelpAfterError()
  .exitOverride();

program
  .command('migrate')
  .description('apply the committed migrations; creates pg_cron and pgtap where available and permitted')
  .option('--no-pgtap', 'do not create the pgTAP extension')
  .option('--include-current', 'also run migrations/current.sql (development and tests only)')
  .action(async (opts: { pgtap: boolean; includeCurrent?: boolean }) => {
    const url = resolveDatabaseUrl(program.opts().databaseUrl);
    await migrateDatabase(url, { pgtap: opts.pgtap, includeCurrent: opts.includeCurrent });
    console.error('[migrate] done');
  });

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
