// TypeORM data source for a gateway database: migrations only, never `synchronize`.
import { DataSource } from 'typeorm';
import { ensureDatabase } from '@corridor/platform';
import { DEFAULT_GATEWAY_POOL, type GatewayPool } from './pool';
import { Initial1732200000000 } from './migrations/1732200000000-initial';
import { FastPath1732300000000 } from './migrations/1732300000000-fast-path';
import { ReceiveAlert1732400000000 } from './migrations/1732400000000-receive-alert';
import { DropOutboxEnvelope1732500000000 } from './migrations/1732500000000-drop-outbox-envelope';
import { OutboxSentIndex1732600000000 } from './migrations/1732600000000-outbox-sent-index';
import { SeenMessagesAt1732700000000 } from './migrations/1732700000000-seen-messages-at';
import { QuarantineRetention1732800000000 } from './migrations/1732800000000-quarantine-retention';
import { OutboxSentIndexWithoutReceipts1732900000000 } from './migrations/1732900000000-outbox-sent-index-without-receipts';
import { HostilePartner1733000000000 } from './migrations/1733000000000-hostile-partner';
import { OutboxThreadOrder1735100000000 } from './migrations/1735100000000-outbox-thread-order';
import { EpochKeys1735200000000 } from './migrations/1735200000000-epoch-keys';
import { AlertHistory1735400000000 } from './migrations/1735400000000-alert-history';
import { DocumentRegisters1735600000000 } from './migrations/1735600000000-document-registers';
import { DeliveryNotify1736000000000 } from './migrations/1736000000000-delivery-notify';
import { UnreadableReceipts1736100000000 } from './migrations/1736100000000-unreadable-receipts';
import { RegisterDeliveries1736110000000 } from './migrations/1736110000000-register-deliveries';
import { ReceiptsDueRetry1736400000000 } from './migrations/1736400000000-receipts-due-retry';
import { DeskFeedInboxIndex1736700000000 } from './migrations/1736700000000-desk-feed-inbox-index';

export const GATEWAY_MIGRATIONS = [
  Initial1732200000000,
  FastPath1732300000000,
  ReceiveAlert1732400000000,
  DropOutboxEnvelope1732500000000,
  OutboxSentIndex1732600000000,
  SeenMessagesAt1732700000000,
  QuarantineRetention1732800000000,
  OutboxSentIndexWithoutReceipts1732900000000,
  HostilePartner1733000000000,
  OutboxThreadOrder1735100000000,
  EpochKeys1735200000000,
  AlertHistory1735400000000,
  DocumentRegisters1735600000000,
  DeliveryNotify1736000000000,
  UnreadableReceipts1736100000000,
  RegisterDeliveries1736110000000,
  ReceiptsDueRetry1736400000000,
  DeskFeedInboxIndex1736700000000,
];

export function gatewayDataSource(url: string, pool: GatewayPool = DEFAULT_GATEWAY_POOL): DataSource {
  return new DataSource({
    type: 'postgres',
    url,
    migrations: GATEWAY_MIGRATIONS,
    migrationsTableName: 'schema_migrations',
    synchronize: false,
    extra: { max: pool.max, min: pool.min, idleTimeoutMillis: pool.idleTimeoutMillis },
  });
}

/** The exchange log is append-only for the service: it may read and insert, never update or delete. */
const APPEND_ONLY_TABLES = ['audit_leaves', 'tree_heads'];

/** The URL the running service uses: the owner's URL with the application role as user. */
export function runtimeDatabaseUrl(url: string, appRole?: string): string {
  if (!appRole) {
    return url;
  }
  const u = new URL(url);
  u.username = appRole;
  u.password = '';
  return u.toString();
}

/**
 * Creates (if needed) and migrates a gateway database as its owner; with an application role, grants that
 * role what the service needs (append-only on the log tables) and returns a data source connected as it.
 */
export async function openGatewayDatabase(
  url: string,
  appRole?: string,
  pool: GatewayPool = DEFAULT_GATEWAY_POOL,
): Promise<DataSource> {
  await ensureDatabase(url);
  // With an application role, the owner's connection only migrates and grants, then closes; without one, it serves.
  const owner = gatewayDataSource(url, appRole ? { max: 1, min: 0, idleTimeoutMillis: 1000 } : pool);
  await owner.initialize();
  await owner.runMigrations({ transaction: 'each' });
  if (!appRole) {
    return owner;
  }
  try {
    const exists = await owner.query<unknown[]>('select 1 from pg_roles where rolname = $1', [appRole]);
    if (exists.length === 0) {
      await owner.query(`create role "${appRole}" login`);
    }
    const tables = await owner.query<{ tablename: string }[]>(
      "select tablename from pg_tables where schemaname = 'public'",
    );
    await owner.query(`grant usage on schema public to "${appRole}"`);
    await owner.query(`grant usage, select on all sequences in schema public to "${appRole}"`);
    for (const { tablename } of tables) {
      const privileges = APPEND_ONLY_TABLES.includes(tablename)
        ? 'select, insert'
        : 'select, insert, update, delete';
      await owner.query(`revoke all on "${tablename}" from "${appRole}"`);
      await owner.query(`grant ${privileges} on "${tablename}" to "${appRole}"`);
    }
  } finally {
    await owner.destroy();
  }
  const app = gatewayDataSource(runtimeDatabaseUrl(url, appRole), pool);
  await app.initialize();
  return app;
}
