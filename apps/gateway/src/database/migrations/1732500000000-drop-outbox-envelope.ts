import { MigrationInterface, QueryRunner } from 'typeorm';

// outbox.envelope (1732300000000) was written with every sealed row and cleared once sent, but never read: the
// sending instance produces from memory and the poller seals a row afresh. It cost ~1.5 KB of heap and WAL per
// recipient per alert, written once and rewritten by the SENT update; the envelope's hash stays (envelope_sha256).
export class DropOutboxEnvelope1732500000000 implements MigrationInterface {
  name = 'DropOutboxEnvelope1732500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`alter table outbox drop column envelope`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`alter table outbox add column envelope bytea`);
  }
}
