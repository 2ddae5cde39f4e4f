import { MigrationInterface, QueryRunner } from 'typeorm';

// Suite 2 (#17): this gateway's epoch KEM keys (private halves encrypted, erased once the replay window has passed)
// and the signed gateway records of partners (suites they open, their epoch keys), as received on the control topic.
export class EpochKeys1735200000000 implements MigrationInterface {
  name = 'EpochKeys1735200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      create table epoch_keys (
        key_id text primary key,
        not_before_ms bigint not null unique,
        not_after_ms bigint not null,
        public_key bytea not null,
        signature bytea not null,
        cert_fingerprint text not null,
        sealed_private text,
        created_at timestamptz not null default now(),
        destroyed_at timestamptz,
        check ((sealed_private is null) = (destroyed_at is not null))
      )`);
    await q.query(`
      create table trust_gateway_records (
        country text primary key,
        published_at_ms bigint not null,
        signed bytea not null,
        updated_at timestamptz not null default now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('drop table if exists trust_gateway_records');
    await q.query('drop table if exists epoch_keys');
  }
}
