import { LoggerService } from '@nestjs/common';
import pino, { Logger } from 'pino';

/** The Nest injection token of the process's root pino logger, the same in every app. */
export const ROOT_LOGGER = Symbol('ROOT_LOGGER');

/** A component's logger: a child of the root logger whose context is the component's class name. */
export function loggerFor(root: Logger, component: abstract new (...args: never[]) => unknown): Logger {
  return root.child({ context: component.name });
}

/**
 * The root logger writes each line to `dest` (standard output) synchronously, on the calling thread. pino's default
 * stream writes asynchronously through libuv's thread pool: each line woke a pool thread, which then woke the event
 * loop to say it was done: two wake-ups per line, and a gateway logs a line for every alert it publishes. One
 * write(2) of a few hundred bytes to a file, a pipe or journald costs microseconds and nothing waits in memory, so a
 * crash loses no line already logged.
 */
export function createRootLogger(
  opts: { level: string; base: Record<string, string> },
  dest: number = 1,
): Logger {
  return pino(
    {
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
    },
    pino.destination({ dest, sync: true }),
  );
}

/** Nest's own log lines go to pino with the class name as context. */
export function nestLogger(logger: Logger): LoggerService {
  const at = (level: 'info' | 'warn' | 'error' | 'debug') => (message: unknown, context?: string) =>
    logger[level]({ context }, typeof message === 'string' ? message : JSON.stringify(message));
  return { log: at('info'), warn: at('warn'), error: at('error'), debug: at('debug'), verbose: at('debug') };
}
