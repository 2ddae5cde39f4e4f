// Sealing: encrypt for the recipient's certificate, bind the header as AAD, sign everything with the sender key.
import type { KeyObject } from 'node:crypto';
import {
  create,
  EnvelopeHeaderSchema,
  ExchangeMessageSchema,
  MessageKind,
  toBinary,
  type Category,
  type Classification,
  type EnvelopeHeader,
  type ExchangeMessage,
} from '@corridor/contracts';
import {
  describeCertificate,
  isIsoCountryCode,
  isPkiError,
  loadPrivateKey,
  samePublicKey,
} from '@corridor/pki';
import { envelopeSha256 } from './digest';
import { freshRandomBytes } from './random';
import { encodeEnvelope, encodeEnvelopeHeader } from './envelope-codec';
import type { VerifiedEpochKey } from './epoch-keys';
import { EnvelopeError } from './errors';
import { messageKindOf } from './kinds';
import { envelopeSigningParts } from './signing-input';
import { suiteImplementation, SUITES, type SuiteImplementation } from './suites';

export const ENVELOPE_VERSION = 1;

/** Header fields the caller chooses; version, suite and fingerprints are filled by sealEnvelope. */
export interface EnvelopeHeaderInput {
  sender: string;
  recipient: string;
  messageId: string;
  createdAtMs: number | bigint;
  agreementId: string;
  kind: MessageKind;
  category: Category;
  classification: Classification;
  threadId: string;
}

export interface SealedEnvelope {
  /** Serialized Envelope: what goes on Kafka. */
  bytes: Uint8Array;
  envelopeSha256: Uint8Array;
  header: EnvelopeHeader;
}

export interface SealEnvelopeOptions {
  header: EnvelopeHeaderInput;
  message: ExchangeMessage;
  /**
   * The message as `toBinary(ExchangeMessageSchema, message)` encodes it, when the caller holds those bytes already
   * (the gateway encodes each message once, for its outbox row and its seal): sealed as given, not encoded again.
   */
  messageBytes?: Uint8Array;
  /** A KeyObject is much faster than PEM, which is parsed on every call. */
  senderKey: KeyObject | string;
  senderCertPem: string;
  recipientCertPem: string;
  /** 1 (RSA, the default) or 2 (P-256 + X-Wing; the sender certificate must be P-256). */
  suite?: number;
  /**
   * Suite 2: the recipient's epoch key, checked by verifyEpochKey against recipientCertPem. Its validity must cover
   * header.createdAtMs. Not used for signed-only messages (receipts).
   */
  recipientEpochKey?: VerifiedEpochKey;
}

const MAX_ID_LENGTH = 128;

function requireText(value: string, field: string): void {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_ID_LENGTH) {
    throw new EnvelopeError('INVALID_ARGUMENT', `header.${field} must be 1-${MAX_ID_LENGTH} characters`);
  }
}

function validateHeader(header: EnvelopeHeaderInput, message: ExchangeMessage): bigint {
  if (!isIsoCountryCode(header.sender) || !isIsoCountryCode(header.recipient)) {
    throw new EnvelopeError(
      'INVALID_ARGUMENT',
      'header.sender and header.recipient must be ISO alpha-2 codes',
    );
  }
  if (header.sender === header.recipient) {
    throw new EnvelopeError('INVALID_ARGUMENT', 'sender and recipient must differ');
  }
  requireText(header.messageId, 'messageId');
  requireText(header.agreementId, 'agreementId');
  requireText(header.threadId, 'threadId');
  const createdAtMs = BigInt(header.createdAtMs);
  if (createdAtMs <= 0n || createdAtMs > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new EnvelopeError(
      'INVALID_ARGUMENT',
      'header.createdAtMs must be a positive epoch millisecond value',
    );
  }
  if (header.kind === MessageKind.UNSPECIFIED || messageKindOf(message) !== header.kind) {
    throw new EnvelopeError('KIND_MISMATCH', 'header.kind does not name the message body');
  }
  return createdAtMs;
}

function senderPrivateKey(key: KeyObject | string): KeyObject {
  if (typeof key !== 'string') {
    if (key.type !== 'private') {
      throw new EnvelopeError('INVALID_ARGUMENT', 'senderKey must be a private key');
    }
    return key;
  }
  return loadPrivateKey(key);
}

const SENDER_KEY_TYPE: Readonly<Record<number, string>> = { 1: 'rsa', 2: 'ec' };

/** Suite 2: the epoch key to encapsulate to, refused unless verified, the recipient's, and valid at createdAtMs. */
function epochKeyFor(
  options: SealEnvelopeOptions,
  recipientFingerprint: string,
  createdAtMs: bigint,
): VerifiedEpochKey {
  const epochKey = options.recipientEpochKey;
  if (epochKey === undefined || epochKey.verified !== true) {
    throw new EnvelopeError('INVALID_ARGUMENT', 'suite 2 needs a verified recipient epoch key');
  }
  if (epochKey.country !== options.header.recipient || epochKey.certFingerprint !== recipientFingerprint) {
    throw new EnvelopeError('WRONG_RECIPIENT', 'the epoch key belongs to another recipient certificate');
  }
  const at = Number(createdAtMs);
  if (at < epochKey.notBeforeMs || at > epochKey.notAfterMs) {
    throw new EnvelopeError('INVALID_ARGUMENT', 'the recipient epoch key is not valid at header.createdAtMs');
  }
  return epochKey;
}

