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
import { KafkaClient, Paced } from '@corridor/platform';
import { AuditLog } from '../audit/audit.log';
import { ClaimedRow, OUTBOX_INSERT_PARAMS, OutboxRepository, PreparedOutbox } from './outbox.repository';
import { retryAfter } from './retry-policy';
import { SealedBytes, sealEntry, SealResult } from './sealer';
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
  /** `message` encoded (toBinary), once for the row and the seal; prepare fills it in when absent. */
  messageBytes?: Uint8Array;
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
    messageBytes: row.message,
  };
}

/** An entry that could not be sealed now, with why. */
export interface Unsealed {
  entry: OutboxEntry;
  error: string;
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

type Sealed = SealResult;

const LEASE_MS = 30_000;
/**
 * How long a row queued on the fast path stays reserved for the instance that queued it. If that instance dies
 * before producing, any relay (its own after a restart) claims the row when this runs out.
 */
const FRESH_LEASE_MS = 10_000;
const BATCH = 64;
/**
 * Produced rows are marked SENT together, at most once per this interval (the first after a quiet spell at once):
 * at 50 alerts/s one statement marks five rows instead of one, and each statement the gateway saves is a database
 * round trip that wakes two processes. Each row keeps its own produce time as sent_at. Until it is marked, a row
 * stays QUEUED under its lease, so no poller sends it again; a crash before the mark loses nothing but the mark:
 * the row is sent again when its lease ends and the partner answers the duplicate with a receipt.
 */
const MARK_INTERVAL_MS = 100;
/**
 * At most this many envelope bytes per produce: rows with one key share a partition and one record batch, and the
 * broker refuses a batch over message.max.bytes (1 MiB by default) — a register's chunks (tens of KB each, one key)
 * would otherwise fail together. Alerts (a few KB) still go out in one produce per pass.
 */
const MAX_PRODUCE_BYTES = 512 * 1024;

/** Consecutive groups of rows whose envelopes add up to at most `max` bytes (a larger row goes alone). */
export function bySize<R extends { bytes: Uint8Array }>(rows: R[], max: number): R[][] {
  const groups: R[][] = [];
  let group: R[] = [];
  let bytes = 0;
  for (const r of rows) {
    if (group.length > 0 && bytes + r.bytes.length > max) {
      groups.push(group);
      group = [];
      bytes = 0;
    }
    group.push(r);
    bytes += r.bytes.length;
  }
  if (group.length > 0) {
    groups.push(group);
  }
  return groups;
}

/**
 * What alerts/ and inbox/ need of the outbox: queue rows inside their own transaction (or lay them out for a
 * statement of their own), then hand the committed rows to the relay. They never see its SQL.
 */
export interface OutboxPort {
  enqueue(em: EntityManager, entries: OutboxEntry[]): Promise<Pending[]>;
  prepare(entries: OutboxEntry[], refused?: RefusedEntry[]): Promise<PreparedOutbox<Pending>>;
  submit(rows: Pending[]): void;
}

export class OutboxRelay implements OutboxPort {
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
  /**
   * Set when a send failed and rows wait for their retry: new rows then go through the poller, whose claim keeps the
   * order per thread (an earlier row waiting for its retry holds later ones back); cleared when nothing waits.
   */
  private backlog = false;
  /** rows produced, waiting for their SENT mark, with when the broker acknowledged them */
  private produced: { item: Pending; at: Date }[] = [];
  private readonly marks = new Paced({
    intervalMs: MARK_INTERVAL_MS,
    waiting: () => this.produced.length > 0,
    run: () => this.writeMarks(),
  });

  constructor(
    private readonly ds: DataSource,
    private readonly repo: OutboxRepository,
    private readonly kafka: KafkaClient,
    private readonly trust: TrustStore,
    private readonly audit: AuditLog,
    private readonly metrics: GatewayMetrics,
    private readonly opts: { pollMs: number; maxAttempts: number },
    private readonly logger: Logger,
  ) {}

  /** Rows sealed and committed, held in this process until produced (backpressure reads it). */
  get inMemory(): number {
    return this.inHand.size;
  }

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
    return prepared.pending(await this.repo.insert(em, prepared));
  }

