import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Reconciliation looks only at exchanges not yet matched. A SENT is settled once its arrival at the peer and its
 * receipt are mirrored, a RECEIVED once the peer's SENT is; every other event needs no counterpart. The logs are
 * append-only, so a settled event stays settled: each reconciliation pass reads the few unsettled rows through a
 * partial index instead of every SENT and RECEIVED ever mirrored (hundreds of milliseconds a pass after a few
 * thousand alerts, growing without bound).
 */
export class SettledEvents1732600000000 implements MigrationInterface {
  name = 'SettledEvents1732600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`alter table audit_events add column settled boolean not null default false`);
    // Rows already mirrored: those that need no counterpart are settled now; the next pass settles the others.
    await q.query(
      `update audit_events set settled = not ((event = 'SENT' and coalesce(reason_code, '') <> 'RECEIPT') or event = 'RECEIVED')`,
    );
    await q.query(`create index audit_events_unsettled on audit_events (event, at_ms) where not settled`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`drop index if exists audit_events_unsettled`);
    await q.query(`alter table audit_events drop column settled`);
  }
}
