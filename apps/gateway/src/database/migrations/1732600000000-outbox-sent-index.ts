import { MigrationInterface, QueryRunner } from 'typeorm';

// The receipt-timeout sweep (every 5 s) looks for rows SENT longer ago than RECEIPT_TIMEOUT_MS. Without an index it
// read the whole outbox, which keeps every delivered row: its cost grew with the gateway's history. A partial index
// holds only the rows awaiting a receipt.
export class OutboxSentIndex1732600000000 implements MigrationInterface {
  name = 'OutboxSentIndex1732600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`create index outbox_sent on outbox (sent_at) where status = 'SENT'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`drop index if exists outbox_sent`);
  }
}
