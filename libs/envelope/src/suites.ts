// Crypto suites by id. An envelope names its suite in the signed header; receivers accept an allow-list.
import {
  constants,
  createCipheriv,
  createDecipheriv,
  privateDecrypt,
  publicEncrypt,
  randomBytes,
  sign,
  verify,
  webcrypto,
  type KeyObject,
} from 'node:crypto';

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
});

export const DEFAULT_ALLOWED_SUITES: readonly number[] = [1];

/** The primitives a suite provides; everything else in seal/open is suite-independent. */
export interface SuiteImplementation {
  nonceBytes: number;
  contentKeyBytes: number;
  tagBytes: number;
  encrypt(options: { key: Buffer; nonce: Buffer; plaintext: Uint8Array; aad: Uint8Array }): Buffer;
  /** Throws on any authentication failure. */
  decrypt(options: { key: Buffer; nonce: Uint8Array; ciphertext: Uint8Array; aad: Uint8Array }): Buffer;
  wrapKey(options: { key: Buffer; recipientPublicKey: KeyObject }): Buffer;
  /** Throws on any unwrap failure. */
  unwrapKey(options: { wrappedKey: Uint8Array; recipientPrivateKey: KeyObject }): Buffer;
  /** The same unwrap, computed off the event loop (libuv thread pool). Rejects on any unwrap failure. */
  unwrapKeyAsync(options: { wrappedKey: Uint8Array; recipientPrivateKey: KeyObject }): Promise<Buffer>;
  sign(options: { input: Buffer; senderPrivateKey: KeyObject }): Buffer;
  /** The same signature, computed off the event loop (libuv thread pool). */
  signAsync(options: { input: Buffer; senderPrivateKey: KeyObject }): Promise<Buffer>;
  verify(options: { input: Buffer; senderPublicKey: KeyObject; signature: Uint8Array }): boolean;
}

const GCM_TAG_BYTES = 16;

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

const suite1: SuiteImplementation = {
  nonceBytes: 12,
  contentKeyBytes: 32,
  tagBytes: GCM_TAG_BYTES,
  encrypt({ key, nonce, plaintext, aad }) {
    const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: GCM_TAG_BYTES });
    cipher.setAAD(aad);
    return Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
  },
  decrypt({ key, nonce, ciphertext, aad }) {
    const body = ciphertext.subarray(0, ciphertext.length - GCM_TAG_BYTES);
    const tag = ciphertext.subarray(ciphertext.length - GCM_TAG_BYTES);
    const decipher = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: GCM_TAG_BYTES });
    decipher.setAAD(aad);
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(body), decipher.final()]);
  },
  wrapKey({ key, recipientPublicKey }) {
    return publicEncrypt(
      { key: recipientPublicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
      key,
    );
  },
  unwrapKey({ wrappedKey, recipientPrivateKey }) {
    return privateDecrypt(
      { key: recipientPrivateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
      wrappedKey,
    );
  },
  async unwrapKeyAsync({ wrappedKey, recipientPrivateKey }) {
    const key = await oaepDecryptKey(recipientPrivateKey);
    return Buffer.from(await webcrypto.subtle.decrypt({ name: 'RSA-OAEP' }, key, wrappedKey));
  },
  sign({ input, senderPrivateKey }) {
    return sign('sha256', input, {
      key: senderPrivateKey,
      padding: constants.RSA_PKCS1_PSS_PADDING,
      saltLength: PSS_SALT_BYTES,
    });
  },
  signAsync({ input, senderPrivateKey }) {
    return new Promise((resolve, reject) =>
      sign(
        'sha256',
        input,
        { key: senderPrivateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: PSS_SALT_BYTES },
        (error, signature) => (error ? reject(error) : resolve(signature)),
      ),
    );
  },
  verify({ input, senderPublicKey, signature }) {
    return verify(
      'sha256',
      input,
      { key: senderPublicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: PSS_SALT_BYTES },
      signature,
    );
  },
};

const IMPLEMENTATIONS: ReadonlyMap<number, SuiteImplementation> = new Map([[1, suite1]]);

export function suiteImplementation(id: number): SuiteImplementation | undefined {
  return IMPLEMENTATIONS.get(id);
}

export function randomContentKey(suite: SuiteImplementation): { key: Buffer; nonce: Buffer } {
  return { key: randomBytes(suite.contentKeyBytes), nonce: randomBytes(suite.nonceBytes) };
}
