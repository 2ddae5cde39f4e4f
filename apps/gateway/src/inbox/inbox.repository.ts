// What partners sent: the inbox, its desk feed and the quarantine of refused envelopes. Every statement that writes
// them on receive is here, typed; the hot ones are prepared once per connection and stay single round trips.
import type { Client } from 'pg';
import { queryPrepared, updatedRows } from '@corridor/platform';
import type { Db, ReceiptDue } from '../exchange/exchange.repository';
import { registerMatchSql, type RecordMatchRow } from '../registers/register-records.repository';

/** pg_notify channel of the desk feed: every gateway instance hears of a committed feed entry. */
export const DESK_CHANNEL = 'corridor_desk';

/** An inbox row as stored. */
export interface InboxRow {
  seq: string;
  message_id: string;
  sender: string;
  /** the country that originated the alert the row is about; null for a reply about one of ours (older rows) */
  origin: string | null;
  alert_id: string;
  thread_id: string | null;
  kind: string;
  category: string;
  classification: string;
  priority: string;
  title: string | null;
  body: Buffer | null;
  redacted_fields: string[];
  agreement_id: string | null;
  received_at: Date;
  state: 'ACTIVE' | 'WITHDRAWN' | 'PURGED';
  acknowledged_by: string | null;
  acknowledged_at: Date | null;
}

/** A received alert whose document number a check matched. */
export type DocumentAlertRow = Pick<InboxRow, 'seq' | 'sender' | 'alert_id' | 'received_at'> & {
  body: Buffer;
};

/** What the one-statement document check found, and whether its leaf says hit. */
export interface DocumentCheckRows {
  hit: boolean;
  alerts: DocumentAlertRow[];
  records: RecordMatchRow[];
}

/** A row of the one-statement document check: part 1 an alert, part 2 a register record, null none (a miss). */
type DocumentCheckRow = { hit: boolean; part: 1 | 2 | null } & DocumentAlertRow & RecordMatchRow;

/** An inbox row with the desk feed entry that announced it. */
export interface FeedRow extends InboxRow {
  feed_seq: string;
  event: 'ALERT' | 'UPDATED' | 'WITHDRAWN' | 'REPLY';
}

/** The rows an officer may see: all (admin), or these categories at these classifications. */
export type InboxScope = 'ALL' | { categories: string[]; classifications: string[] };

export interface InboxListFilter {
  category?: string;
  priority?: string;
  sender?: string;
  /** text in the title */
  q?: string;
  /** inbox seq of the last row seen */
  cursor?: number;
  limit: number;
}

/** SQL condition restricting `i` to a scope; its values are appended to `args`. */
function scopeSql(scope: InboxScope, args: unknown[]): string {
  if (scope === 'ALL') {
    return 'true';
  }
  args.push(scope.categories, scope.classifications);
  return `i.category = any($${args.length - 1}) and i.classification = any($${args.length})`;
}

/**
 * The inbox side of a document check: received alerts of the number at `$numberAt` whose content is still held, within
 * `scope` (an SQL condition on `i`). The one definition for documentMatches and the one-statement documentCheck.
 */
function documentMatchSql(numberAt: number, scope: string): string {
  return `select * from inbox i where i.doc_number = $${numberAt} and i.body is not null and ${scope}`;
}

/** A received alert or update as the inbox stores it. */
export interface InboxAlertRow {
  messageId: string;
  sender: string;
  alertId: string;
  threadId: string | null;
  category: string;
  classification: string;
  priority: string;
  title: string;
  /** the alert (protobuf), as the policy on receive kept it */
  body: Buffer;
  redactedFields: string[];
  agreementId: string;
  envelopeSha256: Uint8Array;
  retainUntil: Date | null;
  docNumber: string | null;
  kind: 'ALERT' | 'UPDATE';
}

/** What corridor_accept_alert answers (migration 1733000000000). */
export type AcceptStatus = 'OK' | 'DUPLICATE' | 'UNKNOWN_ALERT' | 'ALERT_ID_REUSED' | 'ALERT_WITHDRAWN';

