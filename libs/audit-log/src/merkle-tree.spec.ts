import { createHash } from 'node:crypto';
import fc from 'fast-check';
import {
  AuditLogError,
  EMPTY_ROOT_HASH,
  leafHashOf,
  MerkleTree,
  nodeHashOf,
  requireConsistency,
  requireInclusion,
  verifyConsistency,
  verifyInclusion,
} from './index';
import { auditLogErrorFrom } from './test-support/errors';

// Naive reference straight from the RFC 9162 definitions (MTH, PATH, PROOF/SUBPROOF) over arrays.
function sha256(...parts: Uint8Array[]): Buffer {
  const h = createHash('sha256');
  parts.forEach((part) => h.update(part));
  return h.digest();
}
function largestPowerOfTwoBelow(n: number): number {
  let k = 1;
  while (k * 2 < n) {
    k *= 2;
  }
  return k;
}
function referenceRoot(leaves: Uint8Array[]): Buffer {
  if (leaves.length === 0) {
    return sha256();
  }
  if (leaves.length === 1) {
    return sha256(Buffer.from([0]), leaves[0]);
  }
  const k = largestPowerOfTwoBelow(leaves.length);
  return sha256(Buffer.from([1]), referenceRoot(leaves.slice(0, k)), referenceRoot(leaves.slice(k)));
}
function referencePath(m: number, leaves: Uint8Array[]): Buffer[] {
  if (leaves.length === 1) {
    return [];
  }
  const k = largestPowerOfTwoBelow(leaves.length);
  return m < k
    ? [...referencePath(m, leaves.slice(0, k)), referenceRoot(leaves.slice(k))]
    : [...referencePath(m - k, leaves.slice(k)), referenceRoot(leaves.slice(0, k))];
}
function referenceSubproof(m: number, leaves: Uint8Array[], isOriginal: boolean): Buffer[] {
  const n = leaves.length;
  if (m === n) {
    return isOriginal ? [] : [referenceRoot(leaves)];
  }
  const k = largestPowerOfTwoBelow(n);
  return m <= k
    ? [...referenceSubproof(m, leaves.slice(0, k), isOriginal), referenceRoot(leaves.slice(k))]
    : [...referenceSubproof(m - k, leaves.slice(k), false), referenceRoot(leaves.slice(0, k))];
}

// Distinct leaves, so a proof can never verify for another index by symmetry.
function leavesOf({ size, seed }: { size: number; seed: number }): Buffer[] {
  return Array.from({ length: size }, (_, i) => Buffer.from(`leaf ${seed}:${i}`));
}
function treeOf(leaves: Uint8Array[]): MerkleTree {
  return MerkleTree.fromLeafHashes(leaves.map((leaf) => leafHashOf(leaf)));
}
function flipBit(bytes: Uint8Array, bit: number): Buffer {
  const copy = Buffer.from(bytes);
  copy[Math.floor(bit / 8) % copy.length] ^= 1 << (bit % 8);
  return copy;
}

const treeArb = fc.record({ size: fc.integer({ min: 1, max: 300 }), seed: fc.nat() });

