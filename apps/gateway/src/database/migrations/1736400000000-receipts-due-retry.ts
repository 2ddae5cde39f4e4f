import { MigrationInterface, QueryRunner } from 'typeorm';

// A receipt owed that cannot go out (its row cannot be made into a receipt, or its partner cannot be sealed for)
// fails alone (#19): it stays in receipts_due with its attempts, the last error and when it is due again, and after
// the retry bound it is given up (failed_at set: visible to the operator, never silently dropped) while the receipts
// beside it still leave.
export class ReceiptsDueRetry1736400000000 implements MigrationInterface {
  name = 'ReceiptsDueRetry1736400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      alter table receipts_due
        add column attempts int not null default 0,
        add column next_attempt_at timestamptz not null default now(),
        add column last_error text,
        add column failed_at timestamptz`);
    // the flush reads rows still owed in id order; given-up rows stay out of its way
    await q.query(`create index receipts_due_owed on receipts_due (id) where failed_at is null`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`drop index if exists receipts_due_owed`);
    await q.query(`
      alter table receipts_due
        drop column failed_at,
        drop column last_error,
        drop column next_attempt_at,
        drop column attempts`);
  }
}
