import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRootLogger } from './logging';

describe('createRootLogger', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'corridor-logging-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('has written the line when the call returns (no thread-pool write, nothing held in memory)', () => {
    const file = path.join(dir, 'out.log');
    const fd = fs.openSync(file, 'w');
    try {
      const logger = createRootLogger({ level: 'info', base: { gateway: 'LY' } }, fd);
      logger.info({ alertId: 'a-1' }, 'alert published');
      // read at once, before any turn of the event loop: an asynchronous stream has not written yet
      const line = JSON.parse(fs.readFileSync(file, 'utf8').trim()) as Record<string, unknown>;
      expect(line).toMatchObject({ gateway: 'LY', alertId: 'a-1', msg: 'alert published', level: 30 });
    } finally {
      fs.closeSync(fd);
    }
  });

  it('redacts secrets and the authorization header', () => {
    const file = path.join(dir, 'out.log');
    const fd = fs.openSync(file, 'w');
    try {
      const logger = createRootLogger({ level: 'info', base: {} }, fd);
      logger.info({ req: { headers: { authorization: 'Bearer abc' } }, key: { passphrase: 'p4ss' } }, 'x');
      const text = fs.readFileSync(file, 'utf8');
      expect(text).not.toContain('abc');
      expect(text).not.toContain('p4ss');
      expect(text).toContain('[redacted]');
    } finally {
      fs.closeSync(fd);
    }
  });

  it('writes nothing below its level', () => {
    const file = path.join(dir, 'out.log');
    const fd = fs.openSync(file, 'w');
    try {
      createRootLogger({ level: 'warn', base: {} }, fd).info('quiet');
      expect(fs.readFileSync(file, 'utf8')).toBe('');
    } finally {
      fs.closeSync(fd);
    }
  });
});
