// `sms-monitor serve`: builds the server, listens, logs JSON (pino) and shuts down gracefully on
// SIGTERM/SIGINT (stops accepting, ends the event streams, finishes requests in flight, closes the
// pools). A port already in use is one line on stderr naming SMS_MONITOR_HTTP_PORT and exit 1.
import pino from 'pino';
import { buildServer } from './app.ts';
import { limitsFromEnv } from './limits.ts';

export interface ServeOptions {
  databaseUrl: string;
  jwtSecret: string;
  host: string;
  port: number;
  logLevel?: pino.LevelWithSilent;
}

export function createServerLogger(level: pino.LevelWithSilent = 'info', dest: pino.DestinationStream = pino.destination({ fd: 2, sync: true })): pino.Logger {
  return pino({
    level,
    base: { component: 'serve' },
    timestamp: pino.stdTimeFunctions.isoTime,
    // Request lines carry method, redacted URL, status and time, never headers; the redaction is a
    // second guard should anyone add headers. Tokens travel only in Authorization.
    redact: { paths: ['req.headers.authorization', 'req.headers.cookie'], censor: '[redacted]' },
  }, dest);
}

export async function serve(options: ServeOptions): Promise<void> {
  const logger = createServerLogger(options.logLevel ?? 'info');
  const limits = limitsFromEnv();
  const { app } = await buildServer({ databaseUrl: options.databaseUrl, jwtSecret: options.jwtSecret, logger, limits });
  let closing = false;
  const stop = (signal: string) => {
    if (closing) return;
    closing = true;
    logger.info({ signal }, 'shutting down');
    app.close().then(() => { logger.info('stopped'); process.exit(0); },
      (error: unknown) => { logger.error({ err: { message: (error as Error).message } }, 'shutdown failed'); process.exit(1); });
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
  let address: string;
  try {
    address = await app.listen({ host: options.host, port: options.port });
  } catch (error) {
    if ((error as { code?: string }).code === 'EADDRINUSE') {
      process.stderr.write(`sms-monitor serve: port ${options.port} on ${options.host} is already in use; `
        + 'choose another with SMS_MONITOR_HTTP_PORT (npm start) or --port\n');
      process.exit(1);
    }
    throw error;
  }
  logger.info({ address }, 'listening');
}
