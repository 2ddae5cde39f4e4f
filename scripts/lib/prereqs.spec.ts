// A missing tool, an unreachable database or a port in use stops with one line saying what to do.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { PrerequisiteError, requireCommand, requirePortFree, requirePostgres } from './prereqs';

describe('prerequisite checks', () => {
  it('names a missing command and how to install it', () => {
    expect(() =>
      requireCommand({ command: 'no-such-tool-corridor', args: ['-v'], hint: 'install it with apt-get' }),
    ).toThrow(new PrerequisiteError('no-such-tool-corridor is missing or broken: install it with apt-get'));
  });

  it('names a port in use and how to find who holds it', async () => {
    const server = net.createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as net.AddressInfo).port;
    try {
      await expect(requirePortFree(port, 'Kafka client listener')).rejects.toThrow(
        new RegExp(`port ${port} \\(Kafka client listener\\) is already in use.*ss -ltnp`),
      );
    } finally {
      server.close();
    }
  });

  it('names an unreachable PostgreSQL and says to start it or set DATABASE_URL, without the password', async () => {
    const err = await requirePostgres('postgres://corridor:s3cret@127.0.0.1:1/x').catch(
      (e: unknown) => e as Error,
    );
    expect(err).toBeInstanceOf(PrerequisiteError);
    expect((err as Error).message).toMatch(
      /PostgreSQL does not answer at postgres:\/\/corridor:\*\*\*@127\.0\.0\.1:1\/x.*DATABASE_URL/,
    );
    expect((err as Error).message).not.toContain('s3cret');
  });

  it('npm run kafka without Java exits non-zero with one line saying what to install', () => {
    const root = path.join(__dirname, '..', '..');
    // A PATH with node alone: no java, no mvn.
    const bin = fs.mkdtempSync(path.join(os.tmpdir(), 'corridor-nojava-'));
    fs.symlinkSync(process.execPath, path.join(bin, 'node'));
    const r = spawnSync(
      process.execPath,
      [
        path.join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'),
        path.join(root, 'scripts', 'kafka.ts'),
        'start',
      ],
      {
        env: {
          PATH: bin,
          HOME: '/tmp',
          CORRIDOR_CACHE: '/tmp/corridor-no-such-cache',
          CORRIDOR_KAFKA_DIR: '/tmp/corridor-kafka-nojava',
        },
        encoding: 'utf8',
      },
    );
    fs.rmSync(bin, { recursive: true, force: true });
    expect(r.status).toBe(1);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^\[kafka\] error: java is missing or broken: install Java 17/);
  });
});
