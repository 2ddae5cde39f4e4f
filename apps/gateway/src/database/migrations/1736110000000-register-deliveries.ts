import { MigrationInterface, QueryRunner } from 'typeorm';

// Late agreements (#19): a partner whose agreement granting DOCUMENT becomes effective after a register was published
// receives the register's current state once.
// - register_items: the current records of each register this gateway originates (latest version, withdrawn ones
//   deleted), kept in the transaction that queues each change, as DocumentRecord protobuf bytes (MRZ included;
//   a direction that excludes it is served without it).
// - register_deliveries: which partner has a register under which agreement, from the first change sent to it
//   ('PUBLISHED') or from a sync of the current state ('SYNCED'). A pair missing here is synced, once.
// Registers published before this migration have no items: they are not synced (nothing to send).
export class RegisterDeliveries1736110000000 implements MigrationInterface {
  name = 'RegisterDeliveries1736110000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      create table register_items (
        register_id uuid not null references document_registers (id) on delete cascade,
        record_id text not null,
        record bytea not null,
        primary key (register_id, record_id)
      )`);
    await q.query(`
      create table register_deliveries (
        register_id uuid not null references document_registers (id) on delete cascade,
        partner text not null,
        agreement_id text not null,
        how text not null check (how in ('PUBLISHED', 'SYNCED')),
        records int not null default 0,
        at timestamptz not null default now(),
        primary key (register_id, partner, agreement_id)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`drop table if exists register_deliveries`);
    await q.query(`drop table if exists register_items`);
  }
}