describe('MerkleTree', () => {
  it('has the empty root SHA-256("") and size 0 when empty', () => {
    const tree = new MerkleTree();
    expect(tree.size).toBe(0);
    expect(Buffer.from(tree.root()).toString('hex')).toBe(
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
    expect(Buffer.from(EMPTY_ROOT_HASH).equals(referenceRoot([]))).toBe(true);
  });

  it('clones into an independent tree: appends to the copy leave the original untouched', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1100 }), fc.integer({ min: 1, max: 40 }), (n, extra) => {
        const leaves = Array.from({ length: n + extra }, (_, i) => leafHashOf(Buffer.from(`leaf ${i}`)));
        const original = MerkleTree.fromLeafHashes(leaves.slice(0, n));
        const rootBefore = Buffer.from(original.root());
        const copy = original.clone();
        leaves.slice(n).forEach((h) => copy.append(h));
        expect(original.size).toBe(n);
        expect(Buffer.from(original.root())).toEqual(rootBefore);
        expect(copy.size).toBe(n + extra);
        expect(Buffer.from(copy.root())).toEqual(Buffer.from(MerkleTree.fromLeafHashes(leaves).root()));
        expect(Buffer.from(copy.rootAt(n))).toEqual(rootBefore);
      }),
      { numRuns: 40 },
    );
  });

  it('separates leaf and node hashing domains', () => {
    const a = leafHashOf(Buffer.from('a'));
    const b = leafHashOf(Buffer.from('b'));
    expect(Buffer.from(leafHashOf(Buffer.from('a'))).equals(sha256(Buffer.from([0]), Buffer.from('a')))).toBe(
      true,
    );
    expect(Buffer.from(nodeHashOf({ left: a, right: b })).equals(sha256(Buffer.from([1]), a, b))).toBe(true);
    // A two-leaf root is not the leaf hash of the concatenated children.
    expect(Buffer.from(nodeHashOf({ left: a, right: b })).equals(leafHashOf(Buffer.concat([a, b])))).toBe(
      false,
    );
  });

  it('matches the naive recursive root at every size of random trees', () => {
    fc.assert(
      fc.property(treeArb, ({ size, seed }) => {
        const leaves = leavesOf({ size, seed });
        const tree = treeOf(leaves);
        expect(tree.size).toBe(size);
        for (let m = 0; m <= size; m += 1) {
          expect(Buffer.from(tree.rootAt(m)).equals(referenceRoot(leaves.slice(0, m)))).toBe(true);
        }
      }),
      { numRuns: 25 },
    );
  });

  it('produces the reference inclusion and consistency proofs', () => {
    fc.assert(
      fc.property(treeArb, fc.nat(), fc.nat(), ({ size, seed }, a, b) => {
        const leaves = leavesOf({ size, seed });
        const tree = treeOf(leaves);
        const treeSize = 1 + (a % size);
        const index = b % treeSize;
        const oldSize = b % (treeSize + 1);
        const hex = (hashes: Uint8Array[]): string[] => hashes.map((h) => Buffer.from(h).toString('hex'));
        expect(hex(tree.inclusionProof({ index, treeSize }))).toEqual(
          hex(referencePath(index, leaves.slice(0, treeSize))),
        );
        const expected =
          oldSize === 0 || oldSize === treeSize
            ? []
            : referenceSubproof(oldSize, leaves.slice(0, treeSize), true);
        expect(hex(tree.consistencyProof({ oldSize, newSize: treeSize }))).toEqual(hex(expected));
      }),
      { numRuns: 200 },
    );
  });

  it('proves inclusion of every leaf, and the proof fails for a wrong leaf, index, size or root', () => {
    fc.assert(
      fc.property(treeArb, fc.nat(), ({ size, seed }, bit) => {
        const tree = treeOf(leavesOf({ size, seed }));
        const rootHash = tree.root();
        for (let index = 0; index < size; index += 1) {
          const leafHash = tree.leafHash(index);
          const proof = tree.inclusionProof({ index });
          const good = { leafHash, index, treeSize: size, proof, rootHash };
          expect(verifyInclusion(good)).toBe(true);
          expect(verifyInclusion({ ...good, leafHash: flipBit(leafHash, bit) })).toBe(false);
          expect(verifyInclusion({ ...good, rootHash: flipBit(rootHash, bit) })).toBe(false);
          expect(verifyInclusion({ ...good, index: (index + 1) % size })).toBe(size === 1);
          expect(verifyInclusion({ ...good, index: index + size })).toBe(false);
          // A proof fits any size with the same path shape (the signed root binds the size), so double it.
          expect(verifyInclusion({ ...good, treeSize: size * 2 })).toBe(false);
          expect(verifyInclusion({ ...good, proof: [...proof, rootHash] })).toBe(false);
          if (proof.length > 0) {
            const k = bit % proof.length;
            const flipped = proof.map((h, i) => (i === k ? flipBit(h, bit) : h));
            expect(verifyInclusion({ ...good, proof: flipped })).toBe(false);
            expect(verifyInclusion({ ...good, proof: proof.slice(0, -1) })).toBe(false);
          }
        }
      }),
      { numRuns: 50 },
    );
  });

  it('proves consistency for every size pair m <= n', () => {
    fc.assert(
      fc.property(fc.record({ size: fc.integer({ min: 1, max: 120 }), seed: fc.nat() }), ({ size, seed }) => {
        const tree = treeOf(leavesOf({ size, seed }));
        const roots = Array.from({ length: size + 1 }, (_, m) => tree.rootAt(m));
        for (let newSize = 1; newSize <= size; newSize += 1) {
          for (let oldSize = 0; oldSize <= newSize; oldSize += 1) {
            const proof = tree.consistencyProof({ oldSize, newSize });
            const ok = verifyConsistency({
              oldSize,
              newSize,
              oldRoot: roots[oldSize],
              newRoot: roots[newSize],
              proof,
            });
            if (!ok) {
              throw new Error(`consistency ${oldSize} -> ${newSize} does not verify`);
            }
          }
        }
      }),
      { numRuns: 15 },
    );
  });

  it('rejects a consistency proof with any hash flipped, wrong roots or wrong sizes', () => {
    fc.assert(
      fc.property(treeArb, fc.nat(), fc.nat(), fc.nat(), ({ size, seed }, a, b, bit) => {
        const tree = treeOf(leavesOf({ size, seed }));
        const newSize = 1 + (a % size);
        const oldSize = 1 + (b % newSize);
        const good = {
          oldSize,
          newSize,
          oldRoot: tree.rootAt(oldSize),
          newRoot: tree.rootAt(newSize),
          proof: tree.consistencyProof({ oldSize, newSize }),
        };
        expect(verifyConsistency(good)).toBe(true);
        good.proof.forEach((_, k) => {
          const flipped = good.proof.map((h, i) => (i === k ? flipBit(h, bit) : h));
          expect(verifyConsistency({ ...good, proof: flipped })).toBe(false);
        });
        expect(verifyConsistency({ ...good, oldRoot: flipBit(good.oldRoot, bit) })).toBe(false);
        expect(verifyConsistency({ ...good, newRoot: flipBit(good.newRoot, bit) })).toBe(false);
        if (oldSize < newSize) {
          expect(verifyConsistency({ ...good, proof: good.proof.slice(0, -1) })).toBe(false);
          expect(verifyConsistency({ ...good, proof: [...good.proof, good.newRoot] })).toBe(false);
          expect(verifyConsistency({ ...good, oldSize: newSize + 1 })).toBe(false);
          expect(verifyConsistency({ ...good, newSize: newSize * 2 })).toBe(false);
          expect(verifyConsistency({ ...good, oldRoot: good.newRoot, newRoot: good.oldRoot })).toBe(false);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('treats the empty tree as a prefix of every tree, and equal sizes as needing equal roots', () => {
    const tree = treeOf(leavesOf({ size: 5, seed: 1 }));
    expect(
      verifyConsistency({
        oldSize: 0,
        newSize: 5,
        oldRoot: EMPTY_ROOT_HASH,
        newRoot: tree.root(),
        proof: [],
      }),
    ).toBe(true);
    expect(
      verifyConsistency({ oldSize: 0, newSize: 5, oldRoot: tree.root(), newRoot: tree.root(), proof: [] }),
    ).toBe(false);
    expect(
      verifyConsistency({ oldSize: 5, newSize: 5, oldRoot: tree.root(), newRoot: tree.root(), proof: [] }),
    ).toBe(true);
    expect(
      verifyConsistency({ oldSize: 5, newSize: 5, oldRoot: tree.root(), newRoot: tree.rootAt(4), proof: [] }),
    ).toBe(false);
    expect(
      verifyConsistency({ oldSize: 5, newSize: 4, oldRoot: tree.root(), newRoot: tree.rootAt(4), proof: [] }),
    ).toBe(false);
  });

  it('throws typed errors from the require* variants and for out-of-range arguments', () => {
    const tree = treeOf(leavesOf({ size: 4, seed: 2 }));
    const check = {
      leafHash: tree.leafHash(1),
      index: 1,
      treeSize: 4,
      proof: tree.inclusionProof({ index: 1 }),
    };
    expect(() => requireInclusion({ ...check, rootHash: tree.root() })).not.toThrow();
    expect(auditLogErrorFrom(() => requireInclusion({ ...check, rootHash: tree.rootAt(3) }))).toMatchObject({
      code: 'INCLUSION_FAILED',
      retriable: false,
    });
    expect(
      auditLogErrorFrom(() =>
        requireConsistency({
          oldSize: 3,
          newSize: 4,
          oldRoot: tree.rootAt(3),
          newRoot: tree.root(),
          proof: [],
        }),
      ),
    ).toMatchObject({ code: 'CONSISTENCY_FAILED' });
    expect(() => tree.inclusionProof({ index: 4 })).toThrow(AuditLogError);
    expect(auditLogErrorFrom(() => tree.inclusionProof({ index: 0, treeSize: 5 }))).toMatchObject({
      code: 'OUT_OF_RANGE',
    });
    expect(auditLogErrorFrom(() => tree.consistencyProof({ oldSize: 3, newSize: 2 }))).toMatchObject({
      code: 'OUT_OF_RANGE',
    });
    expect(auditLogErrorFrom(() => tree.rootAt(-1))).toMatchObject({ code: 'OUT_OF_RANGE' });
    expect(auditLogErrorFrom(() => tree.append(new Uint8Array(31)))).toMatchObject({ code: 'BAD_HASH' });
    expect(
      auditLogErrorFrom(() => nodeHashOf({ left: new Uint8Array(32), right: new Uint8Array(33) })),
    ).toMatchObject({ code: 'BAD_HASH' });
  });

  it('keeps leaf hashes and roots stable past internal storage growth', () => {
    const leaves = leavesOf({ size: 3000, seed: 3 });
    const tree = treeOf(leaves);
    expect(Buffer.from(tree.root()).equals(referenceRoot(leaves))).toBe(true);
    expect(Buffer.from(tree.leafHash(5)).equals(leafHashOf(leaves[5]))).toBe(true);
    const proof = tree.inclusionProof({ index: 2047, treeSize: 2999 });
    expect(
      verifyInclusion({
        leafHash: leafHashOf(leaves[2047]),
        index: 2047,
        treeSize: 2999,
        proof,
        rootHash: tree.rootAt(2999),
      }),
    ).toBe(true);
  });
});
