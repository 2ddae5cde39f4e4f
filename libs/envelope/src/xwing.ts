// X-Wing hybrid KEM, exactly as draft-connolly-cfrg-xwing-kem-08 (sections 5.2-5.4): ML-KEM-768 (FIPS 203, see
// ml-kem.ts for its two implementations) with X25519 (RFC 7748, node:crypto/OpenSSL), combined by
//   ss = SHA3-256(ss_M || ss_X || ct_X || pk_X || XWingLabel),  XWingLabel = "\.//^\" (6 bytes, 5c2e2f2f5e5c).
// The shared secret stays secret while either ML-KEM-768 or X25519 holds (the draft's section 6 and its proof).
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  randomBytes,
  type KeyObject,
} from 'node:crypto';
import {
  ML_KEM_768_CIPHERTEXT_BYTES as ML_KEM_CT_BYTES,
  ML_KEM_768_PUBLIC_KEY_BYTES as ML_KEM_PK_BYTES,
  MlKemPublicKey,
  mlKemKeygenFromSeed,
} from './ml-kem';
import { freshRandomBytes } from './random';

export const XWING_LABEL = Buffer.from('5c2e2f2f5e5c', 'hex');
export const XWING_SEED_BYTES = 32;
export const XWING_PUBLIC_KEY_BYTES = 1216; // pk_M (1184) || pk_X (32)
export const XWING_CIPHERTEXT_BYTES = 1120; // ct_M (1088) || ct_X (32)
export const XWING_SHARED_SECRET_BYTES = 32;
const X25519_BYTES = 32;

// X25519 public keys cross into and out of OpenSSL as JWK (RFC 8037), not DER: node does that about ten times faster
// than through OpenSSL 3's DER decoders and encoders (measured by npm run bench -- envelope). Private keys stay DER
// (loaded once per key, and never as a JavaScript string).
const X25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');

export function x25519PrivateKey(scalar: Uint8Array): KeyObject {
  return createPrivateKey({
    key: Buffer.concat([X25519_PKCS8_PREFIX, scalar]),
    format: 'der',
    type: 'pkcs8',
  });
}

/**
 * A per-message X25519 key from its 32-byte scalar (RFC 7748 clamps any 32 bytes), imported as JWK: about ten times
 * faster than DER. Never from generateKeyPairSync: node 20 (v20.20.2) hangs for good when a garbage collection inside a
 * call that holds the key's mutex (a JWK export of its public half) frees the generation job, whose destructor takes
 * the same mutex. The scalar passes through a short-lived JavaScript string; it protects one message's X25519 half.
 */
export function ephemeralX25519(scalar: Uint8Array): KeyObject {
  const d = Buffer.from(scalar.buffer, scalar.byteOffset, scalar.length).toString('base64url');
  // node requires `x` to be a string, and derives the public half of a private JWK from `d` alone.
  return createPrivateKey({ key: { kty: 'OKP', crv: 'X25519', d, x: '' }, format: 'jwk' });
}

export function x25519PublicKey(raw: Uint8Array): KeyObject {
  const x = Buffer.from(raw.buffer, raw.byteOffset, raw.length).toString('base64url');
  return createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x }, format: 'jwk' });
}

export function rawX25519Public(key: KeyObject): Buffer {
  // From the public half only, so the private scalar is never copied into a JavaScript string.
  const publicKey = key.type === 'private' ? createPublicKey(key) : key;
  return Buffer.from(publicKey.export({ format: 'jwk' }).x ?? '', 'base64url');
}

export function xwingCombiner(ssM: Uint8Array, ssX: Uint8Array, ctX: Uint8Array, pkX: Uint8Array): Buffer {
  return createHash('sha3-256').update(ssM).update(ssX).update(ctX).update(pkX).update(XWING_LABEL).digest();
}

/** Encapsulations a key keeps computed ahead: enough for a short burst to one partner, few secrets held. */
export const XWING_AHEAD = 2;
/**
 * How long after its last encapsulation a key waits before computing the next ones ahead: the alert just sealed has
 * left its sender by then, so the work lands in the idle time between alerts, not on the path of the one in flight.
 */
export const XWING_AHEAD_DELAY_MS = 10;

/** An X-Wing encapsulation key, parsed once (the ML-KEM matrix is expanded once: encapsulation is then cheaper). */
export class XWingPublicKey {
  readonly bytes: Buffer;
  readonly pkX: Buffer;
  private readonly x: KeyObject;
  /** The ML-KEM half, parsed and checked once (ml-kem.ts chooses the implementation per call). */
  readonly mlKem: MlKemPublicKey;
  /**
   * Encapsulations computed in idle time (prepareAhead), each from fresh randomness and handed out exactly once:
   * a seal then costs the encapsulation's ~0.25 ms less on the path of an alert. They live in this process's memory
   * only until the next seals to this key, and go with it when the key is replaced.
   */
  private readonly ahead: { sharedSecret: Buffer; ciphertext: Buffer }[] = [];
  private aheadTimer?: NodeJS.Timeout;

  constructor(bytes: Uint8Array) {
    if (bytes.length !== XWING_PUBLIC_KEY_BYTES) {
      throw new RangeError(`an X-Wing public key has ${XWING_PUBLIC_KEY_BYTES} bytes`);
    }
    this.bytes = Buffer.from(bytes);
    this.pkX = this.bytes.subarray(ML_KEM_PK_BYTES);
    this.x = x25519PublicKey(this.pkX);
    // MlKemPublicKey checks the ML-KEM encapsulation key (FIPS 203 section 7.2 modulus check) and throws if it fails.
    this.mlKem = new MlKemPublicKey(this.bytes.subarray(0, ML_KEM_PK_BYTES));
  }

