import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Logger } from 'pino';
import { createRootLogger } from './logging';

describe('createRootLogger', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'corridor-logging-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  /**
   * A root logger writing to a fresh file; `use` logs with it, and what the file holds right after `use` returns
   * (before any turn of the event loop: an asynchronous stream would not have written yet) is returned.
   */
  function loggedBy(
    opts: { level: string; base: Record<string, string> },
    use: (logger: Logger) => void,
  ): string {
    const file = path.join(dir, 'out.log');
    const fd = fs.openSync(file, 'w');
    try {
      use(createRootLogger(opts, fd));
      return fs.readFileSync(file, 'utf8');
    } finally {
      fs.closeSync(fd);
    }
  }

  it('has written the line when the call returns (no thread-pool write, nothing held in memory)', () => {
    const text = loggedBy({ level: 'info', base: { gateway: 'LY' } }, (logger) =>
      logger.info({ alertId: 'a-1' }, 'alert published'),
    );
    const line = JSON.parse(text.trim()) as Record<string, unknown>;
    expect(line).toMatchObject({ gateway: 'LY', alertId: 'a-1', msg: 'alert published', level: 30 });
  });

  it('redacts secrets and the authorization header', () => {
    const text = loggedBy({ level: 'info', base: {} }, (logger) =>
      logger.info({ req: { headers: { authorization: 'Bearer abc' } }, key: { passphrase: 'p4ss' } }, 'x'),
    );
    expect(text).not.toContain('abc');
    expect(text).not.toContain('p4ss');
    expect(text).toContain('[redacted]');
  });

  it('writes nothing below its level', () => {
    expect(loggedBy({ level: 'warn', base: {} }, (logger) => logger.info('quiet'))).toBe('');
  });
});
