import { MigrationInterface, QueryRunner } from 'typeorm';

// Receipts are never answered by receipts, so a RECEIPT row stays SENT for good and the receipt-timeout sweep leaves
// it alone. The partial index for that sweep holds only the rows that await a receipt, as it did before receipts
// accumulated in it with the gateway's history.
export class OutboxSentIndexWithoutReceipts1732900000000 implements MigrationInterface {
  name = 'OutboxSentIndexWithoutReceipts1732900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`drop index if exists outbox_sent`);
    await q.query(`create index outbox_sent on outbox (sent_at) where status = 'SENT' and kind <> 'RECEIPT'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`drop index if exists outbox_sent`);
    await q.query(`create index outbox_sent on outbox (sent_at) where status = 'SENT'`);
  }
}
