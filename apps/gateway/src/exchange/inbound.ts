// The consumer side: size -> open -> verify -> screen (topic, agreement, content, policy) -> inbox row + log entry in
// one transaction -> offset commit (by the Kafka client, after this resolves). Rejections are quarantined and logged,
// never dropped. A partner may be hostile (docs/security.md): everything a message asks for is checked against what
// its authenticated sender may do, and no single record can stop intake (a batch that fails for a reason other than
// a transient one is applied again one envelope at a time, and the envelope that still fails is quarantined).
import type { Logger } from 'pino';
import { DataSource, EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import {
  AuditEvent,
  Category,
  Classification,
  enumName,
  EnvelopeHeader,
  ExchangeMessage,
  MessageKind,
} from '@corridor/contracts';
import { createReceiptBatchMessage, envelopeSha256, peekEnvelopeHeader } from '@corridor/envelope';
import type { PolicyAllowed } from '@corridor/policy';
import { BusRecord, ConsumerHandle, KafkaClient } from '@corridor/platform';
import { AuditLog } from '../audit/audit.log';
import { GatewayMetrics } from '../health/metrics';
import { InboxRepository } from '../inbox/inbox.repository';
import { TrustStore } from '../trust/trust.store';
import { applyFailureKind } from './apply-failure';
import { UUID } from './inbound-content';
import { DueReceipt, ExchangeRepository, ReceiptDeferral } from './exchange.repository';
import { applyAcknowledgement } from './inbound/handlers/acknowledgement.handler';
import {
  applyAlert,
  inboxRow,
  receivedLeaf,
  receiveDecision,
  settleAlert,
} from './inbound/handlers/alert.handler';
import { BatchWrites, HandlerContext, Received } from './inbound/handlers/context';
import { applyReceipts } from './inbound/handlers/receipts.handler';
import { applyReply } from './inbound/handlers/reply.handler';
import { applyWithdrawal } from './inbound/handlers/withdrawal.handler';
import { Item, Opened, openRecord, Rejection } from './inbound/opening';
import { RateBuckets } from './inbound/rate-buckets';
import { ReceiptBatcher } from './inbound/receipt-batcher';
import { ReceiptFlush, ReceiptMessage } from './inbound/receipt-flush';
import { OutboxRelay, Pending } from './outbox';
import { OutboxRepository } from './outbox.repository';
import { RegisterRecordsRepository } from '../registers/register-records.repository';
import { applyRegisterChunk } from './inbound/handlers/register.handler';

/** How often receipts owed are looked for without a wake-up (a lost wake-up costs at most this long). */
const RECEIPT_SWEEP_MS = 5_000;

/** Receipts owed taken per flush pass. */
const RECEIPT_PAGE = 1000;

/**
 * Failed attempts after which a receipt owed is given up (failed_at set, counted, logged): with the outbox's
 * backoff (250 ms doubling, at most 30 s apart) about five minutes, beyond the sender's receipt timeout.
 */
const RECEIPT_MAX_ATTEMPTS = 16;

/**
 * Negative receipts for envelopes refused unread, per partner: a burst of this many, then this many per second
 * (beyond it the envelope is still quarantined and logged, just not answered): a hostile partner cannot make this
 * gateway produce more than that, and never more than one receipt per distinct envelope (unreadable_answered).
 */
const UNREADABLE_RECEIPTS = { burst: 100, perSecond: 2 };

const ISO_COUNTRY = /^[A-Z]{2}$/;

/** An opened envelope carrying a new alert or an update. */
function isAlertOrUpdate(item: Item): boolean {
  return (
    !('rejection' in item) && (item.message.body.case === 'alert' || item.message.body.case === 'update')
  );
}

/** Text for a log or a detail column: control characters (NUL included) shown as U+FFFD. */
function printable(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '\ufffd');
}

export class InboundExchange {
  private consumer?: ConsumerHandle;
  private restarting?: Promise<void>;
  private topics: string[] = [];
  private readonly receipts: ReceiptBatcher;
  private readonly unreadableReceipts = new RateBuckets(UNREADABLE_RECEIPTS);

