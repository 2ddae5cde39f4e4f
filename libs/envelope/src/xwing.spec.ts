// X-Wing and ML-KEM-768 against published known answers (test/fixtures/kem/README.md names the sources).
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ml_kem768 } from '@noble/post-quantum/ml-kem.js';
import { ml_kem768_x25519 } from '@noble/post-quantum/hybrid.js';
import { XWING_AHEAD, XWING_AHEAD_DELAY_MS, XWingPrivateKey, XWingPublicKey, xwingCombiner } from './xwing';

const DIR = resolve(__dirname, '../../../test/fixtures/kem');
const hex = (value: string) => Buffer.from(value, 'hex');
const json = <T>(name: string) => JSON.parse(readFileSync(join(DIR, name), 'utf8')) as T;

describe('ML-KEM-768 (NIST ACVP known answers)', () => {
  const acvp = json<{ ek: string; m: string; c: string; k: string }>('ml-kem-768-acvp.json');

  it('encapsulates the ACVP test case to the published ciphertext and shared secret', () => {
    const { cipherText, sharedSecret } = ml_kem768.encapsulate(hex(acvp.ek), hex(acvp.m));
    expect(Buffer.from(cipherText).toString('hex')).toBe(acvp.c.toLowerCase());
    expect(Buffer.from(sharedSecret).toString('hex')).toBe(acvp.k.toLowerCase());
  });

  it('the prepared (pre-expanded) public key that suite 2 uses gives the same answer', () => {
    const { cipherText, sharedSecret } = ml_kem768.prepare(hex(acvp.ek)).encapsulate(hex(acvp.m));
    expect(Buffer.from(cipherText).toString('hex')).toBe(acvp.c.toLowerCase());
    expect(Buffer.from(sharedSecret).toString('hex')).toBe(acvp.k.toLowerCase());
  });
});

interface XWingVector {
  sk: string;
  pk: string;
  eseed: string;
  ct: string;
  ss: string;
}

describe('X-Wing (draft-connolly-cfrg-xwing-kem-08 appendix C)', () => {
  const { vectors } = json<{ vectors: XWingVector[] }>('xwing-draft-08.json');

  it.each(vectors.map((v, i) => [i, v] as const))(
    'vector %i: key generation, encapsulation, decapsulation',
    (_i, v) => {
      const privateKey = new XWingPrivateKey(hex(v.sk));
      expect(privateKey.publicKey.bytes.toString('hex')).toBe(v.pk);
      const { sharedSecret, ciphertext } = new XWingPublicKey(hex(v.pk)).encapsulate(hex(v.eseed));
      expect(ciphertext.toString('hex')).toBe(v.ct);
      expect(sharedSecret.toString('hex')).toBe(v.ss);
      expect(privateKey.decapsulate(hex(v.ct)).toString('hex')).toBe(v.ss);
    },
  );
});

interface CombinerVector {
  ssM: string;
  ssX: string;
  ctX: string;
  pkX: string;
  ss: string;
}

describe('the combiner (test/fixtures/kem/xwing-combiner.json, published by this project)', () => {
  const { vectors } = json<{ vectors: CombinerVector[] }>('xwing-combiner.json');

  it.each(vectors.map((v, i) => [i, v] as const))('vector %i', (_i, v) => {
    expect(xwingCombiner(hex(v.ssM), hex(v.ssX), hex(v.ctX), hex(v.pkX)).toString('hex')).toBe(v.ss);
  });

  it('agrees with the independent X-Wing of @noble/post-quantum (pure JS X25519) on random keys', () => {
    for (let i = 0; i < 5; i += 1) {
      const ours = XWingPrivateKey.generate();
      const seed = ours.exportSeed();
      const theirs = ml_kem768_x25519.keygen(seed);
      expect(Buffer.from(theirs.publicKey).equals(ours.publicKey.bytes)).toBe(true);
      const sealedByUs = ours.publicKey.encapsulate();
      expect(Buffer.from(ml_kem768_x25519.decapsulate(sealedByUs.ciphertext, theirs.secretKey))).toEqual(
        sealedByUs.sharedSecret,
      );
      const sealedByThem = ml_kem768_x25519.encapsulate(ours.publicKey.bytes);
      expect(ours.decapsulate(sealedByThem.cipherText)).toEqual(Buffer.from(sealedByThem.sharedSecret));
    }
  });

  it('a destroyed key cannot decapsulate, and a changed ciphertext gives another secret', () => {
    const key = XWingPrivateKey.generate();
    const { ciphertext, sharedSecret } = key.publicKey.encapsulate();
    const flipped = Buffer.from(ciphertext);
    flipped[5] ^= 1;
    expect(key.decapsulate(flipped)).not.toEqual(sharedSecret);
    const flippedX = Buffer.from(ciphertext);
    flippedX[1100] ^= 1;
    expect(key.decapsulate(flippedX)).not.toEqual(sharedSecret);
    key.destroy();
    expect(() => key.decapsulate(ciphertext)).toThrow('destroyed');
  });
});

describe('encapsulations computed ahead', () => {
  afterEach(() => jest.useRealTimers());

  it('are prepared after a quiet moment, each opens with the private key and is handed out once', () => {
    jest.useFakeTimers();
    const key = XWingPrivateKey.generate();
    const first = key.publicKey.encapsulate(); // computed now: nothing was ready
    expect(key.publicKey.preparedAhead).toBe(0);
    jest.advanceTimersByTime(XWING_AHEAD_DELAY_MS - 1);
    expect(key.publicKey.preparedAhead).toBe(0); // not while alerts are still being sealed
    jest.advanceTimersByTime(1);
    expect(key.publicKey.preparedAhead).toBe(XWING_AHEAD);
    const handedOut = [
      first,
      key.publicKey.encapsulate(),
      key.publicKey.encapsulate(),
      key.publicKey.encapsulate(),
    ];
    expect(key.publicKey.preparedAhead).toBe(0);
    for (const e of handedOut) {
      expect(key.decapsulate(e.ciphertext)).toEqual(e.sharedSecret);
    }
    const ciphertexts = new Set(handedOut.map((e) => e.ciphertext.toString('hex')));
    expect(ciphertexts.size).toBe(handedOut.length);
  });

  it('a sealing run without pauses computes inline, and a known-answer eseed never takes a prepared one', () => {
    jest.useFakeTimers();
    const key = XWingPrivateKey.generate();
    key.publicKey.prepareAhead();
    expect(key.publicKey.preparedAhead).toBe(XWING_AHEAD);
    const eseed = Buffer.alloc(64, 7);
    const a = key.publicKey.encapsulate(eseed);
    const b = key.publicKey.encapsulate(eseed);
    expect(a.ciphertext).toEqual(b.ciphertext); // deterministic: computed from the seed, not taken from the pool
    expect(key.publicKey.preparedAhead).toBe(XWING_AHEAD);
  });
});
