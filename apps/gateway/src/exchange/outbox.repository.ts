// The outbox: what this gateway queued for partners, with its delivery state. Statements of the inbound side that
// settle outbox rows (receipts, acknowledgements) are here; the relay's own statements live in outbox.ts for now.
import type { Db } from './exchange.repository';

/** One receipt entry to match against what was sent to its sender. */
export interface ReceiptEntry {
  messageId: string;
  envelopeSha256: Uint8Array;
  /** the outbox state it leads to */
  outcome: 'DELIVERED' | 'REJECTED';
  /** as the receipt states it (ACCEPTED, REJECTED) */
  receiptStatus: string;
  reasonCode: string;
}

export interface MatchedReceipt {
  /** index of the entry in the list given */
  index: number;
  category: string | null;
  queuedAt: Date;
}

/** An outbox row as the deliveries listing reads it. */
export interface DeliveryRow {
  id: string;
  recipient: string;
  kind: string;
  message_id: string;
  status: string;
  refusal_reason: string | null;
  last_error: string | null;
  receipt_reason: string | null;
  queued_at: Date;
  sent_at: Date | null;
  delivered_at: Date | null;
  acknowledged_by: string | null;
  acknowledged_at: Date | null;
  redacted_fields: string[];
  alert_id: string;
}

export interface DeliveryFilter {
  alertId?: string;
  status?: string;
  recipient?: string;
  /** ALERT when absent */
  kind?: string;
  /** outbox id of the last row seen */
  cursor?: number;
  limit: number;
}

export class OutboxRepository {
  /** The outbox, newest first, one row per recipient and message. */
  async deliveries(db: Db, f: DeliveryFilter): Promise<DeliveryRow[]> {
    const where: string[] = [];
    const args: unknown[] = [];
    const add = (sql: string, v: unknown): void => {
      args.push(v);
      where.push(sql.replace('?', `$${args.length}`));
    };
    if (f.alertId) {
      add('alert_id = ?', f.alertId);
    }
    if (f.status) {
      add('status = ?', f.status);
    }
    if (f.recipient) {
      add('recipient = ?', f.recipient);
    }
    add('kind = ?', f.kind ?? 'ALERT');
    if (f.cursor) {
      add('id < ?', f.cursor);
    }
    args.push(f.limit);
    return db.query<DeliveryRow[]>(
      `select * from outbox where ${where.join(' and ')} order by id desc limit $${args.length}`,
      args,
    );
  }

  /** The partners an alert went to (and may still go to), with the agreement it went under. */
  async activeRecipients(
    db: Db,
    alertId: string,
  ): Promise<{ recipient: string; agreement_id: string | null }[]> {
    return db.query(
      `select distinct recipient, agreement_id from outbox where alert_id = $1 and kind = 'ALERT' and status in ('QUEUED', 'SENT', 'DELIVERED')`,
      [alertId],
    );
  }

  /**
   * Matches each entry to a row sent to `recipient` with exactly those bytes and applies the matches (DELIVERED or
   * REJECTED), in one statement; the entries that matched, by index.
   */
  async applyReceipts(db: Db, recipient: string, entries: ReceiptEntry[]): Promise<MatchedReceipt[]> {
    const rows = await db.query<{ n: string; category: string | null; queued_at: Date }[]>(
      `with v as (
         select * from unnest($1::uuid[], $2::bytea[], $4::text[], $5::text[], $6::text[])
           with ordinality as v(message_id, sha, status, receipt_status, reason, n)),
       m as (
         select o.id, v.n, o.category, o.queued_at, v.status, v.receipt_status, v.reason
         from v join outbox o on o.message_id = v.message_id and o.recipient = $3 and v.sha = any(o.sent_sha256s)),
       applied as (
         update outbox o set status = m.status, delivered_at = case when m.status = 'DELIVERED' then now() else o.delivered_at end,
                receipt_status = m.receipt_status, receipt_reason = nullif(m.reason, '')
         from m where o.id = m.id and o.status in ('SENT', 'QUEUED', 'UNCONFIRMED')
         returning o.id)
       select m.n, m.category, m.queued_at, (select count(*) from applied) as applied from m`,
      [
        entries.map((e) => e.messageId),
        entries.map((e) => Buffer.from(e.envelopeSha256)),
        recipient,
        entries.map((e) => e.outcome),
        entries.map((e) => e.receiptStatus),
        entries.map((e) => e.reasonCode),
      ],
    );
    return rows.map((r) => ({ index: Number(r.n) - 1, category: r.category, queuedAt: r.queued_at }));
  }

  /**
   * Records a partner's acknowledgement on the rows of an alert sent to it (the first one stays); how many rows of
   * that alert went to that partner — 0 when it never did.
   */
  async acknowledge(
    db: Db,
    a: { alertId: string; recipient: string; acknowledgedBy: string; acknowledgedAtMs: number },
  ): Promise<number> {
    const [{ known }] = await db.query<{ known: number }[]>(
      `with target as (
         select id from outbox where alert_id = $1 and recipient = $2 and kind in ('ALERT', 'UPDATE')),
       acked as (
         update outbox set acknowledged_by = $3, acknowledged_at = to_timestamp($4 / 1000.0)
         where id in (select id from target) and acknowledged_at is null returning 1)
       select (select count(*) from target)::int as known, (select count(*) from acked) as acked`,
      [a.alertId, a.recipient, a.acknowledgedBy, a.acknowledgedAtMs],
    );
    return known;
  }
}
