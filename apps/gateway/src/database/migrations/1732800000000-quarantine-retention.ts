import { MigrationInterface, QueryRunner } from 'typeorm';

// Quarantined envelopes keep their bytes for QUARANTINE_RETENTION_DAYS, then only hash, reason and metadata: the
// retention sweep finds the rows still holding bytes through this partial index, however long the table grows.
export class QuarantineRetention1732800000000 implements MigrationInterface {
  name = 'QuarantineRetention1732800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`create index quarantine_held on quarantine (received_at) where envelope is not null`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`drop index if exists quarantine_held`);
  }
}
