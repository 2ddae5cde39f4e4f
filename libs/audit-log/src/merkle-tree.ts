// Append-only Merkle tree (RFC 9162 section 2.1) keeping every complete subtree hash, so roots
// at any past size and proofs are O(log n) lookups.
import { AuditLogError } from './errors';
import { EMPTY_ROOT_HASH, HASH_SIZE, hashChildren, requireHash } from './hashing';
import { isPowerOfTwo, isTreeSize, splitPoint } from './tree-math';

const INITIAL_SLOTS = 1024;

/** One level of the tree: fixed-size hashes packed in one growable byte array (no object per hash). */
class HashLevel {
  private bytes = new Uint8Array(INITIAL_SLOTS * HASH_SIZE);
  count = 0;

  push(hash: Uint8Array): void {
    if ((this.count + 1) * HASH_SIZE > this.bytes.length) {
      const grown = new Uint8Array(this.bytes.length * 2);
      grown.set(this.bytes);
      this.bytes = grown;
    }
    this.bytes.set(hash, this.count * HASH_SIZE);
    this.count += 1;
  }

  copy(): HashLevel {
    const c = new HashLevel();
    c.bytes = this.bytes.slice(0, Math.max(this.count, INITIAL_SLOTS) * HASH_SIZE);
    c.count = this.count;
    return c;
  }

  /** A view, valid forever: slots are never rewritten and growth leaves old arrays intact. */
  at(index: number): Uint8Array {
    return this.bytes.subarray(index * HASH_SIZE, (index + 1) * HASH_SIZE);
  }
}

export class MerkleTree {
  // levels[k].at(i) is the hash of leaves [i * 2^k, (i + 1) * 2^k).
  private readonly levels: HashLevel[] = [new HashLevel()];

  /** A tree holding the given leaf hashes, in order. */
  static fromLeafHashes(leafHashes: Iterable<Uint8Array>): MerkleTree {
    const tree = new MerkleTree();
    for (const leafHash of leafHashes) {
      tree.append(leafHash);
    }
    return tree;
  }

  /** An independent copy (the stored hashes are copied, not recomputed): try appends without touching this tree. */
  clone(): MerkleTree {
    const tree = new MerkleTree();
    tree.levels.splice(0, tree.levels.length, ...this.levels.map((l) => l.copy()));
    return tree;
  }

  get size(): number {
    return this.levels[0].count;
  }

  /** Appends a leaf hash (see leafHashOf) and returns its index. */
  append(leafHash: Uint8Array): number {
    requireHash({ value: leafHash, name: 'leafHash' });
    const index = this.size;
    this.levels[0].push(leafHash);
    // Each completed pair at level k closes one subtree at level k + 1.
    let level = 0;
    let count = index + 1;
    while (count % 2 === 0) {
      const below = this.levels[level];
      const parent = hashChildren(below.at(count - 2), below.at(count - 1));
      if (this.levels.length === level + 1) {
        this.levels.push(new HashLevel());
      }
      this.levels[level + 1].push(parent);
      level += 1;
      count /= 2;
    }
    return index;
  }

  leafHash(index: number): Uint8Array {
    this.requireIndex({ index, treeSize: this.size });
    return this.levels[0].at(index).slice();
  }

  root(): Uint8Array {
    return this.rootAt(this.size);
  }

  /** Root of the tree made of the first `treeSize` leaves. */
  rootAt(treeSize: number): Uint8Array {
    this.requireSize({ treeSize, name: 'treeSize' });
    if (treeSize === 0) {
      return EMPTY_ROOT_HASH.slice();
    }
    return this.rangeHash(0, treeSize).slice();
  }

  /** RFC 9162 section 2.1.3.1 PATH(index, D[treeSize]), leaf-side first. */
  inclusionProof({ index, treeSize = this.size }: { index: number; treeSize?: number }): Uint8Array[] {
    this.requireSize({ treeSize, name: 'treeSize' });
    this.requireIndex({ index, treeSize });
    const proof: Uint8Array[] = [];
    this.collectPath(index, 0, treeSize, proof);
    return proof;
  }

  /** RFC 9162 section 2.1.4.1 PROOF(oldSize, D[newSize]); empty when oldSize is 0 or equals newSize. */
  consistencyProof({ oldSize, newSize = this.size }: { oldSize: number; newSize?: number }): Uint8Array[] {
    this.requireSize({ treeSize: newSize, name: 'newSize' });
    if (!isTreeSize(oldSize) || oldSize > newSize) {
      throw new AuditLogError({ code: 'OUT_OF_RANGE', message: `oldSize must be within 0..${newSize}` });
    }
    const proof: Uint8Array[] = [];
    if (oldSize > 0 && oldSize < newSize) {
      this.collectSubproof(oldSize, 0, newSize, true, proof);
    }
    return proof;
  }

  // PATH(m, D[start:end]) with m relative to start; children are appended after recursing (leaf side first).
  private collectPath(index: number, start: number, end: number, proof: Uint8Array[]): void {
    const n = end - start;
    if (n === 1) {
      return;
    }
    const k = splitPoint(n);
    if (index < k) {
      this.collectPath(index, start, start + k, proof);
      proof.push(this.rangeHash(start + k, end).slice());
    } else {
      this.collectPath(index - k, start + k, end, proof);
      proof.push(this.rangeHash(start, start + k).slice());
    }
  }

  // SUBPROOF(m, D[start:end], b) with m relative to start.
  private collectSubproof(
    m: number,
    start: number,
    end: number,
    isOriginal: boolean,
    proof: Uint8Array[],
  ): void {
    const n = end - start;
    if (m === n) {
      if (!isOriginal) {
        proof.push(this.rangeHash(start, end).slice());
      }
      return;
    }
    const k = splitPoint(n);
    if (m <= k) {
      this.collectSubproof(m, start, start + k, isOriginal, proof);
      proof.push(this.rangeHash(start + k, end).slice());
    } else {
      this.collectSubproof(m - k, start + k, end, false, proof);
      proof.push(this.rangeHash(start, start + k).slice());
    }
  }

  // MTH(D[start:end]) for ranges produced by the RFC recursion: start is aligned to the range's split.
  private rangeHash(start: number, end: number): Uint8Array {
    const n = end - start;
    if (isPowerOfTwo(n) && start % n === 0) {
      return this.levels[Math.round(Math.log2(n))].at(start / n);
    }
    const k = splitPoint(n);
    return hashChildren(this.rangeHash(start, start + k), this.rangeHash(start + k, end));
  }

  private requireSize({ treeSize, name }: { treeSize: number; name: string }): void {
    if (!isTreeSize(treeSize) || treeSize > this.size) {
      throw new AuditLogError({ code: 'OUT_OF_RANGE', message: `${name} must be within 0..${this.size}` });
    }
  }

  private requireIndex({ index, treeSize }: { index: number; treeSize: number }): void {
    if (!isTreeSize(index) || index >= treeSize) {
      throw new AuditLogError({ code: 'OUT_OF_RANGE', message: `index must be within 0..${treeSize - 1}` });
    }
  }
}
