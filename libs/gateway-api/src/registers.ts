// Document registers (#19): the shape of a record as the API takes it, its rules (one definition, used by the
// gateway's API, its inbound content check and the CLI), series ranges, and what the register API answers.
// Hand-written checks rather than class-validator: a register carries 100,000 records and more.
import 'reflect-metadata';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  MinLength,
} from 'class-validator';
import { CLASSIFICATION_NAMES } from '@corridor/contracts';
import { DOCUMENT_TYPES, PlainText } from './requests';

export const DOCUMENT_STATUSES = ['COUNTERFEIT', 'FORGED', 'STOLEN_BLANK', 'LOST', 'FRAUDULENTLY_OBTAINED'];

/** At most this many documents in one series record. */
export const MAX_SERIES_LENGTH = 1_000_000;

const RECORD_ID = /^[\x21-\x7e]{1,100}$/;
const NUMBER = /^[A-Z0-9<]{1,20}$/;
const STATE = /^[A-Z<]{2,3}$/;

/** One record as POST /v1/registers/:id/records takes it (a JSON array item or an NDJSON line). */
export interface DocumentRecordInput {
  /** unique within the register; the same id replaces the record (update). Given by the gateway when absent. */
  id?: string;
  documentType: string;
  issuingState: string;
  /** the document number, or the first number of a series */
  number: string;
  /** the last number of a series: same prefix, same count of digits, not below number */
  seriesLast?: string;
  /** ICAO 9303 lines of one document (not of a series); check digits are validated */
  mrz?: string[];
  status: string;
}

export class CreateRegisterDto {
  @IsString() @PlainText() @MinLength(1) @MaxLength(200) name!: string;
  @IsOptional()
  @IsIn(CLASSIFICATION_NAMES, { message: `classification must be one of ${CLASSIFICATION_NAMES.join(', ')}` })
  classification?: string;
}

export class WithdrawRecordsDto {
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(10_000)
  @IsString({ each: true })
  @Matches(RECORD_ID, { each: true, message: 'recordIds must be 1-100 visible ASCII characters each' })
  recordIds!: string[];
}

/** A document number split for series look-ups: "P0001500" is prefix "P", 7 digits, serial 1500. */
export interface SerialNumber {
  prefix: string;
  width: number;
  serial: number;
}

/** The trailing digits of a number as a serial (at most 15 digits, exact in a double); undefined without any. */
export function serialOf(number: string): SerialNumber | undefined {
  const m = /^(.*?)(\d{1,15})$/.exec(number);
  if (!m) {
    return undefined;
  }
  return { prefix: m[1], width: m[2].length, serial: Number(m[2]) };
}

export interface RecordViolation {
  field: string;
  message: string;
}

/** The first rule a record breaks (fields named as in the API), or undefined. MRZ check digits are the gateway's. */
export function documentRecordViolation(value: unknown): RecordViolation | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { field: '', message: 'a record must be a JSON object' };
  }
  const r = value as Record<string, unknown>;
  const known = new Set(['id', 'documentType', 'issuingState', 'number', 'seriesLast', 'mrz', 'status']);
  const unknown = Object.keys(r).find((k) => !known.has(k));
  if (unknown !== undefined) {
    return { field: unknown, message: `property ${unknown} should not exist` };
  }
  if (r.id !== undefined && !(typeof r.id === 'string' && RECORD_ID.test(r.id))) {
    return { field: 'id', message: 'id must be 1-100 visible ASCII characters' };
  }
  if (typeof r.documentType !== 'string' || !DOCUMENT_TYPES.includes(r.documentType)) {
    return { field: 'documentType', message: `documentType must be one of ${DOCUMENT_TYPES.join(', ')}` };
  }
  if (typeof r.issuingState !== 'string' || !STATE.test(r.issuingState)) {
    return { field: 'issuingState', message: 'issuingState must be an ICAO 9303 or ISO code' };
  }
  if (typeof r.number !== 'string' || !NUMBER.test(r.number)) {
    return { field: 'number', message: 'number must be 1-20 characters A-Z, 0-9 or <' };
  }
  if (typeof r.status !== 'string' || !DOCUMENT_STATUSES.includes(r.status)) {
    return { field: 'status', message: `status must be one of ${DOCUMENT_STATUSES.join(', ')}` };
  }
  if (r.mrz !== undefined) {
    if (
      !Array.isArray(r.mrz) ||
      r.mrz.length < 2 ||
      r.mrz.length > 3 ||
      !r.mrz.every((l) => typeof l === 'string' && /^[A-Z0-9<]{30,44}$/.test(l))
    ) {
      return { field: 'mrz', message: 'mrz must be 2 or 3 ICAO 9303 lines of A-Z, 0-9 and <' };
    }
  }
  if (r.seriesLast !== undefined && r.seriesLast !== '') {
    if (typeof r.seriesLast !== 'string' || !NUMBER.test(r.seriesLast)) {
      return { field: 'seriesLast', message: 'seriesLast must be 1-20 characters A-Z, 0-9 or <' };
    }
    if (r.mrz !== undefined) {
      return {
        field: 'mrz',
        message: 'a series has no MRZ: give the MRZ of one document in a record of its own',
      };
    }
    const first = serialOf(normaliseDocumentNumber(r.number));
    const last = serialOf(normaliseDocumentNumber(r.seriesLast));
    if (!first || !last || first.prefix !== last.prefix || first.width !== last.width) {
      return {
        field: 'seriesLast',
        message: 'seriesLast must end in digits and have the same prefix and count of digits as number',
      };
    }
    if (last.serial < first.serial) {
      return { field: 'seriesLast', message: 'seriesLast must not be below number' };
    }
    if (last.serial - first.serial + 1 > MAX_SERIES_LENGTH) {
      return { field: 'seriesLast', message: `a series holds at most ${MAX_SERIES_LENGTH} documents` };
    }
  }
  return undefined;
}

/** A document number as registers and the hit/no-hit check compare it: no filler, no spaces, capitals. */
export function normaliseDocumentNumber(n: string): string {
  return n.replace(/[<\s]/g, '').toUpperCase();
}

/** The register as POST /v1/registers and GET /v1/registers/:id answer it. */
export interface RegisterSummary {
  id: string;
  name: string;
  classification: string;
  createdAt: string;
  withdrawnAt: string | null;
  /** partners whose agreement grants DOCUMENT at this classification now, and those refused with the reason */
  recipients: { country: string; status: 'QUEUED' | 'REFUSED'; reason?: string; rule?: string }[];
}

/** One record of a request, in the order given (index from 0). */
export type RegisterRecordResult =
  | { index: number; status: 'ACCEPTED'; id: string }
  | { index: number; status: 'INVALID'; code: string; field: string; detail: string };

/** The answer to POST /v1/registers/:id/records and to the withdrawals (202). */
export interface RegisterPublishResult {
  registerId: string;
  requestId: string;
  accepted: number;
  invalid: number;
  /** chunks queued per recipient (one envelope each) */
  chunks: number;
  recipients: RegisterSummary['recipients'];
  results: RegisterRecordResult[];
}

/** One chunk sent to one partner, with its delivery state (a REJECTED chunk names the partner's reason). */
export interface RegisterChunkDelivery {
  messageId: string;
  recipient: string;
  operation: string;
  requestId: string;
  chunkIndex: number;
  chunkCount: number;
  firstRecordIndex: number;
  records: number;
  status: string;
  reason: string | null;
  queuedAt: string;
  deliveredAt: string | null;
}
