// The alerts this gateway published. Every statement on the alerts table is here, typed; publishing is one prepared
// statement that also queues the outbox rows and appends the log leaves (one round trip, one commit).
import { queryPrepared } from '@corridor/platform';
import type { Db } from '../exchange/exchange.repository';
import { OUTBOX_INSERT_PARAMS, outboxInsertSql, PreparedOutbox } from '../exchange/outbox.repository';
import type { LeafParameters } from '../inbox/inbox.repository';

/** The publish statement's parameters: 12 for the alert, then the outbox rows' arrays, then the log leaves' 4. */
const OUTBOX_FIRST = 13;
const LEAVES_FIRST = OUTBOX_FIRST + OUTBOX_INSERT_PARAMS;

/** Built once at load, not per request: the text is the same for every request. */
const PUBLISH_SQL = `with alert as (
           insert into alerts (id, thread_id, category, priority, classification, handling, title, alert, publisher,
                               idempotency_key, request_hash, response)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)),
         queued as (${outboxInsertSql(OUTBOX_FIRST)})
         select (select corridor_append_leaves($${LEAVES_FIRST}, $${LEAVES_FIRST + 1}, $${LEAVES_FIRST + 2}, $${LEAVES_FIRST + 3})) as first_leaf,
                coalesce((select json_agg(json_build_object('id', id::text, 'messageId', message_id::text)) from queued),
                         '[]'::json) as queued`;

/** A batch: the alerts as array parameters ($1-$12, the publisher $9 once), then the outbox rows, then the leaves. */
const BATCH_OUTBOX_FIRST = 12;
const BATCH_LEAVES_FIRST = BATCH_OUTBOX_FIRST + OUTBOX_INSERT_PARAMS;
const PUBLISH_BATCH_SQL = `with alert as (
           insert into alerts (id, thread_id, category, priority, classification, handling, title, alert, publisher,
                               idempotency_key, request_hash, response)
           select a.id, a.thread_id, a.category, a.priority, a.classification, a.handling, a.title, a.alert, $9,
                  a.idempotency_key, a.request_hash, a.response
           from unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::bytea[],
                       $10::text[], $11::text[], $12::jsonb[])
             as a(id, thread_id, category, priority, classification, handling, title, alert, idempotency_key,
                  request_hash, response)),
         queued as (${outboxInsertSql(BATCH_OUTBOX_FIRST + 1)})
         select (select corridor_append_leaves($${BATCH_LEAVES_FIRST + 1}, $${BATCH_LEAVES_FIRST + 2}, $${BATCH_LEAVES_FIRST + 3}, $${BATCH_LEAVES_FIRST + 4})) as first_leaf,
                coalesce((select json_agg(json_build_object('id', id::text, 'messageId', message_id::text)) from queued),
                         '[]'::json) as queued`;

/** A published alert as the alerts table stores it. */
export interface AlertRow {
  id: string;
  threadId: string;
  category: string;
  priority: string;
  classification: string;
  handling: string;
  title: string;
  /** the alert (protobuf) */
  alert: Buffer;
  publisher: string;
  idempotencyKey: string | null;
  requestHash: string | null;
  /** the answer given, kept for a repeated Idempotency-Key */
  response: unknown;
}

/** Which alerts an officer may see: their desk's categories within their clearance; null for every alert. */
export type AlertScope = { categories: string[]; classifications: string[] } | null;

/** One of this gateway's alerts as the desk's sent view and picture read it (the content only for the picture). */
export interface SentRow {
  id: string;
  thread_id: string;
  category: string;
  priority: string;
  classification: string;
  title: string;
  state: 'ACTIVE' | 'WITHDRAWN';
  version: number;
  created_at: Date;
  publisher: string;
  alert?: Buffer;
}

export interface HistoryRow {
  version: number;
  event: 'UPDATED' | 'WITHDRAWN';
  changed_by: string;
  reason: string | null;
  at: Date;
}

function alertScopeSql(scope: AlertScope, args: unknown[]): string {
  if (scope === null) {
    return 'true';
  }
  args.push(scope.categories, scope.classifications);
  return `a.category = any($${args.length - 1}) and a.classification = any($${args.length})`;
}

const SENT_COLUMNS =
  'a.id, a.thread_id, a.category, a.priority, a.classification, a.title, a.state, a.version, a.created_at, a.publisher';

export class AlertsRepository {
  /** The answer given to an earlier request of this publisher with this Idempotency-Key. */
  async priorResponse<T>(
    db: Db,
    publisher: string,
    idempotencyKey: string,
  ): Promise<{ requestHash: string; response: T } | undefined> {
    const [row] = await db.query<{ request_hash: string; response: T }[]>(
      'select request_hash, response from alerts where publisher = $1 and idempotency_key = $2',
      [publisher, idempotencyKey],
    );
    return row ? { requestHash: row.request_hash, response: row.response } : undefined;
  }

  /**
   * The alert, its outbox rows and its log leaves in one statement; the outbox ids of the rows queued, by message
   * id. A unique violation (23505) means a concurrent request with the same Idempotency-Key won.
   */
  async publish(
    db: Db,
    p: { alert: AlertRow; outbox: PreparedOutbox; leaves: LeafParameters },
  ): Promise<Map<string, string>> {
    const a = p.alert;
    const [row] = await queryPrepared<{ queued: { id: string; messageId: string }[] }>(
      db,
      'corridor_publish',
      PUBLISH_SQL,
      [
        a.id,
        a.threadId,
        a.category,
        a.priority,
        a.classification,
        a.handling,
        a.title,
        a.alert,
        a.publisher,
        a.idempotencyKey,
        a.requestHash,
        a.response === null ? null : JSON.stringify(a.response),
        ...p.outbox.params,
        ...p.leaves,
      ],
    );
    return new Map(row.queued.map((q) => [q.messageId, q.id]));
  }

