import { MigrationInterface, QueryRunner } from 'typeorm';

// Document registers (#19). `document_registers`: the registers this gateway originates (their records travel as
// chunks through the outbox and are not kept here). `register_records`: the records partners shared with this
// gateway, answered by the hit/no-hit check: one document by its number (btree), a series by its prefix, count of
// digits and numeric range (GiST on the range, so a look-up does not scan every series that starts below it).
export class DocumentRegisters1735600000000 implements MigrationInterface {
  name = 'DocumentRegisters1735600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      create table document_registers (
        id uuid primary key,
        name text not null,
        classification text not null,
        agency text not null,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now(),
        withdrawn_at timestamptz
      )`);
    await q.query(`
      create table register_records (
        source text not null,
        register_id uuid not null,
        record_id text not null,
        register_name text not null,
        classification text not null,
        document_type text not null,
        issuing_state text not null,
        number text not null,
        series_last text,
        series_prefix text,
        series_width int,
        series_start bigint,
        series_end bigint,
        mrz text[] not null default '{}',
        status text not null,
        updated_at timestamptz not null,
        received_at timestamptz not null default now(),
        -- the agreement's retention: a document number identifies its holder
        retain_until timestamptz,
        primary key (source, register_id, record_id)
      )`);
    await q.query(
      `create index register_records_number on register_records (number) where series_end is null`,
    );
    await q.query(`create index register_records_retention on register_records (retain_until)`);
    await q.query(
      `create index register_records_series on register_records using gist (int8range(series_start, series_end, '[]'))
       where series_end is not null`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`drop table if exists register_records`);
    await q.query(`drop table if exists document_registers`);
  }
}
