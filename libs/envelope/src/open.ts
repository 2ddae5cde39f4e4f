// Opening: every check passes before any content is returned; every failure is an EnvelopeError.
import type { KeyObject } from 'node:crypto';
import {
  EnvelopeHeaderSchema,
  ExchangeMessageSchema,
  fromBinary,
  MessageKind,
  type EnvelopeHeader,
  type ExchangeMessage,
} from '@corridor/contracts';
import {
  certificateFingerprint,
  isIsoCountryCode,
  isPkiError,
  loadPrivateKey,
  verifyCertificateChain,
  type VerifiedCertificate,
} from '@corridor/pki';
import { envelopeSha256 } from './digest';
import { readCanonicalEnvelope, type EnvelopeFields } from './envelope-codec';
import { EnvelopeError, type EnvelopeErrorCode } from './errors';
import { messageKindOf } from './kinds';
import type { ReplayGuard } from './replay-guard';
import { ENVELOPE_VERSION } from './seal';
import { envelopeSigningParts } from './signing-input';
import {
  DEFAULT_ALLOWED_SUITES,
  suiteImplementation,
  SUITES,
  type RecipientPrivateKeys,
  type SuiteImplementation,
} from './suites';
import type { XWingPrivateKey } from './xwing';

export const DEFAULT_MAX_ENVELOPE_BYTES = 1024 * 1024;
/** Envelopes may wait in Kafka while a gateway is down: accept up to a week (the topic retention). */
export const DEFAULT_MAX_AGE_MS = 7 * 24 * 60 * 60 * 1000;
/** Tolerated clock skew for envelopes dated in the future. */
export const DEFAULT_MAX_SKEW_MS = 5 * 60 * 1000;

export interface EnvelopeTrust {
  /** Sender certificate by SHA-256 fingerprint and country, from the control topic; undefined when unknown. */
  resolveSenderCert(fingerprint: string, country: string): string | undefined;
  caCertPem: string;
  /** Lowercase hex serials (parseRevocationList().revokedSerials). */
  revokedSerials: ReadonlySet<string>;
}

export interface OpenEnvelopeOptions {
  bytes: Uint8Array;
  recipientCountry: string;
  /** A KeyObject is much faster than PEM, which is parsed on every call. */
  recipientKey: KeyObject | string;
  recipientCertPem: string;
  /** Suite 2: the recipient's private epoch keys by key id (an EpochKeyRing); a destroyed key is absent. */
  recipientEpochKeys?: { get(keyId: string): XWingPrivateKey | undefined };
  trust: EnvelopeTrust;
  replay: ReplayGuard;
  /** Receiver clock, epoch milliseconds. */
  now: number;
  maxBytes?: number;
  allowedSuites?: readonly number[];
  /** How old created-at may be (replay window); keep the ReplayGuard window at least this long. */
  maxAgeMs?: number;
  /** How far in the future created-at may be (clock skew). */
  maxSkewMs?: number;
}

export interface OpenedEnvelope {
  header: EnvelopeHeader;
  message: ExchangeMessage;
  envelopeSha256: Uint8Array;
  senderCert: VerifiedCertificate;
}

type UnknownFieldHolder = { $unknown?: unknown[] };

function hasUnknownFields(message: object): boolean {
  return ((message as UnknownFieldHolder).$unknown?.length ?? 0) > 0;
}

function decodeEnvelope(bytes: Uint8Array): { envelope: EnvelopeFields; header: EnvelopeHeader } {
  // Only the canonical encoding is accepted (the decoder would be lenient, e.g. about wire types), so the bytes a
  // receipt hashes cannot be altered in transit without the envelope being rejected. Version 1 has no optional
  // extensions: an unknown field is damage or an attempt to smuggle unsigned data, and is not canonical either.
  const envelope = readCanonicalEnvelope(bytes);
  if (envelope === undefined) {
    throw new EnvelopeError('MALFORMED', 'envelope is not a canonically encoded protobuf Envelope');
  }
  if (envelope.header.length === 0 || envelope.signature.length === 0) {
    throw new EnvelopeError('MALFORMED', 'envelope lacks a header or signature');
  }
  let header: EnvelopeHeader;
  try {
    header = fromBinary(EnvelopeHeaderSchema, envelope.header);
  } catch (error) {
    throw new EnvelopeError('MALFORMED', 'envelope header is not a valid protobuf EnvelopeHeader', {
      cause: error,
    });
  }
  if (hasUnknownFields(header)) {
    throw new EnvelopeError('MALFORMED', 'envelope header carries unknown fields');
  }
  return { envelope, header };
}

