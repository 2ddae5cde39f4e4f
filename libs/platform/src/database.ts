import { Client } from 'pg';

/** Creates the database if it does not exist (the project owns its databases). */
export async function ensureDatabase(url: string): Promise<void> {
  const u = new URL(url);
  const name = decodeURIComponent(u.pathname.slice(1));
  if (!/^[a-zA-Z0-9_]+$/.test(name)) {
    throw new Error(`database name "${name}" must be letters, digits and underscores`);
  }
  u.pathname = '/postgres';
  const admin = new Client({ connectionString: u.toString(), connectionTimeoutMillis: 5000 });
  try {
    await admin.connect();
  } catch (err) {
    throw new Error(
      `PostgreSQL does not answer at ${u.host} (${(err as Error).message}): start it (pg_ctlcluster 15 main start) or set DATABASE_URL`,
    );
  }
  try {
    const { rowCount } = await admin.query('select 1 from pg_database where datname = $1', [name]);
    if (!rowCount) {
      await admin.query(`create database "${name}"`);
    }
  } finally {
    await admin.end();
  }
}

/** TypeORM answers an UPDATE ... RETURNING with [rows, affectedCount]; this returns the rows either way. */
export function updatedRows<T>(result: unknown): T[] {
  if (
    Array.isArray(result) &&
    result.length === 2 &&
    Array.isArray(result[0]) &&
    typeof result[1] === 'number'
  ) {
    return result[0] as T[];
  }
  return result as T[];
}

/**
 * A hot-path statement that node-postgres prepares once per connection under `name`, so PostgreSQL parses and
 * plans it once per connection instead of on every call. Use it where a string query goes (DataSource.query,
 * EntityManager.query): it is a String whose `name` and `text` node-postgres reads. The text must be constant
 * for a name.
 */
export function preparedStatement(name: string, text: string): string {
  return Object.assign(new String(text), { name, text }) as unknown as string;
}
