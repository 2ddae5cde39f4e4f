// RSA key pairs with node:crypto (OpenSSL: far faster than forge) and encrypted PKCS#8 for keys at rest.
import {
  createCipheriv,
  createPrivateKey,
  createPublicKey,
  generateKeyPair as generateKeyPairCallback,
  generateKeyPairSync,
  pbkdf2Sync,
  randomBytes,
  type KeyObject,
  type RSAKeyPairOptions,
} from 'node:crypto';
import forge from 'node-forge';
import { PkiError } from './errors';
import { derToPem, pemLabel } from './pem';

export const RSA_MODULUS_BITS = 3072;
/** PBKDF2-HMAC-SHA256 iterations for keys at rest (OWASP 2023 figure); node's own export uses only 2048. */
export const DEFAULT_KEY_ENCRYPTION_ITERATIONS = 600_000;

export interface KeyPairPem {
  publicKeyPem: string;
  privateKeyPem: string;
}

const KEY_PAIR_OPTIONS: RSAKeyPairOptions<'pem', 'pem'> = {
  modulusLength: RSA_MODULUS_BITS,
  publicExponent: 0x10001,
  publicKeyEncoding: { type: 'spki', format: 'pem' },
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
};

/** RSA-3072 key pair: SPKI public key and plaintext PKCS#8 private key, both PEM (keep the private one in memory). */
export function generateKeyPair(): KeyPairPem {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', KEY_PAIR_OPTIONS);
  return { publicKeyPem: publicKey, privateKeyPem: privateKey };
}

/** Same as generateKeyPair, on libuv's thread pool so the event loop keeps running. */
export function generateKeyPairAsync(): Promise<KeyPairPem> {
  return new Promise((resolve, reject) => {
    generateKeyPairCallback('rsa', KEY_PAIR_OPTIONS, (error, publicKey, privateKey) => {
      if (error) {
        reject(new PkiError('INVALID_ARGUMENT', 'RSA key generation failed', { cause: error }));
      } else {
        resolve({ publicKeyPem: publicKey, privateKeyPem: privateKey });
      }
    });
  });
}

function requirePassphrase(passphrase: string): void {
  if (typeof passphrase !== 'string' || passphrase.length === 0) {
    throw new PkiError('INVALID_ARGUMENT', 'a non-empty passphrase is required');
  }
}

/** Parses a plaintext private key (PKCS#8 or PKCS#1 PEM) into a KeyObject. */
export function loadPrivateKey(privateKeyPem: string): KeyObject {
  const label = pemLabel(privateKeyPem);
  if (label !== 'PRIVATE KEY' && label !== 'RSA PRIVATE KEY') {
    throw new PkiError('KEY_MALFORMED', 'expected a plaintext PRIVATE KEY PEM');
  }
  try {
    return createPrivateKey({ key: privateKeyPem, format: 'pem' });
  } catch (error) {
    throw new PkiError('KEY_MALFORMED', 'private key could not be parsed', { cause: error });
  }
}

export function loadPublicKey(publicKeyPem: string): KeyObject {
  try {
    return createPublicKey({ key: publicKeyPem, format: 'pem' });
  } catch (error) {
    throw new PkiError('KEY_MALFORMED', 'public key could not be parsed', { cause: error });
  }
}

// KeyObjects are immutable, so their SPKI encoding can be cached (deriving it costs ~0.1 ms per call).
const spkiCache = new WeakMap<KeyObject, Buffer>();

function cachedSpki(key: KeyObject): Buffer {
  let der = spkiCache.get(key);
  if (der === undefined) {
    const publicKey = key.type === 'private' ? createPublicKey(key) : key;
    der = publicKey.export({ type: 'spki', format: 'der' });
    spkiCache.set(key, der);
  }
  return der;
}

/** SPKI DER of the public half: equal bytes mean equal keys. */
export function publicKeyDer(key: KeyObject): Buffer {
  return Buffer.from(cachedSpki(key));
}

