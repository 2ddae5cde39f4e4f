import { MigrationInterface, QueryRunner } from 'typeorm';

// The secretariat keeps certificates it issued, the agreement registry and what it audits: metadata only.
export class Secretariat1732200000001 implements MigrationInterface {
  name = 'Secretariat1732200000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      create table certificates (
        fingerprint text primary key,
        country text not null,
        serial text not null unique,
        cert_pem text not null,
        issued_at timestamptz not null default now(),
        not_after timestamptz not null,
        revoked_at timestamptz,
        revocation_reason text
      )`);
    await q.query(
      `create table ca_state (id int primary key default 1 check (id = 1), crl_number bigint not null default 0, crl_pem text)`,
    );
    await q.query(`insert into ca_state (id, crl_number) values (1, 0)`);
    await q.query(`
      create table agreements (
        id text primary key,
        version int not null,
        state text not null,
        parties text[] not null,
        signed bytea not null,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now()
      )`);
    await q.query(`
      create table tree_heads (
        gateway text not null,
        tree_size bigint not null,
        root_hash bytea not null,
        timestamp_ms bigint not null,
        sth bytea not null,
        received_at timestamptz not null default now(),
        primary key (gateway, tree_size, root_hash)
      )`);
    await q.query(`
      create table findings (
        id bigserial primary key,
        kind text not null,
        gateway text not null,
        peer text,
        message_id text,
        detail text not null,
        state text not null default 'OPEN',
        explanation text,
        opened_at timestamptz not null default now(),
        closed_at timestamptz
      )`);
    await q.query(
      `create unique index findings_open on findings (kind, gateway, coalesce(peer, ''), coalesce(message_id, '')) where state <> 'CLOSED'`,
    );
    await q.query(`
      create table audit_events (
        gateway text not null,
        idx bigint not null,
        event text not null,
        peer text,
        message_id text,
        category text,
        reason_code text,
        at_ms bigint not null,
        leaf_hash bytea not null,
        primary key (gateway, idx)
      )`);
    await q.query(`create index audit_events_msg on audit_events (message_id)`);
    await q.query(`
      create table gateway_endpoints (
        country text primary key,
        url text not null,
        auditor_token text not null,
        updated_at timestamptz not null default now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of [
      'gateway_endpoints',
      'audit_events',
      'findings',
      'tree_heads',
      'agreements',
      'ca_state',
      'certificates',
    ]) {
      await q.query(`drop table if exists ${t}`);
    }
  }
}
