// Audit-log benchmark.
// Section 1 (here): offline verification of a 1,000,000-leaf export, proof latency, and a raw
// SHA-256 baseline over the same leaf bytes in the same process.
// Section 2: PostgreSQL append rate is measured by the lead in bench/audit.ts section 2 (hook below).
import { generateKeyPairSync, hash, type KeyObject, randomFillSync, randomInt } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { AuditEvent, AuditLeafSchema, Category, create, type SignedTreeHead } from '@corridor/contracts';
import {
  buildExport,
  encodeLeaf,
  leafHashOf,
  MerkleTree,
  signTreeHead,
  verifyConsistency,
  verifyExport,
  verifyInclusion,
} from '@corridor/audit-log';
import forge from 'node-forge';

const DEFAULT_LEAF_COUNT = 1_000_000;
const PROOF_SAMPLES = 10_000;
const VERIFY_GOAL_MS = 10_000;
const GATEWAY = 'GR';

// ---- Section 2 hook: PostgreSQL append rate is measured by the lead in bench/audit.ts section 2 ----
export interface AppendRateOptions {
  leafCount: number;
  /** Leaf bytes for index i, the same encoding section 1 uses. */
  leafBytesAt: (index: number) => Uint8Array;
  log: (line: string) => void;
}
export interface AppendRateResult {
  leavesPerSecond: number;
  details?: Record<string, number>;
}
/**
 * Section 2 entry point: leaves/s appended through the gateway's AuditLog at 1 and at 50 leaves per transaction
 * beside bare inserts (bench/lib/audit-append.ts); the headline is 1 leaf per transaction, what the gateway
 * does per received alert. Time-bounded (~20 s), so `leafCount` is not used.
 */
export async function measureAppendRate(opts: AppendRateOptions): Promise<AppendRateResult | undefined> {
  const { measureAuditAppend } = await import('./lib/audit-append');
  const figures = await measureAuditAppend({ leafBytesAt: opts.leafBytesAt, log: opts.log });
  const details: Record<string, number> = {
    catchUpLeaves: figures.catchUpLeaves,
    catchUpMs: figures.catchUpMs,
  };
  for (const row of figures.rows) {
    details[`auditLogPerSecondAt${row.leavesPerTransaction}`] = row.corridorPerSecond;
    details[`bareInsertPerSecondAt${row.leavesPerTransaction}`] = row.barePerSecond;
  }
  return { leavesPerSecond: figures.rows[0].corridorPerSecond, details };
}

export interface AuditBenchFigures {
  leafCount: number;
  buildLeavesMs: number;
  treeBuildMs: number;
  verifyExportMs: number;
  baselineSha256Ms: number;
  verifyToBaselineRatio: number;
  inclusionProofMicros: LatencySummary;
  consistencyProofMicros: LatencySummary;
  inclusionVerifyMicros: LatencySummary;
  consistencyVerifyMicros: LatencySummary;
}

interface LatencySummary {
  p50: number;
  p99: number;
  max: number;
}