  private readonly receiptFlush: ReceiptFlush<EntityManager, Pending>;

  constructor(
    private readonly ds: DataSource,
    private readonly repos: {
      inbox: InboxRepository;
      exchange: ExchangeRepository;
      outbox: OutboxRepository;
      registerRecords?: RegisterRecordsRepository;
    },
    private readonly kafka: KafkaClient,
    private readonly trust: TrustStore,
    private readonly audit: AuditLog,
    private readonly relay: OutboxRelay,
    private readonly metrics: GatewayMetrics,
    private readonly opts: {
      groupId: string;
      maxAgeMs: number;
      receiptBatchMs: number;
      /** larger inbound envelopes are quarantined before any crypto */
      maxEnvelopeBytes: number;
    },
    private readonly logger: Logger,
  ) {
    this.receipts = new ReceiptBatcher(
      () => this.flushReceipts(),
      { batchMs: opts.receiptBatchMs, sweepMs: RECEIPT_SWEEP_MS, retryMs: 1000 },
      (err) =>
        this.logger.warn({ err: err.message }, 'sending receipts failed; retried, or sent after a restart'),
    );
    this.receiptFlush = new ReceiptFlush<EntityManager, Pending>(
      {
        transaction: (work) => this.ds.transaction(work),
        take: (em, page) => this.repos.exchange.takeReceiptsDue(em, page),
        takeById: (em, ids) => this.repos.exchange.takeReceiptsDueById(em, ids),
        remove: (em, ids) => this.repos.exchange.removeReceiptsDue(em, ids),
        defer: (em, rows) => this.repos.exchange.deferReceiptsDue(em, rows),
        enqueue: (em, messages) => this.enqueueReceipts(em, messages),
        submit: (pending) => this.relay.submit(pending),
        isTransient: (err) => this.isTransient(err),
      },
      { page: RECEIPT_PAGE, maxAttempts: RECEIPT_MAX_ATTEMPTS },
      (row, d) => this.reportReceiptFailure(row, d),
    );
  }

  /** (Re)subscribes to the incoming topics of active agreements. */
  async start(): Promise<void> {
    this.receipts.start();
    const topics = this.trust.incomingTopics();
    if (this.consumer && JSON.stringify(topics) === JSON.stringify(this.topics)) {
      return;
    }
    if (this.consumer) {
      await this.kafka.stopConsumer(this.consumer);
      this.consumer = undefined;
    }
    this.topics = topics;
    if (topics.length === 0) {
      this.logger.info('no active agreement: nothing to consume yet');
      return;
    }
    this.consumer = await this.kafka.consume({
      groupId: this.opts.groupId,
      topics,
      fromBeginning: true,
      handleBatch: (records) => this.handleBatch(records),
    });
    this.logger.info({ topics }, 'consuming incoming exchange topics');
  }

  /** Agreements changed: resubscribe, one restart at a time. */
  refresh(): void {
    const run = async (): Promise<void> => {
      try {
        await this.start();
      } catch (err) {
        this.logger.error(
          { err: (err as Error).message },
          'could not resubscribe; will retry on the next change',
        );
      }
    };
    this.restarting = (this.restarting ?? Promise.resolve()).then(run);
  }

  async stop(): Promise<void> {
    await this.restarting;
    if (this.consumer) {
      await this.kafka.stopConsumer(this.consumer);
      this.consumer = undefined;
    }
    // The receipts owed for what was consumed go out before the relay stops.
    await this.receipts.stop();
  }

  /**
   * One pass over receipts_due: each sender gets one sealed message with all receipts owed to it, queued in the
   * outbox in the same transaction that removes them; a receipt that cannot go out fails alone (ReceiptFlush).
   * Returns true when more may be waiting.
   */
  flushReceipts(): Promise<boolean> {
    return this.receiptFlush.flush();
  }

  /** Receipts owed that were given up, for the metrics (kept off the flush's path). */
  async measureReceiptsGivenUp(): Promise<void> {
    this.metrics.receiptsGivenUp.set(await this.repos.exchange.countFailedReceipts(this.ds));
  }

