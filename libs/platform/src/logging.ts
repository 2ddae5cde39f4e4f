import { LoggerService } from '@nestjs/common';
import pino, { Logger } from 'pino';

export function createRootLogger(opts: { level: string; base: Record<string, string> }): Logger {
  return pino({
    level: opts.level,
    base: opts.base,
    redact: {
      paths: [
        'req.headers.authorization',
        '*.password',
        '*.passphrase',
        '*.token',
        '*.secret',
        '*.privateKeyPem',
      ],
      censor: '[redacted]',
    },
  });
}

/** Nest's own log lines go to pino with the class name as context. */
export function nestLogger(logger: Logger): LoggerService {
  const at = (level: 'info' | 'warn' | 'error' | 'debug') => (message: unknown, context?: string) =>
    logger[level]({ context }, typeof message === 'string' ? message : JSON.stringify(message));
  return { log: at('info'), warn: at('warn'), error: at('error'), debug: at('debug'), verbose: at('debug') };
}
