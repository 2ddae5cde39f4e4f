// Epoch keys (suite 2 forward secrecy): a gateway makes an X-Wing key pair per epoch (a day by default), signs the
// public half with its P-256 identity key and publishes it; senders encapsulate only to a signed key inside its
// validity; the gateway destroys the private half once nothing it may still accept can need it.
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  pbkdf2Sync,
  randomBytes,
  sign,
  verify,
  type KeyObject,
} from 'node:crypto';
import { certificateFingerprint, describeCertificate, isIsoCountryCode } from '@corridor/pki';
import { EnvelopeError } from './errors';
import { XWING_PUBLIC_KEY_BYTES, XWingPrivateKey, XWingPublicKey } from './xwing';

export const EPOCH_KEY_SIGNING_DOMAIN = 'corridor-epoch-key-v1\0';
export const DEFAULT_EPOCH_MS = 24 * 60 * 60 * 1000;

/** A signed epoch key as published on corridor.control and kept in every trust store. */
export interface EpochKeyAnnouncement {
  country: string;
  /** Hex SHA-256 of the public key bytes: what an envelope header names. */
  keyId: string;
  /** X-Wing encapsulation key, 1216 bytes. */
  publicKey: Uint8Array;
  /** Senders may use the key from notBeforeMs until notAfterMs (epoch milliseconds, inclusive). */
  notBeforeMs: number;
  notAfterMs: number;
  /** Fingerprint of the gateway certificate whose key signed the announcement. */
  certFingerprint: string;
  /** ECDSA P-256 SHA-256 signature (IEEE P1363) over epochKeySigningInput. */
  signature: Uint8Array;
}

/** An epoch key whose signature, issuer and validity were checked; only verifyEpochKey makes one. */
export interface VerifiedEpochKey {
  readonly verified: true;
  country: string;
  keyId: string;
  publicKey: XWingPublicKey;
  notBeforeMs: number;
  notAfterMs: number;
  certFingerprint: string;
}

export function epochKeyId(publicKey: Uint8Array): string {
  return createHash('sha256').update(publicKey).digest('hex');
}

function u64(value: number): Buffer {
  const bytes = Buffer.alloc(8);
  bytes.writeBigUInt64BE(BigInt(value));
  return bytes;
}

function field(bytes: Uint8Array): Buffer[] {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length);
  return [length, Buffer.from(bytes)];
}

/** "corridor-epoch-key-v1\0" || len|country || len|public key || u64 notBefore || u64 notAfter || len|cert fingerprint */
export function epochKeySigningInput(a: Omit<EpochKeyAnnouncement, 'signature' | 'keyId'>): Buffer {
  return Buffer.concat([
    Buffer.from(EPOCH_KEY_SIGNING_DOMAIN, 'latin1'),
    ...field(Buffer.from(a.country, 'latin1')),
    ...field(a.publicKey),
    u64(a.notBeforeMs),
    u64(a.notAfterMs),
    ...field(Buffer.from(a.certFingerprint, 'latin1')),
  ]);
}

/** A new epoch key pair for the gateway of `certPem`, signed with its identity key. */
export function createEpochKey(options: {
  certPem: string;
  identityKey: KeyObject;
  notBeforeMs: number;
  notAfterMs: number;
}): { privateKey: XWingPrivateKey; announcement: EpochKeyAnnouncement } {
  const cert = describeCertificate(options.certPem);
  if (!(options.notAfterMs > options.notBeforeMs)) {
    throw new EnvelopeError('INVALID_ARGUMENT', 'an epoch key must end after it starts');
  }
  const privateKey = XWingPrivateKey.generate();
  return {
    privateKey,
    announcement: signEpochKey({ ...options, publicKey: privateKey.publicKey.bytes, cert }),
  };
}

/**
 * Signs an existing epoch key's public half again with another identity (after `corridor pki rotate`): same key,
 * same validity, the new certificate's fingerprint and signature.
 */
