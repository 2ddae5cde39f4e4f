/**
 * Envelope throughput on one core: sealEnvelope/openEnvelope against the raw node:crypto ceiling of the same
 * primitives (seal: AES-256-GCM encrypt + RSA-OAEP wrap + RSA-PSS sign; open: PSS verify + OAEP unwrap + GCM decrypt).
 * Goal: corridor >= 80 % of the ceiling. Run: npx tsx bench/envelope.ts
 */
import {
  constants,
  createCipheriv,
  createDecipheriv,
  createPrivateKey,
  privateDecrypt,
  publicEncrypt,
  randomBytes,
  sign,
  verify,
  type KeyObject,
} from 'node:crypto';
import {
  BulletinSchema,
  Category,
  Classification,
  create,
  EnvelopeHeaderSchema,
  ExchangeMessageSchema,
  MessageKind,
  toBinary,
  type ExchangeMessage,
} from '@corridor/contracts';
import { InMemoryReplayGuard, openEnvelope, sealEnvelope, type EnvelopeTrust } from '@corridor/envelope';
import {
  certificateFingerprint,
  createCsr,
  createRootCa,
  describeCertificate,
  generateKeyPairAsync,
  issueGatewayCertificate,
} from '@corridor/pki';

const SLICE_MS = 500;
const SLICES = 4; // 4 x 0.5 s = 2 s per measurement, interleaved with its ceiling so drift hits both alike
const PAYLOAD_SIZES = [1024, 64 * 1024];
const GOAL_PERCENT = 80;

interface Gateway {
  country: string;
  certPem: string;
  key: KeyObject;
  publicKey: KeyObject;
}

interface Row {
  payload: string;
  operation: 'seal' | 'open';
  corridorPerSecond: number;
  ceilingPerSecond: number;
  percent: number;
}

async function makeGateways(): Promise<{ caCertPem: string; sender: Gateway; recipient: Gateway }> {
  const [senderKeys, recipientKeys] = await Promise.all([generateKeyPairAsync(), generateKeyPairAsync()]);
  const ca = createRootCa({ commonName: 'Corridor Bench Root', validityDays: 365 });
  const make = (country: string, keys: { privateKeyPem: string; publicKeyPem: string }): Gateway => {
    const certPem = issueGatewayCertificate({
      csrPem: createCsr({ country, ...keys }),
      caCertPem: ca.certPem,
      caKeyPem: ca.keyPem,
      validityDays: 30,
      notBefore: new Date(Date.now() - 3_600_000),
    });
    return {
      country,
      certPem,
      key: createPrivateKey(keys.privateKeyPem),
      publicKey: describeCertificate(certPem).publicKey,
    };
  };
  return { caCertPem: ca.certPem, sender: make('TN', senderKeys), recipient: make('IT', recipientKeys) };
}

function bulletinOfSize(bytes: number): ExchangeMessage {
  return create(ExchangeMessageSchema, {
    body: {
      case: 'alert',
      value: {
        title: 'Bench bulletin',
        category: Category.BULLETIN,
        classification: Classification.GREEN,
        payload: {
          case: 'bulletin',
          value: create(BulletinSchema, { title: 'Bench', body: 'x'.repeat(bytes) }),
        },
      },
    },
  });
}

/** Runs `a` and `b` in alternating slices; returns operations per second of each. */
function measurePair(a: () => void, b: () => void): [number, number] {
  const counts = [0, 0];
  const times = [0, 0];
  const fns = [a, b];
  for (let slice = 0; slice < SLICES * 2; slice += 1) {
    const which = slice % 2;
    const fn = fns[which];
    const start = performance.now();
    let n = 0;
    do {
      fn();
      n += 1;
    } while (performance.now() - start < SLICE_MS);
    counts[which] += n;
    times[which] += performance.now() - start;
  }
  return [(counts[0] / times[0]) * 1000, (counts[1] / times[1]) * 1000];
}

function ceilingSeal(
  plaintext: Uint8Array,
  aad: Uint8Array,
  sender: Gateway,
  recipient: Gateway,
): () => void {
  return () => {
    const key = randomBytes(32);
    const nonce = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, nonce);
    cipher.setAAD(aad);
    const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
    const wrapped = publicEncrypt(
      { key: recipient.publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
      key,
    );
    sign('sha256', Buffer.concat([aad, wrapped, nonce, ciphertext]), {
      key: sender.key,
      padding: constants.RSA_PKCS1_PSS_PADDING,
      saltLength: 32,
    });
  };
}