  /** One sealed RECEIPT message per sender, queued; senders that cannot be sealed for now are returned. */
  private async enqueueReceipts(
    em: EntityManager,
    messages: ReceiptMessage[],
  ): Promise<{ pending: Pending[]; unsealed: Map<string, string> }> {
    const { pending, unsealed } = await this.relay.enqueueSealed(
      em,
      messages.map((m) => {
        const messageId = uuidv7();
        return {
          messageId,
          // a batch spans threads: it is its own thread
          threadId: messageId,
          kind: MessageKind.RECEIPT,
          recipient: m.sender,
          agreementId: m.agreementId,
          category: Category.UNSPECIFIED,
          classification: Classification.UNSPECIFIED,
          message: createReceiptBatchMessage(m.entries),
        };
      }),
    );
    return { pending, unsealed: new Map(unsealed.map((u) => [u.entry.recipient, u.error])) };
  }

  /** A receipt that could not go out: logged with its ids; given up, also counted (the row stays, failed_at set). */
  private reportReceiptFailure(row: DueReceipt, d: ReceiptDeferral): void {
    const ids = {
      receiptDueId: row.id,
      sender: row.sender,
      messageId: row.messageId,
      attempts: row.attempts + 1,
    };
    if (d.retryInMs === undefined) {
      this.metrics.receiptsFailed.inc();
      this.logger.error(
        { ...ids, error: d.error },
        'receipt owed could not be sent: given up after the retry bound',
      );
      return;
    }
    this.logger.warn(
      { ...ids, error: d.error, retryInMs: d.retryInMs },
      'receipt owed could not be sent; will retry',
    );
  }

  get subscribedTopics(): string[] {
    return this.topics;
  }

  /** Opens, verifies and screens each envelope (CPU), then applies the whole batch in one transaction. */
  async handleBatch(records: BusRecord[]): Promise<void> {
    // Opened side by side: the RSA key unwraps run on the thread pool, not on this event loop.
    const opening = {
      trust: this.trust,
      maxEnvelopeBytes: this.opts.maxEnvelopeBytes,
      maxAgeMs: this.opts.maxAgeMs,
      now: Date.now,
    };
    const items = await Promise.all(records.map((record) => openRecord(record, opening)));
    // One new alert or update, the common case below heavy load: one statement instead of a transaction.
    const only = items.length === 1 ? items[0] : undefined;
    if (only && !('rejection' in only) && (await this.receiveAlone(only.header, only.message, only.sha))) {
      return;
    }
    try {
      await this.applyBatch(items);
    } catch (err) {
      await this.applyOneByOne(items, err);
    }
  }

  /**
   * A batch whose transaction failed: a transient failure (the database is away, a deadlock) is thrown, so the
   * offsets stay and Kafka delivers the batch again after the consumer's backoff, skipping nothing. Any other failure
   * was caused by some envelope's content: each envelope is applied again in a transaction of its own, and one that
   * still fails is quarantined as APPLY_FAILED, so the partition moves on.
   */
  private async applyOneByOne(items: Item[], err: unknown): Promise<void> {
    if (await this.isTransient(err)) {
      throw err;
    }
    this.logger.warn(
      { err: (err as Error).message, envelopes: items.length },
      'batch could not be applied; applying its envelopes one at a time',
    );
    for (const item of items) {
      try {
        await this.applyBatch([item]);
      } catch (one) {
        if (await this.isTransient(one)) {
          throw one; // those before it are committed; their redelivery is absorbed by the message-id dedupe
        }
        const rejection = new Rejection(
          'APPLY_FAILED',
          `could not be applied: ${(one as Error).message}`,
          !('rejection' in item),
        );
        await this.applyBatch([{ record: item.record, header: item.header, rejection }]);
      }
    }
  }

  /** True when retrying can help: a transient database failure, or any failure while the database is unreachable. */
  private async isTransient(err: unknown): Promise<boolean> {
    const kind = applyFailureKind(err);
    if (kind !== 'unknown') {
      return kind === 'transient';
    }
    return !(await this.repos.exchange.reachable(this.ds));
  }

