// The raw node:crypto ceiling of envelope suite 1 on one core: what sealing at the sender and opening at the
// receiver would cost with nothing but the primitives (RSA-3072 PSS-SHA256, OAEP-SHA256 key wrap, AES-256-GCM).
// bench/envelope.ts measures the same thing beside sealEnvelope/openEnvelope but does not export it.
import {
  constants,
  hkdfSync,
  createCipheriv,
  createDecipheriv,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  privateDecrypt,
  publicEncrypt,
  randomBytes,
  sign,
  verify,
  type KeyObject,
} from 'node:crypto';
import { XWingPrivateKey } from '@corridor/envelope';
import { summarize } from './stats';

const PSS = { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 };
const OAEP = { padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' };
/** about the size of a signed envelope header used as AAD */
const AAD_BYTES = 160;

export interface EnvelopeCeiling {
  payloadBytes: number;
  sealPerSecond: number;
  openPerSecond: number;
  /** one seal at the sender plus one open at the receiver, one after the other on one core */
  perAlertPerSecond: number;
}

export interface Sealed {
  aad: Buffer;
  wrappedKey: Buffer;
  nonce: Buffer;
  body: Buffer;
  tag: Buffer;
  signature: Buffer;
}

function seal({
  plaintext,
  aad,
  senderKey,
  recipientPublicKey,
}: {
  plaintext: Buffer;
  aad: Buffer;
  senderKey: KeyObject;
  recipientPublicKey: KeyObject;
}): Sealed {
  const contentKey = randomBytes(32);
  const nonce = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', contentKey, nonce);
  cipher.setAAD(aad);
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  const tag = cipher.getAuthTag();
  const wrappedKey = publicEncrypt({ key: recipientPublicKey, ...OAEP }, contentKey);
  const signature = sign('sha256', Buffer.concat([aad, wrappedKey, nonce, body, tag]), {
    key: senderKey,
    ...PSS,
  });
  return { aad, wrappedKey, nonce, body, tag, signature };
}

function open({
  sealed,
  senderPublicKey,
  recipientKey,
}: {
  sealed: Sealed;
  senderPublicKey: KeyObject;
  recipientKey: KeyObject;
}): Buffer {
  const { aad, wrappedKey, nonce, body, tag, signature } = sealed;
  const signedBytes = Buffer.concat([aad, wrappedKey, nonce, body, tag]);
  if (!verify('sha256', signedBytes, { key: senderPublicKey, ...PSS }, signature)) {
    throw new Error('ceiling: signature did not verify');
  }
  const contentKey = privateDecrypt({ key: recipientKey, ...OAEP }, wrappedKey);
  const decipher = createDecipheriv('aes-256-gcm', contentKey, nonce);
  decipher.setAAD(aad);
  decipher.setAuthTag(tag);
  return Buffer.concat([decipher.update(body), decipher.final()]);
}

/**
 * Operations per second of `a` and `b`, run in `slices` pairs of slices of `sliceMs` each, in ABBA order (neither always
 * runs right after the other's garbage) after one uncounted slice each (the JIT and WebAssembly tiers settle), so
 * machine drift hits both alike; with the median of the per-pair ratios a/b, which one slow moment does not move.
 */
export function pairedSlices({
  a,
  b,
  slices,
  sliceMs,
}: {
  a: () => void;
  b: () => void;
  slices: number;
  sliceMs: number;
}): { a: number; b: number; medianRatio: number } {
  const fns = [a, b];
  const runSlice = (fn: () => void): { n: number; ms: number } => {
    const started = performance.now();
    let n = 0;
    do {
      fn();
      n += 1;
    } while (performance.now() - started < sliceMs);
    return { n, ms: performance.now() - started };
  };
  fns.forEach(runSlice);
  const ops = [0, 0];
  const spent = [0, 0];
  const ratios: number[] = [];
  for (let pair = 0; pair < slices; pair += 1) {
    const rates = [0, 0];
    for (const which of pair % 2 === 0 ? [0, 1] : [1, 0]) {
      const { n, ms } = runSlice(fns[which]);
      ops[which] += n;
      spent[which] += ms;
      rates[which] = n / ms;
    }
    ratios.push(rates[0] / rates[1]);
  }
  // The nearest-rank median, as the exchange bench takes the median of its paired rounds.
  const medianRatio = summarize(ratios).p50;
  return { a: (ops[0] / spent[0]) * 1000, b: (ops[1] / spent[1]) * 1000, medianRatio };
}

/** Measures seal and open for ~`secondsEach` seconds each with fresh RSA-3072 keys. */
export function measureEnvelopeCeiling({
  payloadBytes = 1024,
  secondsEach = 2,
}: { payloadBytes?: number; secondsEach?: number } = {}): EnvelopeCeiling {
  const sender = generateKeyPairSync('rsa', { modulusLength: 3072 });
  const recipient = generateKeyPairSync('rsa', { modulusLength: 3072 });
  const plaintext = randomBytes(payloadBytes);
  const aad = randomBytes(AAD_BYTES);
  const sealOnce = (): Sealed =>
    seal({ plaintext, aad, senderKey: sender.privateKey, recipientPublicKey: recipient.publicKey });
  const pool = Array.from({ length: 16 }, sealOnce);
  let next = 0;
  const openOnce = (): void => {
    const out = open({
      sealed: pool[next++ % pool.length],
      senderPublicKey: sender.publicKey,
      recipientKey: recipient.privateKey,
    });
    if (out.length !== payloadBytes) {
      throw new Error('ceiling: wrong plaintext length');
    }
  };
  const { a: sealPerSecond, b: openPerSecond } = pairedSlices({
    a: sealOnce,
    b: openOnce,
    slices: 4,
    sliceMs: (secondsEach * 1000) / 4,
  });
  return {
    payloadBytes,
    sealPerSecond,
    openPerSecond,
    perAlertPerSecond: 1 / (1 / sealPerSecond + 1 / openPerSecond),
  };
}

const SUITE2_INFO = Buffer.from('corridor-envelope-v1 suite 2 content key', 'latin1');
const P1363 = { dsaEncoding: 'ieee-p1363' } as const;

/**
 * The keys and associated data of a raw suite 2 pair, as text (it crosses to other processes over IPC): the sender's
 * ECDSA P-256 key (PKCS#8 PEM), the recipient's X-Wing seed and the header bytes, so that one process can open what
 * another sealed.
 */
export interface Suite2RawMaterial {
  signingKeyPem: string;
  kemSeedHex: string;
  aadHex: string;
}

export function suite2RawMaterial(): Suite2RawMaterial {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return {
    signingKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    kemSeedHex: randomBytes(32).toString('hex'),
    aadHex: randomBytes(AAD_BYTES).toString('hex'),
  };
}

/**
 * The same for suite 2: X-Wing encapsulation to an epoch key (the KEM of libs/envelope: @noble/post-quantum ML-KEM-768
 * and node:crypto X25519), HKDF-SHA256, AES-256-GCM, ECDSA P-256 sign; open: verify, decapsulate, HKDF, decrypt.
 */
/**
 * Suite 2 with nothing but the primitives, on fresh keys (or those of `material`): `seal` signs (ECDSA P-256),
 * encapsulates (X-Wing) and encrypts (AES-256-GCM) `payloadBytes`; `open` verifies, decapsulates and decrypts, and
 * throws if anything does not match.
 */
export function suite2Raw(
  payloadBytes = 1024,
  material: Suite2RawMaterial = suite2RawMaterial(),
): { seal: () => Sealed; open: (sealed: Sealed) => void } {
  const privateKey = createPrivateKey(material.signingKeyPem);
  const sender = { privateKey, publicKey: createPublicKey(privateKey) };
  const kem = new XWingPrivateKey(Buffer.from(material.kemSeedHex, 'hex'));
  const plaintext = randomBytes(payloadBytes);
  const aad = Buffer.from(material.aadHex, 'hex');
  const seal = (): Sealed => {
    const { sharedSecret, ciphertext } = kem.publicKey.encapsulate();
    const contentKey = Buffer.from(hkdfSync('sha256', sharedSecret, Buffer.alloc(0), SUITE2_INFO, 32));
    const nonce = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', contentKey, nonce);
    cipher.setAAD(aad);
    const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    const tag = cipher.getAuthTag();
    const wrappedKey = Buffer.from(ciphertext);
    const signature = sign('sha256', Buffer.concat([aad, wrappedKey, nonce, body, tag]), {
      key: sender.privateKey,
      ...P1363,
    });
    return { aad, wrappedKey, nonce, body, tag, signature };
  };
  const open = ({ wrappedKey, nonce, body, tag, signature }: Sealed): void => {
    if (
      !verify(
        'sha256',
        Buffer.concat([aad, wrappedKey, nonce, body, tag]),
        { key: sender.publicKey, ...P1363 },
        signature,
      )
    ) {
      throw new Error('ceiling: signature did not verify');
    }
    const contentKey = Buffer.from(
      hkdfSync('sha256', kem.decapsulate(wrappedKey), Buffer.alloc(0), SUITE2_INFO, 32),
    );
    const decipher = createDecipheriv('aes-256-gcm', contentKey, nonce);
    decipher.setAAD(aad);
    decipher.setAuthTag(tag);
    if (Buffer.concat([decipher.update(body), decipher.final()]).length !== payloadBytes) {
      throw new Error('ceiling: wrong plaintext length');
    }
  };
  return { seal, open };
}

/** The parts of a raw sealed message, in one buffer (a 2-byte length before each), to send it as a record. */
export function sealedBytes(s: Sealed): Buffer {
  const parts = [s.aad, s.wrappedKey, s.nonce, s.body, s.tag, s.signature];
  return Buffer.concat(
    parts.flatMap((p) => {
      const len = Buffer.alloc(2);
      len.writeUInt16BE(p.length);
      return [len, p];
    }),
  );
}

/** The inverse of sealedBytes. */
export function sealedFrom(bytes: Buffer): Sealed {
  const parts: Buffer[] = [];
  let at = 0;
  while (at < bytes.length) {
    const len = bytes.readUInt16BE(at);
    parts.push(bytes.subarray(at + 2, at + 2 + len));
    at += 2 + len;
  }
  if (parts.length !== 6) {
    throw new Error(`a raw sealed message has 6 parts, this one ${parts.length}`);
  }
  const [aad, wrappedKey, nonce, body, tag, signature] = parts;
  return { aad, wrappedKey, nonce, body, tag, signature };
}

export function measureSuite2Ceiling({
  payloadBytes = 1024,
  secondsEach = 2,
}: { payloadBytes?: number; secondsEach?: number } = {}): EnvelopeCeiling {
  const raw = suite2Raw(payloadBytes);
  const sealOnce = raw.seal;
  const pool = Array.from({ length: 16 }, sealOnce);
  let next = 0;
  const openOnce = (): void => raw.open(pool[next++ % pool.length]);
  const { a: sealPerSecond, b: openPerSecond } = pairedSlices({
    a: sealOnce,
    b: openOnce,
    slices: 4,
    sliceMs: (secondsEach * 1000) / 4,
  });
  return {
    payloadBytes,
    sealPerSecond,
    openPerSecond,
    perAlertPerSecond: 1 / (1 / sealPerSecond + 1 / openPerSecond),
  };
}
