// Checks for what the project needs from the machine; each failure is one line saying what to do.
import { spawnSync } from 'node:child_process';
import net from 'node:net';

export class PrerequisiteError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PrerequisiteError';
  }
}

export function requireCommand(opts: { command: string; args: string[]; hint: string }): string {
  const r = spawnSync(opts.command, opts.args, { encoding: 'utf8' });
  if (r.error || r.status !== 0) {
    throw new PrerequisiteError(`${opts.command} is missing or broken: ${opts.hint}`);
  }
  return `${r.stdout}${r.stderr}`.trim();
}

export function requireJava(): void {
  const out = requireCommand({
    command: 'java',
    args: ['-version'],
    hint: 'install Java 17 or newer (apt-get install openjdk-17-jre-headless) and put java on PATH',
  });
  const m = /version "(\d+)/.exec(out);
  if (m && Number(m[1]) < 17) {
    throw new PrerequisiteError(
      `java ${m[1]} is too old: Kafka 4 needs Java 17 or newer (apt-get install openjdk-17-jre-headless)`,
    );
  }
}

export function requireMaven(): void {
  requireCommand({
    command: 'mvn',
    args: ['-v'],
    hint: 'install Apache Maven (apt-get install maven) to fetch the Kafka jars',
  });
}

/** Resolves when nothing listens on host:port; throws naming the port otherwise. */
export async function requirePortFree(port: number, what: string, host = '127.0.0.1'): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const server = net.createServer();
    server.once('error', () =>
      reject(
        new PrerequisiteError(
          `port ${port} (${what}) is already in use on ${host}: stop what holds it (ss -ltnp 'sport = :${port}') or choose another port`,
        ),
      ),
    );
    server.listen(port, host, () => server.close(() => resolve()));
  });
}

/** A port the OS says is free right now on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return await new Promise<number>((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const addr = server.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Fails fast when PostgreSQL does not answer on the URL. */
export async function requirePostgres(url: string): Promise<void> {
  const { Client } = await import('pg');
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    await client.query('select 1');
  } catch (err) {
    throw new PrerequisiteError(
      `PostgreSQL does not answer at ${redactUrl(url)} (${(err as Error).message}): start it (pg_ctlcluster 15 main start) or set DATABASE_URL`,
    );
  } finally {
    await client.end().catch(() => undefined);
  }
}

export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}