/** The four array parameters of corridor_append_leaves (AuditLog.leafParameters). */
export type LeafParameters = [Buffer[], Buffer[], string[], (string | null)[]];

export interface FeedEntry {
  inboxSeq: number;
  event: string;
}

export interface QuarantineRow {
  topic: string;
  partition: number;
  offset: string;
  /** only a well-formed country code: an unverified claim is otherwise not recorded */
  claimedSender: string | null;
  messageId: string | null;
  reasonCode: string;
  detail: string;
  envelope: Buffer;
  envelopeSha256: Uint8Array;
}

function alertParameters(r: InboxAlertRow): unknown[] {
  return [
    r.messageId,
    r.sender,
    r.alertId,
    r.threadId,
    r.category,
    r.classification,
    r.priority,
    r.title,
    r.body,
    r.redactedFields,
    r.agreementId,
    Buffer.from(r.envelopeSha256),
    r.retainUntil,
    r.docNumber,
    r.kind,
  ];
}

export class InboxRepository {
  /** Subscribes a dedicated connection to the desk feed's notifications (its `notification` events). */
  async listenToFeed(listener: Client): Promise<void> {
    await listener.query(`listen ${DESK_CHANNEL}`);
  }

  /**
   * Feed items after `afterSeq` within the scope, oldest first. The feed is walked from the cursor and each entry's
   * inbox row looked up by its key (a lateral look-up that the planner cannot turn into a join): as a plain join, a
   * young database whose statistics lagged its growth was read as a hash of the whole inbox at every desk push
   * (40 ms at 5,000 rows, two thirds of a core of PostgreSQL at 180 alerts/s).
   */
  async feedSince(db: Db, scope: InboxScope, afterSeq: number, limit: number): Promise<FeedRow[]> {
    const args: unknown[] = [afterSeq];
    const where = scopeSql(scope, args);
    args.push(limit);
    return db.query<FeedRow[]>(
      `select f.seq as feed_seq, f.event, i.* from desk_feed f
       cross join lateral (select * from inbox i where i.seq = f.inbox_seq offset 0) i
       where f.seq > $1 and ${where} order by f.seq limit $${args.length}`,
      args,
    );
  }

  async feedRow(db: Db, seq: number): Promise<FeedRow | undefined> {
    const rows = await db.query<FeedRow[]>(
      'select f.seq as feed_seq, f.event, i.* from desk_feed f join inbox i on i.seq = f.inbox_seq where f.seq = $1',
      [seq],
    );
    return rows[0];
  }

  async latestFeedSeq(db: Db): Promise<number> {
    const [{ max }] = await db.query<{ max: string | null }[]>('select max(seq) as max from desk_feed');
    return Number(max ?? 0);
  }

  /** The inbox within the scope, newest first, each with the newest feed entry that announced it. */
  async list(db: Db, scope: InboxScope, f: InboxListFilter): Promise<FeedRow[]> {
    const args: unknown[] = [];
    const where = [scopeSql(scope, args)];
    const add = (sql: string, v: unknown): void => {
      args.push(v);
      where.push(sql.replace('?', `$${args.length}`));
    };
    if (f.category) {
      add('i.category = ?', f.category);
    }
    if (f.priority) {
      add('i.priority = ?', f.priority);
    }
    if (f.sender) {
      add('i.sender = ?', f.sender);
    }
    if (f.q) {
      add(`i.title ilike ?`, `%${f.q.replace(/[%_\\]/g, '\\$&')}%`);
    }
    if (f.cursor) {
      add('i.seq < ?', f.cursor);
    }
    args.push(f.limit);
    return db.query<FeedRow[]>(
      `select coalesce((select max(seq) from desk_feed where inbox_seq = i.seq), 0) as feed_seq, 'ALERT' as event, i.*
       from inbox i where ${where.join(' and ')} order by i.seq desc limit $${args.length}`,
      args,
    );
  }

