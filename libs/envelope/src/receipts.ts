// A receipt is an ExchangeMessage{receipt} sealed back to the sender, naming the hash of the exact bytes received.
import { timingSafeEqual } from 'node:crypto';
import {
  create,
  ExchangeMessageSchema,
  ReceiptBatchSchema,
  ReceiptSchema,
  ReceiptStatus,
  type ExchangeMessage,
  type Receipt,
} from '@corridor/contracts';
import { envelopeSha256 } from './digest';
import { EnvelopeError } from './errors';

/** The receipt body for an envelope received (ACCEPTED) or quarantined (REJECTED, with the EnvelopeError code). */
export function createReceiptMessage(options: {
  messageId: string;
  receivedEnvelopeBytes: Uint8Array;
  status: ReceiptStatus.ACCEPTED | ReceiptStatus.REJECTED;
  reasonCode?: string;
  receivedAtMs: number;
}): ExchangeMessage {
  if (options.messageId.length === 0) {
    throw new EnvelopeError('INVALID_ARGUMENT', 'messageId is required');
  }
  return create(ExchangeMessageSchema, {
    body: {
      case: 'receipt',
      value: create(ReceiptSchema, {
        messageId: options.messageId,
        envelopeSha256: envelopeSha256(options.receivedEnvelopeBytes),
        status: options.status,
        reasonCode: options.reasonCode ?? '',
        receivedAtMs: BigInt(options.receivedAtMs),
      }),
    },
  });
}

export interface ReceiptFor {
  messageId: string;
  /** SHA-256 of the exact envelope bytes received */
  envelopeSha256: Uint8Array;
  status: ReceiptStatus.ACCEPTED | ReceiptStatus.REJECTED;
  reasonCode?: string;
  receivedAtMs: number;
}

/** Why this entry cannot be part of a receipt message, or undefined when it can. */
export function receiptEntryProblem(e: ReceiptFor): string | undefined {
  // No message id only for a refusal of bytes that could not be read: it names them by their SHA-256 alone.
  const unread = e.messageId.length === 0 && e.status === ReceiptStatus.REJECTED;
  if ((e.messageId.length === 0 && !unread) || e.envelopeSha256.length !== 32) {
    return 'each receipt needs a SHA-256, and a message id unless it refuses unreadable bytes';
  }
  return undefined;
}

/**
 * One message carrying the receipts for several envelopes from the same sender (a consumed batch): the
 * recipient signs once per batch instead of once per envelope. Each entry still names its own exact bytes.
 */
export function createReceiptBatchMessage(entries: ReceiptFor[]): ExchangeMessage {
  if (entries.length === 0) {
    throw new EnvelopeError('INVALID_ARGUMENT', 'a receipt batch needs at least one receipt');
  }
  return create(ExchangeMessageSchema, {
    body: {
      case: 'receipts',
      value: create(ReceiptBatchSchema, {
        receipts: entries.map((e) => {
          const problem = receiptEntryProblem(e);
          if (problem !== undefined) {
            throw new EnvelopeError('INVALID_ARGUMENT', problem);
          }
          return create(ReceiptSchema, {
            messageId: e.messageId,
            envelopeSha256: e.envelopeSha256,
            status: e.status,
            reasonCode: e.reasonCode ?? '',
            receivedAtMs: BigInt(e.receivedAtMs),
          });
        }),
      }),
    },
  });
}

/** The receipts a message carries: one for a single receipt, all of a batch, none for any other body. */
export function receiptsOf(message: ExchangeMessage): Receipt[] {
  switch (message.body.case) {
    case 'receipt':
      return [message.body.value];
    case 'receipts':
      return message.body.value.receipts;
    default:
      return [];
  }
}

/** True when the receipt names exactly the envelope bytes that were sent (and, if given, the message id). */
export function verifyReceiptMatches(options: {
  receipt: Receipt;
  sentEnvelopeBytes: Uint8Array;
  sentMessageId?: string;
}): boolean {
  if (options.sentMessageId !== undefined && options.receipt.messageId !== options.sentMessageId) {
    return false;
  }
  const expected = envelopeSha256(options.sentEnvelopeBytes);
  const actual = options.receipt.envelopeSha256;
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
