// Transactional outbox: rows are written in the same transaction as the business change.
// Fast path: the instance that runs the relay seals each row before the insert (its hash is then known before the
// envelope can leave), inserts it leased to itself, and produces it as soon as the transaction has committed.
// Slow path: a poller claims rows that are due (a crash lost the fast path, an API-only instance queued them, or a
// retry is due), seals them afresh and produces them. Both use the idempotent producer with acks=all.
import type { Logger } from 'pino';
import { DataSource, EntityManager } from 'typeorm';
import {
  AuditEvent,
  Category,
  Classification,
  create,
  enumName,
  enumValue,
  ExchangeMessage,
  ExchangeMessageSchema,
  fromBinary,
  MessageKind,
  toBinary,
} from '@corridor/contracts';
import { sealEnvelopeAsync } from '@corridor/envelope';
import { AgreementState } from '@corridor/contracts';
import { KafkaClient, queryPrepared, updatedRows } from '@corridor/platform';
import { AuditLog } from '../audit/audit.log';
import { GatewayMetrics } from '../health/metrics';
import { TrustStore } from '../trust/trust.store';

export interface OutboxEntry {
  messageId: string;
  alertId?: string;
  kind: MessageKind;
  recipient: string;
  agreementId?: string;
  category: Category;
  classification: Classification;
  threadId?: string;
  message: ExchangeMessage;
  redactedFields?: string[];
}

/** A row sealed at enqueue and committed leased to this process: produced right after the commit. */
export interface Pending extends Pick<
  OutboxEntry,
  'messageId' | 'alertId' | 'kind' | 'recipient' | 'agreementId' | 'category'
> {
  id: string;
  key: string;
  bytes: Uint8Array;
  sha: Uint8Array;
  /** attempts so far, for the backoff after a failed send */
  attempts: number;
}

function pendingOf(id: string, e: OutboxEntry, sealed: SealedBytes, attempts: number): Pending {
  return {
    id,
    messageId: e.messageId,
    alertId: e.alertId,
    kind: e.kind,
    recipient: e.recipient,
    agreementId: e.agreementId,
    category: e.category,
    key: e.threadId ?? e.alertId ?? e.messageId,
    bytes: sealed.bytes,
    sha: sealed.sha,
    attempts,
  };
}

/** A claimed row as the entry it was queued from (the poller seals it afresh). */
function entryOf(row: ClaimedRow): OutboxEntry {
  return {
    messageId: row.message_id,
    alertId: row.alert_id ?? undefined,
    kind: enumValue(MessageKind, row.kind) ?? MessageKind.UNSPECIFIED,
    recipient: row.recipient,
    agreementId: row.agreement_id ?? undefined,
    category: enumValue(Category, row.category) ?? Category.UNSPECIFIED,
    classification: enumValue(Classification, row.classification) ?? Classification.UNSPECIFIED,
    threadId: row.thread_id ?? undefined,
    message: fromBinary(ExchangeMessageSchema, row.message),
  };
}

/** A recipient the policy refused: recorded in the outbox (status REFUSED, with the reason), never sent. */
export interface RefusedEntry {
  messageId: string;
  alertId: string;
  kind: MessageKind;
  recipient: string;
  agreementId?: string;
  category: Category;
  classification: Classification;
  threadId: string;
  reason: string;
  rule: string;
}

