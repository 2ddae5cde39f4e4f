import { MigrationInterface, QueryRunner } from 'typeorm';

// The gateway's schema: published alerts, transactional outbox, inbox with desk feed, quarantine,
// the append-only exchange log and the trust/agreement registry fed from corridor.control.
export class Initial1732200000000 implements MigrationInterface {
  name = 'Initial1732200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      create table alerts (
        id uuid primary key,
        thread_id uuid not null,
        category text not null,
        priority text not null,
        classification text not null,
        handling text not null,
        title text not null,
        alert bytea not null,
        publisher text not null,
        idempotency_key text,
        request_hash text,
        response jsonb,
        state text not null default 'ACTIVE',
        version int not null default 1,
        created_at timestamptz not null default now(),
        unique (publisher, idempotency_key)
      )`);
    await q.query(`
      create table outbox (
        id bigserial primary key,
        message_id uuid not null unique,
        alert_id uuid,
        kind text not null,
        recipient text not null,
        agreement_id text,
        category text,
        classification text,
        thread_id uuid,
        message bytea,
        redacted_fields text[] not null default '{}',
        status text not null,
        refusal_reason text,
        refusal_rule text,
        attempts int not null default 0,
        next_attempt_at timestamptz not null default now(),
        last_error text,
        envelope_sha256 bytea,
        sent_sha256s bytea[] not null default '{}',
        queued_at timestamptz not null default now(),
        sent_at timestamptz,
        delivered_at timestamptz,
        receipt_status text,
        receipt_reason text,
        acknowledged_by text,
        acknowledged_at timestamptz
      )`);
    await q.query(`create index outbox_due on outbox (next_attempt_at) where status = 'QUEUED'`);
    await q.query(`create index outbox_alert on outbox (alert_id)`);
    await q.query(`
      create table inbox (
        seq bigserial primary key,
        message_id uuid not null unique,
        sender text not null,
        alert_id uuid not null,
        thread_id uuid,
        kind text not null,
        category text,
        classification text,
        priority text,
        title text,
        body bytea,
        redacted_fields text[] not null default '{}',
        doc_number text,
        agreement_id text,
        envelope_sha256 bytea not null,
        received_at timestamptz not null default now(),
        retain_until timestamptz,
        state text not null default 'ACTIVE',
        version int not null default 1,
        acknowledged_by text,
        acknowledged_at timestamptz
      )`);
    await q.query(`create unique index inbox_alert on inbox (sender, alert_id) where kind = 'ALERT'`);
    await q.query(`create index inbox_retention on inbox (retain_until) where body is not null`);
    await q.query(`create index inbox_doc_number on inbox (doc_number) where doc_number is not null`);
    await q.query(`
      create table desk_feed (
        seq bigserial primary key,
        inbox_seq bigint not null references inbox (seq),
        event text not null,
        at timestamptz not null default now()
      )`);
    await q.query(`
      create table seen_messages (
        sender text not null,
        message_id uuid not null,
        kind text not null,
        at timestamptz not null default now(),
        primary key (sender, message_id)
      )`);
    await q.query(`
      create table quarantine (
        id bigserial primary key,
        received_at timestamptz not null default now(),
        topic text not null,
        partition int not null,
        "offset" text not null,
        claimed_sender text,
        message_id text,
        reason_code text not null,
        detail text,
        envelope bytea,
        envelope_sha256 bytea
      )`);
    await q.query(`
      create table audit_leaves (
        idx bigint primary key,
        leaf bytea not null,
        leaf_hash bytea not null,
        event text not null,
        message_id text,
        created_at timestamptz not null default now()
      )`);
    await q.query(`
      create table tree_heads (
        tree_size bigint primary key,
        root_hash bytea not null,
        timestamp_ms bigint not null,
        sth bytea not null
      )`);
    await q.query(`
      create function corridor_refuse_change() returns trigger language plpgsql as $$
      begin
        raise exception 'the exchange log is append-only: % on % refused', tg_op, tg_table_name;
      end $$`);
    for (const t of ['audit_leaves', 'tree_heads']) {
      await q.query(
        `create trigger ${t}_append_only before update or delete on ${t} for each row execute function corridor_refuse_change()`,
      );
      await q.query(
        `create trigger ${t}_no_truncate before truncate on ${t} for each statement execute function corridor_refuse_change()`,
      );
    }
    await q.query(`
      create table agreements (
        id text primary key,
        version int not null,
        state text not null,
        parties text[] not null,
        signed bytea not null,
        updated_at timestamptz not null default now()
      )`);
    await q.query(`
      create table trust_certs (
        fingerprint text primary key,
        country text not null,
        serial text not null,
        cert_pem text not null,
        not_after timestamptz not null
      )`);
    await q.query(
      `create table trust_crl (issuer text primary key, crl_pem text not null, updated_at timestamptz not null default now())`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of [
      'trust_crl',
      'trust_certs',
      'agreements',
      'tree_heads',
      'audit_leaves',
      'quarantine',
      'seen_messages',
      'desk_feed',
      'inbox',
      'outbox',
      'alerts',
    ]) {
      await q.query(`drop table if exists ${t} cascade`);
    }
    await q.query(`drop function if exists corridor_refuse_change`);
  }
}
