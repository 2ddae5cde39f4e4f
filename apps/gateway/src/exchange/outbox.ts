// Transactional outbox: rows are written in the same transaction as the business change; the relay seals
// each one for its recipient and produces it to Kafka (idempotent producer, acks=all), retrying with backoff.
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
import { sealEnvelope } from '@corridor/envelope';
import { AgreementState } from '@corridor/contracts';
import { KafkaClient, updatedRows } from '@corridor/platform';
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

export async function enqueue(em: EntityManager, e: OutboxEntry): Promise<void> {
  await em.query(
    `insert into outbox (message_id, alert_id, kind, recipient, agreement_id, category, classification, thread_id, message, redacted_fields, status)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'QUEUED')`,
    [
      e.messageId,
      e.alertId ?? null,
      enumName(MessageKind, e.kind),
      e.recipient,
      e.agreementId ?? null,
      enumName(Category, e.category),
      enumName(Classification, e.classification),
      e.threadId ?? null,
      Buffer.from(toBinary(ExchangeMessageSchema, e.message)),
      e.redactedFields ?? [],
    ],
  );
}

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
const BATCH = 64;

export class OutboxRelay {
  private timer?: NodeJS.Timeout;
  private running = false;
  /** not started = stopped: an API-only instance never relays, wake() included */
  private stopped = true;
  private again = false;
  private inFlight?: Promise<void>;

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

  /** Called after a commit that queued rows: no need to wait for the next poll. */
  wake(): void {
    if (this.running) {
      this.again = true;
    } else {
      this.schedule(0);
    }
  }