  /**
   * Like `enqueue`, but an entry this instance cannot seal now (no active agreement, no certificate or suite for
   * the recipient) is not queued: it is returned with the reason, for the caller to keep and retry. An instance
   * that does not relay queues every entry unsealed, as `enqueue` does.
   */
  async enqueueSealed(
    em: EntityManager,
    entries: OutboxEntry[],
  ): Promise<{ pending: Pending[]; unsealed: Unsealed[] }> {
    if (entries.length === 0) {
      return { pending: [], unsealed: [] };
    }
    const prepared = await this.prepare(entries, [], { unsealed: 'return' });
    const pending =
      prepared.unsealed.length < entries.length ? prepared.pending(await this.repo.insert(em, prepared)) : [];
    return { pending, unsealed: prepared.unsealed };
  }

  /**
   * Seals what can be sealed (fast path) and lays the rows out as the array parameters of `outboxInsertSql`, so a
   * caller can fold the insert into its own statement. Refused recipients become REFUSED rows, never sent. An
   * entry whose seal failed is queued for the poller, or with `unsealed: 'return'` left out and returned.
   */
  async prepare(
    given: OutboxEntry[],
    refused: RefusedEntry[] = [],
    opts: { unsealed: 'queue' | 'return' } = { unsealed: 'queue' },
  ): Promise<PreparedOutbox<Pending> & { unsealed: Unsealed[] }> {
    const entries = given.map((e) =>
      e.messageBytes ? e : { ...e, messageBytes: toBinary(ExchangeMessageSchema, e.message) },
    );
    const cols: unknown[][] = Array.from({ length: OUTBOX_INSERT_PARAMS }, () => []);
    const add = (values: unknown[]): void => values.forEach((v, i) => cols[i].push(v));
    const fast: { entry: OutboxEntry; sealed: SealedBytes }[] = [];
    // Signatures run on the thread pool, one per recipient, side by side.
    const seals = await Promise.all(
      entries.map((e) => (this.stopped ? Promise.resolve(undefined) : this.seal(e))),
    );
    const unsealed: Unsealed[] = [];
    for (const [i, e] of entries.entries()) {
      const sealed = seals[i];
      if (sealed !== undefined && 'error' in sealed && opts.unsealed === 'return') {
        unsealed.push({ entry: e, error: sealed.error });
        continue;
      }
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
        Buffer.from(e.messageBytes!),
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
      unsealed,
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
    if (this.backlog) {
      // Earlier rows wait for a retry: these must not overtake them. Due at once, for the poller's ordered claim.
      void this.releaseToPoller(rows);
      return;
    }
    for (const r of rows) {
      this.inHand.add(r.id);
    }
    this.pending.push(...rows);
    this.wake();
  }

  /** Fast-path rows become due at once for the poller, whose claim keeps the order per thread. */
  private async releaseToPoller(rows: Pending[]): Promise<void> {
    await this.repo
      .releaseLeases(
        this.ds,
        rows.map((r) => r.id),
      )
      .catch((err: Error) =>
        this.logger.warn(
          { err: err.message },
          'could not release fast-path rows; they are due when their lease ends',
        ),
      );
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
          if (this.backlog) {
            // Submitted before a send failed: they must not overtake the rows now waiting for their retry.
            await this.releaseToPoller(rows);
          } else {
            await this.produce(rows);
          }
        } finally {
          for (const r of rows) {
            this.inHand.delete(r.id);
          }
        }
      } else if (performance.now() >= this.nextPollAt) {
        // The poller keeps its own pace: a fast-path pass does not trigger a poll (that was 4 round trips per alert).
        this.nextPollAt = performance.now() + this.opts.pollMs;
        const claimed = await this.drainOnce();
        drainAgain = claimed === BATCH;
        if (this.backlog && claimed === 0 && (await this.repo.depth(this.ds)) === 0) {
          this.backlog = false;
        }
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
    await this.marks.flush();
    if (this.pending.length > 0) {
      const ids = this.pending.map((r) => r.id);
      this.pending = [];
      await this.repo
        .releaseLeases(this.ds, ids)
        .catch((err: Error) =>
          this.logger.warn(
            { err: err.message },
            'could not release fast-path rows; they are due when their lease ends',
          ),
        );
    }
  }

