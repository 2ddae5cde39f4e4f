// Crypto suites by id. An envelope names its suite in the signed header; receivers accept an allow-list.
import {
  constants,
  createCipheriv,
  createDecipheriv,
  createHmac,
  createSign,
  createVerify,
  privateDecrypt,
  publicEncrypt,
  randomBytes,
  sign,
  webcrypto,
  type KeyObject,
  type SignKeyObjectInput,
  type VerifyKeyObjectInput,
} from 'node:crypto';
import { MessageKind } from '@corridor/contracts';
import { XWING_CIPHERTEXT_BYTES, type XWingPrivateKey, type XWingPublicKey } from './xwing';

export interface SuiteDescription {
  id: number;
  name: string;
  signature: string;
  contentEncryption: string;
  keyWrap: string;
}

export const SUITES: Readonly<Record<number, SuiteDescription>> = Object.freeze({
  1: Object.freeze({
    id: 1,
    name: 'RSA3072-PSS-SHA256_AES256GCM_RSA-OAEP-SHA256',
    signature: 'RSASSA-PSS, SHA-256, MGF1-SHA-256, 32-byte salt, RSA-3072 sender key',
    contentEncryption: 'AES-256-GCM, random 96-bit nonce, 128-bit tag appended, header bytes as AAD',
    keyWrap: 'RSAES-OAEP, SHA-256, MGF1-SHA-256, fresh 256-bit content key per message',
  }),
  2: Object.freeze({
    id: 2,
    name: 'ECDSA-P256-SHA256_AES256GCM_XWING768-HKDF-SHA256',
    signature: 'ECDSA P-256 with SHA-256, IEEE P1363 r||s (64 bytes), low-s only, P-256 sender certificate',
    contentEncryption: 'AES-256-GCM, random 96-bit nonce, 128-bit tag appended, header bytes as AAD',
    keyWrap:
      'X-Wing (draft-connolly-cfrg-xwing-kem-08: ML-KEM-768 + X25519, ephemeral per message) to the recipient epoch key; content key = HKDF-SHA256(ss, info "corridor-envelope-v1 suite 2 content key")',
  }),
});

/** What a receiver opens unless told otherwise (suite 2 needs epoch keys: a gateway enables it by configuration). */
export const DEFAULT_ALLOWED_SUITES: readonly number[] = [1];
/** Strongest first: the order a sender prefers. */
export const SUITE_PREFERENCE: readonly number[] = [2, 1];

/** The best suite both sides open, or undefined when they share none. */
export function bestCommonSuite(ours: readonly number[], theirs: readonly number[]): number | undefined {
  return SUITE_PREFERENCE.find((id) => ours.includes(id) && theirs.includes(id));
}

/** The recipient's public keys a suite may use: its certificate key (suite 1) and its epoch KEM key (suite 2). */
export interface RecipientPublicKeys {
  certificateKey: KeyObject;
  kem?: XWingPublicKey;
}

/** The recipient's private keys: its identity key (suite 1) and the epoch KEM key an envelope names (suite 2). */
export interface RecipientPrivateKeys {
  identityKey: KeyObject;
  kem?: XWingPrivateKey;
}

/** The primitives a suite provides; everything else in seal/open is suite-independent. */
export interface SuiteImplementation {
  id: number;
  nonceBytes: number;
  /** Exact size of Envelope.wrapped_key for an encrypted message. */
  wrappedKeyBytes?: number;
  /** Message kinds that carry no content and travel signed but not encrypted (no wrapped key, no nonce). */
  signedOnlyKinds: ReadonlySet<MessageKind>;
  /** True when the suite encapsulates to an epoch KEM key named in header.recipient_kem_key_id. */
  usesEpochKeys: boolean;
  contentKeyBytes: number;
  tagBytes: number;
  /** The ciphertext as the pieces that follow each other in it (body, then tag), not copied into one buffer. */
  encrypt(options: { key: Buffer; nonce: Buffer; plaintext: Uint8Array; aad: Uint8Array }): Buffer[];
  /** Throws on any authentication failure. */
  decrypt(options: { key: Buffer; nonce: Uint8Array; ciphertext: Uint8Array; aad: Uint8Array }): Buffer;
  /** A fresh content key and the bytes that carry it to the recipient (Envelope.wrapped_key). */
  establishKey(recipient: RecipientPublicKeys): { key: Buffer; wrappedKey: Buffer };
  /** Throws on any unwrap failure. */
  recoverKey(options: { wrappedKey: Uint8Array; recipient: RecipientPrivateKeys }): Buffer;
  /** The same, off the event loop where the primitive allows it. Rejects on any failure. */
  recoverKeyAsync(options: { wrappedKey: Uint8Array; recipient: RecipientPrivateKeys }): Promise<Buffer>;
  /** Signs the concatenation of `input` (the signing input in pieces: it is hashed as it streams, not copied). */
  sign(options: { input: readonly Uint8Array[]; senderPrivateKey: KeyObject }): Buffer;
  /** The same signature, computed off the event loop (libuv thread pool). */
  signAsync(options: { input: readonly Uint8Array[]; senderPrivateKey: KeyObject }): Promise<Buffer>;
  verify(options: {
    input: readonly Uint8Array[];
    senderPublicKey: KeyObject;
    signature: Uint8Array;
  }): boolean;
}