/** True when both keys (private or public) have the same public half. */
export function samePublicKey(a: KeyObject, b: KeyObject): boolean {
  return cachedSpki(a).equals(cachedSpki(b));
}

/**
 * Encrypted PKCS#8 ("ENCRYPTED PRIVATE KEY"): PBES2 with PBKDF2-HMAC-SHA256 and AES-256-CBC.
 * Built here because node's export fixes PBKDF2 at 2048 iterations; OpenSSL and node read the result.
 */
export function encryptPrivateKey(options: {
  privateKeyPem: string;
  passphrase: string;
  iterations?: number;
}): string {
  requirePassphrase(options.passphrase);
  const iterations = options.iterations ?? DEFAULT_KEY_ENCRYPTION_ITERATIONS;
  if (!Number.isSafeInteger(iterations) || iterations < 1000) {
    throw new PkiError('INVALID_ARGUMENT', 'iterations must be an integer >= 1000');
  }
  const pkcs8Der = loadPrivateKey(options.privateKeyPem).export({ type: 'pkcs8', format: 'der' });
  const salt = randomBytes(16);
  const iv = randomBytes(16);
  const key = pbkdf2Sync(options.passphrase, salt, iterations, 32, 'sha256');
  const cipher = createCipheriv('aes-256-cbc', key, iv);
  const encrypted = Buffer.concat([cipher.update(pkcs8Der), cipher.final()]);
  key.fill(0);

  const { asn1 } = forge;
  const { UNIVERSAL } = asn1.Class;
  const T = asn1.Type;
  const oid = (value: string) => asn1.create(UNIVERSAL, T.OID, false, asn1.oidToDer(value).getBytes());
  const octets = (value: Buffer) => asn1.create(UNIVERSAL, T.OCTETSTRING, false, value.toString('latin1'));
  const seq = (items: forge.asn1.Asn1[]) => asn1.create(UNIVERSAL, T.SEQUENCE, true, items);

  const pbkdf2Params = seq([
    octets(salt),
    asn1.create(UNIVERSAL, T.INTEGER, false, asn1.integerToDer(iterations).getBytes()),
    seq([oid('1.2.840.113549.2.9'), asn1.create(UNIVERSAL, T.NULL, false, '')]), // hmacWithSHA256
  ]);
  const pbes2Params = seq([
    seq([oid('1.2.840.113549.1.5.12'), pbkdf2Params]), // PBKDF2
    seq([oid('2.16.840.1.101.3.4.1.42'), octets(iv)]), // aes256-CBC
  ]);
  const encryptedPrivateKeyInfo = seq([seq([oid('1.2.840.113549.1.5.13'), pbes2Params]), octets(encrypted)]);
  const der = Buffer.from(asn1.toDer(encryptedPrivateKeyInfo).getBytes(), 'latin1');
  return derToPem(der, 'ENCRYPTED PRIVATE KEY');
}

/** Decrypts an "ENCRYPTED PRIVATE KEY" PEM; a wrong passphrase is KEY_BAD_PASSPHRASE. */
export function decryptPrivateKeyObject(options: { encryptedPem: string; passphrase: string }): KeyObject {
  requirePassphrase(options.passphrase);
  if (pemLabel(options.encryptedPem) !== 'ENCRYPTED PRIVATE KEY') {
    throw new PkiError('KEY_MALFORMED', 'expected an ENCRYPTED PRIVATE KEY PEM');
  }
  try {
    return createPrivateKey({ key: options.encryptedPem, format: 'pem', passphrase: options.passphrase });
  } catch (error) {
    throw new PkiError('KEY_BAD_PASSPHRASE', 'private key could not be decrypted with this passphrase', {
      cause: error,
    });
  }
}

/** Plaintext PKCS#8 PEM of an encrypted private key. */
export function decryptPrivateKey(options: { encryptedPem: string; passphrase: string }): string {
  return decryptPrivateKeyObject(options).export({ type: 'pkcs8', format: 'pem' }).toString();
}