  private schedule(ms: number): void {
    if (this.stopped) {
      return;
    }
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.inFlight = this.tick();
    }, ms);
  }

  private async tick(): Promise<void> {
    this.running = true;
    let busy = false;
    try {
      busy = (await this.drainOnce()) === BATCH;
    } catch (err) {
      this.logger.error({ err: (err as Error).message }, 'outbox relay pass failed; will retry');
    } finally {
      this.running = false;
    }
    const again = busy || this.again;
    this.again = false;
    this.schedule(again ? 0 : this.opts.pollMs);
  }

  /** Waits for the pass in progress, then stops polling (graceful shutdown). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.inFlight;
  }

  /** One pass: claim due rows (skip-locked, leased), seal, produce per topic, mark. Returns rows claimed. */
  async drainOnce(): Promise<number> {
    // The claim (lease and attempt count) may be lost in a crash without harm: the row is simply due again.
    const rows = await this.ds.transaction(async (em) => {
      await em.query('set local synchronous_commit = off');
      return updatedRows<ClaimedRow>(
        await em.query(
          `update outbox set attempts = attempts + 1, next_attempt_at = now() + ($2 || ' milliseconds')::interval
       where id in (select id from outbox where status = 'QUEUED' and next_attempt_at <= now() order by id limit $1 for update skip locked)
       returning id, message_id, alert_id, kind, recipient, agreement_id, category, classification, thread_id, message, attempts`,
          [BATCH, LEASE_MS],
        ),
      );
    });
    if (rows.length === 0) {
      return 0;
    }
    const byTopic = new Map<string, { row: ClaimedRow; bytes: Uint8Array; sha: Uint8Array }[]>();
    for (const row of rows.sort((a, b) => Number(a.id) - Number(b.id))) {
      const sealed = this.seal(row);
      if ('error' in sealed) {
        await this.fail(row, sealed.error, sealed.final);
        continue;
      }
      const topic = this.trust.outgoingTopic(row.recipient);
      const list = byTopic.get(topic) ?? [];
      list.push({ row, bytes: sealed.bytes, sha: sealed.sha });
      byTopic.set(topic, list);
    }
    for (const [topic, items] of byTopic) {
      // Remember each envelope's hash before it leaves: a fast partner's receipt may arrive before SENT is written,
      // and after a retry a receipt may name an earlier attempt's exact bytes.
      // Asynchronous commit is safe for this bookkeeping: if a crash loses it, the row is still QUEUED, is sealed
      // and sent again, and the partner's message-id dedupe answers with a receipt for the new bytes.
      await this.ds.transaction(async (em) => {
        await em.query('set local synchronous_commit = off');
        await em.query(
          `update outbox o set envelope_sha256 = v.sha, sent_sha256s = array_append(o.sent_sha256s, v.sha)
           from unnest($1::bigint[], $2::bytea[]) as v(id, sha) where o.id = v.id`,
          [items.map((i) => i.row.id), items.map((i) => Buffer.from(i.sha))],
        );
      });
      try {
        await this.kafka.send(
          topic,
          items.map((i) => ({ key: i.row.thread_id ?? i.row.alert_id ?? i.row.message_id, value: i.bytes })),
        );
      } catch (err) {
        for (const i of items) {
          await this.fail(i.row, `KAFKA: ${(err as Error).message}`, false);
        }
        continue;
      }
      await this.ds.transaction(async (em) => {
        await em.query('set local synchronous_commit = off'); // same reasoning: a lost SENT mark means a resend
        await em.query(
          `update outbox o set status = case when o.status = 'QUEUED' then 'SENT' else o.status end,
                  sent_at = coalesce(o.sent_at, now()), last_error = null
           from unnest($1::bigint[]) as v(id) where o.id = v.id`,
          [items.map((i) => i.row.id)],
        );
        await this.audit.append(
          em,
          items.map((i) => ({
            event: AuditEvent.SENT,
            peer: i.row.recipient,
            messageId: i.row.message_id,
            envelopeSha256: i.sha,
            category: enumValue(Category, i.row.category) ?? Category.UNSPECIFIED,
            alertId: i.row.alert_id ?? undefined,
            agreementId: i.row.agreement_id ?? undefined,
            reasonCode: i.row.kind,
          })),
        );
      });
      for (const i of items) {
        this.metrics.sent.inc({ kind: i.row.kind });
      }
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
   * metrics; a late receipt still turns it DELIVERED.
   */
  async flagOverdue(receiptTimeoutMs: number): Promise<number> {
    const rows = updatedRows<{ message_id: string; recipient: string }>(
      await this.ds.query(
        `update outbox set status = 'UNCONFIRMED', last_error = 'no receipt within ' || $1 || ' ms'
         where status = 'SENT' and sent_at < now() - ($1 || ' milliseconds')::interval returning message_id, recipient`,
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

  private seal(row: ClaimedRow): { bytes: Uint8Array; sha: Uint8Array } | { error: string; final: boolean } {
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
      const sealed = sealEnvelope({
        header: {
          sender: this.trust.own.country,
          recipient: row.recipient,
          messageId: row.message_id,
          createdAtMs: Date.now(),
          agreementId: agreement.id,
          kind: enumValue(MessageKind, row.kind) ?? MessageKind.UNSPECIFIED,
          category: enumValue(Category, row.category) ?? Category.UNSPECIFIED,
          classification: enumValue(Classification, row.classification) ?? Classification.UNSPECIFIED,
          threadId: row.thread_id ?? '',
        },
        message: fromBinary(ExchangeMessageSchema, row.message),
        senderKey: this.trust.own.key,
        senderCertPem: this.trust.own.certPem,
        recipientCertPem,
      });
      return { bytes: sealed.bytes, sha: sealed.envelopeSha256 };
    } catch (err) {
      return { error: `SEAL_FAILED: ${(err as Error).message}`, final: true };
    }
  }

  private async fail(row: ClaimedRow, error: string, final: boolean): Promise<void> {
    const giveUp = final || row.attempts >= this.opts.maxAttempts;
    if (!giveUp) {
      const backoff = Math.min(30_000, 250 * 2 ** (row.attempts - 1));
      await this.ds.query(
        `update outbox set last_error = $2, next_attempt_at = now() + ($3 || ' milliseconds')::interval where id = $1`,
        [row.id, error, backoff],
      );
      this.logger.warn(
        { messageId: row.message_id, recipient: row.recipient, attempts: row.attempts, error },
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
          messageId: row.message_id,
          alertId: row.alert_id ?? undefined,
          reasonCode: error.split(':')[0],
          category: enumValue(Category, row.category) ?? Category.UNSPECIFIED,
        },
      ]);
    });
    this.metrics.failed.inc();
    this.logger.error(
      { messageId: row.message_id, recipient: row.recipient, attempts: row.attempts, error },
      'undeliverable: marked FAILED',
    );
  }
}

export function newExchangeMessage(
  init: Parameters<typeof create<typeof ExchangeMessageSchema>>[1],
): ExchangeMessage {
  return create(ExchangeMessageSchema, init);
}