/**
 * The header as the sender wrote it, WITHOUT any verification: for routing and quarantine records only.
 * Never act on it before openEnvelope succeeds.
 */
export function peekEnvelopeHeader(bytes: Uint8Array): EnvelopeHeader {
  return decodeEnvelope(bytes).header;
}

const CERT_ERROR_CODES: Readonly<Record<string, EnvelopeErrorCode>> = {
  CERT_EXPIRED: 'CERT_EXPIRED',
  CERT_NOT_YET_VALID: 'CERT_EXPIRED',
  CERT_REVOKED: 'CERT_REVOKED',
};

function verifySender(options: OpenEnvelopeOptions, header: EnvelopeHeader): VerifiedCertificate {
  if (!/^[0-9a-f]{64}$/.test(header.senderCertFingerprint) || !isIsoCountryCode(header.sender)) {
    throw new EnvelopeError('MALFORMED', 'header sender or sender certificate fingerprint is malformed');
  }
  let senderCertPem: string | undefined;
  try {
    senderCertPem = options.trust.resolveSenderCert(header.senderCertFingerprint, header.sender);
  } catch (error) {
    throw new EnvelopeError('UNKNOWN_SENDER_CERT', 'sender certificate lookup failed', { cause: error });
  }
  // The resolver is not trusted to honour the fingerprint: recompute it.
  if (senderCertPem === undefined || certificateFingerprint(senderCertPem) !== header.senderCertFingerprint) {
    throw new EnvelopeError('UNKNOWN_SENDER_CERT', 'no certificate with this fingerprint for the sender');
  }
  let senderCert: VerifiedCertificate;
  try {
    senderCert = verifyCertificateChain({
      certPem: senderCertPem,
      caCertPem: options.trust.caCertPem,
      revokedSerials: options.trust.revokedSerials,
      at: new Date(options.now),
    });
  } catch (error) {
    const code = isPkiError(error) ? (CERT_ERROR_CODES[error.code] ?? 'CERT_UNTRUSTED') : 'CERT_UNTRUSTED';
    throw new EnvelopeError(
      code,
      `sender certificate rejected${isPkiError(error) ? `: ${error.code}` : ''}`,
      {
        cause: error,
      },
    );
  }
  if (senderCert.country !== header.sender) {
    throw new EnvelopeError('SENDER_MISMATCH', 'sender certificate country is not header.sender');
  }
  return senderCert;
}

function recipientPrivateKey(key: KeyObject | string): KeyObject {
  return typeof key === 'string' ? loadPrivateKey(key) : key;
}

/** Everything an envelope must pass before its content key is unwrapped (steps 1-7). */
interface Checked {
  envelope: EnvelopeFields;
  header: EnvelopeHeader;
  suite: SuiteImplementation;
  senderCert: VerifiedCertificate;
  createdAtMs: number;
  /** A suite-2 receipt: signed, not encrypted; the ciphertext field holds the plaintext. */
  signedOnly: boolean;
}

