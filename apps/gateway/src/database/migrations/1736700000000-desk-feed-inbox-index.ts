import { MigrationInterface, QueryRunner } from 'typeorm';

// desk_feed.inbox_seq had no index: each inbox row listed at a desk looked up its newest feed entry
// (`max(seq) where inbox_seq = i.seq`) by reading the whole feed, and removing an inbox row checked the foreign key the
// same way. With (inbox_seq, seq) both are one index descent.
export class DeskFeedInboxIndex1736700000000 implements MigrationInterface {
  name = 'DeskFeedInboxIndex1736700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`create index desk_feed_inbox on desk_feed (inbox_seq, seq)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`drop index if exists desk_feed_inbox`);
  }
}
