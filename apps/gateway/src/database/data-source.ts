// TypeORM data source for a gateway database: migrations only, never `synchronize`.
import { DataSource } from 'typeorm';
import { ensureDatabase } from '@corridor/platform';
import { Initial1732200000000 } from './migrations/1732200000000-initial';

export const GATEWAY_MIGRATIONS = [Initial1732200000000];

export function gatewayDataSource(url: string): DataSource {
  return new DataSource({
    type: 'postgres',
    url,
    migrations: GATEWAY_MIGRATIONS,
    migrationsTableName: 'schema_migrations',
    synchronize: false,
    extra: { max: 10 },
  });
}

/** Creates (if needed) and migrates a gateway database; returns an initialized data source. */
export async function openGatewayDatabase(url: string): Promise<DataSource> {
  await ensureDatabase(url);
  const ds = gatewayDataSource(url);
  await ds.initialize();
  await ds.runMigrations({ transaction: 'each' });
  return ds;
}
