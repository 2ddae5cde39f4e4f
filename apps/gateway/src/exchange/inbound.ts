// The consumer side: open -> verify -> policy on receive -> inbox row + log entry in one transaction ->
// offset commit (by the Kafka client, after this resolves). Rejections are quarantined and logged, never dropped.
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
  EnvelopeHeader,
  ExchangeMessage,
  MessageKind,
  Priority,
  ReceiptStatus,
  ReplySchema,
  toBinary,
} from '@corridor/contracts';
import {
  createReceiptMessage,
  EnvelopeError,
  envelopeSha256,
  openEnvelope,
  peekEnvelopeHeader,
  ReplayGuard,
} from '@corridor/envelope';
import { containsPersonalData, evaluateReceive, retentionDeadline } from '@corridor/policy';
import { BusRecord, KafkaClient, updatedRows } from '@corridor/platform';
import { AuditLog, LOG_LOCK } from '../audit/audit.log';
import { GatewayMetrics } from '../health/metrics';
import { TrustStore } from '../trust/trust.store';
import { enqueue, OutboxRelay } from './outbox';
import type { KeyObject } from 'node:crypto';
import type { Consumer } from 'kafkajs';

/** Durable dedupe lives in PostgreSQL (seen_messages); the in-memory guard of the envelope lib is not used. */
const NO_MEMORY_REPLAY_GUARD: ReplayGuard = { seen: () => false, remember: () => undefined };

export const DESK_CHANNEL = 'corridor_desk';

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

export class InboundExchange {
  private consumer?: Consumer;
  private restarting?: Promise<void>;
  private topics: string[] = [];

  constructor(
    private readonly ds: DataSource,
    private readonly kafka: KafkaClient,
    private readonly trust: TrustStore,
    private readonly audit: AuditLog,
    private readonly relay: OutboxRelay,
    private readonly metrics: GatewayMetrics,
    private readonly opts: { groupId: string; maxAgeMs: number },
    private readonly logger: Logger,
  ) {}

  /** (Re)subscribes to the incoming topics of active agreements. */
  async start(): Promise<void> {
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
  }

  get subscribedTopics(): string[] {
    return this.topics;
  }

