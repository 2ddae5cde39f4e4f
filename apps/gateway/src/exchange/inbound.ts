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
  EnvelopeError,
  envelopeSha256,
  openEnvelopeAsync,
  peekEnvelopeHeader,
  ReceiptFor,
  receiptsOf,
  ReplayGuard,
} from '@corridor/envelope';
import { containsPersonalData, evaluateMessage, evaluateReceive, retentionDeadline } from '@corridor/policy';
import { BusRecord, KafkaClient, queryPrepared, updatedRows } from '@corridor/platform';
import { AuditLog, LeafInput } from '../audit/audit.log';
import { applyFailureKind } from './apply-failure';
import { messageViolation } from './inbound-content';
import { assertedOfficerId } from '../inbox/officer-id';
import { GatewayMetrics } from '../health/metrics';
import { TrustStore } from '../trust/trust.store';
import { OutboxRelay } from './outbox';
import type { KeyObject } from 'node:crypto';
import type { Consumer } from 'kafkajs';

/** What corridor_accept_alert answers (migration 1733000000000). */
type AcceptStatus = 'OK' | 'DUPLICATE' | 'UNKNOWN_ALERT' | 'ALERT_ID_REUSED' | 'ALERT_WITHDRAWN';

/** Durable dedupe lives in PostgreSQL (seen_messages); the in-memory guard of the envelope lib is not used. */
const NO_MEMORY_REPLAY_GUARD: ReplayGuard = { seen: () => false, remember: () => undefined };

export const DESK_CHANNEL = 'corridor_desk';

/** How often receipts owed are looked for without a wake-up (a lost wake-up costs at most this long). */
const RECEIPT_SWEEP_MS = 5_000;

export function normaliseDocNumber(n: string): string {
  return n.replace(/[<\s]/g, '').toUpperCase();
}

class Rejection extends Error {
  constructor(
    readonly code: string,
    message: string,
    /** the sender is authenticated, so it may get a negative receipt */
    readonly authenticated: boolean,
  ) {
    super(message);
  }
}

/** One consumed record after opening: verified and screened, or refused with the reason. */
type Item =
  | { record: BusRecord; header: EnvelopeHeader; message: ExchangeMessage; sha: Uint8Array }
  | { record: BusRecord; rejection: Rejection; header?: EnvelopeHeader };

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
  feed: { inboxSeq: number; event: string }[];
  /** receipts owed to the senders, recorded in receipts_due and sent a moment later */
  receipts: (ReceiptFor & { sender: string; agreementId: string })[];
}

/**
 * An accepted alert or update as the inbox stores it: the first 15 parameters of both the inbound accept statement
 * and corridor_receive_alert, in that order.
 */
