// `sms-monitor serve`: builds the server, listens, logs JSON (pino) and shuts down gracefully on
// SIGTERM/SIGINT (stops accepting, ends the event streams, finishes requests in flight, closes the pool).
import pino from 'pino';
import { buildServer } from './app.ts';

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
    // The default request serializer logs method, url, host and remote address, never headers; the
    // redaction is a second guard should anyone add headers. Tokens travel only in Authorization.
    redact: { paths: ['req.headers.authorization', 'req.headers.cookie'], censor: '[redacted]' },
  }, dest);
}

export async function serve(options: ServeOptions): Promise<void> {
  const logger = createServerLogger(options.logLevel ?? 'info');
  const { app } = await buildServer({ databaseUrl: options.databaseUrl, jwtSecret: options.jwtSecret, logger });
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
  const address = await app.listen({ host: options.host, port: options.port });
  logger.info({ address }, 'listening');
}