export function resignEpochKey(options: {
  publicKey: Uint8Array;
  notBeforeMs: number;
  notAfterMs: number;
  certPem: string;
  identityKey: KeyObject;
}): EpochKeyAnnouncement {
  if (!(options.notAfterMs > options.notBeforeMs)) {
    throw new EnvelopeError('INVALID_ARGUMENT', 'an epoch key must end after it starts');
  }
  return signEpochKey({ ...options, cert: describeCertificate(options.certPem) });
}

function signEpochKey(options: {
  publicKey: Uint8Array;
  notBeforeMs: number;
  notAfterMs: number;
  cert: { country: string; fingerprint: string };
  identityKey: KeyObject;
}): EpochKeyAnnouncement {
  const unsigned = {
    country: options.cert.country,
    publicKey: options.publicKey,
    notBeforeMs: options.notBeforeMs,
    notAfterMs: options.notAfterMs,
    certFingerprint: options.cert.fingerprint,
  };
  const signature = sign('sha256', epochKeySigningInput(unsigned), {
    key: options.identityKey,
    dsaEncoding: 'ieee-p1363',
  });
  return { ...unsigned, keyId: epochKeyId(unsigned.publicKey), signature };
}

/**
 * Checks an announcement against the certificate it names (which the caller has verified: chain, revocation): the
 * signature, the key id, the country, and that `atMs` lies in the key's validity. Throws EnvelopeError
 * (INVALID_ARGUMENT naming what failed); never returns an unsigned or expired key.
 */
export function verifyEpochKey(options: {
  announcement: EpochKeyAnnouncement;
  recipientCertPem: string;
  atMs: number;
}): VerifiedEpochKey {
  const key = verifySignedEpochKey(options.announcement, options.recipientCertPem);
  if (!coversTime(key, options.atMs)) {
    throw new EnvelopeError('INVALID_ARGUMENT', 'epoch key rejected: outside its validity');
  }
  return key;
}

function coversTime(key: { notBeforeMs: number; notAfterMs: number }, atMs: number): boolean {
  return atMs >= key.notBeforeMs && atMs <= key.notAfterMs;
}

/** Everything verifyEpochKey checks except the time: the signature, issuer, key id, country and key encoding. */
function verifySignedEpochKey(a: EpochKeyAnnouncement, recipientCertPem: string): VerifiedEpochKey {
  const fail = (why: string) => new EnvelopeError('INVALID_ARGUMENT', `epoch key rejected: ${why}`);
  if (!isIsoCountryCode(a.country) || a.publicKey.length !== XWING_PUBLIC_KEY_BYTES) {
    throw fail('malformed');
  }
  if (a.certFingerprint !== certificateFingerprint(recipientCertPem)) {
    throw fail('signed by another certificate than the recipient one');
  }
  const cert = describeCertificate(recipientCertPem);
  if (cert.country !== a.country) {
    throw fail('the certificate is of another country');
  }
  if (a.keyId !== epochKeyId(a.publicKey)) {
    throw fail('key id is not the SHA-256 of the key');
  }
  let signatureOk = false;
  try {
    signatureOk =
      cert.publicKey.asymmetricKeyType === 'ec' &&
      verify(
        'sha256',
        epochKeySigningInput(a),
        { key: cert.publicKey, dsaEncoding: 'ieee-p1363' },
        a.signature,
      );
  } catch {
    signatureOk = false;
  }
  if (!signatureOk) {
    throw fail('signature does not verify with the recipient certificate');
  }
  let publicKey: XWingPublicKey;
  try {
    publicKey = new XWingPublicKey(a.publicKey);
  } catch (error) {
    throw new EnvelopeError('INVALID_ARGUMENT', 'epoch key rejected: not a valid X-Wing key', {
      cause: error,
    });
  }
  return {
    verified: true,
    country: a.country,
    keyId: a.keyId,
    publicKey,
    notBeforeMs: a.notBeforeMs,
    notAfterMs: a.notAfterMs,
    certFingerprint: a.certFingerprint,
  };
}

/**
 * A recipient's epoch keys checked once, for a sender that seals to them many times: every announcement that
 * verifies against the recipient certificate (signature, key id, country, encoding), whatever its validity period.
 * `at` then picks the newest one whose validity covers a time, so the signature and the key's decoding cost once per
 * gateway record instead of once per envelope. Unsigned, foreign or malformed announcements are left out.
 */
