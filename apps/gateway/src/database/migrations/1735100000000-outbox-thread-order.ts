import { MigrationInterface, QueryRunner } from 'typeorm';

// The relay's claim holds a row back while an earlier unsent row of the same recipient and thread waits (order per
// thread after an outage, #14): this partial index answers that look-up from the unsent rows only.
export class OutboxThreadOrder1735100000000 implements MigrationInterface {
  name = 'OutboxThreadOrder1735100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `create index outbox_queued_thread on outbox (recipient, (coalesce(thread_id, alert_id)), id) where status = 'QUEUED'`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`drop index if exists outbox_queued_thread`);
  }
}