/** Everything before the signature; `finish` completes the envelope with it. */
function prepareSeal(options: SealEnvelopeOptions): {
  suite: SuiteImplementation;
  /** The signing input in pieces (signing-input.ts). */
  signingInput: Uint8Array[];
  privateKey: KeyObject;
  finish: (signature: Uint8Array) => SealedEnvelope;
} {
  const suiteId = options.suite ?? 1;
  const suite = suiteImplementation(suiteId);
  if (SUITES[suiteId] === undefined || suite === undefined) {
    throw new EnvelopeError('SUITE_NOT_ALLOWED', `suite ${suiteId} is not known`);
  }
  const createdAtMs = validateHeader(options.header, options.message);
  const senderCert = describeCertificate(options.senderCertPem);
  const recipientCert = describeCertificate(options.recipientCertPem);
  if (senderCert.country !== options.header.sender) {
    throw new EnvelopeError('SENDER_MISMATCH', 'sender certificate country is not header.sender');
  }
  if (recipientCert.country !== options.header.recipient) {
    throw new EnvelopeError('WRONG_RECIPIENT', 'recipient certificate country is not header.recipient');
  }
  const privateKey = senderPrivateKey(options.senderKey);
  if (!samePublicKey(privateKey, senderCert.publicKey)) {
    throw new EnvelopeError('INVALID_ARGUMENT', 'senderKey does not belong to the sender certificate');
  }
  if (senderCert.publicKey.asymmetricKeyType !== SENDER_KEY_TYPE[suiteId]) {
    throw new EnvelopeError(
      'INVALID_ARGUMENT',
      `suite ${suiteId} signs with ${SENDER_KEY_TYPE[suiteId] === 'ec' ? 'a P-256' : 'an RSA'} sender certificate`,
    );
  }
  const signedOnly = suite.signedOnlyKinds.has(options.header.kind);
  const epochKey =
    suite.usesEpochKeys && !signedOnly
      ? epochKeyFor(options, recipientCert.fingerprint, createdAtMs)
      : undefined;

  const header = create(EnvelopeHeaderSchema, {
    version: ENVELOPE_VERSION,
    suite: suiteId,
    sender: options.header.sender,
    recipient: options.header.recipient,
    messageId: options.header.messageId,
    createdAtMs,
    agreementId: options.header.agreementId,
    kind: options.header.kind,
    category: options.header.category,
    classification: options.header.classification,
    threadId: options.header.threadId,
    senderCertFingerprint: senderCert.fingerprint,
    recipientCertFingerprint: recipientCert.fingerprint,
    recipientKemKeyId: epochKey?.keyId ?? '',
  });
  const headerBytes = encodeEnvelopeHeader(header);
  const plaintext = options.messageBytes ?? toBinary(ExchangeMessageSchema, options.message);
  let ciphertext: Uint8Array | Uint8Array[];
  let wrappedKey: Uint8Array;
  let nonce: Uint8Array;
  if (signedOnly) {
    // No content (a receipt names a hash, a status and a time): signed, not encrypted.
    [ciphertext, wrappedKey, nonce] = [plaintext, new Uint8Array(0), new Uint8Array(0)];
  } else {
    const established = suite.establishKey({
      certificateKey: recipientCert.publicKey,
      kem: epochKey?.publicKey,
    });
    const contentNonce = freshRandomBytes(suite.nonceBytes);
    try {
      ciphertext = suite.encrypt({ key: established.key, nonce: contentNonce, plaintext, aad: headerBytes });
    } finally {
      established.key.fill(0); // the content key is no longer needed: it travels only wrapped
    }
    [wrappedKey, nonce] = [established.wrappedKey, contentNonce];
  }
  return {
    suite,
    privateKey,
    signingInput: envelopeSigningParts({ header: headerBytes, wrappedKey, nonce, ciphertext }),
    finish: (signature) => {
      const bytes = encodeEnvelope({ header: headerBytes, wrappedKey, nonce, ciphertext, signature });
      return { bytes, envelopeSha256: envelopeSha256(bytes), header };
    },
  };
}

function seal(options: SealEnvelopeOptions): SealedEnvelope {
  const p = prepareSeal(options);
  return p.finish(p.suite.sign({ input: p.signingInput, senderPrivateKey: p.privateKey }));
}

async function sealAsync(options: SealEnvelopeOptions): Promise<SealedEnvelope> {
  const p = prepareSeal(options);
  return p.finish(await p.suite.signAsync({ input: p.signingInput, senderPrivateKey: p.privateKey }));
}

function sealError(error: unknown): EnvelopeError {
  if (error instanceof EnvelopeError) {
    return error;
  }
  const detail = isPkiError(error) ? `${error.code}: ${error.message}` : 'unexpected failure';
  return new EnvelopeError('INVALID_ARGUMENT', `cannot seal: ${detail}`, { cause: error });
}

/**
 * Seals an ExchangeMessage from header.sender to header.recipient. The caller passes a recipient certificate it
 * has already verified (verifyCertificateChain); the certificates' countries must match the header.
 */
export function sealEnvelope(options: SealEnvelopeOptions): SealedEnvelope {
  try {
    return seal(options);
  } catch (error) {
    throw sealError(error);
  }
}

/**
 * `sealEnvelope` with the RSA signature computed on the libuv thread pool: a busy gateway keeps serving requests
 * while it signs. Same checks, same bytes format, same errors.
 */
export async function sealEnvelopeAsync(options: SealEnvelopeOptions): Promise<SealedEnvelope> {
  try {
    return await sealAsync(options);
  } catch (error) {
    throw sealError(error);
  }
}