export interface PreparedOutbox {
  /** the OUTBOX_INSERT_PARAMS array parameters of `outboxInsertSql` */
  params: unknown[];
  /** after the insert: the fast-path rows, given the ids it returned by message id */
  pending: (idsByMessageId: Map<string, string>) => Pending[];
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

type SealedBytes = { bytes: Uint8Array; sha: Uint8Array };
type Sealed = SealedBytes | { error: string; final: boolean };

interface ClaimedRow {
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

const LEASE_MS = 30_000;
/**
 * How long a row queued on the fast path stays reserved for the instance that queued it. If that instance dies
 * before producing, any relay (its own after a restart) claims the row when this runs out.
 */
const FRESH_LEASE_MS = 10_000;
const BATCH = 64;

export class OutboxRelay {
  private timer?: NodeJS.Timeout;
  private immediate?: NodeJS.Immediate;
  private running = false;
  /** not started = stopped: an API-only instance never relays, wake() included */
  private stopped = true;
  /** when the poller looks for due rows next (performance.now() ms); fast-path passes do not move it */
  private nextPollAt = 0;
  private inFlight?: Promise<void>;
  /** committed fast-path rows waiting to be produced by this process */
  private pending: Pending[] = [];
  /** ids on the fast path right now (pending or being produced): the poller leaves them alone */
  private readonly inHand = new Set<string>();

  constructor(
    private readonly ds: DataSource,
    private readonly kafka: KafkaClient,
    private readonly trust: TrustStore,
    private readonly audit: AuditLog,
    private readonly metrics: GatewayMetrics,
    private readonly opts: { pollMs: number; maxAttempts: number },
    private readonly logger: Logger,
  ) {}

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  /**
   * Inserts outbox rows inside the caller's transaction, in one statement. When this instance relays, each row is
   * sealed now and leased to it; give the returned rows to `submit` after the commit. Otherwise rows are due for any
   * relay.
   */
  async enqueue(em: EntityManager, entries: OutboxEntry[]): Promise<Pending[]> {
    if (entries.length === 0) {
      return [];
    }
    const prepared = await this.prepare(entries);
    const rows = await em.query<{ id: string; message_id: string }[]>(outboxInsertSql(1), prepared.params);
    return prepared.pending(new Map(rows.map((r) => [r.message_id, r.id])));
  }

  /**
   * Seals what can be sealed (fast path) and lays the rows out as the array parameters of `outboxInsertSql`, so a
   * caller can fold the insert into its own statement. Refused recipients become REFUSED rows, never sent.
   */
  async prepare(entries: OutboxEntry[], refused: RefusedEntry[] = []): Promise<PreparedOutbox> {
    const cols: unknown[][] = Array.from({ length: OUTBOX_INSERT_PARAMS }, () => []);
    const add = (values: unknown[]): void => values.forEach((v, i) => cols[i].push(v));
    const fast: { entry: OutboxEntry; sealed: SealedBytes }[] = [];
    // Signatures run on the thread pool, one per recipient, side by side.
    const seals = await Promise.all(
      entries.map((e) => (this.stopped ? Promise.resolve(undefined) : this.seal(e))),
    );
    for (const [i, e] of entries.entries()) {
      const sealed = seals[i];
      const ok = sealed !== undefined && !('error' in sealed) ? sealed : undefined;
      add([
        e.messageId,
        e.alertId ?? null,
        enumName(MessageKind, e.kind),
        e.recipient,
        e.agreementId ?? null,
        enumName(Category, e.category),
        enumName(Classification, e.classification),
        e.threadId ?? null,
        Buffer.from(toBinary(ExchangeMessageSchema, e.message)),
        (e.redactedFields ?? []).join(','),
        'QUEUED',
        null,
        null,
        ok ? Buffer.from(ok.sha) : null,
        ok ? 1 : 0,
        ok ? FRESH_LEASE_MS : 0,
      ]);
      if (ok) {
        fast.push({ entry: e, sealed: ok });
      }
    }
    for (const r of refused) {
      add([
        r.messageId,
        r.alertId,
        enumName(MessageKind, r.kind),
        r.recipient,
        r.agreementId ?? null,
        enumName(Category, r.category),
        enumName(Classification, r.classification),
        r.threadId,
        null,
        '',
        'REFUSED',
        r.reason,
        r.rule,
        null,
        0,
        0,
      ]);
    }
    return {
      params: cols,
      pending: (ids) =>
        fast.flatMap(({ entry, sealed }) => {
          const id = ids.get(entry.messageId);
          return id === undefined ? [] : [pendingOf(id, entry, sealed, 1)];
        }),
    };
  }