const GCM_TAG_BYTES = 16;

/** A signature with SHA-256 over the pieces of `input` in order, hashed as they stream (no concatenated copy). */
function signPieces(input: readonly Uint8Array[], options: SignKeyObjectInput): Buffer {
  const signer = createSign('sha256');
  for (const piece of input) {
    signer.update(piece);
  }
  return signer.sign(options);
}

function verifyPieces(
  input: readonly Uint8Array[],
  options: VerifyKeyObjectInput,
  signature: Uint8Array,
): boolean {
  const verifier = createVerify('sha256');
  for (const piece of input) {
    verifier.update(piece);
  }
  return verifier.verify(options, signature);
}

/**
 * Node has no callback form of privateDecrypt; its WebCrypto RSA-OAEP runs on the thread pool. The same private
 * key as a WebCrypto key, imported once per KeyObject (RSA-OAEP, SHA-256 for the hash and MGF1, empty label:
 * exactly the parameters of unwrapKey).
 */
const oaepDecryptKeys = new WeakMap<KeyObject, Promise<webcrypto.CryptoKey>>();

function oaepDecryptKey(key: KeyObject): Promise<webcrypto.CryptoKey> {
  let imported = oaepDecryptKeys.get(key);
  if (imported === undefined) {
    imported = webcrypto.subtle.importKey(
      'pkcs8',
      key.export({ format: 'der', type: 'pkcs8' }),
      { name: 'RSA-OAEP', hash: 'SHA-256' },
      false,
      ['decrypt'],
    );
    imported.catch(() => oaepDecryptKeys.delete(key));
    oaepDecryptKeys.set(key, imported);
  }
  return imported;
}
const PSS_SALT_BYTES = 32;

function requireRsaKey(key: KeyObject): void {
  if (key.asymmetricKeyType !== 'rsa') {
    throw new Error('suite 1 signs with RSA keys only');
  }
}

const aesGcm = {
  nonceBytes: 12,
  contentKeyBytes: 32,
  tagBytes: GCM_TAG_BYTES,
  encrypt({
    key,
    nonce,
    plaintext,
    aad,
  }: {
    key: Buffer;
    nonce: Buffer;
    plaintext: Uint8Array;
    aad: Uint8Array;
  }) {
    const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: GCM_TAG_BYTES });
    cipher.setAAD(aad);
    const body = cipher.update(plaintext);
    const rest = cipher.final(); // empty: GCM returns everything from update
    return rest.length === 0 ? [body, cipher.getAuthTag()] : [body, rest, cipher.getAuthTag()];
  },
  decrypt({
    key,
    nonce,
    ciphertext,
    aad,
  }: {
    key: Buffer;
    nonce: Uint8Array;
    ciphertext: Uint8Array;
    aad: Uint8Array;
  }) {
    const body = ciphertext.subarray(0, ciphertext.length - GCM_TAG_BYTES);
    const tag = ciphertext.subarray(ciphertext.length - GCM_TAG_BYTES);
    const decipher = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: GCM_TAG_BYTES });
    decipher.setAAD(aad);
    decipher.setAuthTag(tag);
    const plaintext = decipher.update(body);
    const rest = decipher.final(); // GCM returns everything from update: no copy into a second buffer then
    return rest.length === 0 ? plaintext : Buffer.concat([plaintext, rest]);
  },
};