  /** The answers given to earlier requests of this publisher under these Idempotency-Keys, by key. */
  async priorResponses<T>(
    db: Db,
    publisher: string,
    keys: string[],
  ): Promise<Map<string, { requestHash: string; response: T }>> {
    const rows = await db.query<{ idempotency_key: string; request_hash: string; response: T }[]>(
      'select idempotency_key, request_hash, response from alerts where publisher = $1 and idempotency_key = any($2::text[])',
      [publisher, keys],
    );
    return new Map(
      rows.map((r) => [r.idempotency_key, { requestHash: r.request_hash, response: r.response }]),
    );
  }

  /**
   * Many alerts of one publisher, their outbox rows and their log leaves in one statement (one round trip, one
   * commit); the outbox ids of the rows queued, by message id.
   */
  async publishMany(
    db: Db,
    p: {
      publisher: string;
      alerts: Omit<AlertRow, 'publisher'>[];
      outbox: PreparedOutbox;
      leaves: LeafParameters;
    },
  ): Promise<Map<string, string>> {
    const col = <K extends keyof Omit<AlertRow, 'publisher'>>(k: K): unknown[] => p.alerts.map((a) => a[k]);
    const rows = await db.query<{ queued: { id: string; messageId: string }[] }[]>(PUBLISH_BATCH_SQL, [
      col('id'),
      col('threadId'),
      col('category'),
      col('priority'),
      col('classification'),
      col('handling'),
      col('title'),
      col('alert'),
      p.publisher,
      col('idempotencyKey'),
      col('requestHash'),
      p.alerts.map((a) => (a.response === null ? null : JSON.stringify(a.response))),
      ...p.outbox.params,
      ...p.leaves,
    ]);
    return new Map(rows[0].queued.map((q) => [q.messageId, q.id]));
  }

  async own(db: Db, id: string): Promise<{ alert: Buffer; state: string; publisher: string } | undefined> {
    const [row] = await db.query<{ alert: Buffer; state: string; publisher: string }[]>(
      'select alert, state, publisher from alerts where id = $1',
      [id],
    );
    return row;
  }

  /** A new version of the content (the category stays). */
  async update(
    db: Db,
    u: {
      id: string;
      alert: Buffer;
      title: string;
      priority: string;
      classification: string;
      handling: string;
    },
  ): Promise<void> {
    await db.query(
      'update alerts set alert = $2, title = $3, priority = $4, classification = $5, handling = $6, version = version + 1 where id = $1',
      [u.id, u.alert, u.title, u.priority, u.classification, u.handling],
    );
  }

  async markWithdrawn(db: Db, id: string): Promise<void> {
    await db.query(`update alerts set state = 'WITHDRAWN' where id = $1`, [id]);
  }

  // The desk's reads of this gateway's own alerts and their history (#16).

  /** Newest first, published before `before` (when given). */
  async sentPage(db: Db, scope: AlertScope, before: Date | null, limit: number): Promise<SentRow[]> {
    const args: unknown[] = [];
    const where = [alertScopeSql(scope, args)];
    if (before) {
      args.push(before);
      where.push(`a.created_at < $${args.length}`);
    }
    args.push(limit);
    return db.query<SentRow[]>(
      `select ${SENT_COLUMNS} from alerts a where ${where.join(' and ')} order by a.created_at desc, a.id limit $${args.length}`,
      args,
    );
  }

  /** Active alerts of these categories published in [from, to), newest first, with their content. */
  async sentInPeriod(
    db: Db,
    scope: AlertScope,
    categories: string[],
    from: Date,
    to: Date,
    limit: number,
  ): Promise<SentRow[]> {
    const args: unknown[] = [categories, from, to];
    const where = alertScopeSql(scope, args);
    args.push(limit);
    return db.query<SentRow[]>(
      `select ${SENT_COLUMNS}, a.alert from alerts a
       where a.category = any($1) and a.created_at >= $2 and a.created_at < $3 and a.state = 'ACTIVE' and ${where}
       order by a.created_at desc limit $${args.length}`,
      args,
    );
  }

  async sentOne(db: Db, scope: AlertScope, id: string): Promise<SentRow | undefined> {
    const args: unknown[] = [id];
    const where = alertScopeSql(scope, args);
    const [row] = await db.query<SentRow[]>(
      `select ${SENT_COLUMNS} from alerts a where a.id = $1 and ${where}`,
      args,
    );
    return row;
  }

  /** Updates and withdrawal of an alert, oldest first. */
  async history(db: Db, id: string): Promise<HistoryRow[]> {
    return db.query<HistoryRow[]>(
      'select version, event, changed_by, reason, at from alert_history where alert_id = $1 order by id',
      [id],
    );
  }

  /** Records an update (after the alerts row's version was raised) or the withdrawal, in the change's transaction. */
  async recordHistory(
    db: Db,
    h: { alertId: string; event: 'UPDATED' | 'WITHDRAWN'; changedBy: string; reason: string | null },
  ): Promise<void> {
    await db.query(
      `insert into alert_history (alert_id, version, event, changed_by, reason)
       select id, version, $2, $3, $4 from alerts where id = $1`,
      [h.alertId, h.event, h.changedBy, h.reason],
    );
  }
}