  /** Rows from `enqueue`, after their transaction committed: produced at once (or by the poller after a crash). */
  submit(rows: Pending[]): void {
    if (rows.length === 0) {
      return; // rows that could not be sealed now are due for the poller, at its own pace
    }
    for (const r of rows) {
      this.inHand.add(r.id);
    }
    this.pending.push(...rows);
    this.wake();
  }

  /** A pass now; one in progress is followed by another at once, as rows are pending. */
  private wake(): void {
    if (!this.running) {
      this.schedule(0);
    }
  }

  private schedule(ms: number): void {
    if (this.stopped) {
      return;
    }
    this.cancelScheduled();
    const run = (): void => {
      this.timer = undefined;
      this.immediate = undefined;
      this.inFlight = this.tick();
    };
    // setTimeout(…, 0) waits at least 1 ms: rows just committed go out on the next turn of the event loop instead.
    if (ms <= 0) {
      this.immediate = setImmediate(run);
    } else {
      this.timer = setTimeout(run, ms);
    }
  }

  private cancelScheduled(): void {
    clearTimeout(this.timer);
    clearImmediate(this.immediate);
    this.timer = undefined;
    this.immediate = undefined;
  }

  private async tick(): Promise<void> {
    this.running = true;
    let drainAgain = false;
    try {
      if (this.pending.length > 0) {
        const rows = this.pending;
        this.pending = [];
        try {
          await this.produce(rows);
        } finally {
          for (const r of rows) {
            this.inHand.delete(r.id);
          }
        }
      } else if (performance.now() >= this.nextPollAt) {
        // The poller keeps its own pace: a fast-path pass does not trigger a poll (that was 4 round trips per alert).
        this.nextPollAt = performance.now() + this.opts.pollMs;
        drainAgain = (await this.drainOnce()) === BATCH;
      }
    } catch (err) {
      this.logger.error({ err: (err as Error).message }, 'outbox relay pass failed; will retry');
    } finally {
      this.running = false;
    }
    const again = drainAgain || this.pending.length > 0;
    this.schedule(again ? 0 : Math.max(0, this.nextPollAt - performance.now()));
  }

  /** Waits for the pass in progress, then stops polling (graceful shutdown); unsent fast-path rows become due. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.cancelScheduled();
    await this.inFlight;
    if (this.pending.length > 0) {
      const ids = this.pending.map((r) => r.id);
      this.pending = [];
      await this.ds
        .query(
          `update outbox set next_attempt_at = now() where id = any($1::bigint[]) and status = 'QUEUED'`,
          [ids],
        )
        .catch((err: Error) =>
          this.logger.warn(
            { err: err.message },
            'could not release fast-path rows; they are due when their lease ends',
          ),
        );
    }
  }

  /** Produces sealed rows per topic, then marks them SENT; a failed send schedules each row's retry. */
  private async produce(items: Pending[]): Promise<void> {
    const byTopic = new Map<string, Pending[]>();
    for (const i of items) {
      const topic = this.trust.outgoingTopic(i.recipient);
      const list = byTopic.get(topic) ?? [];
      list.push(i);
      byTopic.set(topic, list);
    }
    for (const [topic, list] of byTopic) {
      try {
        await this.kafka.send(
          topic,
          list.map((i) => ({ key: i.key, value: i.bytes })),
        );
      } catch (err) {
        for (const i of list) {
          await this.fail(i, `KAFKA: ${(err as Error).message}`, false);
        }
        continue;
      }
      await this.markSent(list);
    }
  }