  /**
   * Encaps: `eseed` (64 bytes: ML-KEM m, then the X25519 ephemeral scalar) only for known-answer tests. Without it,
   * an encapsulation computed ahead is used if one is ready, and the next ones are prepared after a quiet moment.
   */
  encapsulate(eseed?: Uint8Array): { sharedSecret: Buffer; ciphertext: Buffer } {
    if (eseed !== undefined) {
      return this.encapsulateNow(eseed);
    }
    const ready = this.ahead.shift();
    this.prepareAheadSoon();
    return ready ?? this.encapsulateNow();
  }

  /** Encapsulations ready to be handed out (for tests and metrics). */
  get preparedAhead(): number {
    return this.ahead.length;
  }

  /** Computes encapsulations ahead until `count` are ready. */
  prepareAhead(count = XWING_AHEAD): void {
    clearTimeout(this.aheadTimer);
    this.aheadTimer = undefined;
    while (this.ahead.length < count) {
      this.ahead.push(this.encapsulateNow());
    }
  }

  /** Re-arms the idle-time preparation: it runs XWING_AHEAD_DELAY_MS after the last encapsulation (never holds a process open). */
  private prepareAheadSoon(): void {
    clearTimeout(this.aheadTimer);
    this.aheadTimer = setTimeout(() => this.prepareAhead(), XWING_AHEAD_DELAY_MS);
    this.aheadTimer.unref();
  }

  private encapsulateNow(eseed?: Uint8Array): { sharedSecret: Buffer; ciphertext: Buffer } {
    if (eseed !== undefined && eseed.length !== 64) {
      throw new RangeError('eseed has 64 bytes');
    }
    const scalar = eseed === undefined ? freshRandomBytes(X25519_BYTES) : eseed.subarray(32, 64);
    const ephemeral = ephemeralX25519(scalar);
    if (eseed === undefined) {
      scalar.fill(0);
    }
    // The public half exported as JWK reads the raw key (4 µs; X25519 with the base point costs 30). Safe because the
    // key was imported (ephemeralX25519 says why a generated one would not be); xwing-export.spec.ts checks it.
    const ctX = rawX25519Public(ephemeral);
    const ssX = diffieHellman({ privateKey: ephemeral, publicKey: this.x });
    const { cipherText, sharedSecret: ssM } = this.mlKem.encapsulate(eseed?.subarray(0, 32));
    const sharedSecret = xwingCombiner(ssM, ssX, ctX, this.pkX);
    ssM.fill(0);
    ssX.fill(0);
    return { sharedSecret, ciphertext: Buffer.concat([cipherText, ctX]) };
  }
}

/** An X-Wing decapsulation key: the 32-byte seed, expanded (SHAKE256) into the ML-KEM and X25519 halves. */
export class XWingPrivateKey {
  readonly publicKey: XWingPublicKey;
  private seed: Buffer;
  private skM: Uint8Array;
  private readonly skX: KeyObject;
  private destroyed = false;

  constructor(seed: Uint8Array) {
    if (seed.length !== XWING_SEED_BYTES) {
      throw new RangeError(`an X-Wing private key seed has ${XWING_SEED_BYTES} bytes`);
    }
    this.seed = Buffer.from(seed);
    const expanded = createHash('shake256', { outputLength: 96 }).update(this.seed).digest();
    const { publicKey: pkM, secretKey } = mlKemKeygenFromSeed(expanded.subarray(0, 64));
    this.skM = secretKey;
    this.skX = x25519PrivateKey(expanded.subarray(64, 96));
    this.publicKey = new XWingPublicKey(Buffer.concat([pkM, rawX25519Public(this.skX)]));
    expanded.fill(0);
  }

  static generate(): XWingPrivateKey {
    const seed = randomBytes(XWING_SEED_BYTES);
    try {
      return new XWingPrivateKey(seed);
    } finally {
      seed.fill(0);
    }
  }

  /** The seed, to store encrypted (it is the whole private key). */
  exportSeed(): Buffer {
    this.requireLive();
    return Buffer.from(this.seed);
  }

  decapsulate(ciphertext: Uint8Array): Buffer {
    this.requireLive();
    if (ciphertext.length !== XWING_CIPHERTEXT_BYTES) {
      throw new RangeError(`an X-Wing ciphertext has ${XWING_CIPHERTEXT_BYTES} bytes`);
    }
    const ctM = ciphertext.subarray(0, ML_KEM_CT_BYTES);
    const ctX = ciphertext.subarray(ML_KEM_CT_BYTES);
    const ssM = this.publicKey.mlKem.decapsulate(ctM, this.skM);
    const ssX = diffieHellman({ privateKey: this.skX, publicKey: x25519PublicKey(ctX) });
    const sharedSecret = xwingCombiner(ssM, ssX, ctX, this.publicKey.pkX);
    ssM.fill(0);
    ssX.fill(0);
    return sharedSecret;
  }

  /**
   * Overwrites the seed and the ML-KEM secret key in memory; decapsulate fails afterwards. (The X25519 half lives in
   * an OpenSSL key object that node cannot wipe: it is released with this object.)
   */
  destroy(): void {
    this.seed.fill(0);
    this.skM.fill(0);
    this.seed = Buffer.alloc(0);
    this.skM = new Uint8Array(0);
    this.destroyed = true;
  }

  get isDestroyed(): boolean {
    return this.destroyed;
  }

  private requireLive(): void {
    if (this.destroyed) {
      throw new Error('this X-Wing private key has been destroyed');
    }
  }
}

export { X25519_BYTES };