  /** Received alerts of these categories still holding content, received in [from, to), newest first (#16). */
  async alertsInPeriod(
    db: Db,
    scope: InboxScope,
    categories: string[],
    from: Date,
    to: Date,
    limit: number,
  ): Promise<FeedRow[]> {
    const args: unknown[] = [categories, from, to];
    const where = scopeSql(scope, args);
    args.push(limit);
    return db.query<FeedRow[]>(
      `select coalesce((select max(seq) from desk_feed where inbox_seq = i.seq), 0) as feed_seq, 'ALERT' as event, i.*
       from inbox i
       where i.kind = 'ALERT' and i.body is not null and i.category = any($1) and i.received_at >= $2
         and i.received_at < $3 and ${where}
       order by i.received_at desc limit $${args.length}`,
      args,
    );
  }

  /** The inbox row of a received alert (sender, alertId), within the scope. */
  async receivedAlert(
    db: Db,
    scope: InboxScope,
    sender: string,
    alertId: string,
  ): Promise<InboxRow | undefined> {
    const args: unknown[] = [sender, alertId];
    const where = scopeSql(scope, args);
    const rows = await db.query<InboxRow[]>(
      `select * from inbox i where i.sender = $1 and i.alert_id = $2 and i.kind = 'ALERT' and ${where}`,
      args,
    );
    return rows[0];
  }

  /** What the desk feed announced about an inbox row (ALERT, UPDATED, WITHDRAWN), oldest first. */
  async feedEventsOf(db: Db, inboxSeq: number): Promise<{ seq: string; event: string; at: Date }[]> {
    return db.query<{ seq: string; event: string; at: Date }[]>(
      'select seq, event, at from desk_feed where inbox_seq = $1 order by seq',
      [inboxSeq],
    );
  }

  async row(db: Db, seq: number): Promise<InboxRow | undefined> {
    const rows = await db.query<InboxRow[]>('select * from inbox where seq = $1', [seq]);
    return rows[0];
  }

  async markAcknowledged(db: Db, seq: number, officer: string, at: Date): Promise<void> {
    await db.query('update inbox set acknowledged_by = $2, acknowledged_at = $3 where seq = $1', [
      seq,
      officer,
      at,
    ]);
  }

  /** Alerts held with content whose document number is `docNumber` (normalised), within the scope. */
  async documentMatches(
    db: Db,
    scope: InboxScope,
    docNumber: string,
  ): Promise<(InboxRow & { body: Buffer })[]> {
    const args: unknown[] = [docNumber];
    const where = scopeSql(scope, args);
    // prepared once per connection (one name per shape of scope): every document check runs it (#19)
    return queryPrepared<InboxRow & { body: Buffer }>(
      db,
      scope === 'ALL' ? 'inbox_doc_all' : 'inbox_doc_scoped',
      `${documentMatchSql(1, where)} order by seq`,
      args,
    );
  }

