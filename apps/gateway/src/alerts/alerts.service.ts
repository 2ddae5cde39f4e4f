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
import { queryPrepared, problem } from '@corridor/platform';
import { AuditLog } from '../audit/audit.log';
import {
  newExchangeMessage,
  OUTBOX_INSERT_PARAMS,
  OutboxRelay,
  outboxInsertSql,
  Pending,
} from '../exchange/outbox';
import { GatewayMetrics } from '../health/metrics';
import { TrustStore } from '../trust/trust.store';
import {
  PublishAlertDto,
  UpdateAlertDto,
  type Delivery,
  type PublishResult,
  type RecipientStatus,
} from '@corridor/gateway-api';
import { alertFromDto, alertMeta, alertToJson } from './alert.mapper';

/** The publish statement's parameters: 12 for the alert, then the outbox rows' arrays, then the log leaves' 4. */
const OUTBOX_FIRST = 13;
const LEAVES_FIRST = OUTBOX_FIRST + OUTBOX_INSERT_PARAMS;

/**
 * The alert, its outbox rows and its log leaves in one statement: one round trip, one (synchronous) commit. Built
 * once at load, not per request: the text is the same for every request.
 */
const PUBLISH_SQL = `with alert as (
           insert into alerts (id, thread_id, category, priority, classification, handling, title, alert, publisher,
                               idempotency_key, request_hash, response)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)),
         queued as (${outboxInsertSql(OUTBOX_FIRST)})
         select (select corridor_append_leaves($${LEAVES_FIRST}, $${LEAVES_FIRST + 1}, $${LEAVES_FIRST + 2}, $${LEAVES_FIRST + 3})) as first_leaf,
                coalesce((select json_agg(json_build_object('id', id::text, 'messageId', message_id::text)) from queued),
                         '[]'::json) as queued`;

