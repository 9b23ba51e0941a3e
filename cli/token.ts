// sms-monitor token: prints a bearer token for the HTTP API (HS256, SMS_MONITOR_JWT_SECRET).
import type { Command } from 'commander';

/** A mistake in the arguments: said on stderr, exit code 2. */
function usage(message: string): never {
  console.error(`sms-monitor token: ${message}`);
  process.exit(2);
}

export function registerToken(program: Command): void {
  program
    .command('token')
    .description('print a bearer token for the HTTP API, signed with SMS_MONITOR_JWT_SECRET (HS256; the same '
      + 'tokens work behind PostgREST)')
    .requiredOption('--role <role>', 'admin | reader | self')
    .option('--user <uuid>', 'the user a self token may read (its sub claim)')
    .option('--ttl <duration>', 'lifetime, e.g. 30m, 12h, 7d', '12h')
    .action(async (opts: { role: string; user?: string; ttl: string }) => {
      // Loaded here, not at start-up (jose): `sms-monitor --help` stays quick.
      const { parseTtl, resolveJwtSecret, ROLE_NAMES, signToken } = await import('../server/auth.ts');
      const role = ROLE_NAMES[opts.role];
      if (!role) usage(`--role: "${opts.role}" is not admin, reader or self`);
      let ttlSeconds: number;
      try {
        ttlSeconds = parseTtl(opts.ttl);
      } catch (error) {
        usage(`--${(error as Error).message}`);
      }
      if (role === 'sms_monitor_self' && !opts.user) usage('--user: a self token needs the user\'s uuid');
      // The server refuses a token that lives longer than SMS_MONITOR_MAX_TOKEN_TTL: say so here.
      const { limitsFromEnv } = await import('../server/limits.ts');
      let max: number;
      try {
        max = limitsFromEnv().maxTokenTtlSeconds;
      } catch (error) {
        usage((error as Error).message);
      }
      if (ttlSeconds > max) usage(`--ttl: ${opts.ttl} is longer than SMS_MONITOR_MAX_TOKEN_TTL allows (${max} s)`);
      try {
        console.log(await signToken(resolveJwtSecret(), { role, sub: opts.user, ttlSeconds }));
      } catch (error) {
        const m = (error as Error).message;
        if (/^(user|ttl|role):/.test(m)) usage(`--${m}`);
        throw error;
      }
    });
}
