// sms-monitor migrate: apply the committed migrations (client/migrate.ts, loaded on use).
import type { Command } from 'commander';
import { resolveDatabaseUrl } from '../client/config.ts';

export function registerMigrate(program: Command): void {
  program
    .command('migrate')
    .description('apply the committed migrations; creates pg_cron and pgtap where available and permitted')
    .option('--no-pgtap', 'do not create the pgTAP extension')
    .option('--include-current', 'also run migrations/current.sql (development and tests only)')
    .action(async (opts: { pgtap: boolean; includeCurrent?: boolean }) => {
      const url = resolveDatabaseUrl(program.opts().databaseUrl);
      const { migrateDatabase } = await import('../client/migrate.ts');
      await migrateDatabase(url, { pgtap: opts.pgtap, includeCurrent: opts.includeCurrent });
      console.error('[migrate] done');
    });
}