  /**
   * Marks rows SENT and appends their SENT leaves in one statement with an asynchronous commit: if a crash loses
   * it, the row is still QUEUED, is sealed and sent again, and the partner's message-id dedupe answers with a
   * receipt for the new bytes.
   */
  private async markSent(items: Pending[]): Promise<void> {
    // One statement, so one implicit transaction; set_config(..., true) makes its commit asynchronous.
    await queryPrepared(
      this.ds,
      'corridor_mark_sent',
      `with sent as (
         update outbox o set status = case when o.status = 'QUEUED' then 'SENT' else o.status end,
                sent_at = coalesce(o.sent_at, now()), last_error = null
         from unnest($1::bigint[]) as v(id) where o.id = v.id returning o.id)
       select set_config('synchronous_commit', 'off', true), corridor_append_leaves($2, $3, $4, $5),
              (select count(*) from sent) as sent`,
      [
        items.map((i) => i.id),
        ...this.audit.leafParameters(
          items.map((i) => ({
            event: AuditEvent.SENT,
            peer: i.recipient,
            messageId: i.messageId,
            envelopeSha256: i.sha,
            category: i.category,
            alertId: i.alertId,
            agreementId: i.agreementId,
            reasonCode: enumName(MessageKind, i.kind),
          })),
        ),
      ],
    );
    for (const i of items) {
      this.metrics.sent.inc({ kind: enumName(MessageKind, i.kind) });
    }
  }

  /** One pass: claim due rows (skip-locked, leased), seal, produce per topic, mark. Returns rows claimed. */
  async drainOnce(): Promise<number> {
    // The claim (lease and attempt count) may be lost in a crash without harm: the row is simply due again.
    // One statement (one round trip); set_config(..., true) makes its commit asynchronous.
    const rows = await queryPrepared<ClaimedRow>(
      this.ds,
      'corridor_claim_due',
      `with claimed as (
         update outbox set attempts = attempts + 1, next_attempt_at = now() + ($2 || ' milliseconds')::interval
         where id in (select id from outbox where status = 'QUEUED' and next_attempt_at <= now() and not (id = any($3::bigint[]))
                      order by id limit $1 for update skip locked)
         returning id, message_id, alert_id, kind, recipient, agreement_id, category, classification, thread_id, message, attempts)
       select c.*, set_config('synchronous_commit', 'off', true) as async_commit from claimed c`,
      [BATCH, LEASE_MS, [...this.inHand]],
    );
    if (rows.length === 0) {
      return 0;
    }
    const items: Pending[] = [];
    for (const row of rows.sort((a, b) => Number(a.id) - Number(b.id))) {
      const entry = entryOf(row);
      const sealed = await this.seal(entry);
      if ('error' in sealed) {
        await this.fail({ ...entry, id: row.id, attempts: row.attempts }, sealed.error, sealed.final);
        continue;
      }
      items.push(pendingOf(row.id, entry, sealed, row.attempts));
    }
    if (items.length > 0) {
      // Remember each envelope's hash before it leaves: a fast partner's receipt may arrive before SENT is written,
      // and after a retry a receipt may name an earlier attempt's exact bytes.
      // Asynchronous commit is safe for this bookkeeping: if a crash loses it, the row is still QUEUED, is sealed
      // and sent again, and the partner's message-id dedupe answers with a receipt for the new bytes.
      await this.ds.query(
        `with hashed as (
           update outbox o set envelope_sha256 = v.sha, sent_sha256s = array_append(o.sent_sha256s, v.sha)
           from unnest($1::bigint[], $2::bytea[]) as v(id, sha) where o.id = v.id returning o.id)
         select set_config('synchronous_commit', 'off', true), (select count(*) from hashed) as hashed`,
        [items.map((i) => i.id), items.map((i) => Buffer.from(i.sha))],
      );
      await this.produce(items);
    }
    return rows.length;
  }

  /** Rows waiting to be sent, for the metrics (kept off the relay's hot path). */
  async measureDepth(): Promise<number> {
    const [{ n }] = await this.ds.query<{ n: string }[]>(
      `select count(*) as n from outbox where status = 'QUEUED'`,
    );
    this.metrics.outboxDepth.set(Number(n));
    return Number(n);
  }

