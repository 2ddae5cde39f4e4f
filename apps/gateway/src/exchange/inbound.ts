// The consumer side: size -> open -> verify -> screen (topic, agreement, content, policy) -> inbox row + log entry in
// one transaction -> offset commit (by the Kafka client, after this resolves). Rejections are quarantined and logged,
// never dropped. A partner may be hostile (docs/security.md): everything a message asks for is checked against what
// its authenticated sender may do, and no single record can stop intake (a batch that fails for a reason other than
// a transient one is applied again one envelope at a time, and the envelope that still fails is quarantined).
import type { Logger } from 'pino';
import { DataSource, EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import {
  Alert,
  AlertSchema,
  AuditEvent,
  Category,
  Classification,
  enumName,
  enumValue,
  EnvelopeHeader,
  ExchangeMessage,
  HandlingCode,
  MessageKind,
  Priority,
  Receipt,
  ReceiptStatus,
  ReplySchema,
  toBinary,
} from '@corridor/contracts';
import {
  createReceiptBatchMessage,
  envelopeSha256,
  peekEnvelopeHeader,
  ReceiptFor,
  receiptsOf,
} from '@corridor/envelope';
import { containsPersonalData, evaluateMessage, evaluateReceive, retentionDeadline } from '@corridor/policy';
import { BusRecord, KafkaClient } from '@corridor/platform';
import { AuditLog, LeafInput } from '../audit/audit.log';
import { applyFailureKind } from './apply-failure';
import { Item, openRecord, Rejection } from './inbound/opening';
import { ReceiptBatcher } from './inbound/receipt-batcher';
import { assertedOfficerId, normaliseDocNumber } from '../inbox/identifiers';
import { GatewayMetrics } from '../health/metrics';
import { TrustStore } from '../trust/trust.store';
import { OutboxRelay } from './outbox';
import { ExchangeRepository, ReceiptDue } from './exchange.repository';
import { OutboxRepository } from './outbox.repository';
import { FeedEntry, InboxAlertRow, InboxRepository } from '../inbox/inbox.repository';
import type { Consumer } from 'kafkajs';

/** How often receipts owed are looked for without a wake-up (a lost wake-up costs at most this long). */
const RECEIPT_SWEEP_MS = 5_000;

const ISO_COUNTRY = /^[A-Z]{2}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Text for a log or a detail column: control characters (NUL included) shown as U+FFFD. */
function printable(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '\ufffd');
}

/** What one batch transaction collects and writes once at its end. */
interface BatchWrites {
  leaves: LeafInput[];
  feed: FeedEntry[];
  /** receipts owed to the senders, recorded in receipts_due and sent a moment later */
  receipts: ReceiptDue[];
}

/** An accepted alert or update as the inbox stores it. */
function inboxRow(
  header: EnvelopeHeader,
  accepted: {
    alert: Alert;
    redactedFields: string[];
    terms: Parameters<typeof retentionDeadline>[0]['terms'];
  },
  sha: Uint8Array,
): InboxAlertRow {
  const kept = accepted.alert;
  return {
    messageId: header.messageId,
    sender: header.sender,
    alertId: kept.id,
    threadId: kept.threadId || null,
    category: enumName(Category, kept.category),
    classification: enumName(Classification, kept.classification),
    priority: enumName(Priority, kept.priority),
    title: kept.title,
    body: Buffer.from(toBinary(AlertSchema, kept)),
    redactedFields: accepted.redactedFields,
    agreementId: header.agreementId,
    envelopeSha256: sha,
    retainUntil: containsPersonalData(kept)
      ? new Date(retentionDeadline({ receivedAtMs: Date.now(), terms: accepted.terms }))
      : null,
    docNumber: kept.payload.case === 'document' ? normaliseDocNumber(kept.payload.value.number) : null,
    kind: header.kind === MessageKind.UPDATE ? 'UPDATE' : 'ALERT',
  };
}

function receivedLeaf(header: EnvelopeHeader, accepted: { alert: Alert }, sha: Uint8Array): LeafInput {
  return {
    event: AuditEvent.RECEIVED,
    peer: header.sender,
    messageId: header.messageId,
    envelopeSha256: sha,
    category: accepted.alert.category,
    alertId: accepted.alert.id,
    agreementId: header.agreementId,
    reasonCode: enumName(MessageKind, header.kind),
  };
}

export class InboundExchange {
  private consumer?: Consumer;
  private restarting?: Promise<void>;
  private topics: string[] = [];
  private readonly receipts: ReceiptBatcher;