  /**
   * A whole document check in one statement and one transaction (#19): the inbox look-up, the register look-up and the
   * check's log leaf, whose reason is the hit or no-hit leaf given as the same snapshot's look-ups found. The caller
   * answers only after it returns, i.e. after the leaf's durable commit: one round trip instead of a look-up and then
   * an append. It appends through corridor_append_leaves, so it takes the log lock; the caller runs it only while no
   * group commit is in flight (AuditLog.commitAlone), else looks up with documentMatches and matches and records.
   */
  async documentCheck(
    db: Db,
    q: {
      scope: InboxScope;
      number: string;
      /** the register look-up, when the officer's scope covers DOCUMENT (classifications undefined: all) */
      registers?: { classifications?: string[] };
      serial?: { prefix: string; width: number; serial: number };
      /** one leaf each (bytes and hash), as AuditLog.leafParameters encodes them */
      leaves: { hit: LeafParameters; noHit: LeafParameters };
    },
  ): Promise<DocumentCheckRows> {
    const { hit, noHit } = q.leaves;
    if (
      hit[0].length !== 1 ||
      noHit[0].length !== 1 ||
      hit[2][0] !== noHit[2][0] ||
      hit[3][0] !== noHit[3][0]
    ) {
      throw new Error('documentCheck: one hit and one no-hit leaf of the same event and message id');
    }
    const rows = await queryPrepared<DocumentCheckRow>(
      db,
      'document_check',
      `with a as materialized (
         ${documentMatchSql(1, '($2::boolean or (i.category = any($3::text[]) and i.classification = any($4::text[])))')}),
       r as materialized (
         select * from (${registerMatchSql({ number: 1, classifications: 6, serial: 7 })}) m where $5::boolean),
       h as (select exists (select 1 from a) or exists (select 1 from r) as hit),
       l as (
         select h.hit, corridor_append_leaves(array[case when h.hit then $10::bytea else $12::bytea end],
                                              array[case when h.hit then $11::bytea else $13::bytea end],
                                              array[$14::text], array[$15::text]) as first_idx
         from h)
       select l.hit, m.* from l left join (
         select 1 as part, a.seq, a.sender, a.alert_id, a.body, a.received_at, null::text as source,
                null::uuid as register_id, null::text as register_name, null::text as record_id,
                null::text as classification, null::text as document_type, null::text as issuing_state,
                null::text as number, null::text as series_last, null::text as status, null::timestamptz as updated_at
         from a
         union all
         select 2, null, null, null, null, null, r.* from r) m on true
       order by m.part, m.seq, m.updated_at desc`,
      [
        q.number,
        q.scope === 'ALL',
        q.scope === 'ALL' ? [] : q.scope.categories,
        q.scope === 'ALL' ? [] : q.scope.classifications,
        q.registers !== undefined,
        q.registers?.classifications ?? null,
        q.serial?.serial ?? null,
        q.serial?.prefix ?? null,
        q.serial?.width ?? null,
        hit[0][0],
        hit[1][0],
        noHit[0][0],
        noHit[1][0],
        hit[2][0],
        hit[3][0],
      ],
    );
    const alerts: DocumentAlertRow[] = [];
    const records: RecordMatchRow[] = [];
    for (const r of rows) {
      if (r.part === 1) {
        alerts.push({
          seq: r.seq,
          sender: r.sender,
          alert_id: r.alert_id,
          body: r.body,
          received_at: r.received_at,
        });
      } else if (r.part === 2) {
        records.push({
          source: r.source,
          register_id: r.register_id,
          register_name: r.register_name,
          record_id: r.record_id,
          classification: r.classification,
          document_type: r.document_type,
          issuing_state: r.issuing_state,
          number: r.number,
          series_last: r.series_last,
          status: r.status,
          updated_at: r.updated_at,
        });
      }
    }
    return { hit: rows[0].hit, alerts, records };
  }

  /** Removes the bytes of quarantined envelopes older than `days`; how many. */
  async expireQuarantine(db: Db, days: number): Promise<number> {
    const [{ n }] = await db.query<{ n: number }[]>(
      `with cleared as (
         update quarantine set envelope = null
         where envelope is not null and received_at < now() - $1 * interval '1 day' returning 1)
       select count(*)::int as n from cleared`,
      [days],
    );
    return n;
  }

  /** Deletes the content of rows past their retention deadline; the rows purged. */
  async purgeExpired(db: Db): Promise<{ seq: string; sender: string; alert_id: string; category: string }[]> {
    return updatedRows<{ seq: string; sender: string; alert_id: string; category: string }>(
      await db.query(
        `update inbox set body = null, title = null, doc_number = null, state = 'PURGED'
         where retain_until is not null and retain_until <= now() and body is not null returning seq, sender, alert_id, category`,
      ),
    );
  }

