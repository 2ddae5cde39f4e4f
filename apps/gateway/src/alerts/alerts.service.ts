// Publishing for agencies: validate, decide per recipient with the agreement policy, and commit the alert,
// its outbox rows and its log entries in one transaction before answering 202.
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import {
  Alert,
  AlertSchema,
  AlertUpdateSchema,
  AuditEvent,
  create,
  fromBinary,
  MessageKind,
  toBinary,
  WithdrawalSchema,
} from '@corridor/contracts';
import { Principal } from '@corridor/identity';
import { evaluateSend, PolicyDecision } from '@corridor/policy';
import { problem, ProblemException } from '@corridor/platform';
import { AuditLog, LeafInput } from '../audit/audit.log';
import { newExchangeMessage, OutboxEntry, OutboxPort, Pending, RefusedEntry } from '../exchange/outbox';
import { DeliveryFilter, OutboxRepository } from '../exchange/outbox.repository';
import { GatewayMetrics } from '../health/metrics';
import { TrustStore } from '../trust/trust.store';
import {
  PublishAlertDto,
  UpdateAlertDto,
  type BatchItemResult,
  type BatchPublishResult,
  type Delivery,
  type PreviewResult,
  type PublishResult,
  type RecipientPreview,
  type RecipientStatus,
} from '@corridor/gateway-api';
import { alertFromDto, alertMeta, alertToJson } from './alert.mapper';
import type { Admission } from './admission';
import { AlertRow, AlertsRepository } from './alerts.repository';
import type { BatchItem } from './batch-body';

/** One alert validated and decided, its outbox rows and leaves laid out, not yet written. */
interface Draft {
  id: string;
  threadId: string;
  alert: Alert;
  dto: PublishAlertDto;
  statuses: RecipientStatus[];
  /** every recipient refused: nothing to queue */
  allRefused: boolean;
  entries: OutboxEntry[];
  refusedEntries: RefusedEntry[];
  queuedLeaves: LeafInput[];
  refusedLeaves: LeafInput[];
}

export class AlertsService {
  constructor(
    private readonly ds: DataSource,
    private readonly repos: { alerts: AlertsRepository; outbox: OutboxRepository },
    private readonly trust: TrustStore,
    private readonly audit: AuditLog,
    private readonly relay: OutboxPort,
    private readonly metrics: GatewayMetrics,
    private readonly logger: Logger,
    /** backpressure: none in unit specs that do not test it */
    private readonly admission?: Admission,
  ) {}

  private resolveRecipients(dto: PublishAlertDto): string[] {
    const own = this.trust.own.country;
    if (!dto.recipients) {
      const all = this.trust.partners();
      if (all.length === 0) {
        throw problem(422, 'NO_RECIPIENTS', 'this gateway has no active agreement with any partner yet', {
          field: 'recipients',
        });
      }
      return all;
    }
    if (dto.recipients.length === 0) {
      throw problem(
        422,
        'NO_RECIPIENTS',
        'recipients is empty: name partner countries or omit it for all partners',
        { field: 'recipients' },
      );
    }
    dto.recipients.forEach((r, i) => {
      if (r === own) {
        throw problem(422, 'RECIPIENT_IS_SELF', `recipients[${i}] is this gateway's own country`, {
          field: `recipients[${i}]`,
        });
      }
      if (!this.trust.agreementWith(r)) {
        throw problem(
          422,
          'UNKNOWN_RECIPIENT',
          `recipients[${i}]: ${r} is not a partner of ${own} (no agreement)`,
          { field: `recipients[${i}]` },
        );
      }
    });
    return [...new Set(dto.recipients)];
  }

  private decide(
    alert: Alert,
    recipients: string[],
  ): { country: string; decision: PolicyDecision; agreementId?: string }[] {
    const now = Date.now();
    return recipients.map((country) => {
      const agreement = this.trust.agreementWith(country);
      return {
        country,
        agreementId: agreement?.id,
        decision: evaluateSend({ alert, from: this.trust.own.country, to: country, agreement, now }),
      };
    });
  }