export async function run({ leafCount = DEFAULT_LEAF_COUNT }: { leafCount?: number } = {}): Promise<void> {
  const log = (line: string): void => console.log(`[audit] ${line}`);
  log(`section 1: offline export verification, ${leafCount.toLocaleString('en')} leaves`);

  // Leaves: realistic AuditLeaf encodings (~100 bytes), envelope hashes from one random pool.
  const envelopePool = randomFillSync(Buffer.alloc(32 * 4096));
  const leafBytesAt = (index: number): Uint8Array =>
    encodeLeaf(
      create(AuditLeafSchema, {
        event: AuditEvent.SENT,
        gateway: GATEWAY,
        peer: 'IT',
        messageId: `0190c3d2-8f1e-7a00-8000-${index.toString(16).padStart(12, '0')}`,
        envelopeSha256: envelopePool.subarray((index % 4096) * 32, (index % 4096) * 32 + 32),
        category: Category.ROUTE,
        atMs: 1_767_225_600_000n + BigInt(index) * 10n,
        agreementId: 'agr-GR-IT-2026',
      }),
    );
  let started = performance.now();
  const leafBytes: Uint8Array[] = new Array<Uint8Array>(leafCount);
  let totalLeafBytes = 0;
  for (let i = 0; i < leafCount; i += 1) {
    leafBytes[i] = leafBytesAt(i);
    totalLeafBytes += leafBytes[i].length;
    progress({ log, what: 'encoding leaves', done: i + 1, total: leafCount });
  }
  const buildLeavesMs = performance.now() - started;
  log(
    `encoded ${leafCount.toLocaleString('en')} leaves in ${ms(buildLeavesMs)}, ` +
      `${(totalLeafBytes / leafCount).toFixed(1)} bytes per leaf on average`,
  );

  // The gateway's side: hash and append every leaf.
  started = performance.now();
  const tree = new MerkleTree();
  for (let i = 0; i < leafCount; i += 1) {
    tree.append(leafHashOf(leafBytes[i]));
    progress({ log, what: 'building tree', done: i + 1, total: leafCount });
  }
  const treeBuildMs = performance.now() - started;
  log(`tree of ${tree.size.toLocaleString('en')} leaves built in ${ms(treeBuildMs)} (leaf hash + append)`);

  // A few signed heads spread over the log, as the gateway would have published them.
  const signer = generateKeyPairSync('rsa', { modulusLength: 3072 });
  const certPem = selfSignedCertificate({ commonName: 'gw-gr', keys: signer });
  const headSizes = [0.25, 0.5, 0.75, 1].map((fraction) => Math.max(1, Math.round(leafCount * fraction)));
  const heads: SignedTreeHead[] = headSizes.map((size, i) =>
    signTreeHead({
      head: {
        gateway: GATEWAY,
        treeSize: size,
        rootHash: tree.rootAt(size),
        timestampMs: 1_767_225_600_000 + i,
      },
      privateKey: signer.privateKey,
      certFingerprint: 'bench',
    }),
  );
  log(`signed ${heads.length} heads at sizes ${headSizes.join(', ')}`);

  started = performance.now();
  const auditExport = buildExport({
    gateway: GATEWAY,
    certPem,
    leaves: leafBytes.map((bytes, i) => ({ leafBytes: bytes, leafHash: tree.leafHash(i) })),
    heads,
  });
  const exportBytes = auditExport.leaves.reduce(
    (sum, leaf) => sum + leaf.leafBytesBase64.length + (leaf.leafHashBase64?.length ?? 0) + 60,
    0,
  );
  log(
    `export assembled in memory in ${ms(performance.now() - started)} ` +
      `(~${(exportBytes / 1e6).toFixed(0)} MB as JSON)`,
  );

  // Baseline: raw SHA-256 of the same leaf bytes, nothing else.
  started = performance.now();
  for (let i = 0; i < leafCount; i += 1) {
    hash('sha256', leafBytes[i], 'buffer');
  }
  const baselineSha256Ms = performance.now() - started;
  log(
    `baseline: raw SHA-256 of ${(totalLeafBytes / 1e6).toFixed(0)} MB of leaf bytes in ${ms(baselineSha256Ms)}`,
  );

  log('verifying the export (decode, leaf hashes, tree, head signatures, roots)...');
  started = performance.now();
  const verification = verifyExport({ export: auditExport });
  const verifyExportMs = performance.now() - started;
  if (!verification.ok) {
    throw new Error(`bench export did not verify: ${verification.reason} ${verification.message}`);
  }
  const verifyToBaselineRatio = verifyExportMs / baselineSha256Ms;
  log(
    `verifyExport: ${ms(verifyExportMs)} (goal <= ${ms(VERIFY_GOAL_MS)}: ` +
      `${verifyExportMs <= VERIFY_GOAL_MS ? 'met' : 'MISSED'}), ` +
      `${verifyToBaselineRatio.toFixed(2)}x the raw SHA-256 baseline`,
  );

  const latencies = measureProofLatencies({ tree, log });

  const figures: AuditBenchFigures = {
    leafCount,
    buildLeavesMs,
    treeBuildMs,
    verifyExportMs,
    baselineSha256Ms,
    verifyToBaselineRatio,
    ...latencies,
  };
  log(
    `figures: ${JSON.stringify(figures, (_key, value: unknown) => (typeof value === 'number' ? round(value) : value))}`,
  );

  const appendRate = await measureAppendRate({ leafCount, leafBytesAt, log });
  log(
    appendRate === undefined
      ? 'section 2 (PostgreSQL append rate): not wired yet'
      : `section 2: ${appendRate.leavesPerSecond.toFixed(0)} leaves/s appended to PostgreSQL`,
  );
}

