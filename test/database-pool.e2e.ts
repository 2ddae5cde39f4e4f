// A gateway's connection pool on real PostgreSQL: a burst opens connections up to the maximum, and a quiet spell
// closes only those above the warm floor (DATABASE_POOL_MIN), so the next burst does not wait for new backends.
import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { openGatewayDatabase } from '../apps/gateway/src/database/data-source';
import { ADMIN_DATABASE_URL } from './harness/constants';
import { createTestDatabase } from './harness/databases';
import { eventually } from './harness/network';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("a gateway's database pool (real PostgreSQL)", () => {
  let url: string;
  const open: DataSource[] = [];
  const admin = new Client({ connectionString: ADMIN_DATABASE_URL });
  /** Backends connected to the test database, counted from outside the pool. */
  const backends = async (): Promise<number> =>
    Number(
      (
        await admin.query<{ n: string }>('select count(*) as n from pg_stat_activity where datname = $1', [
          new URL(url).pathname.slice(1),
        ])
      ).rows[0].n,
    );
  /** The backend count once it is `want` (a closed connection's backend leaves a moment later); fails after 5 s. */
  const settled = (want: number): Promise<number> =>
    eventually(
      `${want} backends on the test database`,
      async () => ((await backends()) === want ? want : undefined),
      5000,
    );
  const burst = (db: DataSource, n: number) =>
    Promise.all(Array.from({ length: n }, () => db.query('select pg_sleep(0.2)')));

  beforeAll(async () => {
    url = await createTestDatabase('database_pool');
    await admin.connect();
  }, 60_000);

  afterAll(async () => {
    await Promise.all(open.map((d) => d.destroy()));
    await admin.end();
  });

  it('keeps DATABASE_POOL_MIN connections open through a quiet spell and closes the rest', async () => {
    const db = await openGatewayDatabase(url, undefined, { max: 8, min: 3, idleTimeoutMillis: 1000 });
    open.push(db);
    await burst(db, 12);
    expect(await backends()).toBe(8); // never more than the maximum
    await sleep(2500);
    expect(await settled(3)).toBe(3);
    await db.destroy();
    open.pop();
    // a closed connection's backend leaves pg_stat_activity a moment after the socket closes
    expect(await settled(0)).toBe(0);
  }, 30_000);

  it('with no floor, a quiet spell closes every connection (what a burst after a pause used to find)', async () => {
    const db = await openGatewayDatabase(url, undefined, { max: 8, min: 0, idleTimeoutMillis: 1000 });
    open.push(db);
    await burst(db, 8);
    expect(await backends()).toBe(8);
    await sleep(2500);
    expect(await settled(0)).toBe(0);
  }, 30_000);
});
