// Proof checks that need no tree: RFC 9162 sections 2.1.3.2 and 2.1.4.2, step by step.
import { AuditLogError } from './errors';
import { EMPTY_ROOT_HASH, hashChildren, hashesEqual, isHash } from './hashing';
import { half, isOdd, isPowerOfTwo, isTreeSize } from './tree-math';

export interface InclusionCheck {
  leafHash: Uint8Array;
  index: number;
  treeSize: number;
  proof: readonly Uint8Array[];
  rootHash: Uint8Array;
}

export interface ConsistencyCheck {
  oldSize: number;
  newSize: number;
  oldRoot: Uint8Array;
  newRoot: Uint8Array;
  proof: readonly Uint8Array[];
}

/** True when `proof` shows the leaf at `index` is in the tree of `treeSize` leaves with `rootHash`. */
export function verifyInclusion({ leafHash, index, treeSize, proof, rootHash }: InclusionCheck): boolean {
  if (!isTreeSize(index) || !isTreeSize(treeSize) || index >= treeSize) {
    return false;
  }
  if (!isHash(leafHash) || !isHash(rootHash) || !proof.every(isHash)) {
    return false;
  }
  let fn = index;
  let sn = treeSize - 1;
  let r = leafHash;
  for (const p of proof) {
    if (sn === 0) {
      return false;
    }
    if (isOdd(fn) || fn === sn) {
      r = hashChildren(p, r);
      while (!isOdd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      r = hashChildren(r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 && hashesEqual(r, rootHash);
}

/**
 * True when `proof` shows the tree of `oldSize` leaves with `oldRoot` is a prefix of the tree of
 * `newSize` leaves with `newRoot`. Equal sizes need equal roots and an empty proof; size 0 is the
 * empty tree, a prefix of every tree.
 */
export function verifyConsistency({ oldSize, newSize, oldRoot, newRoot, proof }: ConsistencyCheck): boolean {
  if (!isTreeSize(oldSize) || !isTreeSize(newSize) || oldSize > newSize) {
    return false;
  }
  if (!isHash(oldRoot) || !isHash(newRoot) || !proof.every(isHash)) {
    return false;
  }
  if (oldSize === 0) {
    return proof.length === 0 && hashesEqual(oldRoot, EMPTY_ROOT_HASH);
  }
  if (oldSize === newSize) {
    return proof.length === 0 && hashesEqual(oldRoot, newRoot);
  }
  if (proof.length === 0) {
    return false;
  }
  const path = isPowerOfTwo(oldSize) ? [oldRoot, ...proof] : [...proof];
  let fn = oldSize - 1;
  let sn = newSize - 1;
  while (isOdd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  let fr = path[0];
  let sr = path[0];
  for (const c of path.slice(1)) {
    if (sn === 0) {
      return false;
    }
    if (isOdd(fn) || fn === sn) {
      fr = hashChildren(c, fr);
      sr = hashChildren(c, sr);
      while (!isOdd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      sr = hashChildren(sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return hashesEqual(fr, oldRoot) && hashesEqual(sr, newRoot) && sn === 0;
}

/** verifyInclusion that throws AuditLogError INCLUSION_FAILED instead of returning false. */
export function requireInclusion(check: InclusionCheck): void {
  if (!verifyInclusion(check)) {
    throw new AuditLogError({
      code: 'INCLUSION_FAILED',
      message: `inclusion proof for leaf ${check.index} in tree of size ${check.treeSize} does not verify`,
    });
  }
}

/** verifyConsistency that throws AuditLogError CONSISTENCY_FAILED instead of returning false. */
export function requireConsistency(check: ConsistencyCheck): void {
  if (!verifyConsistency(check)) {
    throw new AuditLogError({
      code: 'CONSISTENCY_FAILED',
      message: `consistency proof from size ${check.oldSize} to ${check.newSize} does not verify`,
    });
  }
}
