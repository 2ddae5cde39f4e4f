// Opening one consumed record: bytes in, `Opened | Refused` out. Size, signature and decryption (libs/envelope),
// then the checks that need no database: header ids, the sender's own topic, the agreement of exactly this pair,
// content within the API's rules, and the agreement's rules for messages about an alert. No writes, no clock but the
// one passed in; a partner may be hostile (docs/security.md, "A compromised partner gateway").
import type { KeyObject } from 'node:crypto';
import { Category, EnvelopeHeader, ExchangeMessage, MessageKind } from '@corridor/contracts';
import {
  EnvelopeError,
  EnvelopeErrorCode,
  EnvelopeTrust,
  openEnvelopeAsync,
  type XWingPrivateKey,
  peekEnvelopeHeader,
  ReplayGuard,
} from '@corridor/envelope';
import { ActiveAgreement, evaluateMessage, PolicyReason } from '@corridor/policy';
import type { BusRecord } from '@corridor/platform';
import { messageViolation, UUID } from '../inbound-content';

/** Why an inbound envelope was refused: the envelope library's codes, the policy's, and the gateway's own. */
export type RejectionCode =
  | EnvelopeErrorCode
  | PolicyReason
  | 'ENVELOPE_TOO_LARGE'
  | 'HEADER_INVALID'
  | 'TOPIC_MISMATCH'
  | 'AGREEMENT_MISMATCH'
  | 'CONTENT_INVALID'
  | 'HEADER_MISMATCH'
  | 'ORIGINATOR_MISMATCH'
  | 'UNKNOWN_ALERT'
  | 'ALERT_ID_REUSED'
  | 'ALERT_WITHDRAWN'
  | 'RECEIPT_MISMATCH'
  | 'APPLY_FAILED';

export class Rejection extends Error {
  constructor(
    readonly code: RejectionCode,
    message: string,
    /** the sender is authenticated and the message named, so it may get a negative receipt */
    readonly authenticated: boolean,
  ) {
    super(message);
  }
}

/** A verified and screened envelope. */
export interface Opened {
  record: BusRecord;
  header: EnvelopeHeader;
  message: ExchangeMessage;
  sha: Uint8Array;
}

/** A refused envelope, with its header when the signature verified. */
export interface Refused {
  record: BusRecord;
  rejection: Rejection;
  header?: EnvelopeHeader;
}

export type Item = Opened | Refused;

/** What opening needs to know of this gateway and its partners (the trust store). */
export interface OpeningTrust {
  own: { country: string; key: KeyObject; certPem: string; suites: number[] };
  keyFor(recipientCertFingerprint: string): { key: KeyObject; certPem: string } | undefined;
  envelopeTrust(): EnvelopeTrust;
  incomingTopic(partner: string): string;
  agreementWith(partner: string): ActiveAgreement | undefined;
  /** the parties of a known agreement by id, whatever its state */
  agreementParties(id: string): readonly string[];
  /** suites accepted from this partner: those this gateway opens, within the pair's agreement when it names some */
  suitesFrom(partner: string): number[];
  /** this gateway's private epoch keys (suite 2) while held */
  epochKeys: { get(keyId: string): XWingPrivateKey | undefined };
}

export interface OpeningOptions {
  trust: OpeningTrust;
  /** larger envelopes are refused before any crypto */
  maxEnvelopeBytes: number;
  /** the replay window */
  maxAgeMs: number;
  now: () => number;
}

/** Durable dedupe lives in PostgreSQL (seen_messages); the in-memory guard of the envelope lib is not used. */
const NO_MEMORY_REPLAY_GUARD: ReplayGuard = { seen: () => false, remember: () => undefined };

