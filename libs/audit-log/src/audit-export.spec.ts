import { type KeyObject } from 'node:crypto';
import { AuditEvent, AuditLeafSchema, Category, create, type SignedTreeHead } from '@corridor/contracts';
import fc from 'fast-check';
import {
  type AuditExport,
  buildExport,
  decodeLeaf,
  decodeSignedTreeHead,
  encodeLeaf,
  encodeSignedTreeHead,
  leafHashOf,
  MerkleTree,
  signTreeHead,
  verifyExport,
} from './index';
import { makeCertificate, makeKeyPair } from './test-support/certificates';

const GATEWAY = 'GR';

function leafBytesOf(i: number): Uint8Array {
  return encodeLeaf(
    create(AuditLeafSchema, {
      event: AuditEvent.SENT,
      gateway: GATEWAY,
      peer: 'IT',
      messageId: `0190c3d2-0000-7000-8000-${String(i).padStart(12, '0')}`,
      envelopeSha256: leafHashOf(Buffer.from(`envelope ${i}`)),
      category: Category.ROUTE,
      atMs: 1_700_000_000_000n + BigInt(i),
    }),
  );
}

describe('verifyExport', () => {
  let gatewayKeys: { privateKey: KeyObject; publicKey: KeyObject };
  let caKeys: { privateKey: KeyObject; publicKey: KeyObject };
  let otherKeys: { privateKey: KeyObject; publicKey: KeyObject };
  let caCertPem: string;
  let otherCaCertPem: string;
  let gatewayCertPem: string;
  const leafBytes = Array.from({ length: 40 }, (_, i) => leafBytesOf(i));
  const tree = MerkleTree.fromLeafHashes(leafBytes.map((bytes) => leafHashOf(bytes)));

  beforeAll(() => {
    gatewayKeys = makeKeyPair();
    caKeys = makeKeyPair();
    otherKeys = makeKeyPair();
    caCertPem = makeCertificate({ commonName: 'Corridor Root CA', subject: caKeys });
    otherCaCertPem = makeCertificate({ commonName: 'Corridor Root CA', subject: otherKeys });
    gatewayCertPem = makeCertificate({
      commonName: 'gw-gr',
      subject: gatewayKeys,
      issuer: { privateKey: caKeys.privateKey, commonName: 'Corridor Root CA' },
    });
  });

  const headAt = (size: number, options: { gateway?: string; timestampMs?: number } = {}): SignedTreeHead =>
    signTreeHead({
      head: {
        gateway: options.gateway ?? GATEWAY,
        treeSize: size,
        rootHash: tree.rootAt(size),
        timestampMs: options.timestampMs ?? 1_700_000_000_000 + size,
      },
      privateKey: gatewayKeys.privateKey,
      certFingerprint: 'gw-gr',
    });

  const exportOf = ({
    sizes = [10, 20, 30, 40],
    withLeafHashes = true,
    leafCount = 40,
  }: { sizes?: number[]; withLeafHashes?: boolean; leafCount?: number } = {}): AuditExport =>
    buildExport({
      gateway: GATEWAY,
      certPem: gatewayCertPem,
      leaves: leafBytes
        .slice(0, leafCount)
        .map((bytes, i) =>
          withLeafHashes ? { leafBytes: bytes, leafHash: tree.leafHash(i) } : { leafBytes: bytes },
        ),
      heads: sizes.map((size) => headAt(size)),
    });

  const tamperLeaf = (auditExport: AuditExport, index: number): void => {
    const decoded = decodeLeaf(Buffer.from(auditExport.leaves[index].leafBytesBase64, 'base64'));
    decoded.peer = 'XX';
    auditExport.leaves[index].leafBytesBase64 = Buffer.from(encodeLeaf(decoded)).toString('base64');
  };

  it('accepts an untouched export, also after a JSON round trip', () => {
    const result = verifyExport({ export: JSON.parse(JSON.stringify(exportOf())) as AuditExport, caCertPem });
    expect(result.ok).toBe(true);
    if (result.ok) {
      expect(result.leafCount).toBe(40);
      expect(result.committedLeafCount).toBe(40);
      expect(result.heads.map((head) => head.treeSize)).toEqual([10n, 20n, 30n, 40n]);
      expect(Buffer.from(result.tree.root()).equals(tree.root())).toBe(true);
    }
  });

  it('accepts leaves appended after the last signed head, reporting them as not yet committed', () => {
    const result = verifyExport({ export: exportOf({ sizes: [30, 10] }) });
    expect(result).toMatchObject({ ok: true, leafCount: 40, committedLeafCount: 30 });
  });

  it('names the modified leaf when the export carries the stored leaf hashes', () => {
    const auditExport = exportOf();
    tamperLeaf(auditExport, 17);
    expect(verifyExport({ export: auditExport })).toMatchObject({
      ok: false,
      reason: 'LEAF_MISMATCH',
      firstBadIndex: 17,
      headIndex: 1,
    });
  });

  it('reports the first of several modified leaves', () => {
    const auditExport = exportOf();
    tamperLeaf(auditExport, 33);
    tamperLeaf(auditExport, 12);
    expect(verifyExport({ export: auditExport })).toMatchObject({
      reason: 'LEAF_MISMATCH',
      firstBadIndex: 12,
    });
  });

  it('narrows a modified leaf to the span between signed heads when only heads can speak', () => {
    const auditExport = exportOf({ withLeafHashes: false });
    tamperLeaf(auditExport, 17);
    const result = verifyExport({ export: auditExport });
    expect(result).toMatchObject({ ok: false, reason: 'ROOT_MISMATCH', suspectRange: { from: 10, to: 20 } });
    expect(result.ok === false && result.firstBadIndex).toBeUndefined();
  });

  it('does not trust stored hashes that were rewritten along with the leaf', () => {
    const auditExport = exportOf();
    tamperLeaf(auditExport, 17);
    const forgedHash = leafHashOf(Buffer.from(auditExport.leaves[17].leafBytesBase64, 'base64'));
    auditExport.leaves[17].leafHashBase64 = Buffer.from(forgedHash).toString('base64');
    expect(verifyExport({ export: auditExport })).toMatchObject({
      reason: 'ROOT_MISMATCH',
      suspectRange: { from: 10, to: 20 },
    });
  });

  it('names the exact leaf when heads were signed at every size', () => {
    const everySize = Array.from({ length: 40 }, (_, i) => i + 1);
    const auditExport = exportOf({ sizes: everySize, withLeafHashes: false });
    tamperLeaf(auditExport, 17);
    expect(verifyExport({ export: auditExport })).toMatchObject({
      reason: 'ROOT_MISMATCH',
      firstBadIndex: 17,
    });
  });

  it('names a deleted leaf by the gap in indexes', () => {
    const auditExport = exportOf();
    auditExport.leaves.splice(17, 1);
    expect(verifyExport({ export: auditExport })).toMatchObject({
      ok: false,
      reason: 'LEAF_INDEX_MISMATCH',
      firstBadIndex: 17,
    });
  });

  it('names a deleted leaf when the remaining leaves were renumbered', () => {
    const auditExport = exportOf();
    auditExport.leaves.splice(17, 1);
    auditExport.leaves.forEach((leaf, position) => (leaf.index = position));
    // Stored hashes moved with their leaves: the stored-hash tree no longer matches the head either.
    expect(verifyExport({ export: auditExport })).toMatchObject({
      reason: 'ROOT_MISMATCH',
      suspectRange: { from: 10, to: 20 },
    });
    const dense = exportOf({ sizes: Array.from({ length: 40 }, (_, i) => i + 1) });
    dense.leaves.splice(17, 1);
    dense.leaves.forEach((leaf, position) => (leaf.index = position));
    expect(verifyExport({ export: dense })).toMatchObject({ reason: 'ROOT_MISMATCH', firstBadIndex: 17 });
  });

  it('names a deleted last leaf as missing', () => {
    const auditExport = exportOf();
    auditExport.leaves.pop();
    expect(verifyExport({ export: auditExport })).toMatchObject({
      reason: 'MISSING_LEAVES',
      firstBadIndex: 39,
      headIndex: 3,
    });
  });

  it('names reordered leaves', () => {
    const swapped = exportOf();
    [swapped.leaves[17], swapped.leaves[18]] = [swapped.leaves[18], swapped.leaves[17]];
    expect(verifyExport({ export: swapped })).toMatchObject({
      reason: 'LEAF_INDEX_MISMATCH',
      firstBadIndex: 17,
    });

    const renumbered = exportOf();
    const bytes17 = renumbered.leaves[17].leafBytesBase64;
    renumbered.leaves[17].leafBytesBase64 = renumbered.leaves[18].leafBytesBase64;
    renumbered.leaves[18].leafBytesBase64 = bytes17;
    expect(verifyExport({ export: renumbered })).toMatchObject({
      reason: 'LEAF_MISMATCH',
      firstBadIndex: 17,
    });
  });

  it('names the first tampered leaf of random logs with random heads', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.nat(),
        fc.uniqueArray(fc.integer({ min: 1, max: 40 }), { maxLength: 3 }),
        (leafCount, seed, extraSizes) => {
          const tampered = seed % leafCount;
          const sizes = [leafCount, ...extraSizes.filter((size) => size < leafCount)];
          const auditExport = exportOf({ sizes, leafCount });
          tamperLeaf(auditExport, tampered);
          const result = verifyExport({ export: auditExport });
          expect(result).toMatchObject({ ok: false, reason: 'LEAF_MISMATCH', firstBadIndex: tampered });
        },
      ),
      { numRuns: 30 },
    );
  });

  it('reports a stored hash that does not match authentic leaf bytes', () => {
    const auditExport = exportOf();
    auditExport.leaves[25].leafHashBase64 = Buffer.from(tree.leafHash(24)).toString('base64');
    expect(verifyExport({ export: auditExport })).toMatchObject({
      reason: 'LEAF_HASH_MISMATCH',
      firstBadIndex: 25,
    });
  });

  it('rejects a head with a bad signature, for another gateway, or going back in time', () => {
    const badSignature = exportOf();
    const sth = decodeSignedTreeHead(Buffer.from(badSignature.heads[2], 'base64'));
    sth.signature[100] ^= 1;
    badSignature.heads[2] = Buffer.from(encodeSignedTreeHead(sth)).toString('base64');
    expect(verifyExport({ export: badSignature })).toMatchObject({ reason: 'BAD_SIGNATURE', headIndex: 2 });

    const foreign = buildExport({ ...exportOf(), leaves: [], heads: [headAt(10, { gateway: 'IT' })] });
    expect(verifyExport({ export: foreign })).toMatchObject({ reason: 'GATEWAY_MISMATCH', headIndex: 0 });

    const regressing = buildExport({
      gateway: GATEWAY,
      certPem: gatewayCertPem,
      leaves: leafBytes.map((bytes) => ({ leafBytes: bytes })),
      heads: [headAt(10, { timestampMs: 5000 }), headAt(20, { timestampMs: 4000 })],
    });
    expect(verifyExport({ export: regressing })).toMatchObject({
      reason: 'HEAD_TIME_REGRESSION',
      headIndex: 1,
    });
  });

  it('rejects a head signed by a key other than the certificate in the export', () => {
    const auditExport = exportOf();
    auditExport.certPem = makeCertificate({ commonName: 'gw-gr', subject: otherKeys });
    expect(verifyExport({ export: auditExport })).toMatchObject({ reason: 'BAD_SIGNATURE', headIndex: 0 });
  });

  it('checks the signer certificate against the CA and the pluggable chain check', () => {
    expect(verifyExport({ export: exportOf(), caCertPem: otherCaCertPem })).toMatchObject({
      ok: false,
      reason: 'CERT_REJECTED',
    });
    const seen: string[] = [];
    const accepting = verifyExport({ export: exportOf(), verifyCert: (pem) => void seen.push(pem) });
    expect(accepting.ok).toBe(true);
    expect(seen).toEqual([gatewayCertPem]);
    const revoked = verifyExport({
      export: exportOf(),
      verifyCert: () => {
        throw new Error('certificate revoked');
      },
    });
    expect(revoked).toMatchObject({
      ok: false,
      reason: 'CERT_REJECTED',
      message: expect.stringContaining('revoked'),
    });
  });

  it('rejects exports without heads or with a malformed shape', () => {
    expect(verifyExport({ export: exportOf({ sizes: [] }) })).toMatchObject({ reason: 'NO_HEADS' });
    expect(verifyExport({ export: { ...exportOf(), format: 'v0' } as unknown as AuditExport })).toMatchObject(
      {
        reason: 'MALFORMED',
      },
    );
    const badLeaf = exportOf() as unknown as { leaves: unknown[] };
    badLeaf.leaves[3] = { index: 3 };
    expect(verifyExport({ export: badLeaf as unknown as AuditExport })).toMatchObject({
      reason: 'MALFORMED',
      firstBadIndex: 3,
    });
    const badHead = exportOf();
    badHead.heads[0] = Buffer.from('not a tree head').toString('base64');
    expect(verifyExport({ export: badHead })).toMatchObject({ ok: false, headIndex: 0 });
  });
});