  constructor(
    private readonly ds: DataSource,
    private readonly repos: {
      inbox: InboxRepository;
      exchange: ExchangeRepository;
      outbox: OutboxRepository;
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
   * outbox in the same transaction that removes them. Returns true when more may be waiting.
   */
  async flushReceipts(): Promise<boolean> {
    const page = 1000;
    const { pending, full } = await this.ds.transaction(async (em) => {
      const rows = await this.repos.exchange.takeReceiptsDue(em, page);
      const bySender = new Map<string, { agreementId: string; entries: ReceiptFor[] }>();
      for (const r of rows) {
        const to = bySender.get(r.sender) ?? { agreementId: r.agreementId, entries: [] };
        to.entries.push({
          messageId: r.messageId,
          envelopeSha256: r.envelopeSha256,
          status: r.status === 'ACCEPTED' ? ReceiptStatus.ACCEPTED : ReceiptStatus.REJECTED,
          reasonCode: r.reasonCode,
          receivedAtMs: r.receivedAtMs,
        });
        bySender.set(r.sender, to);
      }
      const queued = await this.relay.enqueue(
        em,
        [...bySender].map(([sender, r]) => {
          const messageId = uuidv7();
          return {
            messageId,
            // a batch spans threads: it is its own thread
            threadId: messageId,
            kind: MessageKind.RECEIPT,
            recipient: sender,
            agreementId: r.agreementId,
            category: Category.UNSPECIFIED,
            classification: Classification.UNSPECIFIED,
            message: createReceiptBatchMessage(r.entries),
          };
        }),
      );
      return { pending: queued, full: rows.length === page };
    });
    this.relay.submit(pending);
    return full;
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
      for (const item of items) {
        if ('rejection' in item) {
          await this.quarantineIn(em, item.record, item.rejection, writes, item.header);
          rejected.push(item.rejection);
          continue;
        }
        try {
          if (await this.acceptIn(em, item.record, item.header, item.message, item.sha, writes)) {
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

  /** Applies one verified envelope inside the batch transaction; false when it was a duplicate. */
  private async acceptIn(
    em: EntityManager,
    record: BusRecord,
    header: EnvelopeHeader,
    message: ExchangeMessage,
    sha: Uint8Array,
    writes: BatchWrites,
  ): Promise<boolean> {
    const sender = header.sender;
    const kind = header.kind;
    const body = message.body;
    // Checks that need no database come before the first write.
    const decision =
      body.case === 'alert' || body.case === 'update' ? this.receiveDecision(header, message) : undefined;
    if (decision) {
      return this.acceptAlertIn(
        em,
        header,
        body.case === 'update' ? 'UPDATED' : 'ALERT',
        decision,
        sha,
        writes,
      );
    }
    {
      if (!(await this.repos.exchange.markSeen(em, sender, header.messageId, enumName(MessageKind, kind)))) {
        // Already processed (a redelivery, or the sender's retry after a crash): send the receipt again, nothing else.
        if (kind !== MessageKind.RECEIPT) {
          this.receiptIn(writes, header, sha, ReceiptStatus.ACCEPTED, '');
        }
        return false;
      }
      switch (body.case) {
        case 'alert':
        case 'update':
          throw new Error('alerts and updates are applied by acceptAlertIn');
        case 'withdrawal': {
          // Only an alert this sender originated and sent here: anything else changes nothing and is refused.
          const seq = await this.repos.inbox.withdraw(em, sender, body.value.alertId);
          if (seq === undefined) {
            throw new Rejection(
              'UNKNOWN_ALERT',
              `withdrawal of ${body.value.alertId}: no alert of ${sender} with that id is held here, or it is withdrawn`,
              true,
            );
          }
          writes.feed.push({ inboxSeq: seq, event: 'WITHDRAWN' });
          writes.leaves.push({
            event: AuditEvent.WITHDRAWN,
            peer: sender,
            messageId: header.messageId,
            envelopeSha256: sha,
            alertId: body.value.alertId,
            category: header.category,
          });
          break;
        }
        case 'reply': {
          const r = body.value;
          const origin = await this.exchangedAlertOrigin(em, header, r.alertId);
          const seq = await this.repos.inbox.insertReply(em, {
            messageId: header.messageId,
            sender,
            origin,
            alertId: r.alertId,
            threadId: header.threadId || null,
            category: enumName(Category, header.category),
            classification: enumName(Classification, header.classification),
            title: `Reply from ${sender}`,
            body: Buffer.from(toBinary(ReplySchema, r)),
            agreementId: header.agreementId,
            envelopeSha256: sha,
          });
          writes.feed.push({ inboxSeq: seq, event: 'REPLY' });
          writes.leaves.push({
            event: AuditEvent.REPLIED,
            peer: sender,
            messageId: header.messageId,
            envelopeSha256: sha,
            alertId: r.alertId,
            officerId: `${sender}/${assertedOfficerId(sender, r.officerId)}`,
            category: header.category,
          });
          break;
        }
        case 'acknowledgement': {
          const a = body.value;
          // Only an alert of ours that went to this sender: anything else changes nothing and is refused.
          const officer = `${sender}/${assertedOfficerId(sender, a.officerId)}`;
          const known = await this.repos.outbox.acknowledge(em, {
            alertId: a.alertId,
            recipient: sender,
            acknowledgedBy: officer,
            acknowledgedAtMs: Number(a.acknowledgedAtMs),
          });
          if (known === 0) {
            throw new Rejection(
              'UNKNOWN_ALERT',
              `acknowledgement of ${a.alertId}: this gateway sent no alert with that id to ${sender}`,
              true,
            );
          }
          writes.leaves.push({
            event: AuditEvent.ACKNOWLEDGED,
            peer: sender,
            messageId: header.messageId,
            envelopeSha256: sha,
            alertId: a.alertId,
            officerId: officer,
            category: header.category,
          });
          break;
        }
        case 'receipt':
        case 'receipts': {
          await this.applyReceipts(em, record, header, receiptsOf(message), sha, writes);
          break;
        }
        case undefined:
          throw new Rejection('MALFORMED', 'empty message', true);
      }
      if (kind !== MessageKind.RECEIPT) {
        this.receiptIn(writes, header, sha, ReceiptStatus.ACCEPTED, '');
      }
    }
    return true;
  }

  /**
   * An accepted alert or an update that passed the policy: dedupe and inbox write in one statement (one round trip),
   * by corridor_accept_alert, the same function the single-statement path uses (migration 1733000000000). False for
   * a duplicate (its receipt is owed again); a Rejection when the alert id is not the sender's to use.
   */
  private async acceptAlertIn(
    em: EntityManager,
    header: EnvelopeHeader,
    event: 'ALERT' | 'UPDATED',
    accepted: ReturnType<InboundExchange['receiveDecision']>,
    sha: Uint8Array,
    writes: BatchWrites,
  ): Promise<boolean> {
    const row = await this.repos.inbox.acceptAlert(em, inboxRow(header, accepted, sha));
    const id = accepted.alert.id;
    switch (row.status) {
      case 'DUPLICATE':
        // Already processed (a redelivery, or the sender's retry after a crash): send the receipt again, nothing else.
        this.receiptIn(writes, header, sha, ReceiptStatus.ACCEPTED, '');
        return false;
      case 'ALERT_WITHDRAWN':
        throw new Rejection('ALERT_WITHDRAWN', `update of withdrawn alert ${id}`, true);
      case 'UNKNOWN_ALERT':
        throw new Rejection(
          'UNKNOWN_ALERT',
          `update of ${id}: no alert of ${header.sender} with that id is held here`,
          true,
        );
      case 'ALERT_ID_REUSED':
        throw new Rejection(
          'ALERT_ID_REUSED',
          `${header.sender} already sent an alert ${id}; an update must say so`,
          true,
        );
      case 'OK':
        break;
    }
    writes.feed.push({ inboxSeq: Number(row.seq), event });
    writes.leaves.push(receivedLeaf(header, accepted, sha));
    this.receiptIn(writes, header, sha, ReceiptStatus.ACCEPTED, '');
    return true;
  }

  /**
   * The country that originated the alert a reply is about, when that alert was exchanged between this gateway and
   * the sender: one of ours that went to the sender (its handling must then be within what the sender may send here),
   * or one the sender sent here. Anything else — an alert of a third country, one never exchanged — is refused.
   */
  private async exchangedAlertOrigin(
    em: EntityManager,
    header: EnvelopeHeader,
    alertId: string,
  ): Promise<string> {
    const sender = header.sender;
    const own = this.trust.own.country;
    const exchanged = await this.repos.inbox.exchangedAlert(em, alertId, sender);
    const mine = exchanged.ours;
    if (mine) {
      const decision = evaluateMessage({
        from: sender,
        to: own,
        agreement: this.trust.agreementWith(sender),
        now: Date.now(),
        labels: {
          category: header.category,
          classification: header.classification,
          handling: enumValue(HandlingCode, mine.handling) ?? HandlingCode.UNSPECIFIED,
        },
      });
      if (!decision.allowed) {
        throw new Rejection(decision.reason, decision.rule, true);
      }
      return own;
    }
    if (exchanged.senders) {
      return sender;
    }
    throw new Rejection(
      'UNKNOWN_ALERT',
      `reply about ${alertId}: no alert with that id was exchanged between ${sender} and ${own}`,
      true,
    );
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
    let accepted: ReturnType<InboundExchange['receiveDecision']>;
    try {
      accepted = this.receiveDecision(header, message);
    } catch {
      return false; // the general path quarantines it with the reason
    }
    let received: boolean;
    try {
      received = await this.repos.inbox.receiveAlertAlone(this.ds, {
        row: inboxRow(header, accepted, sha),
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

  /** Policy on receive for an alert or an update, before anything is written; throws the Rejection. */
  private receiveDecision(header: EnvelopeHeader, message: ExchangeMessage) {
    const body = message.body;
    const alert = body.case === 'alert' ? body.value : body.case === 'update' ? body.value.alert : undefined;
    if (!alert) {
      throw new Rejection('MALFORMED', 'update without the new alert', true);
    }
    this.checkAlertHeader(header, alert);
    const decision = evaluateReceive({
      alert,
      from: header.sender,
      to: this.trust.own.country,
      agreement: this.trust.agreementWith(header.sender),
      now: Date.now(),
      redactedFields: message.redactedFields,
    });
    if (!decision.allowed) {
      throw new Rejection(decision.reason, decision.rule, true);
    }
    return decision;
  }

  /** Header and body must agree: category and classification in the signed header decide routing and policy. */
  private checkAlertHeader(header: EnvelopeHeader, alert: Alert): void {
    if (alert.category !== header.category || alert.classification !== header.classification) {
      throw new Rejection(
        'HEADER_MISMATCH',
        'category or classification in the header differs from the alert',
        true,
      );
    }
    if (alert.originatorCountry !== header.sender) {
      throw new Rejection(
        'ORIGINATOR_MISMATCH',
        `alert claims originator ${alert.originatorCountry}, signed by ${header.sender}`,
        true,
      );
    }
  }

  /**
   * Receipts from a partner (one, or a batch): each entry must name exact bytes we sent it. Matching entries mark
   * their outbox rows DELIVERED (or REJECTED); entries that match nothing are quarantined with the message.
   */
  private async applyReceipts(
    em: EntityManager,
    record: BusRecord,
    header: EnvelopeHeader,
    receipts: Receipt[],
    sha: Uint8Array,
    writes: BatchWrites,
  ): Promise<void> {
    const sender = header.sender;
    // Match each entry to a row we sent that partner with exactly those bytes, and apply the matches, in one statement.
    const matched = await this.repos.outbox.applyReceipts(
      em,
      sender,
      receipts.map((r) => ({
        messageId: r.messageId,
        envelopeSha256: r.envelopeSha256,
        outcome: r.status === ReceiptStatus.ACCEPTED ? 'DELIVERED' : 'REJECTED',
        receiptStatus: enumName(ReceiptStatus, r.status),
        reasonCode: r.reasonCode,
      })),
    );
    const byIndex = new Map(matched.map((m) => [m.index, m]));
    const unmatched = receipts.filter((_, i) => !byIndex.has(i));
    const now = Date.now();
    for (const [i, m] of byIndex) {
      const r = receipts[i];
      const accepted = r.status === ReceiptStatus.ACCEPTED;
      writes.leaves.push({
        event: AuditEvent.RECEIPT,
        peer: sender,
        messageId: r.messageId,
        envelopeSha256: sha,
        reasonCode: accepted ? 'ACCEPTED' : r.reasonCode,
        category: (m.category ? enumValue(Category, m.category) : undefined) ?? header.category,
      });
      this.metrics.receiptLatency.observe((now - m.queuedAt.getTime()) / 1000);
    }
    if (unmatched.length > 0) {
      const ids = unmatched.map((r) => r.messageId);
      await this.quarantineIn(
        em,
        record,
        new Rejection(
          'RECEIPT_MISMATCH',
          `${ids.length} of ${receipts.length} receipts name no envelope we sent to ${sender}: ${ids.slice(0, 5).join(', ')}`,
          true,
        ),
        writes,
        header,
      );
    }
  }

  /**
   * A receipt for these exact bytes, owed to their sender (sent with others in one signed message), under the
   * agreement of the pair as this gateway knows it — never an id the message itself named — and none without one.
   */
  private receiptIn(
    writes: BatchWrites,
    header: EnvelopeHeader,
    sha: Uint8Array,
    status: ReceiptStatus.ACCEPTED | ReceiptStatus.REJECTED,
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
      status: status === ReceiptStatus.ACCEPTED ? 'ACCEPTED' : 'REJECTED',
      reasonCode: reason,
      receivedAtMs: Date.now(),
    });
  }

  /** Rejected: quarantine row + REJECTED leaf, and a negative receipt when the sender is authenticated. */
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
      this.receiptIn(writes, header, sha, ReceiptStatus.REJECTED, rejection.code);
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
