// What a partner sends is held to the same content rules as what an agency publishes here: the API's request
// classes (@corridor/gateway-api) are the one definition of lengths, enumerations, ranges and the text rule, and this file
// only lays a received message out in their shape. Pure: no database, no clock but the one passed in.
import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import type { ClassConstructor } from 'class-transformer';
import { ReceiptStatus, type Alert, type ExchangeMessage } from '@corridor/contracts';
import { receiptsOf } from '@corridor/envelope';
import { flattenValidationErrors } from '@corridor/platform';
import {
  compiledRequest,
  CONTROL_CHARACTER,
  FREE_TEXT_BEFORE_CODES,
  PublishAlertDto,
  ReplyDto,
  UpdateAlertDto,
  WithdrawDto,
} from '@corridor/gateway-api';
import { alertToJson } from '../alerts/alert.mapper';
import { chunkViolation } from '../registers/register-chunks';

export interface ContentViolation {
  /** JSON path of the first bad field, e.g. "alert.title" or "reply.body". */
  field: string;
  message: string;
}

/** An id a partner names, as every uuid column and receipt needs it (the one copy of this pattern on receive). */
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * An officer id as a gateway asserts it: optionally prefixed with that gateway's own country ("LY/officer.x"),
 * never with another's, and no white space, slash or control character in the rest.
 */
const OFFICER_ID = /^(?:([A-Z]{2})\/)?([^\s/\p{Cc}]{1,128})$/u;

/** Clock skew allowed for times a partner states (the envelope's own skew allowance is of the same order). */
const FUTURE_SKEW_MS = 5 * 60_000;

/** A receipt batch answers one consumed batch of at most a few thousand records. */
const MAX_RECEIPTS = 10_000;
const RECEIPT_STATUSES = new Set([ReceiptStatus.ACCEPTED, ReceiptStatus.REJECTED]);

/** Protobuf JSON carries int64 as strings; the API's classes take numbers. */
const INT64_FIELDS = new Set(['amountMinor', 'observedAtMs']);

function numbersForInt64(value: unknown): unknown {
  if (Array.isArray(value)) {
    return value.map(numbersForInt64);
  }
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [
        k,
        INT64_FIELDS.has(k) && typeof v === 'string' ? Number(v) : numbersForInt64(v),
      ]),
    );
  }
  return value;
}

/**
 * Drops the code-list rule from fields that held free text before they became codes (FREE_TEXT_BEFORE_CODES): a
 * partner's earlier free text there is accepted, its other rules (type, length, text rule) still apply.
 */
function acceptEarlierFreeText(errors: ValidationError[], parent = ''): ValidationError[] {
  return errors.flatMap((e) => {
    const path = /^\d+$/.test(e.property) ? parent : parent ? `${parent}.${e.property}` : e.property;
    if (FREE_TEXT_BEFORE_CODES.includes(path) && e.constraints?.isIn) {
      const { isIn: _isIn, ...rest } = e.constraints;
      e.constraints = Object.keys(rest).length ? rest : undefined;
    }
    e.children = acceptEarlierFreeText(e.children ?? [], path);
    return e.constraints || e.children.length ? [e] : [];
  });
}

/** The rules as check() applies them, compiled (compiledRequest): most messages keep them all and skip the slow path. */
const RECEIVED = { skipMissingProperties: true, ignoreIsInAt: FREE_TEXT_BEFORE_CODES };

function check<T extends object>(
  cls: ClassConstructor<T>,
  plain: Record<string, unknown>,
  prefix: string,
): ContentViolation | undefined {
  if (compiledRequest(cls, RECEIVED)?.accepts(plain)) {
    return undefined;
  }
  // Missing properties are the protobuf defaults (empty string, zero, empty list): what is present is checked.
  const errors = acceptEarlierFreeText(
    validateSync(plainToInstance(cls, plain), {
      whitelist: true,
      forbidNonWhitelisted: true,
      skipMissingProperties: true,
    }),
  );
  const first = flattenValidationErrors(errors)[0];
  return first ? { field: `${prefix}.${first.field}`, message: `${prefix}.${first.message}` } : undefined;
}

function text(
  field: string,
  value: string,
  max: number,
  opts: { required?: boolean } = {},
): ContentViolation | undefined {
  if (opts.required && value.length === 0) {
    return { field, message: `${field} is required` };
  }
  if (value.length > max) {
    return { field, message: `${field} must be at most ${max} characters, not ${value.length}` };
  }
  if (CONTROL_CHARACTER.test(value)) {
    return { field, message: `${field} must not contain control characters` };
  }
  return undefined;
}

function uuid(field: string, value: string): ContentViolation | undefined {
  return UUID.test(value) ? undefined : { field, message: `${field} must be a UUID` };
}

function time(
  field: string,
  ms: bigint,
  nowMs: number,
  opts: { required?: boolean } = {},
): ContentViolation | undefined {
  if (opts.required && ms <= 0n) {
    return { field, message: `${field} is required` };
  }
  if (ms < 0n || ms > BigInt(nowMs + FUTURE_SKEW_MS)) {
    return { field, message: `${field} must be a time that is not in the future` };
  }
  return undefined;
}

