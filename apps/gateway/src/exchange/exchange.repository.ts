// The exchange's own bookkeeping tables: seen_messages (message-id dedupe, per sender) and receipts_due (receipts
// owed to partners, sent a moment later several to a signed message). Every statement on them is here.
import { DataSource, EntityManager } from 'typeorm';

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

/** A receipt owed, as the flush takes it: its row id and the attempts that failed so far. */
export interface DueReceipt extends ReceiptDue {
  id: string;
  attempts: number;
}

/** A receipt that could not go out this time. */
export interface ReceiptDeferral {
  id: string;
  /** why, for the operator (ids and codes, never content) */
  error: string;
  /** when it is due again; undefined: given up (the retry bound is reached) */
  retryInMs?: number;
}

const DUE_COLUMNS =
  'id, attempts, sender, agreement_id, message_id, envelope_sha256, status, reason_code, received_at_ms';

function dueReceipts(
  rows: {
    id: string;
    attempts: number;
    sender: string;
    agreement_id: string;
    message_id: string | null;
    envelope_sha256: Buffer;
    status: 'ACCEPTED' | 'REJECTED';
    reason_code: string;
    received_at_ms: string;
  }[],
): DueReceipt[] {
  return rows.map((r) => ({
    id: String(r.id),
    attempts: r.attempts,
    sender: r.sender,
    agreementId: r.agreement_id,
    messageId: r.message_id,
    envelopeSha256: r.envelope_sha256,
    status: r.status,
    reasonCode: r.reason_code,
    receivedAtMs: Number(r.received_at_ms),
  }));
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

  /**
   * Locks up to `page` receipts owed and due, oldest first (rows other instances hold are skipped); the caller
   * removes those sent and defers the others, in the same transaction.
   */
  async takeReceiptsDue(db: Db, page: number): Promise<DueReceipt[]> {
    return dueReceipts(
      await db.query(
        `select ${DUE_COLUMNS} from receipts_due
         where failed_at is null and next_attempt_at <= now() order by id limit $1 for update skip locked`,
        [page],
      ),
    );
  }

  /** Locks these receipts owed again, those still owed and not held by another instance. */
  async takeReceiptsDueById(db: Db, ids: string[]): Promise<DueReceipt[]> {
    return dueReceipts(
      await db.query(
        `select ${DUE_COLUMNS} from receipts_due
         where id = any($1::bigint[]) and failed_at is null order by id for update skip locked`,
        [ids],
      ),
    );
  }

  /** Receipts queued for sending: no longer owed. */
  async removeReceiptsDue(db: Db, ids: string[]): Promise<void> {
    if (ids.length > 0) {
      await db.query('delete from receipts_due where id = any($1::bigint[])', [ids]);
    }
  }

  /** Receipts that could not go out: one attempt more, due again after `retryInMs`, or given up (failed_at). */
  async deferReceiptsDue(db: Db, rows: ReceiptDeferral[]): Promise<void> {
    if (rows.length === 0) {
      return;
    }
    await db.query(
      `update receipts_due d
       set attempts = d.attempts + 1, last_error = v.error,
           next_attempt_at = case when v.retry_ms is null then d.next_attempt_at
                                  else now() + v.retry_ms * interval '1 millisecond' end,
           failed_at = case when v.retry_ms is null then now() end
       from unnest($1::bigint[], $2::text[], $3::int[]) as v(id, error, retry_ms)
       where d.id = v.id`,
      [rows.map((r) => r.id), rows.map((r) => r.error), rows.map((r) => r.retryInMs ?? null)],
    );
  }

  /** Receipts given up after the retry bound, for the metrics. */
  async countFailedReceipts(db: Db): Promise<number> {
    const [{ n }] = await db.query<{ n: string }[]>(
      'select count(*) as n from receipts_due where failed_at is not null',
    );
    return Number(n);
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
