import { Client } from 'pg';
import { DataSource, type EntityManager } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import type { PostgresQueryRunner } from 'typeorm/driver/postgres/PostgresQueryRunner';

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
 * Runs a hot-path statement that node-postgres prepares once per connection under `name`, so PostgreSQL parses and
 * plans it once per connection instead of on every call (for the publish statement: 0.25 instead of 0.50 ms of
 * database CPU per call here). `on` is the DataSource, or the EntityManager of a transaction (the statement then
 * runs on that transaction's connection). The text must be constant for a name. Returns the rows.
 */
export async function queryPrepared<T>(
  on: DataSource | EntityManager,
  name: string,
  text: string,
  values: unknown[],
): Promise<T[]> {
  // node-postgres directly: TypeORM's query() takes only a string, and it is a thin pass-through anyway.
  type Queryable = { query(config: object): Promise<{ rows: T[] }> };
  const client =
    on instanceof DataSource
      ? ((on.driver as PostgresDriver).master as Queryable)
      : ((await (on.queryRunner as PostgresQueryRunner | undefined)?.connect()) as Queryable | undefined);
  if (!client) {
    throw new Error('queryPrepared: the EntityManager is not one of a transaction');
  }
  const result = await client.query({ name, text, values });
  return result.rows;
}