/** Field sizes the suite and kind imply: an encrypted message has a wrapped key and nonce, a signed-only one none. */
function checkShape(
  envelope: EnvelopeFields,
  header: EnvelopeHeader,
  suite: SuiteImplementation,
  signedOnly: boolean,
): void {
  if (signedOnly) {
    if (envelope.wrappedKey.length !== 0 || envelope.nonce.length !== 0 || header.recipientKemKeyId !== '') {
      throw new EnvelopeError(
        'MALFORMED',
        'a signed-only message carries no wrapped key, nonce or KEM key id',
      );
    }
    return;
  }
  if (
    envelope.nonce.length !== suite.nonceBytes ||
    envelope.ciphertext.length < suite.tagBytes ||
    envelope.wrappedKey.length === 0 ||
    (suite.wrappedKeyBytes !== undefined && envelope.wrappedKey.length !== suite.wrappedKeyBytes)
  ) {
    throw new EnvelopeError('MALFORMED', 'wrapped key, nonce or ciphertext has the wrong size for the suite');
  }
  const kemKeyIdOk = suite.usesEpochKeys
    ? /^[0-9a-f]{64}$/.test(header.recipientKemKeyId)
    : header.recipientKemKeyId === '';
  if (!kemKeyIdOk) {
    throw new EnvelopeError('MALFORMED', 'header.recipient_kem_key_id does not fit the suite');
  }
}

/** The private keys `recoverKey` needs; a suite-2 envelope to an epoch key we no longer hold cannot be opened. */
function recipientKeysFor(options: OpenEnvelopeOptions, checked: Checked): RecipientPrivateKeys {
  const identityKey = recipientPrivateKey(options.recipientKey);
  if (!checked.suite.usesEpochKeys) {
    return { identityKey };
  }
  const kem = options.recipientEpochKeys?.get(checked.header.recipientKemKeyId);
  if (kem === undefined || kem.isDestroyed) {
    throw new Error(
      `epoch key ${checked.header.recipientKemKeyId.slice(0, 16)}… is not held (destroyed after the replay window, or never ours)`,
    );
  }
  return { identityKey, kem };
}

function check(options: OpenEnvelopeOptions): Checked {
  // 1. size, before any parsing
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_ENVELOPE_BYTES;
  if (!(options.bytes instanceof Uint8Array)) {
    throw new EnvelopeError('MALFORMED', 'envelope bytes expected');
  }
  if (options.bytes.length > maxBytes) {
    throw new EnvelopeError('OVERSIZED', `envelope exceeds ${maxBytes} bytes`);
  }
  // 2. decode
  const { envelope, header } = decodeEnvelope(options.bytes);
  // 3. version and suite
  if (header.version !== ENVELOPE_VERSION) {
    throw new EnvelopeError('UNSUPPORTED_VERSION', `envelope version ${header.version} is not supported`);
  }
  const allowedSuites = options.allowedSuites ?? DEFAULT_ALLOWED_SUITES;
  const suite = suiteImplementation(header.suite);
  if (!allowedSuites.includes(header.suite) || SUITES[header.suite] === undefined || suite === undefined) {
    throw new EnvelopeError('SUITE_NOT_ALLOWED', `suite ${header.suite} is not allowed`);
  }
  const signedOnly = suite.signedOnlyKinds.has(header.kind);
  checkShape(envelope, header, suite, signedOnly);
  // 4. recipient: our country and our current certificate
  if (header.recipient !== options.recipientCountry) {
    throw new EnvelopeError('WRONG_RECIPIENT', 'envelope is addressed to another country');
  }
  if (header.recipientCertFingerprint !== certificateFingerprint(options.recipientCertPem)) {
    throw new EnvelopeError('WRONG_RECIPIENT', 'envelope is sealed for another recipient certificate');
  }
  // 5. sender certificate: chain, validity, revocation, country
  const senderCert = verifySender(options, header);
  // 6. signature over the exact received bytes, before any decryption (no decryption oracle for outsiders)
  let signatureOk = false;
  try {
    signatureOk = suite.verify({
      input: envelopeSigningParts(envelope),
      senderPublicKey: senderCert.publicKey,
      signature: envelope.signature,
    });
  } catch {
    signatureOk = false;
  }
  if (!signatureOk) {
    throw new EnvelopeError('BAD_SIGNATURE', 'envelope signature does not verify');
  }
  // 7. time window
  const createdAtMs = Number(header.createdAtMs);
  if (createdAtMs < options.now - (options.maxAgeMs ?? DEFAULT_MAX_AGE_MS)) {
    throw new EnvelopeError('STALE', 'envelope is older than the replay window');
  }
  if (createdAtMs > options.now + (options.maxSkewMs ?? DEFAULT_MAX_SKEW_MS)) {
    throw new EnvelopeError('FUTURE', 'envelope is dated in the future beyond the allowed skew');
  }
  return { envelope, header, suite, senderCert, createdAtMs, signedOnly };
}

