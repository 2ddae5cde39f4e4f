// Offline verification of an exported log: recompute the tree from the leaves and hold it
// against every signed head, naming the first entry that breaks.
import { hash, X509Certificate } from 'node:crypto';
import { type SignedTreeHead, type TreeHead } from '@corridor/contracts';
import { AuditLogError } from './errors';
import { hashesEqual, HASH_SIZE, isHash } from './hashing';
import { MerkleTree } from './merkle-tree';
import { decodeSignedTreeHead, encodeSignedTreeHead, treeSizeOf, verifyTreeHead } from './tree-head';

export const AUDIT_EXPORT_FORMAT = 'corridor-audit-export/v1';

export interface AuditExportLeaf {
  index: number;
  /** Protobuf AuditLeaf bytes. */
  leafBytesBase64: string;
  /** The leaf hash the gateway stored; lets a verifier name the exact tampered leaf. */
  leafHashBase64?: string;
}

/** One JSON object: the leaves in index order from 0, and the signed heads that commit to them. */
export interface AuditExport {
  format: typeof AUDIT_EXPORT_FORMAT;
  gateway: string;
  /** Certificate of the key that signed the heads. */
  certPem: string;
  leaves: AuditExportLeaf[];
  /** Serialized SignedTreeHead messages. */
  heads: string[];
}

export type ExportFailureReason =
  | 'MALFORMED'
  | 'NO_HEADS'
  | 'CERT_REJECTED'
  | 'BAD_SIGNATURE'
  | 'GATEWAY_MISMATCH'
  | 'HEAD_TIME_REGRESSION'
  | 'LEAF_INDEX_MISMATCH'
  | 'MISSING_LEAVES'
  | 'LEAF_MISMATCH'
  | 'ROOT_MISMATCH'
  | 'LEAF_HASH_MISMATCH';

export interface ExportVerified {
  ok: true;
  leafCount: number;
  /** Leaves covered by the largest signed head; later leaves are not yet committed to. */
  committedLeafCount: number;
  /** Verified heads, by increasing tree size. */
  heads: TreeHead[];
  /** The recomputed tree, for proofs. */
  tree: MerkleTree;
}

export interface ExportRejected {
  ok: false;
  reason: ExportFailureReason;
  message: string;
  /** The first leaf index proven bad (modified, missing, out of place), when it can be pinned down. */
  firstBadIndex?: number;
  /** When only the signed heads speak: the first bad leaf is in [from, to). */
  suspectRange?: { from: number; to: number };
  /** Position in `heads` of the head concerned. */
  headIndex?: number;
}

export type ExportVerification = ExportVerified | ExportRejected;

export function buildExport({
  gateway,
  certPem,
  leaves,
  heads,
}: {
  gateway: string;
  certPem: string;
  /** In index order from 0; pass the stored leafHash to let verifiers pinpoint tampering. */
  leaves: readonly { leafBytes: Uint8Array; leafHash?: Uint8Array }[];
  heads: readonly SignedTreeHead[];
}): AuditExport {
  return {
    format: AUDIT_EXPORT_FORMAT,
    gateway,
    certPem,
    leaves: leaves.map(({ leafBytes, leafHash }, index) =>
      leafHash === undefined
        ? { index, leafBytesBase64: toBase64(leafBytes) }
        : { index, leafBytesBase64: toBase64(leafBytes), leafHashBase64: toBase64(leafHash) },
    ),
    heads: heads.map((sth) => toBase64(encodeSignedTreeHead(sth))),
  };
}

/**
 * Verifies an export with no access to the gateway. `caCertPem` checks that the signer certificate
 * was issued and signed by that CA; `verifyCert` is the full chain and revocation check (from
 * @corridor/pki) and rejects by throwing.
 */
