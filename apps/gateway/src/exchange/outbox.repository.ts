// The outbox: what this gateway queued for partners, with its delivery state. Every statement on it is here: the
// relay's (insert, claim, sent, retry, failed), and those that settle rows on receipts and acknowledgements.
import { queryPrepared, updatedRows } from '@corridor/platform';
import type { Db } from './exchange.repository';
import type { LeafParameters } from '../inbox/inbox.repository';
import type { Client } from 'pg';

/** Outbox rows laid out as the array parameters of `outboxInsertSql`, and what to do with the ids it returns. */
export interface PreparedOutbox<P = unknown> {
  /** the OUTBOX_INSERT_PARAMS array parameters of `outboxInsertSql` */
  params: unknown[];
  /** after the insert: the fast-path rows, given the ids it returned by message id */
  pending: (idsByMessageId: Map<string, string>) => P[];
}

export const OUTBOX_INSERT_PARAMS = 16;

/**
 * `insert into outbox … select from unnest(…) returning id, message_id`, its array parameters numbered from
 * `first` (see `OutboxRelay.prepare`). A sealed row carries its envelope's hash and a lease for this instance (the
 * envelope itself stays in memory: after a crash the poller seals the row afresh).
 */
export function outboxInsertSql(first: number): string {
  const p = (i: number): string => `$${first + i}`;
  return `insert into outbox (message_id, alert_id, kind, recipient, agreement_id, category, classification, thread_id, message,
                        redacted_fields, status, refusal_reason, refusal_rule, envelope_sha256, sent_sha256s,
                        attempts, next_attempt_at)
    select v.message_id, v.alert_id, v.kind, v.recipient, v.agreement_id, v.category, v.classification, v.thread_id, v.message,
           string_to_array(v.redacted, ','), v.status, v.refusal_reason, v.refusal_rule, v.sha,
           case when v.sha is null then '{}'::bytea[] else array[v.sha] end,
           v.attempts, now() + v.lease_ms * interval '1 millisecond'
    from unnest(${p(0)}::uuid[], ${p(1)}::uuid[], ${p(2)}::text[], ${p(3)}::text[], ${p(4)}::text[], ${p(5)}::text[],
                ${p(6)}::text[], ${p(7)}::uuid[], ${p(8)}::bytea[], ${p(9)}::text[], ${p(10)}::text[], ${p(11)}::text[],
                ${p(12)}::text[], ${p(13)}::bytea[], ${p(14)}::int[], ${p(15)}::int[])
      with ordinality as v(message_id, alert_id, kind, recipient, agreement_id, category, classification, thread_id, message,
                           redacted, status, refusal_reason, refusal_rule, sha, attempts, lease_ms, n)
    order by v.n
    returning id, message_id`;
}

/** A due row claimed by the poller. */
export interface ClaimedRow {
  id: string;
  message_id: string;
  alert_id: string | null;
  kind: string;
  recipient: string;
  agreement_id: string | null;
  category: string;
  classification: string;
  thread_id: string | null;
  message: Buffer;
  attempts: number;
}

/** One receipt entry to match against what was sent to its sender. */
export interface ReceiptEntry {
  /** null: a refusal of bytes the partner could not read, matched by their hash alone (only REJECTED) */
  messageId: string | null;
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
  /** of the row matched (a receipt by hash alone names none) */
  messageId: string;
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

/** pg_notify channel of delivery changes (migration 1736000000000): the payload is the alert id. */
export const DELIVERIES_CHANNEL = 'corridor_deliveries';

export class OutboxRepository {
  /** Hears of every committed change of a delivery's state (the /deliveries namespace). */
  async listenToDeliveries(listener: Client): Promise<void> {
    await listener.query(`listen ${DELIVERIES_CHANNEL}`);
  }

  /** Inserts prepared rows in one statement; their ids by message id. */
  async insert(db: Db, prepared: PreparedOutbox): Promise<Map<string, string>> {
    const rows = await db.query<{ id: string; message_id: string }[]>(outboxInsertSql(1), prepared.params);
    return new Map(rows.map((r) => [r.message_id, r.id]));
  }

  /** Fast-path rows this instance will not produce (shutdown): due at once for any relay. */
  async releaseLeases(db: Db, ids: string[]): Promise<void> {
    await db.query(
      `update outbox set next_attempt_at = now() where id = any($1::bigint[]) and status = 'QUEUED'`,
      [ids],
    );
  }

