// Document registers, pure logic: a record from the API to the wire and from the wire to its stored form, the rules a
// record must meet on either side (the shared shape rules plus MRZ check digits), and a list cut into chunks (one
// envelope each). No database, no clock but the one passed in.
import {
  create,
  DocumentRecordSchema,
  DocumentStatus,
  enumName,
  enumValue,
  RegisterChunkSchema,
  RegisterOperation,
  type DocumentRecord,
  type RegisterChunk,
} from '@corridor/contracts';
import {
  CONTROL_CHARACTER,
  documentRecordViolation,
  normaliseDocumentNumber,
  serialOf,
  type DocumentRecordInput,
  type RecordViolation,
} from '@corridor/gateway-api';
import { parseMrz } from '@corridor/policy';
import type { StoredRecord } from './register-records.repository';

/** Records per chunk: about 60 KB sealed, well under MAX_ENVELOPE_BYTES (256 KiB) with MRZs on every record. */
export const CHUNK_RECORDS = 500;
/** Record ids per withdrawal chunk. */
export const CHUNK_WITHDRAWALS = 2000;
/** What a partner's chunk may carry at most (a receiving gateway refuses more). */
export const MAX_CHUNK_RECORDS = 1000;
export const MAX_CHUNK_WITHDRAWALS = 10_000;

/** The shared rules, then the MRZ: check digits, and the number it carries must be the record's number. */
export function recordViolation(value: unknown): (RecordViolation & { code: string }) | undefined {
  const shape = documentRecordViolation(value);
  if (shape) {
    return { ...shape, code: 'VALIDATION_FAILED' };
  }
  const r = value as DocumentRecordInput;
  if (r.mrz?.length) {
    const parsed = parseMrz(r.mrz);
    if (!parsed.ok) {
      return { code: parsed.error.code, field: 'mrz', message: `mrz: ${parsed.error.rule}` };
    }
    if (parsed.mrz.documentNumber !== normaliseDocumentNumber(r.number)) {
      return {
        code: 'MRZ_NUMBER_MISMATCH',
        field: 'number',
        message: `mrz carries number ${parsed.mrz.documentNumber}, not ${r.number}`,
      };
    }
  }
  return undefined;
}

/** A valid record as it travels. */
export function recordToWire(r: DocumentRecordInput, id: string, nowMs: number): DocumentRecord {
  return create(DocumentRecordSchema, {
    recordId: id,
    documentType: r.documentType,
    issuingState: r.issuingState,
    number: r.number,
    seriesLast: r.seriesLast ?? '',
    mrz: r.mrz ?? [],
    status: enumValue(DocumentStatus, r.status) ?? DocumentStatus.UNSPECIFIED,
    updatedAtMs: BigInt(nowMs),
  });
}

/** A received record as the API would have taken it, for the same rules on receive. */
export function recordFromWire(r: DocumentRecord): DocumentRecordInput & { id: string } {
  return {
    id: r.recordId,
    documentType: r.documentType,
    issuingState: r.issuingState,
    number: r.number,
    ...(r.seriesLast ? { seriesLast: r.seriesLast } : {}),
    ...(r.mrz.length ? { mrz: [...r.mrz] } : {}),
    status: enumName(DocumentStatus, r.status),
  };
}

/** A received (valid) record as register_records stores it: number normalised, a series split for range look-ups. */
export function storedRecord(r: DocumentRecord): StoredRecord {
  const number = normaliseDocumentNumber(r.number);
  const last = r.seriesLast ? normaliseDocumentNumber(r.seriesLast) : undefined;
  const first = last !== undefined ? serialOf(number) : undefined;
  const end = last !== undefined ? serialOf(last) : undefined;
  return {
    recordId: r.recordId,
    documentType: r.documentType,
    issuingState: r.issuingState,
    number,
    seriesLast: last ?? null,
    seriesPrefix: first?.prefix ?? null,
    seriesWidth: first?.width ?? null,
    seriesStart: first?.serial ?? null,
    seriesEnd: end?.serial ?? null,
    mrz: [...r.mrz],
    status: enumName(DocumentStatus, r.status),
    updatedAtMs: Number(r.updatedAtMs),
  };
}