  /** Applies items in one transaction: accepted ones to the inbox, refused ones to quarantine, with their leaves. */
  private async applyBatch(items: Item[]): Promise<void> {
    const received: MessageKind[] = [];
    const rejected: Rejection[] = [];
    // One transaction per batch and no savepoints: every check that can reject an envelope runs before its first
    // write, or finds that nothing was written but its seen_messages row.
    // A database failure throws out of here (handleBatch decides between a retry and applying one at a time).
    const owesReceipts = await this.ds.transaction(async (em) => {
      const writes: BatchWrites = { leaves: [], feed: [], receipts: [] };
      for (let i = 0; i < items.length; i++) {
        const item = items[i];
        if (isAlertOrUpdate(item)) {
          // A run of consecutive alerts and updates: their inbox writes in one statement, in order.
          let end = i + 1;
          while (end < items.length && isAlertOrUpdate(items[end])) {
            end++;
          }
          await this.acceptAlertsIn(em, items.slice(i, end) as Opened[], writes, received, rejected);
          i = end - 1;
          continue;
        }
        if ('rejection' in item) {
          await this.quarantineIn(em, item.record, item.rejection, writes, item.header);
          rejected.push(item.rejection);
          continue;
        }
        try {
          if (await this.acceptIn(em, item, writes)) {
            received.push(item.header.kind);
          }
        } catch (err) {
          if (!(err instanceof Rejection)) {
            throw err;
          }
          await this.repos.exchange.forgetMessage(em, item.header.sender, item.header.messageId);
          await this.quarantineIn(em, item.record, err, writes, item.header);
          rejected.push(err);
        }
      }
      return this.writeBatch(em, writes);
    });
    for (const kind of received) {
      this.metrics.received.inc({ kind: enumName(MessageKind, kind) });
    }
    for (const r of rejected) {
      this.metrics.rejected.inc({ reason: r.code });
    }
    // Receipts owed were recorded in the same transaction; they leave shortly, several to a signed message.
    if (owesReceipts) {
      this.receipts.requestBatch();
    }
  }

  /**
   * Alerts and updates in a row: policy on receive for each (no database), then every inbox write in one statement,
   * then each outcome in order, as `acceptIn` would apply them one by one.
   */
  private async acceptAlertsIn(
    em: EntityManager,
    run: Opened[],
    writes: BatchWrites,
    received: MessageKind[],
    rejected: Rejection[],
  ): Promise<void> {
    const ctx = this.context(em, writes);
    const decided = run.map((item) => {
      try {
        return { item, accepted: receiveDecision(ctx, item.header, item.message) };
      } catch (err) {
        if (!(err instanceof Rejection)) {
          throw err;
        }
        return { item, rejection: err };
      }
    });
    const now = ctx.now();
    const outcomes = await this.repos.inbox.acceptAlerts(
      em,
      decided.flatMap((d) => (d.accepted ? [inboxRow(d.item.header, d.accepted, d.item.sha, now)] : [])),
    );
    let next = 0;
    for (const d of decided) {
      const { header, sha, record } = d.item;
      let rejection = d.rejection;
      if (d.accepted) {
        try {
          if (settleAlert(ctx, { header, sha, accepted: d.accepted }, outcomes[next++])) {
            received.push(header.kind);
          }
        } catch (err) {
          if (!(err instanceof Rejection)) {
            throw err;
          }
          rejection = err;
        }
      }
      if (rejection) {
        await this.repos.exchange.forgetMessage(em, header.sender, header.messageId);
        await this.quarantineIn(em, record, rejection, writes, header);
        rejected.push(rejection);
      }
    }
  }

  /** The batch's log leaves, desk feed entries (with their notifications) and the receipts it owes. */
  private async writeBatch(em: EntityManager, writes: BatchWrites): Promise<boolean> {
    // The append takes the log lock, held to commit: desk sequences and log indexes follow commit order.
    await this.audit.append(em, writes.leaves);
    const owed = writes.receipts;
    if (writes.feed.length === 0 && owed.length === 0) {
      return false;
    }
    await this.repos.inbox.recordFeedAndReceipts(em, writes.feed, owed);
    return owed.length > 0;
  }

