// The registers this gateway originates: every statement on document_registers, register_items (their current
// records, for partners whose agreement starts later) and register_deliveries (which partner has which register under
// which agreement). The changes travel as chunks through the outbox, whose rows name the register in alert_id.
import type { Db } from '../exchange/exchange.repository';

export interface RegisterRow {
  id: string;
  name: string;
  classification: string;
  agency: string;
  created_at: Date;
  updated_at: Date;
  withdrawn_at: Date | null;
}

export class RegistersRepository {
  async create(
    db: Db,
    r: { id: string; name: string; classification: string; agency: string },
  ): Promise<RegisterRow> {
    const [row] = await db.query<RegisterRow[]>(
      `insert into document_registers (id, name, classification, agency) values ($1, $2, $3, $4) returning *`,
      [r.id, r.name, r.classification, r.agency],
    );
    return row;
  }

  async find(db: Db, id: string): Promise<RegisterRow | undefined> {
    const [row] = await db.query<RegisterRow[]>(`select * from document_registers where id = $1`, [id]);
    return row;
  }

  /** Locks the register for a change (records or withdrawal), so changes of one register queue in order. */
  async lock(db: Db, id: string): Promise<RegisterRow | undefined> {
    const [row] = await db.query<RegisterRow[]>(`select * from document_registers where id = $1 for update`, [
      id,
    ]);
    return row;
  }

  async touch(db: Db, id: string): Promise<void> {
    await db.query(`update document_registers set updated_at = now() where id = $1`, [id]);
  }

  async markWithdrawn(db: Db, id: string): Promise<void> {
    await db.query(`update document_registers set withdrawn_at = now(), updated_at = now() where id = $1`, [
      id,
    ]);
  }

  async list(db: Db, limit: number): Promise<RegisterRow[]> {
    return db.query<RegisterRow[]>(`select * from document_registers order by created_at desc limit $1`, [
      limit,
    ]);
  }

  /** Adds or replaces current records (protobuf DocumentRecord bytes by record id). */
  async putItems(db: Db, id: string, items: { recordId: string; record: Uint8Array }[]): Promise<void> {
    if (items.length === 0) {
      return;
    }
    await db.query(
      `insert into register_items (register_id, record_id, record)
       select $1, r, b from unnest($2::text[], $3::bytea[]) as v(r, b)
       on conflict (register_id, record_id) do update set record = excluded.record`,
      [id, items.map((i) => i.recordId), items.map((i) => Buffer.from(i.record))],
    );
  }

  /** Removes current records by id, or all of them (recordIds undefined). */
  async removeItems(db: Db, id: string, recordIds?: string[]): Promise<void> {
    await db.query(
      `delete from register_items where register_id = $1 and ($2::text[] is null or record_id = any($2::text[]))`,
      [id, recordIds ?? null],
    );
  }

  /** The current records of a register, by record id. */
  async items(db: Db, id: string): Promise<Buffer[]> {
    const rows = await db.query<{ record: Buffer }[]>(
      `select record from register_items where register_id = $1 order by record_id`,
      [id],
    );
    return rows.map((r) => r.record);
  }

  /** The partners (and agreements) that already have this register. */
  async deliveries(db: Db, id: string): Promise<{ partner: string; agreement_id: string }[]> {
    return db.query<{ partner: string; agreement_id: string }[]>(
      `select partner, agreement_id from register_deliveries where register_id = $1`,
      [id],
    );
  }

  async recordDeliveries(
    db: Db,
    id: string,
    rows: { partner: string; agreementId: string; how: 'PUBLISHED' | 'SYNCED'; records: number }[],
  ): Promise<void> {
    if (rows.length === 0) {
      return;
    }
    await db.query(
      `insert into register_deliveries (register_id, partner, agreement_id, how, records)
       select $1, p, a, h, n from unnest($2::text[], $3::text[], $4::text[], $5::int[]) as v(p, a, h, n)
       on conflict do nothing`,
      [
        id,
        rows.map((r) => r.partner),
        rows.map((r) => r.agreementId),
        rows.map((r) => r.how),
        rows.map((r) => r.records),
      ],
    );
  }

  /**
   * Registers of this classification, not withdrawn, that `partner` does not have under `agreementId`: the ones a
   * late agreement owes a sync.
   */
  async missingFor(
    db: Db,
    r: { classification: string; partner: string; agreementId: string },
  ): Promise<string[]> {
    const rows = await db.query<{ id: string }[]>(
      `select g.id from document_registers g
       where g.withdrawn_at is null and g.classification = $1
         and not exists (select 1 from register_deliveries d
                         where d.register_id = g.id and d.partner = $2 and d.agreement_id = $3)
       order by g.created_at`,
      [r.classification, r.partner, r.agreementId],
    );
    return rows.map((x) => x.id);
  }

  /** The classifications of registers not withdrawn. */
  async openClassifications(db: Db): Promise<string[]> {
    const rows = await db.query<{ classification: string }[]>(
      `select distinct classification from document_registers where withdrawn_at is null`,
    );
    return rows.map((r) => r.classification);
  }
}
