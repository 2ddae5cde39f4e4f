/**
 * Re-creates the golden suite-2 fixtures in test/fixtures/envelope/suite2/ (run from the repository root):
 *
 *   npx tsx libs/envelope/src/fixtures-suite2.generate.ts && npx prettier --write test/fixtures/envelope
 *
 * New keys, certificates and randomness on every run: commit all files together, only when the suite-2 format
 * changes on purpose. golden-suite2.spec.ts only reads them. Private keys (P-256 identity keys and the X-Wing epoch
 * key seeds) are encrypted with the published test-only FIXTURE_PASSPHRASE: they protect nothing.
 */
import { createPrivateKey } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { toJson } from '@bufbuild/protobuf';
import {
  EnvelopeHeaderSchema,
  ExchangeMessageSchema,
  MessageKind,
  ReceiptStatus,
  type ExchangeMessage,
} from '@corridor/contracts';
import {
  createEcCsr,
  createEcRootCa,
  encryptPrivateKey,
  generateEcKeyPair,
  issueEcGatewayCertificate,
} from '@corridor/pki';
import { FIXTURE_CREATED_AT_MS, FIXTURE_PASSPHRASE } from './fixtures.generate';
import {
  createEpochKey,
  createReceiptMessage,
  encryptEpochKey,
  sealEnvelope,
  verifyEpochKey,
  type SealedEnvelope,
} from './index';
import { headerFor, routeAlertMessage } from './testing/messages';

export const SUITE2_FIXTURE_DIR = resolve(__dirname, '../../../test/fixtures/envelope/suite2');
const NOT_BEFORE = new Date('2026-01-01T00:00:00Z');
const YEAR_DAYS = 365;
const EPOCH = {
  notBeforeMs: FIXTURE_CREATED_AT_MS - 3_600_000,
  notAfterMs: FIXTURE_CREATED_AT_MS + 86_400_000,
};

function write(name: string, content: string | Uint8Array): void {
  writeFileSync(join(SUITE2_FIXTURE_DIR, name), content);
  console.log(`wrote ${name}`);
}

function expectedJson(sealed: SealedEnvelope, message: ExchangeMessage): string {
  return `${JSON.stringify(
    {
      note: 'Expected decoding of the .bin beside this file; see ../README.md. Test-only data.',
      envelopeSha256: Buffer.from(sealed.envelopeSha256).toString('hex'),
      header: toJson(EnvelopeHeaderSchema, sealed.header),
      message: toJson(ExchangeMessageSchema, message),
    },
    null,
    2,
  )}\n`;
}

async function main(): Promise<void> {
  mkdirSync(SUITE2_FIXTURE_DIR, { recursive: true });
  const ca = await createEcRootCa({
    commonName: 'Corridor Fixture Root EC (test only)',
    validityDays: 60 * YEAR_DAYS,
    notBefore: NOT_BEFORE,
  });
  write('root-ca.cert.pem', ca.certPem);
  const gateways: Record<string, { certPem: string; key: ReturnType<typeof createPrivateKey> }> = {};
  for (const country of ['TN', 'IT']) {
    const keys = generateEcKeyPair();
    const certPem = await issueEcGatewayCertificate({
      csrPem: await createEcCsr({ country, ...keys }),
      caCertPem: ca.certPem,
      caKeyPem: ca.keyPem,
      validityDays: 50 * YEAR_DAYS,
      notBefore: NOT_BEFORE,
    });
    const lower = country.toLowerCase();
    write(`gateway-${lower}.cert.pem`, certPem);
    write(
      `gateway-${lower}.key.enc.pem`,
      encryptPrivateKey({ privateKeyPem: keys.privateKeyPem, passphrase: FIXTURE_PASSPHRASE }),
    );
    gateways[country] = { certPem, key: createPrivateKey(keys.privateKeyPem) };
  }
  const { privateKey, announcement } = createEpochKey({
    certPem: gateways.IT.certPem,
    identityKey: gateways.IT.key,
    ...EPOCH,
  });
  write(
    'epoch-key-it.json',
    `${JSON.stringify(
      {
        note: 'IT epoch key: the signed announcement (publicKey and signature base64) and the private seed encrypted with the fixture passphrase (encryptEpochKey).',
        announcement: {
          ...announcement,
          publicKey: Buffer.from(announcement.publicKey).toString('base64'),
          signature: Buffer.from(announcement.signature).toString('base64'),
        },
        sealedSeed: encryptEpochKey({
          key: privateKey,
          keyId: announcement.keyId,
          passphrase: FIXTURE_PASSPHRASE,
        }),
      },
      null,
      2,
    )}\n`,
  );
  const alert = routeAlertMessage('Fixture suite 2: departure expected — ÄÖÜ ✓');
  const sealedAlert = sealEnvelope({
    header: headerFor({
      sender: 'TN',
      recipient: 'IT',
      kind: MessageKind.ALERT,
      createdAtMs: FIXTURE_CREATED_AT_MS,
    }),
    message: alert,
    suite: 2,
    senderKey: gateways.TN.key,
    senderCertPem: gateways.TN.certPem,
    recipientCertPem: gateways.IT.certPem,
    recipientEpochKey: verifyEpochKey({
      announcement,
      recipientCertPem: gateways.IT.certPem,
      atMs: FIXTURE_CREATED_AT_MS,
    }),
  });
  write('alert-tn-it.envelope.bin', sealedAlert.bytes);
  write('alert-tn-it.expected.json', expectedJson(sealedAlert, alert));

  const receipt = createReceiptMessage({
    messageId: sealedAlert.header.messageId,
    receivedEnvelopeBytes: sealedAlert.bytes,
    status: ReceiptStatus.ACCEPTED,
    receivedAtMs: FIXTURE_CREATED_AT_MS + 1500,
  });
  const sealedReceipt = sealEnvelope({
    header: headerFor({
      sender: 'IT',
      recipient: 'TN',
      kind: MessageKind.RECEIPT,
      messageId: '0195508c-5a00-7000-8000-0000000bec2e',
      createdAtMs: FIXTURE_CREATED_AT_MS + 1500,
    }),
    message: receipt,
    suite: 2,
    senderKey: gateways.IT.key,
    senderCertPem: gateways.IT.certPem,
    recipientCertPem: gateways.TN.certPem,
  });
  write('receipt-it-tn.envelope.bin', sealedReceipt.bytes);
  write('receipt-it-tn.expected.json', expectedJson(sealedReceipt, receipt));
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
