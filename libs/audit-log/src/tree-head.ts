// Signed tree heads: RSA-PSS-SHA256 over a context string and the exact TreeHead bytes.
import {
  constants,
  createPrivateKey,
  createPublicKey,
  KeyObject,
  sign,
  verify,
  X509Certificate,
} from 'node:crypto';
import {
  create,
  fromBinary,
  type SignedTreeHead,
  SignedTreeHeadSchema,
  type TreeHead,
  TreeHeadSchema,
  toBinary,
} from '@corridor/contracts';
import { AuditLogError } from './errors';
import { hashesEqual, isHash } from './hashing';
import { isTreeSize } from './tree-math';
import { verifyConsistency } from './verify-proofs';

// Context prefix so a tree-head signature can never be replayed as a signature over anything else.
export const TREE_HEAD_SIGNATURE_CONTEXT: Uint8Array = Buffer.from('corridor-sth-v1\0', 'latin1');
const PSS_SALT_LENGTH = 32;

export interface TreeHeadFields {
  gateway: string;
  treeSize: number | bigint;
  rootHash: Uint8Array;
  timestampMs: number | bigint;
}

export function signTreeHead({
  head,
  privateKey,
  certFingerprint,
}: {
  head: TreeHeadFields;
  privateKey: KeyObject | string;
  certFingerprint: string;
}): SignedTreeHead {
  const treeHead = create(TreeHeadSchema, {
    gateway: head.gateway,
    treeSize: integerField({ value: head.treeSize, name: 'treeSize' }),
    rootHash: head.rootHash,
    timestampMs: integerField({ value: head.timestampMs, name: 'timestampMs' }),
  });
  requireWellFormedHead(treeHead);
  let treeHeadBytes: Uint8Array;
  try {
    treeHeadBytes = toBinary(TreeHeadSchema, treeHead);
  } catch (cause) {
    throw new AuditLogError({ code: 'MALFORMED', message: 'tree head does not encode', cause });
  }
  const key = rsaKey({ key: privateKey, kind: 'private' });
  const signature = sign('sha256', signingInput(treeHeadBytes), {
    key,
    padding: constants.RSA_PKCS1_PSS_PADDING,
    saltLength: PSS_SALT_LENGTH,
  });
  return create(SignedTreeHeadSchema, { treeHead: treeHeadBytes, signature, certFingerprint });
}

/**
 * Checks the signature with the signer's certificate (PEM) or public key and returns the decoded head.
 * Throws AuditLogError BAD_SIGNATURE, or MALFORMED when the signed bytes are not a usable head.
 * The certificate's own validity (chain, revocation) is the caller's business.
 */
export function verifyTreeHead({
  sth,
  certPem,
  publicKey,
}: {
  sth: SignedTreeHead | Uint8Array;
  certPem?: string;
  publicKey?: KeyObject;
}): TreeHead {
  const signed = sth instanceof Uint8Array ? decodeSignedTreeHead(sth) : sth;
  const key = signerKey({ certPem, publicKey });
  let valid: boolean;
  try {
    valid = verify(
      'sha256',
      signingInput(signed.treeHead),
      {
        key,
        padding: constants.RSA_PKCS1_PSS_PADDING,
        saltLength: PSS_SALT_LENGTH,
      },
      signed.signature,
    );
  } catch {
    valid = false;
  }
  if (!valid) {
    throw new AuditLogError({ code: 'BAD_SIGNATURE', message: 'tree head signature does not verify' });
  }
  let head: TreeHead;
  try {
    head = fromBinary(TreeHeadSchema, signed.treeHead);
  } catch (cause) {
    throw new AuditLogError({ code: 'MALFORMED', message: 'signed bytes are not a TreeHead', cause });
  }
  requireWellFormedHead(head);
  return head;
}

export function encodeSignedTreeHead(sth: SignedTreeHead): Uint8Array {
  return toBinary(SignedTreeHeadSchema, sth);
}

export function decodeSignedTreeHead(bytes: Uint8Array): SignedTreeHead {
  try {
    return fromBinary(SignedTreeHeadSchema, bytes);
  } catch (cause) {
    throw new AuditLogError({ code: 'MALFORMED', message: 'bytes are not a SignedTreeHead', cause });
  }
}

/** A head's size as a number; throws MALFORMED beyond Number.MAX_SAFE_INTEGER. */
export function treeSizeOf(head: TreeHead): number {
  const size = Number(head.treeSize);
  if (!isTreeSize(size) || BigInt(size) !== head.treeSize) {
    throw new AuditLogError({ code: 'MALFORMED', message: 'tree size out of range' });
  }
  return size;
}

