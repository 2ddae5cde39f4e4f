// A receipt is an ExchangeMessage{receipt} sealed back to the sender, naming the hash of the exact bytes received.
import { timingSafeEqual } from 'node:crypto';
import {
  create,
  ExchangeMessageSchema,
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
