// Document registers, the originating side: an agency creates a register, adds, replaces and withdraws its records
// (or withdraws it whole). Each request is validated record by record (a malformed record fails alone, named by its
// index and field), cut into chunks, and each chunk is queued as one envelope per partner whose agreement grants
// DOCUMENT at the register's classification — outbox rows and QUEUED leaves in one transaction, like an alert.
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import {
  AuditEvent,
  Category,
  Classification,
  enumName,
  ExchangeMessageSchema,
  fromBinary,
  MessageKind,
  parseTlp,
  RegisterOperation,
  tlpLabel,
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

  /** Chunks × allowed partners: outbox rows and QUEUED leaves in one transaction, produced after the commit. */
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
    const classification = parseTlp(row.classification) ?? 0;
    const entries: OutboxEntry[] = [];
    const leaves: LeafInput[] = [];
    for (const to of allowed) {
      for (const chunk of chunks) {
        const messageId = uuidv7();
        const value = to.withoutMrz ? withoutMrz(chunk) : chunk;
        entries.push({
          messageId,
          alertId: id,
          kind: MessageKind.REGISTER,
          recipient: to.country,
          agreementId: to.agreementId,
          category: Category.DOCUMENT,
          classification,
          // one thread per register: its chunks leave in the order they were queued
          threadId: id,
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
          alertId: id,
          category: Category.DOCUMENT,
          agreementId: to.agreementId,
          reasonCode: `REGISTER_${enumName(RegisterOperation, chunk.operation)}`,
        });
      }
    }
    const leave = this.admission?.enter(entries.length);
    try {
      const pending = await this.ds.transaction(async (em) => {
        const locked = await this.repos.registers.lock(em, id);
        if (!locked || locked.withdrawn_at) {
          throw problem(409, 'REGISTER_WITHDRAWN', `register ${id} was withdrawn; create a new one`, {
            field: 'id',
          });
        }
        const queued = await this.relay.enqueue(em, entries);
        await this.audit.append(em, leaves);
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
}

/** A chunk without the MRZ of its records, for a direction that excludes document.mrz. */
function withoutMrz(chunk: RegisterChunk): RegisterChunk {
  return { ...chunk, records: chunk.records.map((rec) => ({ ...rec, mrz: [] })) };
}