  /**
   * Sent but no signed receipt within the bound: the row becomes UNCONFIRMED, visible in the outbox and the
   * metrics; a late receipt still turns it DELIVERED. Receipts are never answered by receipts: SENT is their final
   * state, and the sweep leaves them alone (its conditions match the partial index outbox_sent).
   */
  async flagOverdue(receiptTimeoutMs: number): Promise<number> {
    const rows = updatedRows<{ message_id: string; recipient: string }>(
      await this.ds.query(
        `update outbox set status = 'UNCONFIRMED', last_error = 'no receipt within ' || $1 || ' ms'
         where status = 'SENT' and kind <> 'RECEIPT' and sent_at < now() - ($1 || ' milliseconds')::interval
         returning message_id, recipient`,
        [receiptTimeoutMs],
      ),
    );
    for (const r of rows) {
      this.logger.warn(
        { messageId: r.message_id, recipient: r.recipient },
        'no receipt within the bound: marked UNCONFIRMED',
      );
    }
    return rows.length;
  }

  /** Seals an entry for its recipient; a failure is returned, with whether a retry could help. */
  private async seal(row: OutboxEntry): Promise<Sealed> {
    const agreement = this.trust.agreementWith(row.recipient);
    if (!agreement || agreement.state !== AgreementState.ACTIVE) {
      // Not final at once: an agreement may be resumed; the retry bound makes it final.
      return { error: `AGREEMENT_NOT_ACTIVE: no active agreement with ${row.recipient}`, final: false };
    }
    const recipientCertPem = this.trust.certificateOf(row.recipient);
    if (!recipientCertPem) {
      return { error: `NO_RECIPIENT_CERT: no valid certificate for ${row.recipient}`, final: false };
    }
    try {
      const sealed = await sealEnvelopeAsync({
        header: {
          sender: this.trust.own.country,
          recipient: row.recipient,
          messageId: row.messageId,
          createdAtMs: Date.now(),
          agreementId: agreement.id,
          kind: row.kind,
          category: row.category,
          classification: row.classification,
          threadId: row.threadId ?? '',
        },
        message: row.message,
        senderKey: this.trust.own.key,
        senderCertPem: this.trust.own.certPem,
        recipientCertPem,
      });
      return { bytes: sealed.bytes, sha: sealed.envelopeSha256 };
    } catch (err) {
      return { error: `SEAL_FAILED: ${(err as Error).message}`, final: true };
    }
  }

  private async fail(
    row: Pick<Pending, 'id' | 'messageId' | 'alertId' | 'recipient' | 'category' | 'attempts'>,
    error: string,
    final: boolean,
  ): Promise<void> {
    const giveUp = final || row.attempts >= this.opts.maxAttempts;
    if (!giveUp) {
      const backoff = Math.min(30_000, 250 * 2 ** (row.attempts - 1));
      await this.ds.query(
        `update outbox set last_error = $2, next_attempt_at = now() + ($3 || ' milliseconds')::interval where id = $1`,
        [row.id, error, backoff],
      );
      this.logger.warn(
        { messageId: row.messageId, recipient: row.recipient, attempts: row.attempts, error },
        'send failed; will retry',
      );
      return;
    }
    await this.ds.transaction(async (em) => {
      await em.query(
        `update outbox set status = 'FAILED', last_error = $2 where id = $1 and status = 'QUEUED'`,
        [row.id, error],
      );
      await this.audit.append(em, [
        {
          event: AuditEvent.FAILED,
          peer: row.recipient,
          messageId: row.messageId,
          alertId: row.alertId,
          reasonCode: error.split(':')[0],
          category: row.category,
        },
      ]);
    });
    this.metrics.failed.inc();
    this.logger.error(
      { messageId: row.messageId, recipient: row.recipient, attempts: row.attempts, error },
      'undeliverable: marked FAILED',
    );
  }
}

export function newExchangeMessage(
  init: Parameters<typeof create<typeof ExchangeMessageSchema>>[1],
): ExchangeMessage {
  return create(ExchangeMessageSchema, init);
}