function ceilingOpen(
  plaintext: Uint8Array,
  aad: Uint8Array,
  sender: Gateway,
  recipient: Gateway,
): () => void {
  const key = randomBytes(32);
  const nonce = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(aad);
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  const tag = cipher.getAuthTag();
  const wrapped = publicEncrypt(
    { key: recipient.publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
    key,
  );
  const signed = Buffer.concat([aad, wrapped, nonce, body, tag]);
  const pss = { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 };
  const signature = sign('sha256', signed, { key: sender.key, ...pss });
  return () => {
    if (!verify('sha256', signed, { key: sender.publicKey, ...pss }, signature)) {
      throw new Error('ceiling verify failed');
    }
    const unwrapped = privateDecrypt(
      { key: recipient.key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
      wrapped,
    );
    const decipher = createDecipheriv('aes-256-gcm', unwrapped, nonce);
    decipher.setAAD(aad);
    decipher.setAuthTag(tag);
    Buffer.concat([decipher.update(body), decipher.final()]);
  };
}

export async function run(): Promise<void> {
  console.log('envelope bench: making a root CA and two RSA-3072 gateway certificates ...');
  const { caCertPem, sender, recipient } = await makeGateways();
  const trust: EnvelopeTrust = {
    resolveSenderCert: (fingerprint) =>
      fingerprint === certificateFingerprint(sender.certPem) ? sender.certPem : undefined,
    caCertPem,
    revokedSerials: new Set(),
  };
  const rows: Row[] = [];
  let sequence = 0;

  for (const size of PAYLOAD_SIZES) {
    const label = size >= 1024 ? `${size / 1024} KiB` : `${size} B`;
    const message = bulletinOfSize(size);
    const header = (messageId: string) => ({
      sender: sender.country,
      recipient: recipient.country,
      messageId,
      createdAtMs: Date.now(),
      agreementId: 'agr-bench',
      kind: MessageKind.ALERT,
      category: Category.BULLETIN,
      classification: Classification.GREEN,
      threadId: 'thread-bench',
    });
    const sealOnce = () =>
      sealEnvelope({
        header: header(`bench-${(sequence += 1)}`),
        message,
        senderKey: sender.key,
        senderCertPem: sender.certPem,
        recipientCertPem: recipient.certPem,
      });
    const plaintext = toBinary(ExchangeMessageSchema, message);
    const aad = toBinary(EnvelopeHeaderSchema, sealOnce().header); // same AAD size as the real header

    console.log(`  ${label}: seal (corridor vs ceiling, ${(SLICES * SLICE_MS) / 1000} s each) ...`);
    const [corridorSeal, rawSeal] = measurePair(sealOnce, ceilingSeal(plaintext, aad, sender, recipient));
    rows.push({
      payload: label,
      operation: 'seal',
      corridorPerSecond: corridorSeal,
      ceilingPerSecond: rawSeal,
      percent: 0,
    });

    // Distinct envelopes, so the replay guard accepts each; a fresh guard per pass over the pool.
    const pool = Array.from({ length: 64 }, () => sealOnce().bytes);
    let index = 0;
    let replay = new InMemoryReplayGuard({ windowMs: 3_600_000 });
    const openOnce = () => {
      if (index === pool.length) {
        index = 0;
        replay = new InMemoryReplayGuard({ windowMs: 3_600_000 });
      }
      openEnvelope({
        bytes: pool[index++],
        recipientCountry: recipient.country,
        recipientKey: recipient.key,
        recipientCertPem: recipient.certPem,
        trust,
        replay,
        now: Date.now(),
      });
    };
    console.log(`  ${label}: open (corridor vs ceiling, ${(SLICES * SLICE_MS) / 1000} s each) ...`);
    const [corridorOpen, rawOpen] = measurePair(openOnce, ceilingOpen(plaintext, aad, sender, recipient));
    rows.push({
      payload: label,
      operation: 'open',
      corridorPerSecond: corridorOpen,
      ceilingPerSecond: rawOpen,
      percent: 0,
    });
  }
  for (const row of rows) {
    row.percent = (row.corridorPerSecond / row.ceilingPerSecond) * 100;
  }

  console.log('\nEnvelope suite 1 (RSA-3072 PSS + OAEP, AES-256-GCM), one core, node', process.version);
  console.log('payload  op     corridor/s   ceiling/s   corridor/ceiling');
  for (const row of rows) {
    console.log(
      `${row.payload.padEnd(8)} ${row.operation.padEnd(6)} ${row.corridorPerSecond.toFixed(0).padStart(10)} ${row.ceilingPerSecond
        .toFixed(0)
        .padStart(
          11,
        )}   ${row.percent.toFixed(1).padStart(6)} %${row.percent >= GOAL_PERCENT ? '' : `  (below the ${GOAL_PERCENT} % goal)`}`,
    );
  }
}

if (require.main === module) {
  run().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
