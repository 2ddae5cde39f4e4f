import { type KeyObject } from 'node:crypto';
import {
  create,
  fromBinary,
  SignedTreeHeadSchema,
  type TreeHead,
  TreeHeadSchema,
  toBinary,
} from '@corridor/contracts';
import {
  AuditLogError,
  checkHeadProgression,
  decodeSignedTreeHead,
  encodeSignedTreeHead,
  leafHashOf,
  MerkleTree,
  signTreeHead,
  TREE_HEAD_SIGNATURE_CONTEXT,
  verifyTreeHead,
} from './index';
import { auditLogErrorFrom } from './test-support/errors';
import { makeCertificate, makeKeyPair } from './test-support/certificates';

describe('signed tree heads', () => {
  let signer: { privateKey: KeyObject; publicKey: KeyObject };
  let stranger: { privateKey: KeyObject; publicKey: KeyObject };
  let signerCertPem: string;
  const tree = MerkleTree.fromLeafHashes(
    Array.from({ length: 20 }, (_, i) => leafHashOf(Buffer.from(`e${i}`))),
  );
  const head = { gateway: 'GR', treeSize: 20, rootHash: tree.root(), timestampMs: 1_700_000_000_000 };

  beforeAll(() => {
    signer = makeKeyPair();
    stranger = makeKeyPair();
    signerCertPem = makeCertificate({ commonName: 'gw-gr', subject: signer });
  });

  it('signs a head that verifies with the signer certificate or public key and decodes back', () => {
    const sth = signTreeHead({ head, privateKey: signer.privateKey, certFingerprint: 'ab12' });
    expect(sth.certFingerprint).toBe('ab12');
    for (const decoded of [
      verifyTreeHead({ sth, certPem: signerCertPem }),
      verifyTreeHead({ sth: encodeSignedTreeHead(sth), publicKey: signer.publicKey }),
    ]) {
      expect(decoded.gateway).toBe('GR');
      expect(decoded.treeSize).toBe(20n);
      expect(Buffer.from(decoded.rootHash).equals(tree.root())).toBe(true);
      expect(decoded.timestampMs).toBe(1_700_000_000_000n);
    }
  });

  it('accepts a PEM private key and signs the exact TreeHead bytes it carries', () => {
    const pem = signer.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const sth = signTreeHead({ head, privateKey: pem, certFingerprint: 'ab12' });
    expect(fromBinary(TreeHeadSchema, sth.treeHead).treeSize).toBe(20n);
    expect(Buffer.from(TREE_HEAD_SIGNATURE_CONTEXT).toString('latin1')).toBe('corridor-sth-v1\0');
    expect(verifyTreeHead({ sth, publicKey: signer.publicKey }).gateway).toBe('GR');
  });

  it('rejects a head whose bytes, signature or signer were tampered with', () => {
    const sth = signTreeHead({ head, privateKey: signer.privateKey, certFingerprint: 'ab12' });
    const biggerHead = toBinary(
      TreeHeadSchema,
      create(TreeHeadSchema, { ...fromBinary(TreeHeadSchema, sth.treeHead), treeSize: 21n }),
    );
    const flippedSignature = Uint8Array.from(sth.signature);
    flippedSignature[10] ^= 1;
    const forged = signTreeHead({ head, privateKey: stranger.privateKey, certFingerprint: 'ab12' });
    for (const bad of [
      create(SignedTreeHeadSchema, { ...sth, treeHead: biggerHead }),
      create(SignedTreeHeadSchema, { ...sth, signature: flippedSignature }),
      create(SignedTreeHeadSchema, { ...sth, signature: new Uint8Array(0) }),
      forged,
    ]) {
      expect(auditLogErrorFrom(() => verifyTreeHead({ sth: bad, certPem: signerCertPem }))).toMatchObject({
        code: 'BAD_SIGNATURE',
        retriable: false,
      });
    }
  });

  it('refuses malformed heads, keys and encodings with typed errors', () => {
    expect(
      auditLogErrorFrom(() =>
        signTreeHead({
          head: { ...head, rootHash: new Uint8Array(31) },
          privateKey: signer.privateKey,
          certFingerprint: '',
        }),
      ),
    ).toMatchObject({ code: 'MALFORMED' });
    expect(
      auditLogErrorFrom(() =>
        signTreeHead({
          head: { ...head, treeSize: 1.5 },
          privateKey: signer.privateKey,
          certFingerprint: '',
        }),
      ),
    ).toMatchObject({ code: 'MALFORMED' });
    expect(
      auditLogErrorFrom(() => signTreeHead({ head, privateKey: signer.publicKey, certFingerprint: '' })),
    ).toMatchObject({ code: 'BAD_KEY' });
    expect(
      auditLogErrorFrom(() => signTreeHead({ head, privateKey: 'not a key', certFingerprint: '' })),
    ).toMatchObject({ code: 'BAD_KEY' });
    const sth = signTreeHead({ head, privateKey: signer.privateKey, certFingerprint: '' });
    expect(auditLogErrorFrom(() => verifyTreeHead({ sth }))).toMatchObject({ code: 'BAD_KEY' });
    expect(auditLogErrorFrom(() => verifyTreeHead({ sth, certPem: 'junk' }))).toMatchObject({
      code: 'BAD_KEY',
    });
    expect(() => decodeSignedTreeHead(Uint8Array.from([0xff, 0xff, 0xff]))).toThrow(AuditLogError);
  });
});

