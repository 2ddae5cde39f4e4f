// The registers this gateway originates (document_registers): every statement on that table. Their records are not
// kept here: they travel as chunks through the outbox, whose rows name the register in alert_id.
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
}