/** Size, signature, decryption, then `screen`. Never throws. */
export async function openRecord(record: BusRecord, opts: OpeningOptions): Promise<Item> {
  if (record.value.length > opts.maxEnvelopeBytes) {
    return {
      record,
      rejection: new Rejection(
        'ENVELOPE_TOO_LARGE',
        `${record.value.length} bytes, more than the ${opts.maxEnvelopeBytes} allowed (MAX_ENVELOPE_BYTES)`,
        false,
      ),
    };
  }
  const { trust } = opts;
  try {
    const peeked = peek(record.value);
    const mine = (peeked && trust.keyFor(peeked.recipientCertFingerprint)) ?? trust.own;
    const opened = await openEnvelopeAsync({
      bytes: record.value,
      recipientCountry: trust.own.country,
      recipientKey: mine.key,
      recipientCertPem: mine.certPem,
      recipientEpochKeys: trust.epochKeys,
      // By the claimed sender: a forged sender fails the signature check that follows anyway.
      allowedSuites: peeked ? trust.suitesFrom(peeked.sender) : trust.own.suites,
      trust: trust.envelopeTrust(),
      replay: NO_MEMORY_REPLAY_GUARD,
      now: opts.now(),
      maxAgeMs: opts.maxAgeMs,
    });
    const rejection = screen(record, opened.header, opened.message, opts);
    if (rejection) {
      return { record, header: opened.header, rejection };
    }
    return { record, header: opened.header, message: opened.message, sha: opened.envelopeSha256 };
  } catch (err) {
    const code = err instanceof EnvelopeError ? err.code : 'MALFORMED';
    return {
      record,
      rejection: new Rejection(code, err instanceof Error ? err.message : String(err), false),
    };
  }
}

/** The (still unverified) header: to choose the key and the suites; the open then verifies everything. */
function peek(bytes: Uint8Array): EnvelopeHeader | undefined {
  try {
    return peekEnvelopeHeader(bytes);
  } catch {
    return undefined;
  }
}

/**
 * What an authenticated sender may do, before anything is written: well-formed ids, its own topic, the agreement of
 * exactly this pair, content within the API's rules, and, for messages about an alert, the agreement's rules on the
 * labels they carry. Alerts and updates get the full policy on receive when they are applied.
 */
export function screen(
  record: BusRecord,
  header: EnvelopeHeader,
  message: ExchangeMessage,
  opts: Pick<OpeningOptions, 'trust' | 'now'>,
): Rejection | undefined {
  const { trust } = opts;
  const sender = header.sender;
  // Signed, but still the sender's words: ids that go into uuid columns and receipts must be what they claim.
  const badHeader = !UUID.test(header.messageId)
    ? 'messageId is not a UUID'
    : header.threadId && !UUID.test(header.threadId)
      ? 'threadId is not a UUID'
      : !/^[\x21-\x7e]{1,100}$/.test(header.agreementId)
        ? 'agreementId is not 1-100 visible ASCII characters'
        : undefined;
  if (badHeader) {
    // No receipt: it could not name the message.
    return new Rejection('HEADER_INVALID', badHeader, false);
  }
  if (record.topic !== trust.incomingTopic(sender)) {
    return new Rejection('TOPIC_MISMATCH', `envelope from ${sender} arrived on ${record.topic}`, true);
  }
  const own = trust.own.country;
  if (header.kind === MessageKind.RECEIPT) {
    // Receipts settle past traffic too: any agreement of this pair, whatever its state now.
    const named = trust.agreementParties(header.agreementId);
    if (!(named.includes(sender) && named.includes(own))) {
      return new Rejection(
        'AGREEMENT_MISMATCH',
        `receipts from ${sender} name ${header.agreementId}, not an agreement between ${sender} and ${own}`,
        true,
      );
    }
  } else {
    const agreement = trust.agreementWith(sender);
    if (agreement && agreement.id !== header.agreementId) {
      return new Rejection(
        'AGREEMENT_MISMATCH',
        `the header names ${header.agreementId}; the agreement of ${sender}→${own} is ${agreement.id}`,
        true,
      );
    }
  }
  const violation = messageViolation(message, sender, opts.now());
  if (violation) {
    return new Rejection('CONTENT_INVALID', `${violation.field}: ${violation.message}`, true);
  }
  const body = message.body.case;
  if (body === 'registerChunk' && header.category !== Category.DOCUMENT) {
    // The grant checked below is the header's category: a register travels as DOCUMENT or not at all.
    return new Rejection('HEADER_MISMATCH', 'a document register chunk must be labelled DOCUMENT', true);
  }
  if (body === 'reply' || body === 'acknowledgement' || body === 'withdrawal' || body === 'registerChunk') {
    const decision = evaluateMessage({
      from: sender,
      to: own,
      agreement: trust.agreementWith(sender),
      now: opts.now(),
      labels: { category: header.category, classification: header.classification },
    });
    if (!decision.allowed) {
      return new Rejection(decision.reason, decision.rule, true);
    }
  }
  return undefined;
}
