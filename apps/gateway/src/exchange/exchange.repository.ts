// The exchange's own bookkeeping tables: seen_messages (message-id dedupe, per sender) and receipts_due (receipts
// owed to partners, sent a moment later several to a signed message). Every statement on them is here.
import { DataSource, EntityManager } from 'typeorm';
import { updatedRows } from '@corridor/platform';

export type Db = DataSource | EntityManager;

/** A receipt owed to a partner, as recorded in receipts_due. */
export interface ReceiptDue {
  sender: string;
  agreementId: string;
  /** null: the envelope was refused before its message id could be trusted; the receipt names only its bytes */
  messageId: string | null;
  envelopeSha256: Uint8Array;
  status: 'ACCEPTED' | 'REJECTED';
  reasonCode: string;
  receivedAtMs: number;
}

export class ExchangeRepository {
  /** Forgets a message id (a refused message leaves no dedupe row, so a corrected copy is not taken for a copy). */
  async forgetMessage(db: Db, sender: string, messageId: string): Promise<void> {
    await db.query('delete from seen_messages where sender = $1 and message_id = $2', [sender, messageId]);
  }

  /** Records a message id; false when this sender's message was already processed. */
  async markSeen(db: Db, sender: string, messageId: string, kind: string): Promise<boolean> {
    const fresh = await db.query<unknown[]>(
      `insert into seen_messages (sender, message_id, kind) values ($1, $2, $3) on conflict do nothing returning message_id`,
      [sender, messageId, kind],
    );
    return fresh.length > 0;
  }

  /** Forgets dedupe rows (message ids, and unreadable envelopes answered) older than `olderThanMs`; how many. */
  async forgetSeenOlderThan(db: Db, olderThanMs: number): Promise<number> {
    const [{ n }] = await db.query<{ n: number }[]>(
      `with gone as (delete from seen_messages where at < now() - $1 * interval '1 millisecond' returning 1),
            answered as (delete from unreadable_answered where answered_at < now() - $1 * interval '1 millisecond'
                         returning 1)
       select (select count(*) from gone)::int + (select count(*) from answered)::int as n`,
      [olderThanMs],
    );
    return n;
  }

  /**
   * Records that an unreadable envelope of `sender` is being answered; false when these exact bytes were answered
   * already (a redelivery, or a partner repeating them): one negative receipt per distinct envelope.
   */
  async markUnreadableAnswered(db: Db, sender: string, envelopeSha256: Uint8Array): Promise<boolean> {
    const fresh = await db.query<unknown[]>(
      `insert into unreadable_answered (sender, envelope_sha256) values ($1, $2) on conflict do nothing returning 1`,
      [sender, Buffer.from(envelopeSha256)],
    );
    return fresh.length > 0;
  }

  /** Takes up to `page` receipts owed (removed in the caller's transaction; rows other instances hold are skipped). */
  async takeReceiptsDue(db: Db, page: number): Promise<ReceiptDue[]> {
    const rows = updatedRows<{
      sender: string;
      agreement_id: string;
      message_id: string | null;
      envelope_sha256: Buffer;
      status: 'ACCEPTED' | 'REJECTED';
      reason_code: string;
      received_at_ms: string;
    }>(
      await db.query(
        `delete from receipts_due where id in (select id from receipts_due order by id limit $1 for update skip locked)
         returning sender, agreement_id, message_id, envelope_sha256, status, reason_code, received_at_ms`,
        [page],
      ),
    );
    return rows.map((r) => ({
      sender: r.sender,
      agreementId: r.agreement_id,
      messageId: r.message_id,
      envelopeSha256: r.envelope_sha256,
      status: r.status,
      reasonCode: r.reason_code,
      receivedAtMs: Number(r.received_at_ms),
    }));
  }

  /** True when the database answers. */
  async reachable(db: Db): Promise<boolean> {
    try {
      await db.query('select 1');
      return true;
    } catch {
      return false;
    }
  }
}