function decrypt(envelope: EnvelopeFields, suite: SuiteImplementation, unwrap: () => Buffer): Buffer {
  let key: Buffer | undefined;
  try {
    key = unwrap();
    if (key.length !== suite.contentKeyBytes) {
      throw new Error('content key has the wrong length');
    }
    return suite.decrypt({
      key,
      nonce: envelope.nonce,
      ciphertext: envelope.ciphertext,
      aad: envelope.header,
    });
  } catch (error) {
    throw new EnvelopeError('DECRYPT_FAILED', 'envelope could not be decrypted', { cause: error });
  } finally {
    key?.fill(0);
  }
}

/** Steps 8-10 of opening, with the content key from `unwrap` (which may throw). */
function finish(
  options: OpenEnvelopeOptions,
  { envelope, header, suite, senderCert, createdAtMs, signedOnly }: Checked,
  unwrap: () => Buffer,
): OpenedEnvelope {
  // 8. decrypt (a signed-only receipt: the signed bytes are the message)
  const plaintext = signedOnly ? envelope.ciphertext : decrypt(envelope, suite, unwrap);
  let message: ExchangeMessage;
  try {
    message = fromBinary(ExchangeMessageSchema, plaintext);
  } catch (error) {
    throw new EnvelopeError('MALFORMED', 'decrypted content is not an ExchangeMessage', { cause: error });
  }
  // 9. the body is what the signed header says it is
  if (header.kind === MessageKind.UNSPECIFIED || messageKindOf(message) !== header.kind) {
    throw new EnvelopeError('KIND_MISMATCH', 'message body does not match header.kind');
  }
  // 10. replay: checked last so a failed open never marks an id as seen
  if (options.replay.seen(header.messageId, header.sender)) {
    throw new EnvelopeError('DUPLICATE', 'envelope was already accepted');
  }
  options.replay.remember(header.messageId, header.sender, createdAtMs, options.now);
  return { header, message, envelopeSha256: envelopeSha256(options.bytes), senderCert };
}

function open(options: OpenEnvelopeOptions): OpenedEnvelope {
  const checked = check(options);
  return finish(options, checked, () =>
    checked.suite.recoverKey({
      wrappedKey: checked.envelope.wrappedKey,
      recipient: recipientKeysFor(options, checked),
    }),
  );
}

/** Opens an envelope addressed to `recipientCountry`. Throws only EnvelopeError; returns only verified content. */
export function openEnvelope(options: OpenEnvelopeOptions): OpenedEnvelope {
  try {
    return open(options);
  } catch (error) {
    throw asEnvelopeError(error);
  }
}

function asEnvelopeError(error: unknown): EnvelopeError {
  return error instanceof EnvelopeError
    ? error
    : new EnvelopeError('MALFORMED', 'envelope could not be processed', { cause: error });
}

/**
 * The same checks and result as openEnvelope, with the RSA key unwrap (the costly private-key operation) computed
 * on the libuv thread pool, so a receiver keeps serving while it opens and can open several envelopes side by side.
 * Everything after the unwrap (decrypt, kind check, replay check and remember) runs in one synchronous step.
 */
export async function openEnvelopeAsync(options: OpenEnvelopeOptions): Promise<OpenedEnvelope> {
  try {
    const checked = check(options);
    let key: Buffer | undefined;
    let unwrapError: unknown;
    if (!checked.signedOnly) {
      try {
        key = await checked.suite.recoverKeyAsync({
          wrappedKey: checked.envelope.wrappedKey,
          recipient: recipientKeysFor(options, checked),
        });
      } catch (error) {
        unwrapError = error;
      }
    }
    return finish(options, checked, () => {
      if (key === undefined) {
        throw unwrapError;
      }
      return key;
    });
  } catch (error) {
    throw asEnvelopeError(error);
  }
}