  /** Opens and verifies each envelope (CPU), then applies the whole batch in one transaction. */
  async handleBatch(records: BusRecord[]): Promise<void> {
    const own = this.trust.own;
    type Item =
      | { record: BusRecord; header: EnvelopeHeader; message: ExchangeMessage; sha: Uint8Array }
      | { record: BusRecord; rejection: Rejection; header?: EnvelopeHeader };
    const items: Item[] = records.map((record) => {
      try {
        const mine = this.recipientKeyFor(record.value) ?? own;
        const opened = openEnvelope({
          bytes: record.value,
          recipientCountry: own.country,
          recipientKey: mine.key,
          recipientCertPem: mine.certPem,
          trust: this.trust.envelopeTrust(),
          replay: NO_MEMORY_REPLAY_GUARD,
          now: Date.now(),
          maxAgeMs: this.opts.maxAgeMs,
        });
        if (record.topic !== this.trust.incomingTopic(opened.header.sender)) {
          return {
            record,
            header: opened.header,
            rejection: new Rejection(
              'TOPIC_MISMATCH',
              `envelope from ${opened.header.sender} arrived on ${record.topic}`,
              true,
            ),
          };
        }
        return { record, header: opened.header, message: opened.message, sha: opened.envelopeSha256 };
      } catch (err) {
        const code = err instanceof EnvelopeError ? err.code : 'MALFORMED';
        return {
          record,
          rejection: new Rejection(code, err instanceof Error ? err.message : String(err), false),
        };
      }
    });
    const received: MessageKind[] = [];
    const rejected: Rejection[] = [];
    // A database failure throws out of here: the offsets are not committed and Kafka redelivers the batch.
    await this.ds.transaction(async (em) => {
      for (const item of items) {
        if ('rejection' in item) {
          await this.quarantineIn(em, item.record, item.rejection, item.header);
          rejected.push(item.rejection);
          continue;
        }
        await em.query('savepoint envelope');
        try {
          if (await this.acceptIn(em, item.record, item.header, item.message, item.sha)) {
            received.push(item.header.kind);
          }
          await em.query('release savepoint envelope');
        } catch (err) {
          if (!(err instanceof Rejection)) {
            throw err;
          }
          await em.query('rollback to savepoint envelope');
          await this.quarantineIn(em, item.record, err, item.header);
          rejected.push(err);
        }
      }
    });
    for (const kind of received) {
      this.metrics.received.inc({ kind: enumName(MessageKind, kind) });
    }
    for (const r of rejected) {
      this.metrics.rejected.inc({ reason: r.code });
    }
    // Receipts (and negative receipts) were queued in the same transaction.
    this.relay.wake();
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
  ): Promise<boolean> {
    const sender = header.sender;
    const kind = header.kind;
    {
      const fresh = await em.query<unknown[]>(
        `insert into seen_messages (sender, message_id, kind) values ($1, $2, $3) on conflict do nothing returning message_id`,
        [sender, header.messageId, enumName(MessageKind, kind)],
      );
      if (fresh.length === 0) {
        // Already processed (a redelivery, or the sender's retry after a crash): send the receipt again, nothing else.
        if (kind !== MessageKind.RECEIPT) {
          await this.queueReceipt(em, header, record.value, ReceiptStatus.ACCEPTED, '');
        }
        return false;
      }
      const body = message.body;
      switch (body.case) {
        case 'alert':
        case 'update': {
          const alert = body.case === 'alert' ? body.value : body.value.alert;
          if (!alert) {
            throw new Rejection('MALFORMED', 'update without the new alert', true);
          }
          this.checkAlertHeader(header, alert);
          const agreement = this.trust.agreementWith(sender);
          const decision = evaluateReceive({
            alert,
            from: sender,
            to: this.trust.own.country,
            agreement,
            now: Date.now(),
            redactedFields: message.redactedFields,
          });
          if (!decision.allowed) {
            throw new Rejection(decision.reason, decision.rule, true);
          }
          const kept = decision.alert;
          const retainUntil = containsPersonalData(kept)
            ? new Date(retentionDeadline({ receivedAtMs: Date.now(), terms: decision.terms }))
            : null;
          const bytes = Buffer.from(toBinary(AlertSchema, kept));
          const rows = await em.query<{ seq: string }[]>(
            `insert into inbox (message_id, sender, alert_id, thread_id, kind, category, classification, priority, title, body, redacted_fields,
                                agreement_id, envelope_sha256, retain_until, doc_number)
             values ($1, $2, $3, $4, 'ALERT', $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
             on conflict (sender, alert_id) where kind = 'ALERT'
             do update set body = excluded.body, title = excluded.title, priority = excluded.priority, category = excluded.category,
                           classification = excluded.classification, redacted_fields = excluded.redacted_fields,
                           retain_until = excluded.retain_until, doc_number = excluded.doc_number,
                           version = inbox.version + 1, state = 'ACTIVE'
             where inbox.state <> 'WITHDRAWN'
             returning seq`,
            [
              header.messageId,
              sender,
              kept.id,
              kept.threadId || null,
              enumName(Category, kept.category),
              enumName(Classification, kept.classification),
              enumName(Priority, kept.priority),
              kept.title,
              bytes,
              decision.redactedFields,
              header.agreementId,
              Buffer.from(sha),
              retainUntil,
              kept.payload.case === 'document' ? normaliseDocNumber(kept.payload.value.number) : null,
            ],
          );
          if (rows.length === 0) {
            throw new Rejection('ALERT_WITHDRAWN', `update of withdrawn alert ${kept.id}`, true);
          }
          await this.feed(em, Number(rows[0].seq), body.case === 'alert' ? 'ALERT' : 'UPDATED');
          await this.audit.append(em, [
            {
              event: AuditEvent.RECEIVED,
              peer: sender,
              messageId: header.messageId,
              envelopeSha256: sha,
              category: kept.category,
              alertId: kept.id,
              agreementId: header.agreementId,
              reasonCode: enumName(MessageKind, kind),
            },
          ]);
          break;
        }
        case 'withdrawal': {
          const rows = updatedRows<{ seq: string }>(
            await em.query(
              `update inbox set state = 'WITHDRAWN', body = null, title = null, doc_number = null where sender = $1 and alert_id = $2 and kind = 'ALERT' returning seq`,
              [sender, body.value.alertId],
            ),
          );
          if (rows[0]) {
            await this.feed(em, Number(rows[0].seq), 'WITHDRAWN');
          }
          await this.audit.append(em, [
            {
              event: AuditEvent.WITHDRAWN,
              peer: sender,
              messageId: header.messageId,
              envelopeSha256: sha,
              alertId: body.value.alertId,
              category: header.category,
            },
          ]);
          break;
        }
        case 'reply': {
          const r = body.value;
          const rows = await em.query<{ seq: string }[]>(
            `insert into inbox (message_id, sender, alert_id, thread_id, kind, category, classification, priority, title, body, agreement_id, envelope_sha256)
             values ($1, $2, $3, $4, 'REPLY', $5, $6, 'ROUTINE', $7, $8, $9, $10) returning seq`,
            [
              header.messageId,
              sender,
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
          await this.feed(em, Number(rows[0].seq), 'REPLY');
          await this.audit.append(em, [
            {
              event: AuditEvent.REPLIED,
              peer: sender,
              messageId: header.messageId,
              envelopeSha256: sha,
              alertId: r.alertId,
              officerId: r.officerId,
              category: header.category,
            },
          ]);
          break;
        }
        case 'acknowledgement': {
          const a = body.value;
          await em.query(
            `update outbox set acknowledged_by = $3, acknowledged_at = to_timestamp($4 / 1000.0)
             where alert_id = $1 and recipient = $2 and kind in ('ALERT', 'UPDATE') and acknowledged_at is null`,
            [a.alertId, sender, `${sender}/${a.officerId}`, Number(a.acknowledgedAtMs)],
          );
          await this.audit.append(em, [
            {
              event: AuditEvent.ACKNOWLEDGED,
              peer: sender,
              messageId: header.messageId,
              envelopeSha256: sha,
              alertId: a.alertId,
              officerId: a.officerId,
              category: header.category,
            },
          ]);
          break;
        }
        case 'receipt': {
          await this.applyReceipt(em, sender, header, body.value.messageId, body.value, sha);
          break;
        }
        case undefined:
          throw new Rejection('MALFORMED', 'empty message', true);
      }
      if (body.case !== 'receipt') {
        await this.queueReceipt(em, header, record.value, ReceiptStatus.ACCEPTED, '');
      }
    }
    return true;
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

  /** A desk feed entry; pg_notify is transactional, so every gateway instance hears of it only after commit. */
  private async feed(em: EntityManager, inboxSeq: number, event: string): Promise<number> {
    // The log lock (re-entrant in this transaction) makes desk sequence order equal commit order: no gaps seen live.
    await em.query('select pg_advisory_xact_lock($1)', [LOG_LOCK]);
    const [{ seq }] = await em.query<{ seq: string }[]>(
      'insert into desk_feed (inbox_seq, event) values ($1, $2) returning seq',
      [inboxSeq, event],
    );
    await em.query('select pg_notify($1, $2)', [DESK_CHANNEL, seq]);
    return Number(seq);
  }

  private async applyReceipt(
    em: EntityManager,
    sender: string,
    header: EnvelopeHeader,
    messageId: string,
    receipt: { envelopeSha256: Uint8Array; status: ReceiptStatus; reasonCode: string },
    sha: Uint8Array,
  ): Promise<void> {
    const rows = await em.query<{ id: string; queued_at: Date }[]>(
      `select id, queued_at from outbox where message_id = $1 and recipient = $2 and $3::bytea = any(sent_sha256s)`,
      [messageId, sender, Buffer.from(receipt.envelopeSha256)],
    );
    const row = rows[0];
    if (!row) {
      throw new Rejection(
        'RECEIPT_MISMATCH',
        `receipt for ${messageId} does not name an envelope we sent to ${sender}`,
        true,
      );
    }
    const accepted = receipt.status === ReceiptStatus.ACCEPTED;
    await em.query(
      `update outbox set status = $2, delivered_at = case when $2 = 'DELIVERED' then now() else delivered_at end,
              receipt_status = $3, receipt_reason = $4
       where id = $1 and status in ('SENT', 'QUEUED', 'UNCONFIRMED')`,
      [
        row.id,
        accepted ? 'DELIVERED' : 'REJECTED',
        enumName(ReceiptStatus, receipt.status),
        receipt.reasonCode || null,
      ],
    );
    await this.audit.append(em, [
      {
        event: AuditEvent.RECEIPT,
        peer: sender,
        messageId,
        envelopeSha256: sha,
        reasonCode: accepted ? 'ACCEPTED' : receipt.reasonCode,
        category: header.category,
      },
    ]);
    this.metrics.receiptLatency.observe((Date.now() - row.queued_at.getTime()) / 1000);
  }

  private async queueReceipt(
    em: EntityManager,
    header: EnvelopeHeader,
    bytes: Uint8Array,
    status: ReceiptStatus.ACCEPTED | ReceiptStatus.REJECTED,
    reason: string,
  ): Promise<void> {
    await enqueue(em, {
      messageId: uuidv7(),
      kind: MessageKind.RECEIPT,
      recipient: header.sender,
      agreementId: header.agreementId,
      category: header.category,
      classification: header.classification,
      threadId: header.threadId || undefined,
      message: createReceiptMessage({
        messageId: header.messageId,
        receivedEnvelopeBytes: bytes,
        status,
        reasonCode: reason,
        receivedAtMs: Date.now(),
      }),
    });
  }

  /** Rejected: quarantine row + REJECTED leaf, and a negative receipt when the sender is authenticated. */
  /** Rejected: quarantine row + REJECTED leaf, and a negative receipt when the sender is authenticated. */
  private async quarantineIn(
    em: EntityManager,
    record: BusRecord,
    rejection: Rejection,
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
    {
      await em.query(
        `insert into quarantine (topic, partition, "offset", claimed_sender, message_id, reason_code, detail, envelope, envelope_sha256)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
        [
          record.topic,
          record.partition,
          record.offset,
          claimed?.sender ?? null,
          claimed?.messageId ?? null,
          rejection.code,
          rejection.message.slice(0, 500),
          record.value,
          Buffer.from(sha),
        ],
      );
      await this.audit.append(em, [
        {
          event: AuditEvent.REJECTED,
          peer: claimed?.sender,
          messageId: claimed?.messageId,
          envelopeSha256: sha,
          reasonCode: rejection.code,
          category: claimed?.category ?? Category.UNSPECIFIED,
        },
      ]);
      if (rejection.authenticated && header && header.kind !== MessageKind.RECEIPT) {
        await this.queueReceipt(em, header, record.value, ReceiptStatus.REJECTED, rejection.code);
      }
    }
    this.logger.warn(
      {
        topic: record.topic,
        offset: record.offset,
        claimedSender: claimed?.sender,
        messageId: claimed?.messageId,
        reason: rejection.code,
      },
      'inbound envelope quarantined',
    );
  }
}