function measureProofLatencies({ tree, log }: { tree: MerkleTree; log: (line: string) => void }): {
  inclusionProofMicros: LatencySummary;
  consistencyProofMicros: LatencySummary;
  inclusionVerifyMicros: LatencySummary;
  consistencyVerifyMicros: LatencySummary;
} {
  const n = tree.size;
  const inclusionGen: number[] = [];
  const inclusionVerify: number[] = [];
  for (let s = 0; s < PROOF_SAMPLES; s += 1) {
    const treeSize = s % 2 === 0 ? n : randomInt(1, n + 1);
    const index = randomInt(0, treeSize);
    let t = performance.now();
    const proof = tree.inclusionProof({ index, treeSize });
    inclusionGen.push((performance.now() - t) * 1000);
    const leafHash = tree.leafHash(index);
    const rootHash = tree.rootAt(treeSize);
    t = performance.now();
    const ok = verifyInclusion({ leafHash, index, treeSize, proof, rootHash });
    inclusionVerify.push((performance.now() - t) * 1000);
    if (!ok) {
      throw new Error(`inclusion proof ${index}/${treeSize} did not verify`);
    }
  }
  const consistencyGen: number[] = [];
  const consistencyVerify: number[] = [];
  for (let s = 0; s < PROOF_SAMPLES; s += 1) {
    const newSize = s % 2 === 0 ? n : randomInt(2, n + 1);
    const oldSize = randomInt(1, newSize);
    let t = performance.now();
    const proof = tree.consistencyProof({ oldSize, newSize });
    consistencyGen.push((performance.now() - t) * 1000);
    const oldRoot = tree.rootAt(oldSize);
    const newRoot = tree.rootAt(newSize);
    t = performance.now();
    const ok = verifyConsistency({ oldSize, newSize, oldRoot, newRoot, proof });
    consistencyVerify.push((performance.now() - t) * 1000);
    if (!ok) {
      throw new Error(`consistency proof ${oldSize}->${newSize} did not verify`);
    }
  }
  const result = {
    inclusionProofMicros: summarize(inclusionGen),
    consistencyProofMicros: summarize(consistencyGen),
    inclusionVerifyMicros: summarize(inclusionVerify),
    consistencyVerifyMicros: summarize(consistencyVerify),
  };
  const show = (s: LatencySummary): string =>
    `p50 ${s.p50.toFixed(1)} us, p99 ${s.p99.toFixed(1)} us, max ${s.max.toFixed(0)} us`;
  log(`inclusion proof generation (${PROOF_SAMPLES} random): ${show(result.inclusionProofMicros)}`);
  log(`consistency proof generation (${PROOF_SAMPLES} random): ${show(result.consistencyProofMicros)}`);
  log(`inclusion proof verification: ${show(result.inclusionVerifyMicros)}`);
  log(`consistency proof verification: ${show(result.consistencyVerifyMicros)}`);
  return result;
}

function summarize(samples: number[]): LatencySummary {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return { p50: at(0.5), p99: at(0.99), max: sorted[sorted.length - 1] };
}

function progress({
  log,
  what,
  done,
  total,
}: {
  log: (line: string) => void;
  what: string;
  done: number;
  total: number;
}): void {
  const step = Math.max(1, Math.floor(total / 5));
  if (done % step === 0 || done === total) {
    log(`${what}: ${done.toLocaleString('en')} / ${total.toLocaleString('en')}`);
  }
}

function selfSignedCertificate({
  commonName,
  keys,
}: {
  commonName: string;
  keys: { privateKey: KeyObject; publicKey: KeyObject };
}): string {
  const certificate = forge.pki.createCertificate();
  certificate.publicKey = forge.pki.publicKeyFromPem(
    keys.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  );
  certificate.serialNumber = '01';
  certificate.validity.notBefore = new Date(Date.now() - 60_000);
  certificate.validity.notAfter = new Date(Date.now() + 86_400_000);
  certificate.setSubject([{ name: 'commonName', value: commonName }]);
  certificate.setIssuer([{ name: 'commonName', value: commonName }]);
  certificate.sign(
    forge.pki.privateKeyFromPem(keys.privateKey.export({ type: 'pkcs1', format: 'pem' }).toString()),
    forge.md.sha256.create(),
  );
  return forge.pki.certificateToPem(certificate);
}

function ms(value: number): string {
  return value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${value.toFixed(0)} ms`;
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

if (require.main === module) {
  run().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