/** The first rule a received chunk breaks, with its field path, or undefined. */
export function chunkViolation(
  c: RegisterChunk,
  uuid: RegExp,
): { field: string; message: string } | undefined {
  if (!uuid.test(c.registerId)) {
    return { field: 'registerChunk.registerId', message: 'registerChunk.registerId must be a UUID' };
  }
  if (!uuid.test(c.requestId)) {
    return { field: 'registerChunk.requestId', message: 'registerChunk.requestId must be a UUID' };
  }
  if (c.name.length === 0 || c.name.length > 200 || CONTROL_CHARACTER.test(c.name)) {
    return { field: 'registerChunk.name', message: 'registerChunk.name must be 1-200 characters of text' };
  }
  switch (c.operation) {
    case RegisterOperation.UPSERT: {
      if (c.records.length === 0 || c.records.length > MAX_CHUNK_RECORDS) {
        return { field: 'registerChunk.records', message: `a chunk carries 1-${MAX_CHUNK_RECORDS} records` };
      }
      for (const [i, r] of c.records.entries()) {
        const bad = recordViolation(recordFromWire(r));
        if (bad) {
          return { field: `registerChunk.records[${i}].${bad.field}`, message: bad.message };
        }
        if (!r.recordId) {
          return { field: `registerChunk.records[${i}].id`, message: 'a record needs its id' };
        }
      }
      return undefined;
    }
    case RegisterOperation.WITHDRAW_RECORDS: {
      if (c.withdrawnRecordIds.length === 0 || c.withdrawnRecordIds.length > MAX_CHUNK_WITHDRAWALS) {
        return {
          field: 'registerChunk.withdrawnRecordIds',
          message: `a chunk withdraws 1-${MAX_CHUNK_WITHDRAWALS} records`,
        };
      }
      const bad = c.withdrawnRecordIds.findIndex((id) => !/^[\x21-\x7e]{1,100}$/.test(id));
      return bad >= 0
        ? {
            field: `registerChunk.withdrawnRecordIds[${bad}]`,
            message: 'a record id is 1-100 visible ASCII characters',
          }
        : undefined;
    }
    case RegisterOperation.WITHDRAW_REGISTER:
      return undefined;
    case RegisterOperation.UNSPECIFIED:
      return {
        field: 'registerChunk.operation',
        message: 'registerChunk.operation is not a known operation',
      };
    default:
      return {
        field: 'registerChunk.operation',
        message: 'registerChunk.operation is not a known operation',
      };
  }
}

/** Cuts items into pieces of `size` (at least one piece, which may be empty). */
function pieces<T>(items: T[], size: number): { first: number; items: T[] }[] {
  const out: { first: number; items: T[] }[] = [];
  for (let i = 0; i < items.length; i += size) {
    out.push({ first: i, items: items.slice(i, i + size) });
  }
  return out.length ? out : [{ first: 0, items: [] }];
}

export interface ChunkBase {
  registerId: string;
  name: string;
  agency: string;
  requestId: string;
  nowMs: number;
}

/** The chunks of one request: records to add or replace, records to withdraw, or the whole register withdrawn. */
export function registerChunks(
  base: ChunkBase,
  change:
    | { operation: 'UPSERT'; records: { index: number; record: DocumentRecord }[] }
    | { operation: 'WITHDRAW_RECORDS'; recordIds: string[] }
    | { operation: 'WITHDRAW_REGISTER' },
): RegisterChunk[] {
  const common = {
    registerId: base.registerId,
    name: base.name,
    originatorAgency: base.agency,
    requestId: base.requestId,
    createdAtMs: BigInt(base.nowMs),
  };
  if (change.operation === 'WITHDRAW_REGISTER') {
    return [
      create(RegisterChunkSchema, {
        ...common,
        operation: RegisterOperation.WITHDRAW_REGISTER,
        chunkIndex: 0,
        chunkCount: 1,
      }),
    ];
  }
  if (change.operation === 'WITHDRAW_RECORDS') {
    const parts = pieces(change.recordIds, CHUNK_WITHDRAWALS);
    return parts.map((p, i) =>
      create(RegisterChunkSchema, {
        ...common,
        operation: RegisterOperation.WITHDRAW_RECORDS,
        chunkIndex: i,
        chunkCount: parts.length,
        firstRecordIndex: p.first,
        withdrawnRecordIds: p.items,
      }),
    );
  }
  const parts = pieces(change.records, CHUNK_RECORDS);
  return parts.map((p, i) =>
    create(RegisterChunkSchema, {
      ...common,
      operation: RegisterOperation.UPSERT,
      chunkIndex: i,
      chunkCount: parts.length,
      firstRecordIndex: p.items[0]?.index ?? 0,
      records: p.items.map((x) => x.record),
    }),
  );
}
