import { MigrationInterface, QueryRunner } from 'typeorm';

// The exchange fast path (docs/architecture.md, "Performance"):
// - corridor_append_leaves: the exchange log append (log lock, next index, insert) in one round trip instead of
//   three; it is SECURITY INVOKER, so the application role still needs (and has only) insert on audit_leaves.
// - outbox.envelope: the envelope sealed when the row is queued, so the sending instance can produce it at once
//   after commit without claiming the row again; cleared once sent.
// - receipts_due: receipts owed to partners, written in the inbound transaction and sent a moment later, many to
//   a signed message (RECEIPT_BATCH_MS), so a receipt costs a fraction of a signature.
export class FastPath1732300000000 implements MigrationInterface {
  name = 'FastPath1732300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      create function corridor_append_leaves(p_leaves bytea[], p_hashes bytea[], p_events text[], p_message_ids text[])
      returns bigint language plpgsql as $$
      declare
        first_idx bigint;
      begin
        -- the same lock the desk feed takes: log indexes and desk sequences follow commit order, without gaps
        perform pg_advisory_xact_lock(7301917);
        select coalesce(max(idx) + 1, 0) into first_idx from audit_leaves;
        insert into audit_leaves (idx, leaf, leaf_hash, event, message_id)
          select first_idx + i - 1, p_leaves[i], p_hashes[i], p_events[i], p_message_ids[i]
          from generate_subscripts(p_leaves, 1) as i;
        return first_idx;
      end $$`);
    await q.query(`alter table outbox add column envelope bytea`);
    await q.query(`
      create table receipts_due (
        id bigserial primary key,
        sender text not null,
        agreement_id text not null,
        message_id uuid not null,
        envelope_sha256 bytea not null,
        status text not null,
        reason_code text not null default '',
        received_at_ms bigint not null
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`drop table if exists receipts_due`);
    await q.query(`alter table outbox drop column envelope`);
    await q.query(`drop function if exists corridor_append_leaves`);
  }
}