export function verifyExport({
  export: auditExport,
  caCertPem,
  verifyCert,
}: {
  export: AuditExport;
  caCertPem?: string;
  verifyCert?: (certPem: string) => void;
}): ExportVerification {
  const malformed = checkShape(auditExport);
  if (malformed !== undefined) {
    return malformed;
  }
  const certRejection = checkCertificate({ certPem: auditExport.certPem, caCertPem, verifyCert });
  if (certRejection !== undefined) {
    return { ok: false, reason: 'CERT_REJECTED', message: certRejection };
  }

  const headsOrFailure = verifyHeads(auditExport);
  if (!Array.isArray(headsOrFailure)) {
    return headsOrFailure;
  }
  const heads = headsOrFailure;

  const { tree, indexBreak, carriedHashes, firstCarriedMismatch } = recomputeTree(auditExport.leaves);

  let lastGoodSize = 0;
  let carriedTree: MerkleTree | undefined;
  for (const { head, size, headIndex } of heads) {
    if (size > tree.size) {
      return indexBreak !== undefined
        ? indexMismatch(indexBreak)
        : {
            ok: false,
            reason: 'MISSING_LEAVES',
            message: `head ${headIndex} commits to ${size} leaves, the export holds ${tree.size}`,
            firstBadIndex: tree.size,
            headIndex,
          };
    }
    if (hashesEqual(tree.rootAt(size), head.rootHash)) {
      lastGoodSize = size;
      continue;
    }
    // The stored leaf hashes name the exact leaf, but only if the signed head vouches for them.
    if (carriedHashes !== undefined && firstCarriedMismatch !== undefined && firstCarriedMismatch < size) {
      carriedTree ??= MerkleTree.fromLeafHashes(carriedHashes);
      if (hashesEqual(carriedTree.rootAt(size), head.rootHash)) {
        return {
          ok: false,
          reason: 'LEAF_MISMATCH',
          message: `leaf ${firstCarriedMismatch} differs from what head ${headIndex} (size ${size}) commits to`,
          firstBadIndex: firstCarriedMismatch,
          headIndex,
        };
      }
    }
    const exact = size - lastGoodSize === 1;
    return {
      ok: false,
      reason: 'ROOT_MISMATCH',
      message: exact
        ? `leaf ${lastGoodSize} differs from what head ${headIndex} (size ${size}) commits to`
        : `a leaf in [${lastGoodSize}, ${size}) differs from what head ${headIndex} (size ${size}) commits to`,
      ...(exact ? { firstBadIndex: lastGoodSize } : {}),
      suspectRange: { from: lastGoodSize, to: size },
      headIndex,
    };
  }
  if (indexBreak !== undefined) {
    return indexMismatch(indexBreak);
  }
  if (firstCarriedMismatch !== undefined) {
    return {
      ok: false,
      reason: 'LEAF_HASH_MISMATCH',
      message: `stored hash of leaf ${firstCarriedMismatch} does not match its bytes`,
      firstBadIndex: firstCarriedMismatch,
    };
  }
  return {
    ok: true,
    leafCount: tree.size,
    committedLeafCount: lastGoodSize,
    heads: heads.map(({ head }) => head),
    tree,
  };
}

interface CheckedHead {
  head: TreeHead;
  size: number;
  headIndex: number;
}

function verifyHeads(auditExport: AuditExport): CheckedHead[] | ExportRejected {
  if (auditExport.heads.length === 0) {
    return { ok: false, reason: 'NO_HEADS', message: 'the export carries no signed tree head' };
  }
  const heads: CheckedHead[] = [];
  for (const [headIndex, encoded] of auditExport.heads.entries()) {
    let head: TreeHead;
    let size: number;
    try {
      const sth = decodeSignedTreeHead(Buffer.from(encoded, 'base64'));
      head = verifyTreeHead({ sth, certPem: auditExport.certPem });
      size = treeSizeOf(head);
    } catch (error) {
      const badSignature = error instanceof AuditLogError && error.code === 'BAD_SIGNATURE';
      return {
        ok: false,
        reason: badSignature ? 'BAD_SIGNATURE' : 'MALFORMED',
        message: `head ${headIndex}: ${badSignature ? 'signature does not verify' : 'unreadable'}`,
        headIndex,
      };
    }
    if (head.gateway !== auditExport.gateway) {
      return {
        ok: false,
        reason: 'GATEWAY_MISMATCH',
        message: `head ${headIndex} was signed for another gateway`,
        headIndex,
      };
    }
    heads.push({ head, size, headIndex });
  }
  heads.sort((a, b) => a.size - b.size || a.headIndex - b.headIndex);
  for (let i = 1; i < heads.length; i += 1) {
    if (heads[i].head.timestampMs < heads[i - 1].head.timestampMs) {
      return {
        ok: false,
        reason: 'HEAD_TIME_REGRESSION',
        message: `head ${heads[i].headIndex} is larger than head ${heads[i - 1].headIndex} but older`,
        headIndex: heads[i].headIndex,
      };
    }
  }
  return heads;
}

interface RecomputedTree {
  tree: MerkleTree;
  /** First position whose entry does not carry its own index; the tree stops before it. */
  indexBreak?: number;
  /** Leaf hashes as stored by the gateway, when every entry carries one. */
  carriedHashes?: Uint8Array[];
  firstCarriedMismatch?: number;
}