export class VerifiedEpochKeys {
  private readonly newestFirst: VerifiedEpochKey[];

  constructor(announcements: readonly EpochKeyAnnouncement[], recipientCertPem: string) {
    this.newestFirst = [];
    for (const a of [...announcements].sort((x, y) => y.notBeforeMs - x.notBeforeMs)) {
      try {
        this.newestFirst.push(verifySignedEpochKey(a, recipientCertPem));
      } catch {
        // not signed by this certificate or malformed: never used
      }
    }
  }

  /** The newest verified key valid at atMs; undefined when none is (no suite 2 to this recipient then). */
  at(atMs: number): VerifiedEpochKey | undefined {
    return this.newestFirst.find((key) => coversTime(key, atMs));
  }
}

/**
 * The private epoch keys a gateway holds, by key id. `destroyExpired` wipes every key whose validity ended more
 * than `retainMs` ago (the replay window plus skew: no envelope sealed to it can still be accepted).
 */
export class EpochKeyRing {
  private readonly keys = new Map<string, { key: XWingPrivateKey; notAfterMs: number }>();

  add(keyId: string, key: XWingPrivateKey, notAfterMs: number): void {
    if (keyId !== epochKeyId(key.publicKey.bytes)) {
      throw new EnvelopeError('INVALID_ARGUMENT', 'key id does not name this key');
    }
    this.keys.set(keyId, { key, notAfterMs });
  }

  get(keyId: string): XWingPrivateKey | undefined {
    return this.keys.get(keyId)?.key;
  }

  /** Destroys and forgets keys whose validity ended before nowMs - retainMs; returns their ids. */
  destroyExpired(nowMs: number, retainMs: number): string[] {
    const destroyed: string[] = [];
    for (const [keyId, entry] of this.keys) {
      if (entry.notAfterMs < nowMs - retainMs) {
        entry.key.destroy();
        this.keys.delete(keyId);
        destroyed.push(keyId);
      }
    }
    return destroyed;
  }

  get size(): number {
    return this.keys.size;
  }
}

const SEALED_SEED_VERSION = 1;
const SEALED_SEED_ITERATIONS = 600_000;

/**
 * An epoch key's private half for storage: PBKDF2-HMAC-SHA256 (600,000 iterations, random salt) derives an
 * AES-256-GCM key from the gateway's key passphrase; the key id is the associated data. Base64 of
 * version(1) || salt(16) || nonce(12) || ciphertext(32) || tag(16).
 */
export function encryptEpochKey(options: {
  key: XWingPrivateKey;
  keyId: string;
  passphrase: string;
}): string {
  if (options.passphrase.length === 0) {
    throw new EnvelopeError('INVALID_ARGUMENT', 'a non-empty passphrase is required');
  }
  const salt = randomBytes(16);
  const nonce = randomBytes(12);
  const wrappingKey = pbkdf2Sync(options.passphrase, salt, SEALED_SEED_ITERATIONS, 32, 'sha256');
  const seed = options.key.exportSeed();
  try {
    const cipher = createCipheriv('aes-256-gcm', wrappingKey, nonce);
    cipher.setAAD(Buffer.from(options.keyId, 'latin1'));
    const ciphertext = Buffer.concat([cipher.update(seed), cipher.final(), cipher.getAuthTag()]);
    return Buffer.concat([Buffer.from([SEALED_SEED_VERSION]), salt, nonce, ciphertext]).toString('base64');
  } finally {
    seed.fill(0);
    wrappingKey.fill(0);
  }
}