  /** The context the handlers of one batch share. */
  private context(em: EntityManager, writes: BatchWrites): HandlerContext {
    return {
      em,
      repos: this.repos,
      own: this.trust.own.country,
      agreementWith: (partner) => this.trust.agreementWith(partner),
      writes,
      now: Date.now,
      owe: (header, sha, status, reason) => this.owe(writes, header, sha, status, reason),
      quarantine: (record, rejection, header) => this.quarantineIn(em, record, rejection, writes, header),
      observeReceiptLatency: (seconds) => this.metrics.receiptLatency.observe(seconds),
    };
  }

  /** Applies one verified envelope inside the batch transaction, by its kind's handler; false for a duplicate. */
  private async acceptIn(em: EntityManager, item: Opened, writes: BatchWrites): Promise<boolean> {
    const { header, message, sha } = item;
    const ctx = this.context(em, writes);
    const body = message.body;
    if (body.case === 'alert' || body.case === 'update') {
      // Checks that need no database come before the first write.
      const accepted = receiveDecision(ctx, header, message);
      return applyAlert(ctx, { header, sha, accepted });
    }
    if (
      !(await this.repos.exchange.markSeen(
        em,
        header.sender,
        header.messageId,
        enumName(MessageKind, header.kind),
      ))
    ) {
      // Already processed (a redelivery, or the sender's retry after a crash): send the receipt again, nothing else.
      if (header.kind !== MessageKind.RECEIPT) {
        ctx.owe(header, sha, 'ACCEPTED', '');
      }
      return false;
    }
    switch (body.case) {
      case 'withdrawal':
        await applyWithdrawal(ctx, item as Received<'withdrawal'>);
        break;
      case 'reply':
        await applyReply(ctx, item as Received<'reply'>);
        break;
      case 'acknowledgement':
        await applyAcknowledgement(ctx, item as Received<'acknowledgement'>);
        break;
      case 'receipt':
      case 'receipts':
        await applyReceipts(ctx, item as Received<'receipt' | 'receipts'>);
        break;
      case 'registerChunk':
        await applyRegisterChunk(ctx, item as Received<'registerChunk'>);
        break;
      case undefined:
        throw new Rejection('MALFORMED', 'empty message', true);
    }
    if (header.kind !== MessageKind.RECEIPT) {
      ctx.owe(header, sha, 'ACCEPTED', '');
    }
    return true;
  }

  /**
   * A batch of one new alert or update that passes the policy on receive: the whole transaction in one statement
   * (corridor_receive_alert, migration 1732400000000). False when it is anything else — a rejection, a duplicate,
   * an update of an alert withdrawn meanwhile — and nothing was written: the general path then handles it.
   */
  private async receiveAlone(
    header: EnvelopeHeader,
    message: ExchangeMessage,
    sha: Uint8Array,
  ): Promise<boolean> {
    const body = message.body;
    if (body.case !== 'alert' && body.case !== 'update') {
      return false;
    }
    let accepted: PolicyAllowed;
    try {
      accepted = receiveDecision(
        { own: this.trust.own.country, agreementWith: (p) => this.trust.agreementWith(p), now: Date.now },
        header,
        message,
      );
    } catch {
      return false; // the general path quarantines it with the reason
    }
    let received: boolean;
    try {
      received = await this.repos.inbox.receiveAlertAlone(this.ds, {
        row: inboxRow(header, accepted, sha, Date.now()),
        leaves: this.audit.leafParameters([receivedLeaf(header, accepted, sha)]),
        feedEvent: body.case === 'update' ? 'UPDATED' : 'ALERT',
        receivedAtMs: Date.now(),
      });
    } catch (err) {
      // A failure the general path sorts out (a retry, or the envelope quarantined): nothing was written.
      if (!(await this.isTransient(err))) {
        return false;
      }
      throw err;
    }
    if (!received) {
      return false; // not fresh, or refused: the general path answers it
    }
    this.metrics.received.inc({ kind: enumName(MessageKind, header.kind) });
    this.receipts.requestBatch();
    return true;
  }