function recomputeTree(leaves: readonly AuditExportLeaf[]): RecomputedTree {
  const tree = new MerkleTree();
  const everyEntryCarriesHash = leaves.every((leaf) => leaf.leafHashBase64 !== undefined);
  const carriedHashes: Uint8Array[] | undefined = everyEntryCarriesHash ? [] : undefined;
  let firstCarriedMismatch: number | undefined;
  let indexBreak: number | undefined;
  // One reusable buffer holding 0x00 || leaf bytes: no allocation per leaf on a million-leaf export.
  let input = Buffer.allocUnsafe(1024);
  for (const [position, leaf] of leaves.entries()) {
    if (leaf.index !== position) {
      indexBreak = position;
      break;
    }
    const needed = 1 + Math.ceil(leaf.leafBytesBase64.length / 4) * 3;
    if (needed > input.length) {
      input = Buffer.allocUnsafe(needed * 2);
    }
    input[0] = 0x00;
    const written = input.write(leaf.leafBytesBase64, 1, 'base64');
    const leafHash = hash('sha256', input.subarray(0, 1 + written), 'buffer');
    tree.append(leafHash);
    if (carriedHashes !== undefined && leaf.leafHashBase64 !== undefined) {
      const carried = Buffer.from(leaf.leafHashBase64, 'base64');
      // A malformed stored hash still counts as a mismatch; the tree of stored hashes then cannot match a head.
      carriedHashes.push(isHash(carried) ? carried : Buffer.alloc(HASH_SIZE));
      if (firstCarriedMismatch === undefined && !hashesEqual(carried, leafHash)) {
        firstCarriedMismatch = position;
      }
    }
  }
  return { tree, indexBreak, carriedHashes, firstCarriedMismatch };
}

function indexMismatch(position: number): ExportRejected {
  return {
    ok: false,
    reason: 'LEAF_INDEX_MISMATCH',
    message: `entry at position ${position} is not leaf ${position} (missing, duplicated or reordered)`,
    firstBadIndex: position,
  };
}

function checkShape(value: unknown): ExportRejected | undefined {
  const fail = (message: string, firstBadIndex?: number): ExportRejected => ({
    ok: false,
    reason: 'MALFORMED',
    message,
    ...(firstBadIndex === undefined ? {} : { firstBadIndex }),
  });
  if (typeof value !== 'object' || value === null) {
    return fail('export is not an object');
  }
  const candidate = value as Partial<Record<keyof AuditExport, unknown>>;
  if (candidate.format !== AUDIT_EXPORT_FORMAT) {
    return fail(`unknown export format, expected ${AUDIT_EXPORT_FORMAT}`);
  }
  if (typeof candidate.gateway !== 'string' || typeof candidate.certPem !== 'string') {
    return fail('export needs gateway and certPem strings');
  }
  if (!Array.isArray(candidate.heads) || !candidate.heads.every((head) => typeof head === 'string')) {
    return fail('heads must be an array of base64 strings');
  }
  if (!Array.isArray(candidate.leaves)) {
    return fail('leaves must be an array');
  }
  const leaves = candidate.leaves as unknown[];
  for (let position = 0; position < leaves.length; position += 1) {
    const leaf = leaves[position] as Partial<Record<keyof AuditExportLeaf, unknown>> | null;
    if (
      typeof leaf !== 'object' ||
      leaf === null ||
      !Number.isSafeInteger(leaf.index) ||
      typeof leaf.leafBytesBase64 !== 'string' ||
      (leaf.leafHashBase64 !== undefined && typeof leaf.leafHashBase64 !== 'string')
    ) {
      return fail(`leaf entry at position ${position} is malformed`, position);
    }
  }
  return undefined;
}

function checkCertificate({
  certPem,
  caCertPem,
  verifyCert,
}: {
  certPem: string;
  caCertPem?: string;
  verifyCert?: (certPem: string) => void;
}): string | undefined {
  if (caCertPem !== undefined) {
    try {
      const certificate = new X509Certificate(certPem);
      const ca = new X509Certificate(caCertPem);
      if (!certificate.checkIssued(ca) || !certificate.verify(ca.publicKey)) {
        return 'signer certificate was not issued by the given CA';
      }
    } catch {
      return 'signer or CA certificate is unreadable';
    }
  }
  if (verifyCert !== undefined) {
    try {
      verifyCert(certPem);
    } catch (error) {
      return `signer certificate rejected: ${error instanceof Error ? error.message : 'unknown reason'}`;
    }
  }
  return undefined;
}

function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}