  /**
   * Dedupe and inbox write of an alert or update, in one statement: corridor_accept_alert, the one definition of how
   * an alert enters the inbox (the single-statement path below uses it too). Refused or duplicate: nothing written.
   */
  async acceptAlert(db: Db, row: InboxAlertRow): Promise<{ status: AcceptStatus; seq: number | null }> {
    const [r] = await queryPrepared<{ r_status: AcceptStatus; r_seq: string | null }>(
      db,
      'corridor_accept_alert',
      `select r_status, r_seq from corridor_accept_alert($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
      alertParameters(row),
    );
    return { status: r.r_status, seq: r.r_seq === null ? null : Number(r.r_seq) };
  }

  /**
   * `acceptAlert` for several rows in one statement (one round trip for a consumed batch instead of one per alert),
   * applied in the order given, each as corridor_accept_alert alone would; the outcomes in that order.
   */
  async acceptAlerts(db: Db, rows: InboxAlertRow[]): Promise<{ status: AcceptStatus; seq: number | null }[]> {
    if (rows.length === 0) {
      return [];
    }
    const cols = rows.map(alertParameters);
    const col = (i: number): unknown[] => cols.map((c) => c[i]);
    const result = await queryPrepared<{ r_status: AcceptStatus; r_seq: string | null }>(
      db,
      'corridor_accept_alerts',
      `select r.r_status, r.r_seq
       from unnest($1::uuid[], $2::text[], $3::uuid[], $4::uuid[], $5::text[], $6::text[], $7::text[], $8::text[],
                   $9::bytea[], $10::text[], $11::text[], $12::bytea[], $13::timestamptz[], $14::text[], $15::text[])
         with ordinality as v(message_id, sender, alert_id, thread_id, category, classification, priority, title,
                              body, redacted, agreement_id, sha, retain_until, doc_number, kind, n)
       cross join lateral corridor_accept_alert(v.message_id, v.sender, v.alert_id, v.thread_id, v.category,
         v.classification, v.priority, v.title, v.body,
         array(select jsonb_array_elements_text(v.redacted::jsonb)), v.agreement_id, v.sha, v.retain_until,
         v.doc_number, v.kind) as r
       order by v.n`,
      // redacted fields per row as a JSON array: PostgreSQL arrays of arrays must be rectangular
      Array.from({ length: 15 }, (_, i) =>
        i === 9 ? rows.map((r) => JSON.stringify(r.redactedFields)) : col(i),
      ),
    );
    if (result.length !== rows.length) {
      throw new Error(`corridor_accept_alert answered ${result.length} of ${rows.length} rows`);
    }
    return result.map((r) => ({ status: r.r_status, seq: r.r_seq === null ? null : Number(r.r_seq) }));
  }

  /**
   * The receiver's whole transaction for one new alert or update in one statement (corridor_receive_alert): dedupe,
   * inbox, RECEIVED leaf, desk feed with its notification, receipt owed. False when it was not fresh or was refused:
   * the statement undid itself, and the caller takes the general path.
   */
  async receiveAlertAlone(
    db: Db,
    opts: { row: InboxAlertRow; leaves: LeafParameters; feedEvent: string; receivedAtMs: number },
  ): Promise<boolean> {
    try {
      await queryPrepared(
        db,
        'corridor_receive_alert',
        `select corridor_receive_alert($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15,
                                       $16, $17, $18, $19, $20, $21, $22)`,
        [...alertParameters(opts.row), ...opts.leaves, opts.feedEvent, DESK_CHANNEL, opts.receivedAtMs],
      );
      return true;
    } catch (err) {
      if ((err as Error).message.startsWith('CORRIDOR_NOT_FRESH')) {
        return false;
      }
      throw err;
    }
  }

  /** Withdraws an active alert of this sender: content removed; its inbox seq, or undefined when none matched. */
  async withdraw(db: Db, sender: string, alertId: string): Promise<number | undefined> {
    const [first] = updatedRows<{ seq: string }>(
      await db.query(
        `update inbox set state = 'WITHDRAWN', body = null, title = null, doc_number = null
         where sender = $1 and alert_id = $2 and kind = 'ALERT' and state <> 'WITHDRAWN' returning seq`,
        [sender, alertId],
      ),
    );
    return first ? Number(first.seq) : undefined;
  }

  /** A reply from a partner about the alert (origin, alertId); its inbox seq. */
  async insertReply(
    db: Db,
    r: {
      messageId: string;
      sender: string;
      origin: string;
      alertId: string;
      threadId: string | null;
      category: string;
      classification: string;
      title: string;
      body: Buffer;
      agreementId: string;
      envelopeSha256: Uint8Array;
    },
  ): Promise<number> {
    const rows = await db.query<{ seq: string }[]>(
      `insert into inbox (message_id, sender, origin, alert_id, thread_id, kind, category, classification, priority, title, body, agreement_id, envelope_sha256)
       values ($1, $2, $3, $4, $5, 'REPLY', $6, $7, 'ROUTINE', $8, $9, $10, $11) returning seq`,
      [
        r.messageId,
        r.sender,
        r.origin,
        r.alertId,
        r.threadId,
        r.category,
        r.classification,
        r.title,
        r.body,
        r.agreementId,
        Buffer.from(r.envelopeSha256),
      ],
    );
    return Number(rows[0].seq);
  }

  /**
   * Whether an alert was exchanged between this gateway and `sender`: one of ours that went to it (with its handling
   * code), and/or one it sent here.
   */
  async exchangedAlert(
    db: Db,
    alertId: string,
    sender: string,
  ): Promise<{ ours?: { handling: string }; senders: boolean }> {
    const rows = await db.query<{ origin: 'own' | 'sender'; handling: string | null }[]>(
      `select 'own' as origin, a.handling from alerts a
       where a.id = $1 and exists (select 1 from outbox o where o.alert_id = a.id and o.recipient = $2 and o.kind = 'ALERT' and o.status <> 'REFUSED')
       union all
       select 'sender', null from inbox i where i.sender = $2 and i.alert_id = $1 and i.kind = 'ALERT'`,
      [alertId, sender],
    );
    const ours = rows.find((r) => r.origin === 'own');
    return {
      ours: ours ? { handling: ours.handling ?? '' } : undefined,
      senders: rows.some((r) => r.origin === 'sender'),
    };
  }

  /**
   * Desk feed entries (announced with pg_notify, which is transactional: every gateway instance hears of an entry
   * only after the commit) and the receipts owed, in one statement.
   */
  async recordFeedAndReceipts(db: Db, feed: FeedEntry[], owed: ReceiptDue[]): Promise<void> {
    await queryPrepared(
      db,
      'corridor_record_feed',
      `with feed as (
         insert into desk_feed (inbox_seq, event)
         select s, e from unnest($1::bigint[], $2::text[]) with ordinality as v(s, e, n) order by n
         returning seq),
       owed as (
         insert into receipts_due (sender, agreement_id, message_id, envelope_sha256, status, reason_code, received_at_ms)
         select * from unnest($4::text[], $5::text[], $6::uuid[], $7::bytea[], $8::text[], $9::text[], $10::bigint[])
         returning 1)
       select pg_notify($3, seq::text), (select count(*) from owed) from feed order by seq`,
      [
        feed.map((f) => f.inboxSeq),
        feed.map((f) => f.event),
        DESK_CHANNEL,
        owed.map((o) => o.sender),
        owed.map((o) => o.agreementId),
        owed.map((o) => o.messageId),
        owed.map((o) => Buffer.from(o.envelopeSha256)),
        owed.map((o) => o.status),
        owed.map((o) => o.reasonCode),
        owed.map((o) => o.receivedAtMs),
      ],
    );
  }

  async quarantine(db: Db, q: QuarantineRow): Promise<void> {
    await db.query(
      `insert into quarantine (topic, partition, "offset", claimed_sender, message_id, reason_code, detail, envelope, envelope_sha256)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [
        q.topic,
        q.partition,
        q.offset,
        q.claimedSender,
        q.messageId,
        q.reasonCode,
        q.detail,
        q.envelope,
        Buffer.from(q.envelopeSha256),
      ],
    );
  }
}
