import { createPrivateKey, createPublicKey } from 'node:crypto';
import fc from 'fast-check';
import { isIsoCountryCode, normalizeSerialHex } from './index';
import {
  decryptPrivateKey,
  decryptPrivateKeyObject,
  encryptPrivateKey,
  generateKeyPair,
  generateKeyPairAsync,
  type KeyPairPem,
} from './keys';
import { PkiError } from './errors';
import { ASSIGNED_COUNTRY_CODE_COUNT } from './countries';

function codeOf(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    if (error instanceof PkiError) {
      return error.code;
    }
    throw error;
  }
  throw new Error('expected a PkiError');
}

describe('keys', () => {
  let keys: KeyPairPem;

  beforeAll(async () => {
    keys = await generateKeyPairAsync();
  });

  it('generates RSA-3072 pairs, sync and async, as SPKI and PKCS#8 PEM', () => {
    const sync = generateKeyPair();
    for (const pair of [sync, keys]) {
      expect(pair.publicKeyPem).toContain('-----BEGIN PUBLIC KEY-----');
      expect(pair.privateKeyPem).toContain('-----BEGIN PRIVATE KEY-----');
      expect(createPublicKey(pair.publicKeyPem).asymmetricKeyDetails?.modulusLength).toBe(3072);
    }
    expect(sync.privateKeyPem).not.toBe(keys.privateKeyPem);
  });

  it('encrypts a private key at rest as PBES2 PKCS#8 and decrypts it with the passphrase', () => {
    const encryptedPem = encryptPrivateKey({
      privateKeyPem: keys.privateKeyPem,
      passphrase: 'test passphrase',
      iterations: 10_000,
    });
    expect(encryptedPem).toMatch(/^-----BEGIN ENCRYPTED PRIVATE KEY-----\n/);
    expect(encryptedPem).not.toContain(keys.privateKeyPem.split('\n')[1]);
    expect(decryptPrivateKey({ encryptedPem, passphrase: 'test passphrase' })).toBe(keys.privateKeyPem);
    expect(decryptPrivateKeyObject({ encryptedPem, passphrase: 'test passphrase' }).type).toBe('private');
    // node (OpenSSL) reads it directly too
    expect(createPrivateKey({ key: encryptedPem, passphrase: 'test passphrase' }).asymmetricKeyType).toBe(
      'rsa',
    );
  });

  it('uses 600,000 PBKDF2 iterations by default', () => {
    const encryptedPem = encryptPrivateKey({ privateKeyPem: keys.privateKeyPem, passphrase: 'p' });
    const der = Buffer.from(encryptedPem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
    expect(der.includes(Buffer.from([0x02, 0x03, 0x09, 0x27, 0xc0]))).toBe(true); // INTEGER 600000
  });

  it('reports a wrong passphrase as KEY_BAD_PASSPHRASE and a plaintext key as KEY_MALFORMED', () => {
    const encryptedPem = encryptPrivateKey({
      privateKeyPem: keys.privateKeyPem,
      passphrase: 'right one',
      iterations: 1000,
    });
    expect(codeOf(() => decryptPrivateKey({ encryptedPem, passphrase: 'wrong one' }))).toBe(
      'KEY_BAD_PASSPHRASE',
    );
    expect(codeOf(() => decryptPrivateKey({ encryptedPem: keys.privateKeyPem, passphrase: 'x' }))).toBe(
      'KEY_MALFORMED',
    );
    expect(codeOf(() => decryptPrivateKey({ encryptedPem, passphrase: '' }))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => encryptPrivateKey({ privateKeyPem: 'junk', passphrase: 'x' }))).toBe('KEY_MALFORMED');
  });
});

describe('country codes and serials', () => {
  it('knows the 249 assigned ISO 3166-1 alpha-2 codes and the user-assigned ranges', () => {
    expect(ASSIGNED_COUNTRY_CODE_COUNT).toBe(249);
    for (const code of ['IT', 'TN', 'NE', 'LY', 'XK', 'AA', 'QM', 'ZZ']) {
      expect(isIsoCountryCode(code)).toBe(true);
    }
    for (const code of ['it', 'ITA', 'ZX', 'QB', 'UK', '', 'I1']) {
      expect(isIsoCountryCode(code)).toBe(false);
    }
  });

  it('normalizes serials to lowercase hex without leading zero octets', () => {
    expect(normalizeSerialHex('00:FF:01')).toBe('ff01');
    expect(normalizeSerialHex('0x0abc')).toBe('0abc');
    expect(normalizeSerialHex('00')).toBe('00');
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 20 }), (bytes) => {
        const hex = Buffer.from(bytes).toString('hex');
        expect(normalizeSerialHex(`00${hex.toUpperCase()}`)).toBe(normalizeSerialHex(hex));
      }),
      { numRuns: 100 },
    );
  });
});
