import { DataSource } from 'typeorm';
import { ensureDatabase } from '@corridor/platform';
import { Secretariat1732200000001 } from './migrations/1732200000001-secretariat';
import { SettledEvents1732600000000 } from './migrations/1732600000000-settled-events';
import { TransportCertificates1734000000000 } from './migrations/1734000000000-transport-certificates';

export async function openSecretariatDatabase(url: string): Promise<DataSource> {
  await ensureDatabase(url);
  const ds = new DataSource({
    type: 'postgres',
    url,
    migrations: [Secretariat1732200000001, SettledEvents1732600000000, TransportCertificates1734000000000],
    migrationsTableName: 'schema_migrations',
    synchronize: false,
  });
  await ds.initialize();
  await ds.runMigrations({ transaction: 'each' });
  return ds;
}
