import { MigrationInterface, QueryRunner } from 'typeorm';

// Negative receipts for envelopes refused before their message id could be trusted (unreadable, too large, bad
// signature), addressed by the SHA-256 of the envelope bytes (#19):
// - receipts_due.message_id may be null: such a receipt names only the bytes;
// - unreadable_answered: one such receipt per distinct envelope of a sender, however often it is delivered;
// - outbox_envelope_sha256: the originator finds the row those bytes were sealed for (receipts are never answered).
export class UnreadableReceipts1736100000000 implements MigrationInterface {
  name = 'UnreadableReceipts1736100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`alter table receipts_due alter column message_id drop not null`);
    await q.query(`
      create table unreadable_answered (
        sender text not null,
        envelope_sha256 bytea not null,
        answered_at timestamptz not null default now(),
        primary key (sender, envelope_sha256)
      )`);
    await q.query(
      `create index outbox_envelope_sha256 on outbox (envelope_sha256) where kind <> 'RECEIPT' and envelope_sha256 is not null`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`drop index if exists outbox_envelope_sha256`);
    await q.query(`drop table if exists unreadable_answered`);
    await q.query(`delete from receipts_due where message_id is null`);
    await q.query(`alter table receipts_due alter column message_id set not null`);
  }
}