export type HeadAlarm = 'ROLLBACK' | 'FORK' | 'TIME_REGRESSION' | 'GATEWAY_MISMATCH' | 'MALFORMED_HEAD';

export type HeadProgression = { ok: true } | { ok: false; alarm: HeadAlarm; message: string };

/**
 * What a monitor concludes from a gateway's next head after the previous one it accepted:
 * a smaller tree is a rollback; the same size with another root, or a consistency proof that
 * does not verify, is a fork; an older timestamp is a time regression.
 */
export function checkHeadProgression({
  previous,
  next,
  consistencyProof = [],
}: {
  previous: TreeHead;
  next: TreeHead;
  consistencyProof?: readonly Uint8Array[];
}): HeadProgression {
  if (!isWellFormedHead(previous) || !isWellFormedHead(next)) {
    return { ok: false, alarm: 'MALFORMED_HEAD', message: 'tree head has a bad size or root hash' };
  }
  if (previous.gateway !== next.gateway) {
    return { ok: false, alarm: 'GATEWAY_MISMATCH', message: 'heads belong to different gateways' };
  }
  const oldSize = Number(previous.treeSize);
  const newSize = Number(next.treeSize);
  if (newSize < oldSize) {
    return { ok: false, alarm: 'ROLLBACK', message: `tree shrank from ${oldSize} to ${newSize}` };
  }
  if (newSize === oldSize && !hashesEqual(previous.rootHash, next.rootHash)) {
    return { ok: false, alarm: 'FORK', message: `two different roots for size ${newSize}` };
  }
  const consistent = verifyConsistency({
    oldSize,
    newSize,
    oldRoot: previous.rootHash,
    newRoot: next.rootHash,
    proof: consistencyProof,
  });
  if (!consistent) {
    return {
      ok: false,
      alarm: 'FORK',
      message: `consistency proof from ${oldSize} to ${newSize} does not verify`,
    };
  }
  if (next.timestampMs < previous.timestampMs) {
    return { ok: false, alarm: 'TIME_REGRESSION', message: 'head timestamp went backwards' };
  }
  return { ok: true };
}

function integerField({ value, name }: { value: number | bigint; name: string }): bigint {
  if (typeof value === 'bigint') {
    return value;
  }
  if (!Number.isSafeInteger(value)) {
    throw new AuditLogError({ code: 'MALFORMED', message: `${name} must be an integer` });
  }
  return BigInt(value);
}

function signingInput(treeHeadBytes: Uint8Array): Buffer {
  return Buffer.concat([TREE_HEAD_SIGNATURE_CONTEXT, treeHeadBytes]);
}

function isWellFormedHead(head: TreeHead): boolean {
  return (
    head.gateway.length > 0 &&
    isHash(head.rootHash) &&
    head.treeSize >= 0n &&
    head.treeSize <= BigInt(Number.MAX_SAFE_INTEGER)
  );
}

function requireWellFormedHead(head: TreeHead): void {
  if (!isWellFormedHead(head)) {
    throw new AuditLogError({
      code: 'MALFORMED',
      message: 'tree head needs a gateway, a 32-byte root hash and a size within safe integers',
    });
  }
}

function rsaKey({ key, kind }: { key: KeyObject | string; kind: 'private' | 'public' }): KeyObject {
  let keyObject: KeyObject;
  try {
    keyObject =
      key instanceof KeyObject ? key : kind === 'private' ? createPrivateKey(key) : createPublicKey(key);
  } catch (cause) {
    throw new AuditLogError({ code: 'BAD_KEY', message: `unreadable ${kind} key`, cause });
  }
  if (keyObject.type !== kind || keyObject.asymmetricKeyType !== 'rsa') {
    throw new AuditLogError({ code: 'BAD_KEY', message: `expected an RSA ${kind} key` });
  }
  return keyObject;
}

function signerKey({ certPem, publicKey }: { certPem?: string; publicKey?: KeyObject }): KeyObject {
  if ((certPem === undefined) === (publicKey === undefined)) {
    throw new AuditLogError({ code: 'BAD_KEY', message: 'pass exactly one of certPem or publicKey' });
  }
  if (publicKey !== undefined) {
    return rsaKey({ key: publicKey, kind: 'public' });
  }
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(certPem ?? '');
  } catch (cause) {
    throw new AuditLogError({ code: 'BAD_KEY', message: 'unreadable signer certificate', cause });
  }
  return rsaKey({ key: certificate.publicKey, kind: 'public' });
}