/** The officer id a gateway asserts, or why it cannot be taken: it may carry only the sender's own country. */
export function officerIdViolation(
  field: string,
  officerId: string,
  sender: string,
): ContentViolation | undefined {
  const m = OFFICER_ID.exec(officerId);
  if (!m) {
    return {
      field,
      message: `${field} must be 1-128 characters without spaces, slashes or control characters`,
    };
  }
  if (m[1] !== undefined && m[1] !== sender) {
    return { field, message: `${field} names an officer of ${m[1]}, but ${sender} sent it` };
  }
  return undefined;
}

/** A received alert against the API's rules for a published one, plus the fields the sending gateway fills in. */
export function alertViolation(alert: Alert, nowMs: number, prefix = 'alert'): ContentViolation | undefined {
  const json = numbersForInt64(alertToJson(alert)) as Record<string, unknown>;
  const { id: _id, originatorCountry: _c, originatorAgency: _a, createdAtMs: _t, ...published } = json;
  return (
    uuid(`${prefix}.id`, alert.id) ??
    (alert.threadId ? uuid(`${prefix}.threadId`, alert.threadId) : undefined) ??
    text(`${prefix}.originatorAgency`, alert.originatorAgency, 100) ??
    time(`${prefix}.createdAtMs`, alert.createdAtMs, nowMs, { required: true }) ??
    check(PublishAlertDto, published, prefix)
  );
}

/**
 * The first content rule a received message breaks, or undefined: every kind, every string in it. `sender` is the
 * authenticated sending gateway (identities inside the message may only be its own).
 */
export function messageViolation(
  message: ExchangeMessage,
  sender: string,
  nowMs: number,
): ContentViolation | undefined {
  for (const [i, path] of message.redactedFields.entries()) {
    const bad = text(`redactedFields[${i}]`, path, 200);
    if (bad) {
      return bad;
    }
  }
  if (message.redactedFields.length > 100) {
    return { field: 'redactedFields', message: 'redactedFields must contain at most 100 paths' };
  }
  const body = message.body;
  switch (body.case) {
    case 'alert':
      return alertViolation(body.value, nowMs);
    case 'update': {
      const u = body.value;
      if (!u.alert) {
        return { field: 'update.alert', message: 'update.alert is required' };
      }
      if (u.alertId !== u.alert.id) {
        return { field: 'update.alertId', message: 'update.alertId must be the id of the alert it carries' };
      }
      return (
        check(UpdateAlertDto, { reason: u.reason }, 'update') ??
        alertViolation(u.alert, nowMs, 'update.alert')
      );
    }
    case 'withdrawal':
      return (
        uuid('withdrawal.alertId', body.value.alertId) ??
        check(WithdrawDto, { reason: body.value.reason }, 'withdrawal')
      );
    case 'reply': {
      const r = body.value;
      return (
        uuid('reply.replyId', r.replyId) ??
        uuid('reply.alertId', r.alertId) ??
        officerIdViolation('reply.officerId', r.officerId, sender) ??
        time('reply.createdAtMs', r.createdAtMs, nowMs) ??
        check(ReplyDto, { body: r.body }, 'reply') ??
        (r.body.length === 0 ? { field: 'reply.body', message: 'reply.body is required' } : undefined)
      );
    }
    case 'acknowledgement': {
      const a = body.value;
      return (
        uuid('acknowledgement.alertId', a.alertId) ??
        officerIdViolation('acknowledgement.officerId', a.officerId, sender) ??
        time('acknowledgement.acknowledgedAtMs', a.acknowledgedAtMs, nowMs, { required: true })
      );
    }
    case 'receipt':
    case 'receipts': {
      const receipts = receiptsOf(message);
      if (receipts.length === 0 || receipts.length > MAX_RECEIPTS) {
        return { field: 'receipts', message: `a receipt message carries 1-${MAX_RECEIPTS} receipts` };
      }
      for (const [i, r] of receipts.entries()) {
        const field = `receipts[${i}]`;
        // No message id only for a refusal of bytes that could not be read: it names them by their hash alone.
        const bad =
          (r.messageId === '' && r.status === ReceiptStatus.REJECTED
            ? undefined
            : uuid(`${field}.messageId`, r.messageId)) ??
          (r.envelopeSha256.length === 32
            ? undefined
            : { field: `${field}.envelopeSha256`, message: `${field}.envelopeSha256 must be 32 bytes` }) ??
          (RECEIPT_STATUSES.has(r.status)
            ? undefined
            : { field: `${field}.status`, message: `${field}.status must be ACCEPTED or REJECTED` }) ??
          text(`${field}.reasonCode`, r.reasonCode, 100);
        if (bad) {
          return bad;
        }
      }
      return undefined;
    }
    case 'registerChunk':
      return chunkViolation(body.value, UUID);
    case undefined:
      return { field: 'body', message: 'the message has no body' };
  }
}