const suite1: SuiteImplementation = {
  id: 1,
  ...aesGcm,
  signedOnlyKinds: new Set(),
  usesEpochKeys: false,
  establishKey({ certificateKey }) {
    const key = randomBytes(32);
    const wrappedKey = publicEncrypt(
      { key: certificateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
      key,
    );
    return { key, wrappedKey };
  },
  recoverKey({ wrappedKey, recipient }) {
    return privateDecrypt(
      { key: recipient.identityKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
      wrappedKey,
    );
  },
  async recoverKeyAsync({ wrappedKey, recipient }) {
    const key = await oaepDecryptKey(recipient.identityKey);
    return Buffer.from(await webcrypto.subtle.decrypt({ name: 'RSA-OAEP' }, key, wrappedKey));
  },
  sign({ input, senderPrivateKey }) {
    requireRsaKey(senderPrivateKey);
    return signPieces(input, {
      key: senderPrivateKey,
      padding: constants.RSA_PKCS1_PSS_PADDING,
      saltLength: PSS_SALT_BYTES,
    });
  },
  signAsync({ input, senderPrivateKey }) {
    requireRsaKey(senderPrivateKey);
    return new Promise((resolve, reject) =>
      // The one-shot form is the only one with a callback (thread pool): it takes the input in one buffer.
      sign(
        'sha256',
        Buffer.concat(input),
        { key: senderPrivateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: PSS_SALT_BYTES },
        (error, signature) => (error ? reject(error) : resolve(signature)),
      ),
    );
  },
  verify({ input, senderPublicKey, signature }) {
    if (senderPublicKey.asymmetricKeyType !== 'rsa') {
      return false;
    }
    return verifyPieces(
      input,
      { key: senderPublicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: PSS_SALT_BYTES },
      signature,
    );
  },
};

// ---------------------------------------------------------------- suite 2

/** P-256 group order; a signature's s must be at most half of it (one valid encoding per signature). */
const P256_N = BigInt('0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551');
const P256_HALF_N = P256_N >> 1n;
const P1363_BYTES = 64;
const CONTENT_KEY_INFO = Buffer.from('corridor-envelope-v1 suite 2 content key', 'latin1');

/** n / 2 of P-256 as 32 big-endian bytes: s above it is the high twin of a signature. */
const P256_HALF_N_BYTES = Buffer.from(P256_HALF_N.toString(16).padStart(64, '0'), 'hex');

function lowS(signature: Buffer): Buffer {
  // Compared as bytes (big-endian, fixed width): the number is made only for the rare high s.
  if (Buffer.compare(signature.subarray(32), P256_HALF_N_BYTES) > 0) {
    const s = BigInt(`0x${signature.subarray(32).toString('hex')}`);
    Buffer.from((P256_N - s).toString(16).padStart(64, '0'), 'hex').copy(signature, 32);
  }
  return signature;
}

function isLowS(signature: Uint8Array): boolean {
  return Buffer.compare(signature.subarray(32), P256_HALF_N_BYTES) <= 0;
}

const HKDF_ZERO_SALT = Buffer.alloc(32);
const HKDF_FIRST_BLOCK = Buffer.of(1);

/**
 * HKDF-SHA256 (RFC 5869) with an empty salt (HashLen zero bytes) and 32 bytes of output: PRK = HMAC(salt, ikm), then
 * the one block T(1) = HMAC(PRK, info || 0x01). The same bytes as hkdfSync, at about a third of its cost (it builds
 * a secret key object per call).
 */
export function hkdfSha256Key(ikm: Uint8Array, info: Uint8Array): Buffer {
  const prk = createHmac('sha256', HKDF_ZERO_SALT).update(ikm).digest();
  try {
    return createHmac('sha256', prk).update(info).update(HKDF_FIRST_BLOCK).digest();
  } finally {
    prk.fill(0);
  }
}

function contentKeyFrom(sharedSecret: Buffer): Buffer {
  const key = hkdfSha256Key(sharedSecret, CONTENT_KEY_INFO);
  sharedSecret.fill(0);
  return key;
}

function requireEcdsaKey(key: KeyObject): void {
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new Error('suite 2 signs with ECDSA P-256 keys only');
  }
}

const ECDSA = { dsaEncoding: 'ieee-p1363' } as const;

const suite2: SuiteImplementation = {
  id: 2,
  ...aesGcm,
  wrappedKeyBytes: XWING_CIPHERTEXT_BYTES,
  signedOnlyKinds: new Set([MessageKind.RECEIPT]),
  usesEpochKeys: true,
  establishKey({ kem }) {
    if (kem === undefined) {
      throw new Error('suite 2 needs the recipient epoch KEM key');
    }
    const { sharedSecret, ciphertext } = kem.encapsulate();
    return { key: contentKeyFrom(sharedSecret), wrappedKey: ciphertext };
  },
  recoverKey({ wrappedKey, recipient }) {
    if (recipient.kem === undefined) {
      throw new Error('suite 2 needs the epoch KEM key the envelope names');
    }
    return contentKeyFrom(recipient.kem.decapsulate(wrappedKey));
  },
  async recoverKeyAsync(options) {
    // ML-KEM runs in JavaScript: there is no thread-pool form; one decapsulation takes about half a millisecond.
    return Promise.resolve(suite2.recoverKey(options));
  },
  sign({ input, senderPrivateKey }) {
    requireEcdsaKey(senderPrivateKey);
    return lowS(signPieces(input, { key: senderPrivateKey, ...ECDSA }));
  },
  signAsync(options) {
    // On this thread: node's callback form of a P-256 signature costs the event loop as much as signing (about 30 us,
    // measured), then adds a thread-pool round trip (p99 0.65 ms idle) and contends on the key's lock under load.
    return new Promise((resolve) => resolve(suite2.sign(options)));
  },
  verify({ input, senderPublicKey, signature }) {
    if (
      signature.length !== P1363_BYTES ||
      senderPublicKey.asymmetricKeyType !== 'ec' ||
      senderPublicKey.asymmetricKeyDetails?.namedCurve !== 'prime256v1' ||
      !isLowS(signature)
    ) {
      return false;
    }
    return verifyPieces(input, { key: senderPublicKey, ...ECDSA }, signature);
  },
};

const IMPLEMENTATIONS: ReadonlyMap<number, SuiteImplementation> = new Map([
  [1, suite1],
  [2, suite2],
]);

export function suiteImplementation(id: number): SuiteImplementation | undefined {
  return IMPLEMENTATIONS.get(id);
}