describe('checkHeadProgression', () => {
  const leaves = Array.from({ length: 30 }, (_, i) => leafHashOf(Buffer.from(`event ${i}`)));
  const tree = MerkleTree.fromLeafHashes(leaves);
  const headAt = (size: number, timestampMs = 1000n + BigInt(size), gateway = 'IT'): TreeHead =>
    create(TreeHeadSchema, { gateway, treeSize: BigInt(size), rootHash: tree.rootAt(size), timestampMs });

  it('accepts a growing, consistent log and an unchanged head', () => {
    expect(
      checkHeadProgression({
        previous: headAt(10),
        next: headAt(25),
        consistencyProof: tree.consistencyProof({ oldSize: 10, newSize: 25 }),
      }),
    ).toEqual({ ok: true });
    expect(checkHeadProgression({ previous: headAt(10), next: headAt(10, 2000n) })).toEqual({ ok: true });
  });

  it('raises ROLLBACK when the tree shrinks', () => {
    expect(checkHeadProgression({ previous: headAt(25), next: headAt(10, 5000n) })).toMatchObject({
      ok: false,
      alarm: 'ROLLBACK',
    });
  });

  it('raises FORK for another root at the same size', () => {
    const other = MerkleTree.fromLeafHashes([...leaves.slice(0, 9), leafHashOf(Buffer.from('rewritten'))]);
    const forked = create(TreeHeadSchema, { ...headAt(10), rootHash: other.root() });
    expect(checkHeadProgression({ previous: headAt(10), next: forked })).toMatchObject({
      ok: false,
      alarm: 'FORK',
    });
  });

  it('raises FORK when the consistency proof fails or is missing', () => {
    const rewritten = MerkleTree.fromLeafHashes([leafHashOf(Buffer.from('other past')), ...leaves.slice(1)]);
    const forkedNext = create(TreeHeadSchema, { ...headAt(25), rootHash: rewritten.rootAt(25) });
    expect(
      checkHeadProgression({
        previous: headAt(10),
        next: forkedNext,
        consistencyProof: rewritten.consistencyProof({ oldSize: 10, newSize: 25 }),
      }),
    ).toMatchObject({ ok: false, alarm: 'FORK' });
    expect(checkHeadProgression({ previous: headAt(10), next: headAt(25) })).toMatchObject({
      ok: false,
      alarm: 'FORK',
    });
  });

  it('raises TIME_REGRESSION when a larger head is older', () => {
    expect(
      checkHeadProgression({
        previous: headAt(10, 5000n),
        next: headAt(25, 4000n),
        consistencyProof: tree.consistencyProof({ oldSize: 10, newSize: 25 }),
      }),
    ).toMatchObject({ ok: false, alarm: 'TIME_REGRESSION' });
  });

  it('raises GATEWAY_MISMATCH and MALFORMED_HEAD for heads that cannot be compared', () => {
    expect(checkHeadProgression({ previous: headAt(10), next: headAt(10, 1010n, 'FR') })).toMatchObject({
      alarm: 'GATEWAY_MISMATCH',
    });
    const noRoot = create(TreeHeadSchema, { ...headAt(10), rootHash: new Uint8Array(0) });
    expect(checkHeadProgression({ previous: headAt(10), next: noRoot })).toMatchObject({
      alarm: 'MALFORMED_HEAD',
    });
  });
});