  /**
   * A receipt for these exact bytes, owed to their sender (sent with others in one signed message), under the
   * agreement of the pair as this gateway knows it — never an id the message itself named — and none without one.
   */
  private owe(
    writes: BatchWrites,
    header: EnvelopeHeader,
    sha: Uint8Array,
    status: 'ACCEPTED' | 'REJECTED',
    reason: string,
  ): void {
    const agreementId = this.trust.agreementWith(header.sender)?.id;
    if (agreementId === undefined) {
      return;
    }
    writes.receipts.push({
      sender: header.sender,
      agreementId,
      messageId: header.messageId,
      envelopeSha256: sha,
      status,
      reasonCode: reason,
      receivedAtMs: Date.now(),
    });
  }

  /**
   * A negative receipt for bytes refused before their message id could be trusted (unreadable, too large, bad
   * signature), named by their SHA-256 only. Addressed to the partner the topic belongs to (only it may write there,
   * by the broker's ACLs), never to a sender the bytes claim; once per distinct envelope and within a rate per partner.
   */
  private async oweUnread(
    em: EntityManager,
    writes: BatchWrites,
    topic: string,
    sha: Uint8Array,
    reason: string,
  ): Promise<void> {
    const sender = this.trust.partners().find((p) => this.trust.incomingTopic(p) === topic);
    const agreementId = sender === undefined ? undefined : this.trust.agreementWith(sender)?.id;
    if (sender === undefined || agreementId === undefined) {
      return;
    }
    if (!(await this.repos.exchange.markUnreadableAnswered(em, sender, sha))) {
      return;
    }
    if (!this.unreadableReceipts.take(sender)) {
      this.logger.warn({ sender }, 'negative receipts for unreadable envelopes over the rate: not answered');
      return;
    }
    writes.receipts.push({
      sender,
      agreementId,
      messageId: null,
      envelopeSha256: sha,
      status: 'REJECTED',
      reasonCode: reason,
      receivedAtMs: Date.now(),
    });
  }

  /** Rejected: quarantine row + REJECTED leaf, and a negative receipt (by message id when the sender is authenticated, else by the envelope's hash). */
  private async quarantineIn(
    em: EntityManager,
    record: BusRecord,
    rejection: Rejection,
    writes: BatchWrites,
    header?: EnvelopeHeader,
  ): Promise<void> {
    let claimed: EnvelopeHeader | undefined = header;
    if (!claimed) {
      try {
        claimed = peekEnvelopeHeader(record.value);
      } catch {
        claimed = undefined;
      }
    }
    const sha = envelopeSha256(record.value);
    // An unauthenticated header is only a claim, in bytes anyone could write: a sender kept only when it reads as a
    // country code and a message id only when it reads as a UUID, so no claimed value can make the insert fail.
    const sender = header?.sender ?? (ISO_COUNTRY.test(claimed?.sender ?? '') ? claimed?.sender : undefined);
    const messageId = UUID.test(claimed?.messageId ?? '') ? claimed?.messageId : undefined;
    await this.repos.inbox.quarantine(em, {
      topic: record.topic,
      partition: record.partition,
      offset: record.offset,
      claimedSender: sender ?? null,
      messageId: messageId ?? null,
      reasonCode: rejection.code,
      detail: printable(rejection.message).slice(0, 500),
      envelope: Buffer.from(record.value),
      envelopeSha256: sha,
    });
    writes.leaves.push({
      event: AuditEvent.REJECTED,
      peer: sender,
      messageId,
      envelopeSha256: sha,
      reasonCode: rejection.code,
      category: claimed?.category ?? Category.UNSPECIFIED,
    });
    if (rejection.authenticated && header && header.kind !== MessageKind.RECEIPT) {
      this.owe(writes, header, sha, 'REJECTED', rejection.code);
    } else if (!rejection.authenticated && claimed?.kind !== MessageKind.RECEIPT) {
      await this.oweUnread(em, writes, record.topic, sha, rejection.code);
    }
    this.logger.warn(
      {
        topic: record.topic,
        offset: record.offset,
        claimedSender: sender,
        messageId,
        reason: rejection.code,
      },
      'inbound envelope quarantined',
    );
  }
}