/** The private epoch key stored by encryptEpochKey; INVALID_ARGUMENT on a wrong passphrase, key id or damage. */
export function decryptEpochKey(options: {
  sealed: string;
  keyId: string;
  passphrase: string;
}): XWingPrivateKey {
  const bytes = Buffer.from(options.sealed, 'base64');
  if (bytes.length !== 1 + 16 + 12 + 32 + 16 || bytes[0] !== SEALED_SEED_VERSION) {
    throw new EnvelopeError('INVALID_ARGUMENT', 'not a stored epoch key');
  }
  const wrappingKey = pbkdf2Sync(
    options.passphrase,
    bytes.subarray(1, 17),
    SEALED_SEED_ITERATIONS,
    32,
    'sha256',
  );
  let seed: Buffer | undefined;
  try {
    const decipher = createDecipheriv('aes-256-gcm', wrappingKey, bytes.subarray(17, 29));
    decipher.setAAD(Buffer.from(options.keyId, 'latin1'));
    decipher.setAuthTag(bytes.subarray(61));
    seed = Buffer.concat([decipher.update(bytes.subarray(29, 61)), decipher.final()]);
    const key = new XWingPrivateKey(seed);
    if (epochKeyId(key.publicKey.bytes) !== options.keyId) {
      key.destroy();
      throw new Error('key id mismatch');
    }
    return key;
  } catch (error) {
    throw new EnvelopeError(
      'INVALID_ARGUMENT',
      'the epoch key could not be decrypted (passphrase or key id)',
      {
        cause: error,
      },
    );
  } finally {
    seed?.fill(0);
    wrappingKey.fill(0);
  }
}

/** Replay window plus skew (open.ts defaults): how long a private epoch key outlives its validity. */
export const DEFAULT_EPOCH_KEY_RETAIN_MS = 7 * 24 * 60 * 60 * 1000 + 5 * 60 * 1000;

/**
 * Automatic rotation for one gateway: epochs are aligned to multiples of `epochMs`; `rotate(now)` makes sure the key
 * of the current epoch and of the next one exist (the next one is published a whole epoch ahead, so every sender
 * has it before the switch) and destroys keys past their retention. A scheduler calls it, say, hourly; it returns
 * what to publish and what it destroyed.
 */
export class EpochKeyRotation {
  readonly ring: EpochKeyRing;
  private readonly announcements = new Map<string, EpochKeyAnnouncement>();

  constructor(
    private readonly options: {
      certPem: string;
      identityKey: KeyObject;
      epochMs?: number;
      retainMs?: number;
      ring?: EpochKeyRing;
    },
  ) {
    this.ring = options.ring ?? new EpochKeyRing();
  }

  private get epochMs(): number {
    return this.options.epochMs ?? DEFAULT_EPOCH_MS;
  }

  rotate(nowMs: number): { created: EpochKeyAnnouncement[]; destroyed: string[] } {
    const created: EpochKeyAnnouncement[] = [];
    const currentStart = Math.floor(nowMs / this.epochMs) * this.epochMs;
    for (const start of [currentStart, currentStart + this.epochMs]) {
      const exists = [...this.announcements.values()].some((a) => a.notBeforeMs === start);
      if (!exists) {
        const { privateKey, announcement } = createEpochKey({
          certPem: this.options.certPem,
          identityKey: this.options.identityKey,
          notBeforeMs: start,
          notAfterMs: start + this.epochMs - 1,
        });
        this.ring.add(announcement.keyId, privateKey, announcement.notAfterMs);
        this.announcements.set(announcement.keyId, announcement);
        created.push(announcement);
      }
    }
    const destroyed = this.ring.destroyExpired(nowMs, this.options.retainMs ?? DEFAULT_EPOCH_KEY_RETAIN_MS);
    for (const keyId of destroyed) {
      this.announcements.delete(keyId);
    }
    return { created, destroyed };
  }

  /** The announcements still held (for republishing), oldest first. */
  published(): EpochKeyAnnouncement[] {
    return [...this.announcements.values()].sort((a, b) => a.notBeforeMs - b.notBeforeMs);
  }
}

/**
 * The epoch key a sender uses at `atMs` among what the trust store holds for a recipient: the newest announcement
 * that verifies (signature by the recipient certificate, key id, validity covering atMs); unsigned, foreign or
 * expired ones are skipped. Undefined when none qualifies: the sender must not seal with suite 2 then.
 */
export function chooseEpochKey(options: {
  announcements: readonly EpochKeyAnnouncement[];
  recipientCertPem: string;
  atMs: number;
}): VerifiedEpochKey | undefined {
  return new VerifiedEpochKeys(options.announcements, options.recipientCertPem).at(options.atMs);
}