function alertRowParameters(
  header: EnvelopeHeader,
  accepted: {
    alert: Alert;
    redactedFields: string[];
    terms: Parameters<typeof retentionDeadline>[0]['terms'];
  },
  sha: Uint8Array,
): unknown[] {
  const kept = accepted.alert;
  const retainUntil = containsPersonalData(kept)
    ? new Date(retentionDeadline({ receivedAtMs: Date.now(), terms: accepted.terms }))
    : null;
  return [
    header.messageId,
    header.sender,
    kept.id,
    kept.threadId || null,
    enumName(Category, kept.category),
    enumName(Classification, kept.classification),
    enumName(Priority, kept.priority),
    kept.title,
    Buffer.from(toBinary(AlertSchema, kept)),
    accepted.redactedFields,
    header.agreementId,
    Buffer.from(sha),
    retainUntil,
    kept.payload.case === 'document' ? normaliseDocNumber(kept.payload.value.number) : null,
    enumName(MessageKind, header.kind),
  ];
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
  private receiptTimer?: NodeJS.Timeout;
  /** the receipt pass in progress, if any */
  private receiptFlush?: Promise<void>;
  private receiptsAgain = false;
  /** a slow safety net, set while receipts are being sent: receipts owed are looked for every few seconds */
  private receiptSweep?: NodeJS.Timeout;

  constructor(
    private readonly ds: DataSource,
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
  ) {}

  /** (Re)subscribes to the incoming topics of active agreements. */
  async start(): Promise<void> {
    if (!this.receiptSweep) {
      this.receiptSweep = setInterval(() => this.scheduleReceipts(0), RECEIPT_SWEEP_MS);
      this.scheduleReceipts(0); // receipts a crash left owed go first
    }
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
    if (this.receiptSweep) {
      // The receipts owed for what was consumed go out before the relay stops.
      clearInterval(this.receiptSweep);
      this.receiptSweep = undefined;
      clearTimeout(this.receiptTimer);
      this.receiptTimer = undefined;
      await this.receiptFlush;
      await this.flushReceipts().catch((err: Error) =>
        this.logger.warn(
          { err: err.message },
          'receipts not sent at shutdown; they go out after the restart',
        ),
      );
    }
  }

  /**
   * Sends the receipts owed in `ms`, many to a signed message. A request that comes while a pass is running is
   * remembered and served by another pass right after it, so no receipt waits for the next inbound message.
   */
  private scheduleReceipts(ms: number): void {
    if (!this.receiptSweep) {
      return;
    }
    if (this.receiptFlush) {
      this.receiptsAgain = true;
      return;
    }
    if (this.receiptTimer) {
      return; // the pass already scheduled will see these rows: they committed before this call
    }
    this.receiptTimer = setTimeout(() => {
      this.receiptTimer = undefined;
      this.receiptFlush = this.flushReceipts().then(
        (more) => {
          this.receiptFlush = undefined;
          const again = this.receiptsAgain;
          this.receiptsAgain = false;
          if (more || again) {
            this.scheduleReceipts(more ? 0 : this.opts.receiptBatchMs);
          }
        },
        (err: Error) => {
          this.receiptFlush = undefined;
          this.receiptsAgain = false;
          this.logger.warn({ err: err.message }, 'sending receipts failed; will retry');
          this.scheduleReceipts(1000);
        },
      );
    }, ms);
  }

  /**
   * One pass over receipts_due: each sender gets one sealed message with all receipts owed to it, queued in the
   * outbox in the same transaction that removes them. Returns true when more may be waiting.
   */
  async flushReceipts(): Promise<boolean> {
    const page = 1000;
    const { pending, full } = await this.ds.transaction(async (em) => {
      const rows = updatedRows<{
        sender: string;
        agreement_id: string;
        message_id: string;
        envelope_sha256: Buffer;
        status: string;
        reason_code: string;
        received_at_ms: string;
      }>(
        await em.query(
          `delete from receipts_due where id in (select id from receipts_due order by id limit $1 for update skip locked)
         returning sender, agreement_id, message_id, envelope_sha256, status, reason_code, received_at_ms`,
          [page],
        ),
      );
      const bySender = new Map<string, { agreementId: string; entries: ReceiptFor[] }>();
      for (const r of rows) {
        const to = bySender.get(r.sender) ?? { agreementId: r.agreement_id, entries: [] };
        to.entries.push({
          messageId: r.message_id,
          envelopeSha256: r.envelope_sha256,
          status: r.status === 'ACCEPTED' ? ReceiptStatus.ACCEPTED : ReceiptStatus.REJECTED,
          reasonCode: r.reason_code,
          receivedAtMs: Number(r.received_at_ms),
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
    const items = await Promise.all(records.map((record) => this.openRecord(record)));
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
    try {
      await this.ds.query('select 1');
      return false;
    } catch {
      return true;
    }
  }

  /** Size, signature, decryption, then the checks that need no database (screen). Never throws. */
  private async openRecord(record: BusRecord): Promise<Item> {
    if (record.value.length > this.opts.maxEnvelopeBytes) {
      return {
        record,
        rejection: new Rejection(
          'ENVELOPE_TOO_LARGE',
          `${record.value.length} bytes, more than the ${this.opts.maxEnvelopeBytes} allowed (MAX_ENVELOPE_BYTES)`,
          false,
        ),
      };
    }
    try {
      const own = this.trust.own;
      const mine = this.recipientKeyFor(record.value) ?? own;
      const opened = await openEnvelopeAsync({
        bytes: record.value,
        recipientCountry: own.country,
        recipientKey: mine.key,
        recipientCertPem: mine.certPem,
        trust: this.trust.envelopeTrust(),
        replay: NO_MEMORY_REPLAY_GUARD,
        now: Date.now(),
        maxAgeMs: this.opts.maxAgeMs,
      });
      const rejection = this.screen(record, opened.header, opened.message);
      if (rejection) {
        return { record, header: opened.header, rejection };
      }
      return { record, header: opened.header, message: opened.message, sha: opened.envelopeSha256 };
    } catch (err) {
      const code = err instanceof EnvelopeError ? err.code : 'MALFORMED';
      return {
        record,
        rejection: new Rejection(code, err instanceof Error ? err.message : String(err), false),
      };
    }
  }

  /**
   * What an authenticated sender may do, before anything is written: its own topic, the agreement of exactly this
   * pair, content within the API's rules, and, for messages about an alert, the agreement's rules on the labels they
   * carry. Alerts and updates get the full policy on receive later (receiveDecision).
   */
  private screen(record: BusRecord, header: EnvelopeHeader, message: ExchangeMessage): Rejection | undefined {
    const sender = header.sender;
    // Signed, but still the sender's words: ids that go into uuid columns and receipts must be what they claim.
    const badHeader = !UUID.test(header.messageId)
      ? 'messageId is not a UUID'
      : header.threadId && !UUID.test(header.threadId)
        ? 'threadId is not a UUID'
        : !/^[\x21-\x7e]{1,100}$/.test(header.agreementId)
          ? 'agreementId is not 1-100 visible ASCII characters'
          : undefined;
    if (badHeader) {
      // No receipt: it could not name the message.
      return new Rejection('HEADER_INVALID', badHeader, false);
    }
    if (record.topic !== this.trust.incomingTopic(sender)) {
      return new Rejection('TOPIC_MISMATCH', `envelope from ${sender} arrived on ${record.topic}`, true);
    }
    const own = this.trust.own.country;
    if (header.kind === MessageKind.RECEIPT) {
      // Receipts settle past traffic too: any agreement of this pair, whatever its state now.
      const named = this.trust.signedAgreement(header.agreementId)?.terms.parties ?? [];
      if (!(named.includes(sender) && named.includes(own))) {
        return new Rejection(
          'AGREEMENT_MISMATCH',
          `receipts from ${sender} name ${header.agreementId.slice(0, 80)}, not an agreement between ${sender} and ${own}`,
          true,
        );
      }
    } else {
      const agreement = this.trust.agreementWith(sender);
      if (agreement && agreement.id !== header.agreementId) {
        return new Rejection(
          'AGREEMENT_MISMATCH',
          `the header names ${header.agreementId.slice(0, 80)}; the agreement of ${sender}→${own} is ${agreement.id}`,
          true,
        );
      }
    }
    const violation = messageViolation(message, sender, Date.now());
    if (violation) {
      return new Rejection('CONTENT_INVALID', `${violation.field}: ${violation.message}`, true);
    }
    const body = message.body.case;
    if (body === 'reply' || body === 'acknowledgement' || body === 'withdrawal') {
      const decision = evaluateMessage({
        from: sender,
        to: own,
        agreement: this.trust.agreementWith(sender),
        now: Date.now(),
        labels: { category: header.category, classification: header.classification },
      });
      if (!decision.allowed) {
        return new Rejection(decision.reason, decision.rule, true);
      }
    }
    return undefined;
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
          await em.query('delete from seen_messages where sender = $1 and message_id = $2', [
            item.header.sender,
            item.header.messageId,
          ]);
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
      this.scheduleReceipts(this.opts.receiptBatchMs);
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
    // Desk feed entries (announced with pg_notify, which is transactional: every gateway instance hears of an entry
    // only after the commit) and the receipts owed, in one statement.
    await queryPrepared(
      em,
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
        writes.feed.map((f) => f.inboxSeq),
        writes.feed.map((f) => f.event),
        DESK_CHANNEL,
        owed.map((o) => o.sender),
        owed.map((o) => o.agreementId),
        owed.map((o) => o.messageId),
        owed.map((o) => Buffer.from(o.envelopeSha256)),
        owed.map((o) => enumName(ReceiptStatus, o.status)),
        owed.map((o) => o.reasonCode ?? ''),
        owed.map((o) => o.receivedAtMs),
      ],
    );
    return owed.length > 0;
  }

  /** Chooses the key by the (still unverified) recipient fingerprint; the open then verifies everything. */
  private recipientKeyFor(bytes: Uint8Array): { key: KeyObject; certPem: string } | undefined {
    try {
      return this.trust.keyFor(peekEnvelopeHeader(bytes).recipientCertFingerprint);
    } catch {
      return undefined;
    }
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
      const fresh = await em.query<unknown[]>(
        `insert into seen_messages (sender, message_id, kind) values ($1, $2, $3) on conflict do nothing returning message_id`,
        [sender, header.messageId, enumName(MessageKind, kind)],
      );
      if (fresh.length === 0) {
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
          const rows = updatedRows<{ seq: string }>(
            await em.query(
              `update inbox set state = 'WITHDRAWN', body = null, title = null, doc_number = null
               where sender = $1 and alert_id = $2 and kind = 'ALERT' and state <> 'WITHDRAWN' returning seq`,
              [sender, body.value.alertId],
            ),
          );
          if (!rows[0]) {
            throw new Rejection(
              'UNKNOWN_ALERT',
              `withdrawal of ${body.value.alertId}: no alert of ${sender} with that id is held here, or it is withdrawn`,
              true,
            );
          }
          writes.feed.push({ inboxSeq: Number(rows[0].seq), event: 'WITHDRAWN' });
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
          const rows = await em.query<{ seq: string }[]>(
            `insert into inbox (message_id, sender, origin, alert_id, thread_id, kind, category, classification, priority, title, body, agreement_id, envelope_sha256)
             values ($1, $2, $3, $4, $5, 'REPLY', $6, $7, 'ROUTINE', $8, $9, $10, $11) returning seq`,
            [
              header.messageId,
              sender,
              origin,
              r.alertId,
              header.threadId || null,
              enumName(Category, header.category),
              enumName(Classification, header.classification),
              `Reply from ${sender}`,
              Buffer.from(toBinary(ReplySchema, r)),
              header.agreementId,
              Buffer.from(sha),
            ],
          );
          writes.feed.push({ inboxSeq: Number(rows[0].seq), event: 'REPLY' });
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
          const [{ known }] = await em.query<{ known: number }[]>(
            `with target as (
               select id from outbox where alert_id = $1 and recipient = $2 and kind in ('ALERT', 'UPDATE')),
             acked as (
               update outbox set acknowledged_by = $3, acknowledged_at = to_timestamp($4 / 1000.0)
               where id in (select id from target) and acknowledged_at is null returning 1)
             select (select count(*) from target)::int as known, (select count(*) from acked) as acked`,
            [a.alertId, sender, officer, Number(a.acknowledgedAtMs)],
          );
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
    const [row] = await queryPrepared<{ r_status: AcceptStatus; r_seq: string | null }>(
      em,
      'corridor_accept_alert',
      `select r_status, r_seq from corridor_accept_alert($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
      alertRowParameters(header, accepted, sha),
    );
    const id = accepted.alert.id;
    switch (row.r_status) {
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
    writes.feed.push({ inboxSeq: Number(row.r_seq), event });
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
    const rows = await em.query<{ origin: 'own' | 'sender'; handling: string | null }[]>(
      `select 'own' as origin, a.handling from alerts a
       where a.id = $1 and exists (select 1 from outbox o where o.alert_id = a.id and o.recipient = $2 and o.kind = 'ALERT' and o.status <> 'REFUSED')
       union all
       select 'sender', null from inbox i where i.sender = $2 and i.alert_id = $1 and i.kind = 'ALERT'`,
      [alertId, sender],
    );
    const mine = rows.find((r) => r.origin === 'own');
    if (mine) {
      const decision = evaluateMessage({
        from: sender,
        to: own,
        agreement: this.trust.agreementWith(sender),
        now: Date.now(),
        labels: {
          category: header.category,
          classification: header.classification,
          handling: enumValue(HandlingCode, mine.handling ?? '') ?? HandlingCode.UNSPECIFIED,
        },
      });
      if (!decision.allowed) {
        throw new Rejection(decision.reason, decision.rule, true);
      }
      return own;
    }
    if (rows.length > 0) {
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
    try {
      await queryPrepared(
        this.ds,
        'corridor_receive_alert',
        `select corridor_receive_alert($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15,
                                       $16, $17, $18, $19, $20, $21, $22)`,
        [
          ...alertRowParameters(header, accepted, sha),
          ...this.audit.leafParameters([receivedLeaf(header, accepted, sha)]),
          body.case === 'update' ? 'UPDATED' : 'ALERT',
          DESK_CHANNEL,
          Date.now(),
        ],
      );
    } catch (err) {
      // Not fresh, or a failure the general path sorts out (a retry, or the envelope quarantined): nothing was written.
      if ((err as Error).message.startsWith('CORRIDOR_NOT_FRESH') || !(await this.isTransient(err))) {
        return false;
      }
      throw err;
    }
    this.metrics.received.inc({ kind: enumName(MessageKind, header.kind) });
    this.scheduleReceipts(this.opts.receiptBatchMs);
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
    const statusOf = (r: Receipt): string => (r.status === ReceiptStatus.ACCEPTED ? 'DELIVERED' : 'REJECTED');
    // Match each entry to a row we sent that partner with exactly those bytes, and apply the matches, in one statement.
    const matched = await em.query<{ id: string; n: string; category: string | null; queued_at: Date }[]>(
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
       select m.id, m.n, m.category, m.queued_at, (select count(*) from applied) as applied from m`,
      [
        receipts.map((r) => r.messageId),
        receipts.map((r) => Buffer.from(r.envelopeSha256)),
        sender,
        receipts.map(statusOf),
        receipts.map((r) => enumName(ReceiptStatus, r.status)),
        receipts.map((r) => r.reasonCode),
      ],
    );
    const byIndex = new Map(matched.map((m) => [Number(m.n) - 1, m]));
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
      this.metrics.receiptLatency.observe((now - m.queued_at.getTime()) / 1000);
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
      status,
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
    await em.query(
      `insert into quarantine (topic, partition, "offset", claimed_sender, message_id, reason_code, detail, envelope, envelope_sha256)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [
        record.topic,
        record.partition,
        record.offset,
        sender ?? null,
        messageId ?? null,
        rejection.code,
        printable(rejection.message).slice(0, 500),
        record.value,
        Buffer.from(sha),
      ],
    );
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
