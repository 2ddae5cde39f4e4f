// Document registers, the originating side: an agency creates a register, adds, replaces and withdraws its records
// (or withdraws it whole). Each request is validated record by record (a malformed record fails alone, named by its
// index and field), cut into chunks, and each chunk is queued as one envelope per partner whose agreement grants
// DOCUMENT at the register's classification — outbox rows and QUEUED leaves in one transaction, like an alert.
// A partner whose agreement starts later gets the register's current state once (syncLateAgreements).
import type { Logger } from 'pino';
import { DataSource, EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import {
  AuditEvent,
  Category,
  Classification,
  DocumentRecordSchema,
  enumName,
  ExchangeMessageSchema,
  fromBinary,
  MessageKind,
  parseTlp,
  RegisterOperation,
  tlpLabel,
  toBinary,
  type DocumentRecord,
  type RegisterChunk,
} from '@corridor/contracts';
import type { Principal } from '@corridor/identity';
import { evaluateMessage } from '@corridor/policy';
import { problem } from '@corridor/platform';
import type {
  CreateRegisterDto,
  DocumentRecordInput,
  RegisterChunkDelivery,
  RegisterPublishResult,
  RegisterRecordResult,
  RegisterSummary,
} from '@corridor/gateway-api';
import type { Admission } from '../alerts/admission';
import type { AuditLog, LeafInput } from '../audit/audit.log';
import { newExchangeMessage, type OutboxEntry, type OutboxPort } from '../exchange/outbox';
import type { OutboxRepository } from '../exchange/outbox.repository';
import type { TrustStore } from '../trust/trust.store';
import { recordToWire, recordViolation, registerChunks } from './register-chunks';
import type { RegisterRow, RegistersRepository } from './registers.repository';

/** The records of a request, parsed (not validated yet); a line that is not JSON carries `malformed`. */
export interface RecordItem {
  index: number;
  value?: unknown;
  malformed?: string;
}

type Recipients = RegisterSummary['recipients'];

interface Allowed {
  country: string;
  agreementId: string;
  /** the direction excludes document.mrz: records travel without it */
  withoutMrz: boolean;
}

export class RegistersService {
  constructor(
    private readonly ds: DataSource,
    private readonly repos: { registers: RegistersRepository; outbox: OutboxRepository },
    private readonly trust: TrustStore,
    private readonly audit: AuditLog,
    private readonly relay: OutboxPort,
    private readonly logger: Logger,
    private readonly admission?: Admission,
  ) {}

  /** Partners whose agreement grants DOCUMENT at this classification now; the others with the reason. */
  private recipients(classification: string): { statuses: Recipients; allowed: Allowed[] } {
    const labels = { category: Category.DOCUMENT, classification: parseTlp(classification) ?? 0 };
    const statuses: Recipients = [];
    const allowed: Allowed[] = [];
    const now = Date.now();
    for (const country of this.trust.partners()) {
      const agreement = this.trust.agreementWith(country);
      const d = evaluateMessage({ from: this.trust.own.country, to: country, agreement, now, labels });
      if (d.allowed && agreement) {
        statuses.push({ country, status: 'QUEUED' });
        allowed.push({
          country,
          agreementId: agreement.id,
          withoutMrz: d.terms.excludedFields.includes('document.mrz'),
        });
      } else if (!d.allowed) {
        statuses.push({ country, status: 'REFUSED', reason: d.reason, rule: d.rule });
      }
    }
    return { statuses, allowed };
  }

  private summary(row: RegisterRow, recipients: Recipients): RegisterSummary {
    return {
      id: row.id,
      name: row.name,
      classification: row.classification,
      createdAt: row.created_at.toISOString(),
      withdrawnAt: row.withdrawn_at?.toISOString() ?? null,
      recipients,
    };
  }

  async create(p: Principal, dto: CreateRegisterDto): Promise<RegisterSummary> {
    const classification = enumName(Classification, parseTlp(dto.classification ?? 'AMBER') ?? 0);
    const row = await this.repos.registers.create(this.ds, {
      id: uuidv7(),
      name: dto.name,
      classification,
      agency: p.agency ?? p.sub,
    });
    this.logger.info({ registerId: row.id }, 'document register created');
    return this.summary(row, this.recipients(classification).statuses);
  }

  async get(id: string): Promise<RegisterSummary & { chunks: RegisterChunkDelivery[] }> {
    const row = await this.repos.registers.find(this.ds, id);
    if (!row) {
      throw problem(404, 'REGISTER_NOT_FOUND', `no register ${id} was created here`, { field: 'id' });
    }
    const rows = await this.repos.outbox.chunksOf(this.ds, id);
    const chunks = rows.map((r): RegisterChunkDelivery => {
      const m = fromBinary(ExchangeMessageSchema, r.message);
      const c = m.body.case === 'registerChunk' ? m.body.value : undefined;
      return {
        messageId: r.message_id,
        recipient: r.recipient,
        operation: c ? enumName(RegisterOperation, c.operation) : 'UNSPECIFIED',
        requestId: c?.requestId ?? '',
        chunkIndex: c?.chunkIndex ?? 0,
        chunkCount: c?.chunkCount ?? 0,
        firstRecordIndex: c?.firstRecordIndex ?? 0,
        records: (c?.records.length ?? 0) + (c?.withdrawnRecordIds.length ?? 0),
        status: r.status,
        reason: r.receipt_reason ?? r.last_error,
        queuedAt: r.queued_at.toISOString(),
        deliveredAt: r.delivered_at?.toISOString() ?? null,
      };
    });
    return { ...this.summary(row, this.recipients(row.classification).statuses), chunks };
  }

  async list(): Promise<RegisterSummary[]> {
    const rows = await this.repos.registers.list(this.ds, 500);
    return rows.map((r) => this.summary(r, []));
  }

  /** Adds or replaces records: each validated on its own; the valid ones go out in chunks to every partner allowed. */
  async publishRecords(opts: { id: string; items: RecordItem[] }): Promise<RegisterPublishResult> {
    const nowMs = Date.now();
    const results: RegisterRecordResult[] = [];
    const valid: { index: number; record: DocumentRecord }[] = [];
    const seen = new Set<string>();
    for (const item of opts.items) {
      if (item.malformed !== undefined) {
        results.push({
          index: item.index,
          status: 'INVALID',
          code: 'MALFORMED_JSON',
          field: '',
          detail: `line ${item.index + 1} is not valid JSON (${item.malformed})`,
        });
        continue;
      }
      const bad = recordViolation(item.value);
      if (bad) {
        results.push({
          index: item.index,
          status: 'INVALID',
          code: bad.code,
          field: bad.field,
          detail: bad.message,
        });
        continue;
      }
      const input = item.value as DocumentRecordInput;
      const id = input.id ?? uuidv7();
      if (seen.has(id)) {
        results.push({
          index: item.index,
          status: 'INVALID',
          code: 'DUPLICATE_RECORD_ID',
          field: 'id',
          detail: `record id ${id} appears earlier in this request`,
        });
        continue;
      }
      seen.add(id);
      results.push({ index: item.index, status: 'ACCEPTED', id });
      valid.push({ index: item.index, record: recordToWire(input, id, nowMs) });
    }
    const invalid = results.length - valid.length;
    if (valid.length === 0) {
      return this.answer({
        registerId: opts.id,
        requestId: uuidv7(),
        results,
        invalid,
        chunks: 0,
        recipients: (await this.openRegister(opts.id)).recipients,
      });
    }
    return this.queue(opts.id, { operation: 'UPSERT', records: valid }, { results, invalid, nowMs });
  }

  /** Withdraws records one by one (by id): each partner removes them. */
  async withdrawRecords(opts: { id: string; recordIds: string[] }): Promise<RegisterPublishResult> {
    const ids = [...new Set(opts.recordIds)];
    return this.queue(
      opts.id,
      { operation: 'WITHDRAW_RECORDS', recordIds: ids },
      { results: ids.map((id, index) => ({ index, status: 'ACCEPTED', id })), invalid: 0, nowMs: Date.now() },
    );
  }

  /** Withdraws the whole register: each partner removes every record of it; no record may be added after. */
  async withdrawRegister(opts: { id: string }): Promise<RegisterPublishResult> {
    return this.queue(
      opts.id,
      { operation: 'WITHDRAW_REGISTER' },
      { results: [], invalid: 0, nowMs: Date.now(), withdraw: true },
    );
  }

  private answer(r: Omit<RegisterPublishResult, 'accepted'>): RegisterPublishResult {
    return { ...r, accepted: r.results.length - r.invalid };
  }

  private async openRegister(
    id: string,
  ): Promise<{ row: RegisterRow; recipients: Recipients; allowed: Allowed[] }> {
    const row = await this.repos.registers.find(this.ds, id);
    if (!row) {
      throw problem(404, 'REGISTER_NOT_FOUND', `no register ${id} was created here`, { field: 'id' });
    }
    if (row.withdrawn_at) {
      throw problem(409, 'REGISTER_WITHDRAWN', `register ${id} was withdrawn; create a new one`, {
        field: 'id',
      });
    }
    const { statuses, allowed } = this.recipients(row.classification);
    return { row, recipients: statuses, allowed };
  }

  /**
   * Chunks × allowed partners: outbox rows and QUEUED leaves in one transaction, produced after the commit. The same
   * transaction keeps the register's current records (register_items) and which partner has it (register_deliveries);
   * a partner allowed now that does not have the register yet under its agreement first gets its current state.
   */
  private async queue(
    id: string,
    change: Parameters<typeof registerChunks>[1],
    r: { results: RegisterRecordResult[]; invalid: number; nowMs: number; withdraw?: boolean },
  ): Promise<RegisterPublishResult> {
    const { row, recipients, allowed } = await this.openRegister(id);
    if (allowed.length === 0) {
      throw problem(
        403,
        'NO_PARTNER_GRANTS_DOCUMENT',
        `no partner's agreement grants DOCUMENT at TLP:${tlpLabel(parseTlp(row.classification) ?? 0)} now: nothing was queued (${recipients
          .map((x) => `${x.country}: ${x.reason ?? x.status}`)
          .join(', ')})`,
        { field: 'id' },
      );
    }
    const requestId = uuidv7();
    const chunks = registerChunks(
      { registerId: id, name: row.name, agency: row.agency, requestId, nowMs: r.nowMs },
      change,
    );
    const { entries, leaves } = this.envelopes(row, allowed, chunks);
    const leave = this.admission?.enter(entries.length);
    try {
      const pending = await this.ds.transaction(async (em) => {
        const locked = await this.repos.registers.lock(em, id);
        if (!locked || locked.withdrawn_at) {
          throw problem(409, 'REGISTER_WITHDRAWN', `register ${id} was withdrawn; create a new one`, {
            field: 'id',
          });
        }
        // A whole withdrawal needs no state first: the partner is told to drop whatever it holds.
        const sync = r.withdraw ? undefined : await this.syncIn(em, locked, allowed);
        const queued = await this.relay.enqueue(em, [...(sync?.entries ?? []), ...entries]);
        await this.audit.append(em, [...(sync?.leaves ?? []), ...leaves]);
        switch (change.operation) {
          case 'UPSERT':
            await this.repos.registers.putItems(
              em,
              id,
              change.records.map((x) => ({
                recordId: x.record.recordId,
                record: toBinary(DocumentRecordSchema, x.record),
              })),
            );
            break;
          case 'WITHDRAW_RECORDS':
            await this.repos.registers.removeItems(em, id, change.recordIds);
            break;
          case 'WITHDRAW_REGISTER':
            await this.repos.registers.removeItems(em, id);
            break;
        }
        await this.repos.registers.recordDeliveries(
          em,
          id,
          allowed.map((a) => ({
            partner: a.country,
            agreementId: a.agreementId,
            how: 'PUBLISHED',
            records: 0,
          })),
        );
        if (r.withdraw) {
          await this.repos.registers.markWithdrawn(em, id);
        } else {
          await this.repos.registers.touch(em, id);
        }
        return queued;
      });
      this.relay.submit(pending);
    } finally {
      leave?.();
    }
    return this.answer({
      registerId: id,
      requestId,
      results: r.results,
      invalid: r.invalid,
      chunks: chunks.length,
      recipients,
    });
  }

  /** One envelope per chunk and partner, with its QUEUED leaf. */
  private envelopes(
    row: RegisterRow,
    allowed: Allowed[],
    chunks: RegisterChunk[],
    reason?: string,
  ): { entries: OutboxEntry[]; leaves: LeafInput[] } {
    const classification = parseTlp(row.classification) ?? 0;
    const entries: OutboxEntry[] = [];
    const leaves: LeafInput[] = [];
    for (const to of allowed) {
      for (const chunk of chunks) {
        const messageId = uuidv7();
        const value = to.withoutMrz ? withoutMrz(chunk) : chunk;
        entries.push({
          messageId,
          alertId: row.id,
          kind: MessageKind.REGISTER,
          recipient: to.country,
          agreementId: to.agreementId,
          category: Category.DOCUMENT,
          classification,
          // one thread per register: its chunks leave in the order they were queued
          threadId: row.id,
          message: newExchangeMessage({
            body: { case: 'registerChunk', value },
            redactedFields: to.withoutMrz ? ['document.mrz'] : [],
          }),
          redactedFields: to.withoutMrz ? ['document.mrz'] : [],
        });
        leaves.push({
          event: AuditEvent.QUEUED,
          peer: to.country,
          messageId,
          alertId: row.id,
          category: Category.DOCUMENT,
          agreementId: to.agreementId,
          reasonCode: reason ?? `REGISTER_${enumName(RegisterOperation, chunk.operation)}`,
        });
      }
    }
    return { entries, leaves };
  }

  /**
   * Inside the register's lock: the partners of `allowed` that do not have this register under their agreement get
   * its current records (latest versions, none withdrawn) as UPSERT chunks, queued before anything else, and are
   * recorded as SYNCED, so this happens once per partner and agreement.
   */
  private async syncIn(
    em: EntityManager,
    row: RegisterRow,
    allowed: Allowed[],
  ): Promise<{ entries: OutboxEntry[]; leaves: LeafInput[]; partners: string[] }> {
    const have = new Set(
      (await this.repos.registers.deliveries(em, row.id)).map((d) => `${d.partner}/${d.agreement_id}`),
    );
    const missing = allowed.filter((a) => !have.has(`${a.country}/${a.agreementId}`));
    if (missing.length === 0) {
      return { entries: [], leaves: [], partners: [] };
    }
    const items = await this.repos.registers.items(em, row.id);
    if (items.length === 0) {
      return { entries: [], leaves: [], partners: [] };
    }
    const chunks = registerChunks(
      { registerId: row.id, name: row.name, agency: row.agency, requestId: uuidv7(), nowMs: Date.now() },
      {
        operation: 'UPSERT',
        records: items.map((b, index) => ({ index, record: fromBinary(DocumentRecordSchema, b) })),
      },
    );
    await this.repos.registers.recordDeliveries(
      em,
      row.id,
      missing.map((a) => ({
        partner: a.country,
        agreementId: a.agreementId,
        how: 'SYNCED',
        records: items.length,
      })),
    );
    this.logger.info(
      { registerId: row.id, partners: missing.map((a) => a.country), records: items.length },
      'register synced to partners whose agreement started after it was published',
    );
    return {
      ...this.envelopes(row, missing, chunks, 'REGISTER_SYNC'),
      partners: missing.map((a) => a.country),
    };
  }

  /**
   * Late agreements: every register not withdrawn that a partner allowed now does not have yet under its agreement
   * is sent to it in its current state, once (run when agreements change, and periodically for agreements whose
   * start time passes). Returns how many registers were synced.
   */
  async syncLateAgreements(): Promise<number> {
    let synced = 0;
    for (const classification of await this.repos.registers.openClassifications(this.ds)) {
      const { allowed } = this.recipients(classification);
      const ids = new Set<string>();
      for (const a of allowed) {
        for (const id of await this.repos.registers.missingFor(this.ds, {
          classification,
          partner: a.country,
          agreementId: a.agreementId,
        })) {
          ids.add(id);
        }
      }
      for (const id of ids) {
        const pending = await this.ds.transaction(async (em) => {
          const locked = await this.repos.registers.lock(em, id);
          if (!locked || locked.withdrawn_at) {
            return [];
          }
          const sync = await this.syncIn(em, locked, allowed);
          // Partners without anything to receive are recorded too, so the register is not looked at again.
          await this.repos.registers.recordDeliveries(
            em,
            id,
            allowed.map((a) => ({
              partner: a.country,
              agreementId: a.agreementId,
              how: 'PUBLISHED',
              records: 0,
            })),
          );
          if (sync.entries.length === 0) {
            return [];
          }
          synced += 1;
          const queued = await this.relay.enqueue(em, sync.entries);
          await this.audit.append(em, sync.leaves);
          return queued;
        });
        this.relay.submit(pending);
      }
    }
    return synced;
  }
}

/** A chunk without the MRZ of its records, for a direction that excludes document.mrz. */
function withoutMrz(chunk: RegisterChunk): RegisterChunk {
  return { ...chunk, records: chunk.records.map((rec) => ({ ...rec, mrz: [] })) };
}
