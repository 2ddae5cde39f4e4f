import { MigrationInterface, QueryRunner } from 'typeorm';

// The message-id dedupe (seen_messages) is forgotten once the replay window has passed: an envelope that old is
// refused as STALE by its signed creation time, so its dedupe row can no longer matter. Rows arrive in time order,
// so a BRIN index finds the old ones for a few pages of index, at almost no cost per insert.
export class SeenMessagesAt1732700000000 implements MigrationInterface {
  name = 'SeenMessagesAt1732700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`create index seen_messages_at on seen_messages using brin (at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`drop index if exists seen_messages_at`);
  }
}