  private countRefusals(d: Draft): void {
    for (const r of d.refusedEntries) {
      this.metrics.refused.inc({ reason: r.reason });
    }
  }

  /**
   * What each recipient would receive, by the same validation, recipient resolution, policy and redaction as a
   * publish (draft), or why its agreement refuses it. Nothing is written, queued, logged or sent.
   */
  preview(dto: PublishAlertDto, principal: Principal): PreviewResult {
    const d = this.draft(dto, principal);
    const allowed = new Map(d.entries.map((e) => [e.recipient, e]));
    return {
      recipients: d.statuses.map((s): RecipientPreview => {
        const entry = allowed.get(s.country);
        const body = entry?.message.body;
        if (s.status === 'QUEUED' && body?.case === 'alert') {
          return {
            country: s.country,
            status: 'ALLOWED',
            redactedFields: s.redactedFields ?? [],
            alert: { ...alertToJson(body.value), ...alertMeta(body.value) },
          };
        }
        return {
          country: s.country,
          status: 'REFUSED',
          reason: s.reason ?? 'REFUSED',
          rule: s.rule,
          ruleKey: s.ruleKey,
          ruleValues: s.ruleValues,
        };
      }),
    };
  }

  /**
   * One alert made ready to commit: validated (payload, MRZ, recipients: a ProblemException names the field), decided
   * per recipient, its outbox rows and its log leaves laid out. Nothing is written.
   */
  private draft(dto: PublishAlertDto, principal: Principal): Draft {
    const id = uuidv7();
    const threadId = dto.threadId ?? id;
    const alert = alertFromDto({
      dto,
      id,
      threadId,
      country: this.trust.own.country,
      agency: principal.agency ?? principal.sub,
      nowMs: Date.now(),
    });
    const recipients = this.resolveRecipients(dto);
    const decisions = this.decide(alert, recipients);
    const statuses = decisions.map(recipientStatus);
    const refusedLeaves: LeafInput[] = [];
    const queuedLeaves: LeafInput[] = [];
    const entries: OutboxEntry[] = [];
    const refusedEntries: RefusedEntry[] = [];
    for (const { country, agreementId, decision } of decisions) {
      // One outbox row per recipient, the same labels for all of them.
      const row = {
        messageId: uuidv7(),
        alertId: id,
        kind: MessageKind.ALERT,
        recipient: country,
        agreementId,
        category: alert.category,
        classification: alert.classification,
        threadId,
      };
      if (decision.allowed) {
        entries.push({
          ...row,
          message: newExchangeMessage({
            body: { case: 'alert', value: decision.alert },
            redactedFields: decision.redactedFields,
          }),
          redactedFields: decision.redactedFields,
        });
        queuedLeaves.push({
          event: AuditEvent.QUEUED,
          peer: country,
          alertId: id,
          category: alert.category,
          agreementId,
        });
      } else {
        refusedEntries.push({ ...row, reason: decision.reason, rule: decision.rule });
        refusedLeaves.push({
          event: AuditEvent.REFUSED,
          peer: country,
          alertId: id,
          category: alert.category,
          reasonCode: decision.reason,
          agreementId,
        });
      }
    }
    return {
      id,
      threadId,
      alert,
      dto,
      statuses,
      allRefused: entries.length === 0,
      entries,
      refusedEntries,
      queuedLeaves,
      refusedLeaves,
    };
  }

  async publish(opts: {
    dto: PublishAlertDto;
    principal: Principal;
    idempotencyKey?: string;
    /** retries after a deadlock so far */
    retries?: number;
  }): Promise<PublishResult> {
    const leave = this.admission?.enter(1);
    try {
      return await this.publishAdmitted(opts);
    } finally {
      leave?.();
    }
  }