export class AlertsService {
  constructor(
    private readonly ds: DataSource,
    private readonly trust: TrustStore,
    private readonly audit: AuditLog,
    private readonly relay: OutboxRelay,
    private readonly metrics: GatewayMetrics,
    private readonly logger: Logger,
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

  async publish(opts: {
    dto: PublishAlertDto;
    principal: Principal;
    idempotencyKey?: string;
  }): Promise<PublishResult> {
    const { dto, principal } = opts;
    // Kept only with an Idempotency-Key: the hash and the answer serve nothing else.
    const requestHash = opts.idempotencyKey
      ? createHash('sha256').update(JSON.stringify(dto)).digest('hex')
      : null;
    if (opts.idempotencyKey) {
      const prior = await this.ds.query<{ request_hash: string; response: PublishResult }[]>(
        'select request_hash, response from alerts where publisher = $1 and idempotency_key = $2',
        [principal.sub, opts.idempotencyKey],
      );
      if (prior[0]) {
        if (prior[0].request_hash !== requestHash) {
          throw problem(
            422,
            'IDEMPOTENCY_KEY_REUSED',
            'this Idempotency-Key was used for a different request',
            { field: 'Idempotency-Key' },
          );
        }
        return prior[0].response;
      }
    }
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
    const statuses: RecipientStatus[] = decisions.map(({ country, decision }) =>
      decision.allowed
        ? { country, status: 'QUEUED', redactedFields: decision.redactedFields }
        : { country, status: 'REFUSED', reason: decision.reason, rule: decision.rule },
    );
    const result: PublishResult = { id, threadId, recipients: statuses };
    const refusedLeaves = decisions
      .filter((d) => !d.decision.allowed)
      .map((d) => ({
        event: AuditEvent.REFUSED,
        peer: d.country,
        alertId: id,
        category: alert.category,
        reasonCode: d.decision.allowed ? '' : d.decision.reason,
        agreementId: d.agreementId,
      }));
    for (const d of decisions) {
      if (!d.decision.allowed) {
        this.metrics.refused.inc({ reason: d.decision.reason });
      }
    }
    if (statuses.every((s) => s.status === 'REFUSED')) {
      await this.audit.record(refusedLeaves);
      const first = statuses[0];
      this.logger.warn(
        { alertId: id, refusals: statuses.map((s) => `${s.country}:${s.reason}`) },
        'publication refused by policy',
      );
      throw problem(403, first.reason ?? 'POLICY_DENIED', first.rule ?? 'refused by the agreement', {
        rule: first.rule,
        field: 'recipients',
        errors: statuses.map((s) => ({ field: `recipient ${s.country}`, message: s.rule ?? '' })),
      });
    }
    // One outbox row per recipient, the same labels for all of them.
    const row = (country: string, agreementId?: string) => ({
      messageId: uuidv7(),
      alertId: id,
      kind: MessageKind.ALERT,
      recipient: country,
      agreementId,
      category: alert.category,
      classification: alert.classification,
      threadId,
    });
    // Sealed here (on a relaying instance) before anything is written, so the transaction stays short.
    const outbox = await this.relay.prepare(
      decisions.flatMap(({ country, agreementId, decision }) =>
        decision.allowed
          ? [
              {
                ...row(country, agreementId),
                message: newExchangeMessage({
                  body: { case: 'alert', value: decision.alert },
                  redactedFields: decision.redactedFields,
                }),
                redactedFields: decision.redactedFields,
              },
            ]
          : [],
      ),
      decisions.flatMap(({ country, agreementId, decision }) =>
        decision.allowed
          ? []
          : [{ ...row(country, agreementId), reason: decision.reason, rule: decision.rule }],
      ),
    );
    const leaves = this.audit.leafParameters([
      ...decisions
        .filter((d) => d.decision.allowed)
        .map((d) => ({
          event: AuditEvent.QUEUED,
          peer: d.country,
          alertId: id,
          category: alert.category,
          agreementId: d.agreementId,
        })),
      ...refusedLeaves,
    ]);
    let pending: Pending[];
    try {
      const [row] = await queryPrepared<{ queued: { id: string; messageId: string }[] }>(
        this.ds,
        'corridor_publish',
        PUBLISH_SQL,
        [
          id,
          threadId,
          dto.category,
          dto.priority,
          dto.classification,
          dto.handling,
          dto.title,
          Buffer.from(toBinary(AlertSchema, alert)),
          principal.sub,
          opts.idempotencyKey ?? null,
          requestHash,
          opts.idempotencyKey ? JSON.stringify(result) : null,
          ...outbox.params,
          ...leaves,
        ],
      );
      pending = outbox.pending(new Map(row.queued.map((q) => [q.messageId, q.id])));
    } catch (err) {
      if ((err as { code?: string }).code === '23505' && opts.idempotencyKey) {
        // A concurrent request with the same key won the race: answer with its result.
        return this.publish(opts);
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
        recipients: statuses.map((s) => `${s.country}:${s.status}`),
      },
      'alert accepted',
    );
    return result;
  }

  private async loadOwn(id: string): Promise<{ alert: Alert; state: string; publisher: string }> {
    const rows = await this.ds.query<{ alert: Buffer; state: string; publisher: string }[]>(
      'select alert, state, publisher from alerts where id = $1',
      [id],
    );
    if (!rows[0]) {
      throw problem(404, 'ALERT_NOT_FOUND', `no alert ${id} published by this gateway`, { field: 'id' });
    }
    return {
      alert: fromBinary(AlertSchema, rows[0].alert),
      state: rows[0].state,
      publisher: rows[0].publisher,
    };
  }

  private async activeRecipients(id: string): Promise<{ recipient: string; agreement_id: string | null }[]> {
    return this.ds.query(
      `select distinct recipient, agreement_id from outbox where alert_id = $1 and kind = 'ALERT' and status in ('QUEUED', 'SENT', 'DELIVERED')`,
      [id],
    );
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
    const statuses: RecipientStatus[] = decisions.map(({ country, decision }) =>
      decision.allowed
        ? { country, status: 'QUEUED', redactedFields: decision.redactedFields }
        : { country, status: 'REFUSED', reason: decision.reason, rule: decision.rule },
    );
    const pending: Pending[] = [];
    await this.ds.transaction(async (em) => {
      await em.query(
        'update alerts set alert = $2, title = $3, priority = $4, classification = $5, handling = $6, version = version + 1 where id = $1',
        [
          opts.id,
          Buffer.from(toBinary(AlertSchema, alert)),
          alert.title,
          opts.dto.priority,
          opts.dto.classification,
          opts.dto.handling,
        ],
      );
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
      await em.query(`update alerts set state = 'WITHDRAWN' where id = $1`, [opts.id]);
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

  /** The outbox: one row per recipient and message, with delivery, receipt and acknowledgement. */
  async deliveries(f: {
    alertId?: string;
    status?: string;
    recipient?: string;
    kind?: string;
    cursor?: number;
    limit: number;
  }): Promise<Delivery[]> {
    const where: string[] = [];
    const args: unknown[] = [];
    const add = (sql: string, v: unknown): void => {
      args.push(v);
      where.push(sql.replace('?', `$${args.length}`));
    };
    if (f.alertId) {
      add('alert_id = ?', f.alertId);
    }
    if (f.status) {
      add('status = ?', f.status);
    }
    if (f.recipient) {
      add('recipient = ?', f.recipient);
    }
    add('kind = ?', f.kind ?? 'ALERT');
    if (f.cursor) {
      add('id < ?', f.cursor);
    }
    args.push(f.limit);
    const rows = await this.ds.query<
      {
        id: string;
        recipient: string;
        kind: string;
        message_id: string;
        status: string;
        refusal_reason: string | null;
        last_error: string | null;
        receipt_reason: string | null;
        queued_at: Date;
        sent_at: Date | null;
        delivered_at: Date | null;
        acknowledged_by: string | null;
        acknowledged_at: Date | null;
        redacted_fields: string[];
        alert_id: string;
      }[]
    >(`select * from outbox where ${where.join(' and ')} order by id desc limit $${args.length}`, args);
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