  /**
   * Marks rows SENT and appends their SENT leaves in one statement with an asynchronous commit (set_config(..., true)
   * for this transaction only): if a crash loses it, the row is still QUEUED and is sent again. The rows are locked
   * before the log lock is taken (the append reads a row of `n`, which needs the whole update): the order every
   * other writer of outbox rows and leaves follows (a receipt batch updates its rows, then appends), so the two
   * cannot deadlock. Measured before: a receipt arriving while its row was being marked SENT deadlocked both.
   * `sentAt` holds, for each id, when its produce was acknowledged (the mark may be written a little later).
   */
  async markSent(db: Db, ids: string[], sentAt: Date[], leaves: LeafParameters): Promise<void> {
    await queryPrepared(
      db,
      'corridor_mark_sent_at',
      `with sent as (
         update outbox o set status = case when o.status = 'QUEUED' then 'SENT' else o.status end,
                sent_at = coalesce(o.sent_at, v.at), last_error = null
         from unnest($1::bigint[], $6::timestamptz[]) as v(id, at) where o.id = v.id returning o.id),
       n as (select count(*) as sent from sent)
       select set_config('synchronous_commit', 'off', true), corridor_append_leaves($2, $3, $4, $5), n.sent from n`,
      [ids, ...leaves, sentAt],
    );
  }

  /**
   * Claims up to `batch` due rows (skip-locked), leased for `leaseMs`, except those in `exclude`; async commit.
   * Order per thread: a row is not claimed while an earlier unsent row to the same recipient on the same thread (or
   * about the same alert, when it has no thread) waits for its retry or is in hand (`exclude`), so a row published
   * after an outage never overtakes one published before it (measured: after two of three brokers were down, the
   * first five of a thread arrived last, their backoff being the longest).
   */
  async claimDue(db: Db, c: { batch: number; leaseMs: number; exclude: string[] }): Promise<ClaimedRow[]> {
    return queryPrepared<ClaimedRow>(
      db,
      'corridor_claim_due_in_order',
      `with claimed as (
         update outbox set attempts = attempts + 1, next_attempt_at = now() + ($2 || ' milliseconds')::interval
         where id in (select o.id from outbox o where o.status = 'QUEUED' and o.next_attempt_at <= now()
                        and not (o.id = any($3::bigint[]))
                        and not exists (select 1 from outbox p where p.status = 'QUEUED' and p.id < o.id
                                          and p.recipient = o.recipient
                                          and coalesce(p.thread_id, p.alert_id) = coalesce(o.thread_id, o.alert_id)
                                          and (p.next_attempt_at > now() or p.id = any($3::bigint[])))
                      order by o.id limit $1 for update of o skip locked)
         returning id, message_id, alert_id, kind, recipient, agreement_id, category, classification, thread_id, message, attempts)
       select c.*, set_config('synchronous_commit', 'off', true) as async_commit from claimed c`,
      [c.batch, c.leaseMs, c.exclude],
    );
  }

  /**
   * Remembers each envelope's hash before it leaves (a receipt may name any attempt's exact bytes); asynchronous
   * commit: if a crash loses it, the row is sealed and sent again.
   */
  async recordHashes(db: Db, items: { id: string; sha: Uint8Array }[]): Promise<void> {
    await db.query(
      `with hashed as (
         update outbox o set envelope_sha256 = v.sha, sent_sha256s = array_append(o.sent_sha256s, v.sha)
         from unnest($1::bigint[], $2::bytea[]) as v(id, sha) where o.id = v.id returning o.id)
       select set_config('synchronous_commit', 'off', true), (select count(*) from hashed) as hashed`,
      [items.map((i) => i.id), items.map((i) => Buffer.from(i.sha))],
    );
  }

  /** Rows waiting to be sent. */
  /**
   * Rows not settled yet, QUEUED or SENT awaiting the partner's receipt, counted up to `cap` (each part reads its
   * partial index and stops there, so the count stays cheap however far behind a partner is).
   */
  async unsettled(db: Db, cap: number): Promise<number> {
    const [{ n }] = await db.query<{ n: string }[]>(
      `select (select count(*) from (select 1 from outbox where status = 'QUEUED' limit $1) q)
            + (select count(*) from (select 1 from outbox where status = 'SENT' and kind <> 'RECEIPT' limit $1) s) as n`,
      [cap],
    );
    return Number(n);
  }

  async depth(db: Db): Promise<number> {
    const [{ n }] = await db.query<{ n: string }[]>(
      `select count(*) as n from outbox where status = 'QUEUED'`,
    );
    return Number(n);
  }

