// sms-monitor serve: the HTTP API and the dashboard page (server/).
import { type Command, InvalidArgumentError } from 'commander';
import { resolveDatabaseUrl } from '../client/config.ts';

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('run the HTTP API and the dashboard page (connect as a login role in sms_monitor_authenticator; '
      + 'tokens are checked with SMS_MONITOR_JWT_SECRET; see docs/http.md)')
    .option('--host <host>', 'address to bind (default 127.0.0.1: this machine only)', '127.0.0.1')
    .option('--port <port>', 'port (default 8787)', (v: string) => {
      if (!/^\d+$/.test(v) || Number(v) > 65535) throw new InvalidArgumentError(`"${v}" is not a port (0-65535)`);
      return Number(v);
    }, 8787)
    .option('--log-level <level>', 'fatal|error|warn|info|debug|trace|silent (env LOG_LEVEL, default info)')
    .action(async (opts: { host: string; port: number; logLevel?: string }) => {
      const level = (opts.logLevel ?? process.env.LOG_LEVEL ?? 'info') as 'info';
      if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(level)) {
        console.error(`sms-monitor serve: --log-level: "${level}" is not a level`);
        process.exit(2);
      }
      // Loaded here, not at start-up: `sms-monitor --help` stays quick (cli/test/cli-startup.test.ts).
      const [{ resolveJwtSecret }, { serve }] = await Promise.all([import('../server/auth.ts'), import('../server/index.ts')]);
      await serve({
        databaseUrl: resolveDatabaseUrl(program.opts().databaseUrl as string | undefined),
        jwtSecret: resolveJwtSecret(),
        host: opts.host,
        port: opts.port,
        logLevel: level,
      });
    });
}