  /** Produces sealed rows per topic, then has them marked SENT (paced); a failed send schedules each row's retry. */
  private async produce(items: Pending[]): Promise<void> {
    const byTopic = new Map<string, Pending[]>();
    for (const i of items) {
      const topic = this.trust.outgoingTopic(i.recipient);
      const list = byTopic.get(topic) ?? [];
      list.push(i);
      byTopic.set(topic, list);
    }
    for (const [topic, all] of byTopic) {
      for (const list of bySize(all, MAX_PRODUCE_BYTES)) {
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
        const at = new Date();
        this.produced.push(...list.map((item) => ({ item, at })));
        this.marks.kick();
      }
    }
  }

  /** Writes the SENT marks gathered so far (Paced calls it); a failure is logged, the rows are sent again. */
  private async writeMarks(): Promise<void> {
    const batch = this.produced;
    this.produced = [];
    try {
      await this.markSent(batch);
    } catch (err) {
      this.logger.warn(
        { err: (err as Error).message, rows: batch.length },
        'could not mark produced rows SENT: they are sent again when their lease ends, and answered as duplicates',
      );
    }
  }

  /**
   * Marks rows SENT and appends their SENT leaves in one statement with an asynchronous commit: if a crash loses
   * it, the row is still QUEUED, is sealed and sent again, and the partner's message-id dedupe answers with a
   * receipt for the new bytes.
   */
  private async markSent(produced: { item: Pending; at: Date }[]): Promise<void> {
    const items = produced.map((p) => p.item);
    await this.repo.markSent(
      this.ds,
      items.map((i) => i.id),
      produced.map((p) => p.at),
      this.audit.leafParameters(
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
    );
    for (const i of items) {
      this.metrics.sent.inc({ kind: enumName(MessageKind, i.kind) });
    }
  }

  /** One pass: claim due rows (skip-locked, leased), seal, produce per topic, mark. Returns rows claimed. */
  async drainOnce(): Promise<number> {
    // The claim (lease and attempt count) may be lost in a crash without harm: the row is simply due again.
    const rows = await this.repo.claimDue(this.ds, {
      batch: BATCH,
      leaseMs: LEASE_MS,
      exclude: [...this.inHand],
    });
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
      await this.repo.recordHashes(this.ds, items);
      await this.produce(items);
      // a poller pass ends with its rows marked (and any fast-path marks gathered meanwhile)
      await this.marks.flush();
    }
    return rows.length;
  }

  /** Rows waiting to be sent, for the metrics (kept off the relay's hot path). */
  async measureDepth(): Promise<number> {
    const n = await this.repo.depth(this.ds);
    this.metrics.outboxDepth.set(n);
    return n;
  }

  /**
   * Sent but no signed receipt within the bound: the row becomes UNCONFIRMED, visible in the outbox and the
   * metrics; a late receipt still turns it DELIVERED. Receipts are never answered by receipts: SENT is their final
   * state, and the sweep leaves them alone (its conditions match the partial index outbox_sent).
   */
  async flagOverdue(receiptTimeoutMs: number): Promise<number> {
    const rows = await this.repo.flagOverdue(this.ds, receiptTimeoutMs);
    for (const r of rows) {
      this.logger.warn(
        { messageId: r.message_id, recipient: r.recipient },
        'no receipt within the bound: marked UNCONFIRMED',
      );
    }
    return rows.length;
  }

  /** Seals an entry for its recipient; a failure is returned, with whether a retry could help. */
  private seal(row: OutboxEntry): Promise<Sealed> {
    return sealEntry(this.trust, row, Date.now());
  }

  private async fail(
    row: Pick<Pending, 'id' | 'messageId' | 'alertId' | 'recipient' | 'category' | 'attempts'>,
    error: string,
    final: boolean,
  ): Promise<void> {
    const next = retryAfter({ attempts: row.attempts, maxAttempts: this.opts.maxAttempts, final });
    if (next !== undefined) {
      this.backlog = true;
      await this.repo.scheduleRetry(this.ds, row.id, error, next);
      this.logger.warn(
        { messageId: row.messageId, recipient: row.recipient, attempts: row.attempts, error },
        'send failed; will retry',
      );
      return;
    }
    await this.ds.transaction(async (em) => {
      await this.repo.markFailed(em, row.id, error);
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