  /**
   * Sent rows without a receipt for `timeoutMs` become UNCONFIRMED; receipts themselves are never answered, so they
   * are left alone (the conditions match the partial index outbox_sent).
   */
  async flagOverdue(db: Db, timeoutMs: number): Promise<{ message_id: string; recipient: string }[]> {
    return updatedRows<{ message_id: string; recipient: string }>(
      await db.query(
        `update outbox set status = 'UNCONFIRMED', last_error = 'no receipt within ' || $1 || ' ms'
         where status = 'SENT' and kind <> 'RECEIPT' and sent_at < now() - ($1 || ' milliseconds')::interval
         returning message_id, recipient`,
        [timeoutMs],
      ),
    );
  }

  async scheduleRetry(db: Db, id: string, error: string, backoffMs: number): Promise<void> {
    await db.query(
      `update outbox set last_error = $2, next_attempt_at = now() + ($3 || ' milliseconds')::interval where id = $1`,
      [id, error, backoffMs],
    );
  }

  async markFailed(db: Db, id: string, error: string): Promise<void> {
    await db.query(
      `update outbox set status = 'FAILED', last_error = $2 where id = $1 and status = 'QUEUED'`,
      [id, error],
    );
  }

  /** The outbox, newest first, one row per recipient and message. */
  /** Every alert, update and withdrawal row of these alerts, oldest first (the desk's sent view, #16). */
  async deliveriesOfAlerts(db: Db, alertIds: string[]): Promise<DeliveryRow[]> {
    if (alertIds.length === 0) {
      return [];
    }
    return db.query<DeliveryRow[]>(
      `select id, recipient, kind, message_id, status, refusal_reason, last_error, receipt_reason, queued_at, sent_at,
              delivered_at, acknowledged_by, acknowledged_at, redacted_fields, alert_id
       from outbox where alert_id = any($1::uuid[]) and kind in ('ALERT', 'UPDATE', 'WITHDRAWAL') order by id`,
      [alertIds],
    );
  }

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

  /** The chunks of a document register queued for partners, oldest first, with their delivery state. */
  async chunksOf(db: Db, registerId: string): Promise<(DeliveryRow & { message: Buffer })[]> {
    return db.query<(DeliveryRow & { message: Buffer })[]>(
      `select * from outbox where alert_id = $1 and kind = 'REGISTER' order by id`,
      [registerId],
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
   * REJECTED), in one statement; the entries that matched, by index. An entry without a message id (a refusal of
   * bytes the partner could not read) matches by the hash of the row's last attempt alone.
   */
  async applyReceipts(db: Db, recipient: string, entries: ReceiptEntry[]): Promise<MatchedReceipt[]> {
    const rows = await db.query<
      { n: string; message_id: string; category: string | null; queued_at: Date }[]
    >(
      `with v as (
         select * from unnest($1::uuid[], $2::bytea[], $4::text[], $5::text[], $6::text[])
           with ordinality as v(message_id, sha, status, receipt_status, reason, n)),
       m as (
         select o.id, v.n, o.message_id, o.category, o.queued_at, v.status, v.receipt_status, v.reason
         from v join outbox o on o.message_id = v.message_id and o.recipient = $3 and v.sha = any(o.sent_sha256s)
         union all
         -- refused unread: the bytes of the row's last attempt (index outbox_envelope_sha256), a refusal only
         select o.id, v.n, o.message_id, o.category, o.queued_at, v.status, v.receipt_status, v.reason
         from v join outbox o on v.message_id is null and v.status = 'REJECTED' and o.envelope_sha256 = v.sha
           and o.recipient = $3 and o.kind <> 'RECEIPT' and o.envelope_sha256 is not null),
       applied as (
         update outbox o set status = m.status, delivered_at = case when m.status = 'DELIVERED' then now() else o.delivered_at end,
                receipt_status = m.receipt_status, receipt_reason = nullif(m.reason, '')
         from m where o.id = m.id and o.status in ('SENT', 'QUEUED', 'UNCONFIRMED')
         returning o.id)
       select m.n, m.message_id, m.category, m.queued_at, (select count(*) from applied) as applied from m`,
      [
        entries.map((e) => e.messageId),
        entries.map((e) => Buffer.from(e.envelopeSha256)),
        recipient,
        entries.map((e) => e.outcome),
        entries.map((e) => e.receiptStatus),
        entries.map((e) => e.reasonCode),
      ],
    );
    return rows.map((r) => ({
      index: Number(r.n) - 1,
      messageId: r.message_id,
      category: r.category,
      queuedAt: r.queued_at,
    }));
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