  private async publishAdmitted(opts: {
    dto: PublishAlertDto;
    principal: Principal;
    idempotencyKey?: string;
    retries?: number;
  }): Promise<PublishResult> {
    const { dto, principal } = opts;
    // Kept only with an Idempotency-Key: the hash and the answer serve nothing else.
    const requestHash = opts.idempotencyKey
      ? createHash('sha256').update(JSON.stringify(dto)).digest('hex')
      : null;
    if (opts.idempotencyKey) {
      const prior = await this.repos.alerts.priorResponse<PublishResult>(
        this.ds,
        principal.sub,
        opts.idempotencyKey,
      );
      if (prior) {
        if (prior.requestHash !== requestHash) {
          throw problem(
            422,
            'IDEMPOTENCY_KEY_REUSED',
            'this Idempotency-Key was used for a different request',
            { field: 'Idempotency-Key' },
          );
        }
        return prior.response;
      }
    }
    const d = this.draft(dto, principal);
    this.countRefusals(d);
    if (d.allRefused) {
      await this.audit.record(d.refusedLeaves);
      this.logger.warn(
        { alertId: d.id, refusals: d.statuses.map((s) => `${s.country}:${s.reason}`) },
        'publication refused by policy',
      );
      const first = d.statuses[0];
      throw problem(403, first.reason ?? 'POLICY_DENIED', first.rule ?? 'refused by the agreement', {
        rule: first.rule,
        field: 'recipients',
        errors: d.statuses.map((s) => ({ field: `recipient ${s.country}`, message: s.rule ?? '' })),
      });
    }
    const { id, threadId, alert } = d;
    const result: PublishResult = { id, threadId, recipients: d.statuses };
    // Sealed here (on a relaying instance) before anything is written, so the transaction stays short.
    const outbox = await this.relay.prepare(d.entries, d.refusedEntries);
    const leaves = this.audit.leafParameters([...d.queuedLeaves, ...d.refusedLeaves]);
    let pending: Pending[];
    try {
      const queued = await this.repos.alerts.publish(this.ds, {
        alert: {
          id,
          threadId,
          category: dto.category,
          priority: dto.priority,
          classification: dto.classification,
          handling: dto.handling,
          title: dto.title,
          alert: Buffer.from(toBinary(AlertSchema, alert)),
          publisher: principal.sub,
          idempotencyKey: opts.idempotencyKey ?? null,
          requestHash,
          response: opts.idempotencyKey ? result : null,
        },
        outbox,
        leaves,
      });
      pending = outbox.pending(queued);
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === '23505' && opts.idempotencyKey) {
        // A concurrent request with the same key won the race: answer with its result.
        return this.publishAdmitted(opts);
      }
      if ((code === '40P01' || code === '40001') && (opts.retries ?? 0) < 3) {
        // Deadlock or serialization failure: nothing was written; the same request again.
        return this.publishAdmitted({ ...opts, retries: (opts.retries ?? 0) + 1 });
      }
      throw err;
    }
    this.metrics.published.inc({ category: dto.category });
    this.relay.submit(pending);
    this.logger.info(
      {
        alertId: id,
        category: dto.category,
        priority: dto.priority,
        recipients: d.statuses.map((s) => `${s.country}:${s.status}`),
      },
      'alert accepted',
    );
    return result;
  }

  /**
   * Many alerts in one request: each validated and decided on its own (an invalid or refused one fails alone, by
   * index), the accepted ones sealed together and committed in one statement, then produced together. With an
   * Idempotency-Key, each alert is kept under `<key>#<index>`: a repeat answers the alerts already accepted with
   * their first answer and never queues them twice.
   */
  async publishBatch(opts: {
    items: BatchItem[];
    principal: Principal;
    idempotencyKey?: string;
    retries?: number;
  }): Promise<BatchPublishResult> {
    const leave = this.admission?.enter(opts.items.length);
    try {
      return await this.publishBatchAdmitted(opts);
    } finally {
      leave?.();
    }
  }

  private async publishBatchAdmitted(opts: {
    items: BatchItem[];
    principal: Principal;
    idempotencyKey?: string;
    retries?: number;
  }): Promise<BatchPublishResult> {
    const { items, principal } = opts;
    const key = (index: number): string | null =>
      opts.idempotencyKey ? `${opts.idempotencyKey}#${index}` : null;
    const requestHash = opts.idempotencyKey
      ? createHash('sha256')
          .update(JSON.stringify(items.map((i) => ('dto' in i ? i.dto : i.invalid))))
          .digest('hex')
      : null;
    const prior = opts.idempotencyKey
      ? await this.repos.alerts.priorResponses<BatchItemResult>(
          this.ds,
          principal.sub,
          items.map((i) => key(i.index)!),
        )
      : new Map<string, { requestHash: string; response: BatchItemResult }>();
    const results: BatchItemResult[] = [];
    const drafts: { d: Draft; index: number; result: BatchItemResult }[] = [];
    const refusedLeaves: LeafInput[] = [];
    for (const item of items) {
      const earlier = prior.get(key(item.index) ?? '');
      if (earlier) {
        if (earlier.requestHash !== requestHash) {
          throw problem(
            422,
            'IDEMPOTENCY_KEY_REUSED',
            'this Idempotency-Key was used for a different batch',
            { field: 'Idempotency-Key' },
          );
        }
        results.push(earlier.response);
        continue;
      }
      if ('invalid' in item) {
        results.push({ status: 'INVALID', ...item.invalid });
        continue;
      }
      let d: Draft;
      try {
        d = this.draft(item.dto, principal);
        this.countRefusals(d);
      } catch (err) {
        if (!(err instanceof ProblemException)) {
          throw err;
        }
        const p = err.problem;
        results.push({
          index: item.index,
          status: 'INVALID',
          code: p.code ?? 'VALIDATION_FAILED',
          field: p.field ?? '',
          detail: p.detail ?? p.title,
        });
        continue;
      }
      refusedLeaves.push(...d.refusedLeaves);
      if (d.allRefused) {
        results.push({ index: item.index, status: 'REFUSED', recipients: d.statuses });
        continue;
      }
      const accepted: BatchItemResult = {
        index: item.index,
        status: 'ACCEPTED',
        id: d.id,
        threadId: d.threadId,
        recipients: d.statuses,
      };
      results.push(accepted);
      drafts.push({ d, index: item.index, result: accepted });
    }
    if (drafts.length === 0) {
      await this.audit.record(refusedLeaves);
      return summarise(results);
    }
    // Every alert's rows sealed side by side, before anything is written (the transaction stays short).
    const outbox = await this.relay.prepare(
      drafts.flatMap(({ d }) => d.entries),
      drafts.flatMap(({ d }) => d.refusedEntries),
    );
    const leaves = this.audit.leafParameters([
      ...drafts.flatMap(({ d }) => d.queuedLeaves),
      ...refusedLeaves,
    ]);
    const rows: Omit<AlertRow, 'publisher'>[] = drafts.map(({ d, index, result }) => {
      return {
        id: d.id,
        threadId: d.threadId,
        category: d.dto.category,
        priority: d.dto.priority,
        classification: d.dto.classification,
        handling: d.dto.handling,
        title: d.dto.title,
        alert: Buffer.from(toBinary(AlertSchema, d.alert)),
        idempotencyKey: key(index),
        requestHash,
        response: opts.idempotencyKey ? result : null,
      };
    });
    let pending: Pending[];
    try {
      const queued = await this.repos.alerts.publishMany(this.ds, {
        publisher: principal.sub,
        alerts: rows,
        outbox,
        leaves,
      });
      pending = outbox.pending(queued);
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === '23505' && opts.idempotencyKey && (opts.retries ?? 0) < 3) {
        // A concurrent request with the same key won the race: answer with its results.
        return this.publishBatchAdmitted({ ...opts, retries: (opts.retries ?? 0) + 1 });
      }
      if ((code === '40P01' || code === '40001') && (opts.retries ?? 0) < 3) {
        return this.publishBatchAdmitted({ ...opts, retries: (opts.retries ?? 0) + 1 });
      }
      throw err;
    }
    for (const { d } of drafts) {
      this.metrics.published.inc({ category: d.dto.category });
    }
    this.relay.submit(pending);
    const summary = summarise(results);
    this.logger.info(
      { accepted: summary.accepted, refused: summary.refused, invalid: summary.invalid },
      'alert batch accepted',
    );
    return summary;
  }

  private async loadOwn(id: string): Promise<{ alert: Alert; state: string; publisher: string }> {
    const row = await this.repos.alerts.own(this.ds, id);
    if (!row) {
      throw problem(404, 'ALERT_NOT_FOUND', `no alert ${id} published by this gateway`, { field: 'id' });
    }
    return {
      alert: fromBinary(AlertSchema, row.alert),
      state: row.state,
      publisher: row.publisher,
    };
  }

  private async activeRecipients(id: string): Promise<{ recipient: string; agreement_id: string | null }[]> {
    return this.repos.outbox.activeRecipients(this.ds, id);
  }

  /** A new version goes to every recipient that had the alert, each checked against its agreement again. */
  async update(opts: { id: string; dto: UpdateAlertDto; principal: Principal }): Promise<PublishResult> {
    const current = await this.loadOwn(opts.id);
    if (current.state === 'WITHDRAWN') {
      throw problem(409, 'ALERT_WITHDRAWN', `alert ${opts.id} was withdrawn and cannot be updated`, {
        field: 'id',
      });
    }
    const alert = alertFromDto({
      dto: opts.dto,
      id: opts.id,
      threadId: current.alert.threadId,
      country: this.trust.own.country,
      agency: opts.principal.agency ?? opts.principal.sub,
      nowMs: Date.now(),
    });
    if (alert.category !== current.alert.category) {
      throw problem(
        422,
        'CATEGORY_CHANGE',
        'an update keeps the category of the alert: publish a new alert instead',
        { field: 'category' },
      );
    }
    const recipients = (await this.activeRecipients(opts.id)).map((r) => r.recipient);
    const decisions = this.decide(alert, recipients);
    const statuses = decisions.map(recipientStatus);
    const pending: Pending[] = [];
    await this.ds.transaction(async (em) => {
      await this.repos.alerts.update(em, {
        id: opts.id,
        alert: Buffer.from(toBinary(AlertSchema, alert)),
        title: alert.title,
        priority: opts.dto.priority,
        classification: opts.dto.classification,
        handling: opts.dto.handling,
      });
      await this.repos.alerts.recordHistory(em, {
        alertId: opts.id,
        event: 'UPDATED',
        changedBy: opts.principal.sub,
        reason: opts.dto.reason,
      });
      for (const d of decisions) {
        if (d.decision.allowed) {
          const queued = await this.relay.enqueue(em, [
            {
              messageId: uuidv7(),
              alertId: opts.id,
              kind: MessageKind.UPDATE,
              recipient: d.country,
              agreementId: d.agreementId,
              category: alert.category,
              classification: alert.classification,
              threadId: alert.threadId,
              message: newExchangeMessage({
                body: {
                  case: 'update',
                  value: create(AlertUpdateSchema, {
                    alertId: opts.id,
                    alert: d.decision.alert,
                    reason: opts.dto.reason,
                  }),
                },
                redactedFields: d.decision.redactedFields,
              }),
              redactedFields: d.decision.redactedFields,
            },
          ]);
          pending.push(...queued);
        }
      }
      await this.audit.append(
        em,
        decisions.map((d) => ({
          event: d.decision.allowed ? AuditEvent.QUEUED : AuditEvent.REFUSED,
          peer: d.country,
          alertId: opts.id,
          category: alert.category,
          reasonCode: d.decision.allowed ? 'UPDATE' : d.decision.reason,
        })),
      );
    });
    this.relay.submit(pending);
    return { id: opts.id, threadId: alert.threadId, recipients: statuses };
  }

  /** Withdrawal reaches every recipient; their gateways delete the content and show the notice. */
  async withdraw(opts: { id: string; reason: string; principal: Principal }): Promise<PublishResult> {
    const current = await this.loadOwn(opts.id);
    if (current.state === 'WITHDRAWN') {
      throw problem(409, 'ALERT_WITHDRAWN', `alert ${opts.id} is already withdrawn`, { field: 'id' });
    }
    const recipients = await this.activeRecipients(opts.id);
    const pending: Pending[] = [];
    await this.ds.transaction(async (em) => {
      await this.repos.alerts.markWithdrawn(em, opts.id);
      await this.repos.alerts.recordHistory(em, {
        alertId: opts.id,
        event: 'WITHDRAWN',
        changedBy: opts.principal.sub,
        reason: opts.reason,
      });
      for (const r of recipients) {
        const queued = await this.relay.enqueue(em, [
          {
            messageId: uuidv7(),
            alertId: opts.id,
            kind: MessageKind.WITHDRAWAL,
            recipient: r.recipient,
            agreementId: r.agreement_id ?? undefined,
            category: current.alert.category,
            classification: current.alert.classification,
            threadId: current.alert.threadId,
            message: newExchangeMessage({
              body: {
                case: 'withdrawal',
                value: create(WithdrawalSchema, { alertId: opts.id, reason: opts.reason }),
              },
            }),
          },
        ]);
        pending.push(...queued);
      }
      await this.audit.append(
        em,
        recipients.map((r) => ({
          event: AuditEvent.WITHDRAWN,
          peer: r.recipient,
          alertId: opts.id,
          category: current.alert.category,
          officerId: opts.principal.sub,
        })),
      );
    });
    this.relay.submit(pending);
    this.logger.info({ alertId: opts.id, recipients: recipients.length }, 'alert withdrawn');
    return {
      id: opts.id,
      threadId: current.alert.threadId,
      recipients: recipients.map((r) => ({ country: r.recipient, status: 'QUEUED' })),
    };
  }

  async get(id: string): Promise<{ alert: Record<string, unknown>; state: string; deliveries: Delivery[] }> {
    const own = await this.loadOwn(id);
    return {
      alert: { ...alertToJson(own.alert), ...alertMeta(own.alert) },
      state: own.state,
      deliveries: await this.deliveries({ alertId: id, limit: 500 }),
    };
  }

  /**
   * Refuses (404, as for an alert that does not exist) an alert this gateway published for another agency: a
   * publisher follows the delivery of its own agency's alerts only.
   */
  async requireOwnAgency(opts: { alertId: string; principal: Principal }): Promise<void> {
    const own = await this.loadOwn(opts.alertId);
    if (own.alert.originatorAgency !== (opts.principal.agency ?? opts.principal.sub)) {
      throw problem(404, 'ALERT_NOT_FOUND', `no alert ${opts.alertId} published by your agency`, {
        field: 'alertId',
      });
    }
  }

  /** The outbox: one row per recipient and message, with delivery, receipt and acknowledgement. */
  async deliveries(f: DeliveryFilter): Promise<Delivery[]> {
    const rows = await this.repos.outbox.deliveries(this.ds, f);
    return rows.map((r) => ({
      cursor: Number(r.id),
      alertId: r.alert_id,
      recipient: r.recipient,
      kind: r.kind,
      messageId: r.message_id,
      status: r.status,
      reason: r.refusal_reason ?? r.receipt_reason ?? (r.status === 'FAILED' ? r.last_error : null),
      queuedAt: r.queued_at.toISOString(),
      sentAt: r.sent_at?.toISOString() ?? null,
      deliveredAt: r.delivered_at?.toISOString() ?? null,
      acknowledgedBy: r.acknowledged_by,
      acknowledgedAt: r.acknowledged_at?.toISOString() ?? null,
      redactedFields: r.redacted_fields,
    }));
  }
}

/** What the publisher is told of one recipient: queued with what was withheld, or refused and by which rule. */
function recipientStatus({
  country,
  decision,
}: {
  country: string;
  decision: PolicyDecision;
}): RecipientStatus {
  return decision.allowed
    ? { country, status: 'QUEUED', redactedFields: decision.redactedFields }
    : {
        country,
        status: 'REFUSED',
        reason: decision.reason,
        rule: decision.rule,
        ruleKey: decision.ruleKey,
        ruleValues: decision.ruleValues,
      };
}

function summarise(results: BatchItemResult[]): BatchPublishResult {
  results.sort((a, b) => a.index - b.index);
  const count = (status: BatchItemResult['status']): number =>
    results.filter((r) => r.status === status).length;
  return { accepted: count('ACCEPTED'), refused: count('REFUSED'), invalid: count('INVALID'), results };
}
