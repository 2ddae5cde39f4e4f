// Per-run databases: unique names, created on demand, dropped at teardown.
import { Client } from 'pg';
import { ADMIN_DATABASE_URL } from './constants';

/** One connection to `url` for the length of `fn`, closed whatever happens. */
export async function withDb<T>(url: string, fn: (c: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

function withAdmin<T>(fn: (c: Client) => Promise<T>): Promise<T> {
  return withDb(ADMIN_DATABASE_URL, fn);
}

export function databaseUrl(name: string): string {
  const u = new URL(ADMIN_DATABASE_URL);
  u.pathname = `/${name}`;
  return u.toString();
}

/** Creates an empty database for this run and returns its URL. */
export async function createTestDatabase(label: string): Promise<string> {
  const runId = process.env.CORRIDOR_TEST_RUN_ID ?? 'local';
  const name = `corridor_${runId}_${label}`.toLowerCase().replace(/[^a-z0-9_]/g, '_');
  await withAdmin(async (c) => {
    await c.query(`drop database if exists "${name}" with (force)`);
    await c.query(`create database "${name}"`);
  });
  return databaseUrl(name);
}

export async function dropRunDatabases(runId: string): Promise<void> {
  await withAdmin(async (c) => {
    const { rows } = await c.query<{ datname: string }>(
      'select datname from pg_database where datname like $1',
      [`corridor_${runId}_%`],
    );
    for (const r of rows) {
      await c.query(`drop database if exists "${r.datname}" with (force)`);
    }
    const roles = await c.query<{ rolname: string }>('select rolname from pg_roles where rolname like $1', [
      `corridor_${runId}_%`,
    ]);
    for (const r of roles.rows) {
      await c.query(`drop role if exists "${r.rolname}"`).catch(() => undefined);
    }
  });
}

/** The rows of one statement, on a connection of its own. */
export async function sql<T>(url: string, text: string, args: unknown[] = []): Promise<T[]> {
  return withDb(url, async (c) => (await c.query(text, args)).rows as T[]);
}
