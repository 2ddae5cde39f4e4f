/**
 * Re-creates the golden envelope fixtures in test/fixtures/envelope/v1/ (run from the repository root):
 *
 *   npx tsx libs/envelope/src/fixtures.generate.ts && npx prettier --write test/fixtures/envelope
 *
 * Every run makes new keys, certificates and random nonces, so all files change together; commit them together
 * and only when the envelope format changes on purpose (a new format version gets a new folder, v2/ ...).
 * golden.spec.ts only reads these files. The private keys are encrypted with FIXTURE_PASSPHRASE, a published
 * test-only value: these keys protect nothing.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { toJson } from '@bufbuild/protobuf';
import {
  AlertSchema,
  Category,
  Classification,
  create,
  EnvelopeHeaderSchema,
  ExchangeMessageSchema,
  HandlingCode,
  MessageKind,
  Priority,
  ReceiptStatus,
  RouteAlertSchema,
  type ExchangeMessage,
} from '@corridor/contracts';
import {
  createCsr,
  createRootCa,
  encryptPrivateKey,
  generateKeyPair,
  issueGatewayCertificate,
  loadPrivateKey,
} from '@corridor/pki';
import { createReceiptMessage, sealEnvelope, type SealedEnvelope } from './index';

export const FIXTURE_DIR = resolve(__dirname, '../../../test/fixtures/envelope/v1');
export const FIXTURE_PASSPHRASE = 'corridor-test-fixture-only-not-a-secret';
export const FIXTURE_CREATED_AT_MS = Date.UTC(2026, 2, 1, 12, 0, 0);
const NOT_BEFORE = new Date('2026-01-01T00:00:00Z');
const YEAR_DAYS = 365;

function messageJson(message: ExchangeMessage) {
  return toJson(ExchangeMessageSchema, message);
}

function write(name: string, content: string | Uint8Array): void {
  writeFileSync(join(FIXTURE_DIR, name), content);
  console.log(`wrote ${name}`);
}

function expectedJson(sealed: SealedEnvelope, message: ExchangeMessage): string {
  return `${JSON.stringify(
    {
      note: 'Expected decoding of the .bin beside this file; see README.md. Test-only data.',
      envelopeSha256: Buffer.from(sealed.envelopeSha256).toString('hex'),
      header: toJson(EnvelopeHeaderSchema, sealed.header),
      message: messageJson(message),
    },
    null,
    2,
  )}\n`;
}

function main(): void {
  mkdirSync(FIXTURE_DIR, { recursive: true });
  const ca = createRootCa({
    commonName: 'Corridor Fixture Root (test only)',
    validityDays: 60 * YEAR_DAYS,
    notBefore: NOT_BEFORE,
  });
  const gateways = ['TN', 'IT'].map((country) => {
    const keys = generateKeyPair();
    const certPem = issueGatewayCertificate({
      csrPem: createCsr({ country, ...keys }),
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
    return { country, certPem, key: loadPrivateKey(keys.privateKeyPem) };
  });
  write('root-ca.cert.pem', ca.certPem);
  const [tn, it] = gateways;

  const alertId = '0195508c-5a00-7000-8000-00000000a1e7';
  const alert: ExchangeMessage = create(ExchangeMessageSchema, {
    body: {
      case: 'alert',
      value: create(AlertSchema, {
        id: alertId,
        threadId: alertId,
        category: Category.ROUTE,
        priority: Priority.URGENT,
        classification: Classification.AMBER,
        handling: HandlingCode.H1,
        originatorCountry: 'TN',
        originatorAgency: 'Fixture agency',
        createdAtMs: BigInt(FIXTURE_CREATED_AT_MS),
        title: 'Fixture: departure expected — ÄÖÜ ✓',
        payload: {
          case: 'route',
          value: create(RouteAlertSchema, {
            originCountry: 'TN',
            destinationCountry: 'IT',
            transit: [{ place: 'Open sea', country: '', point: { lat: 36.5, lon: 12.25 } }],
            transportMode: 'SEA',
            modusOperandi: 'Fixture text',
            estimatedPeople: 40,
            risksToLife: ['OVERLOADED_BOAT'],
          }),
        },
      }),
    },
    redactedFields: ['route.price_per_person_usd'],
  });
  const sealedAlert = sealEnvelope({
    header: {
      sender: 'TN',
      recipient: 'IT',
      messageId: alertId,
      createdAtMs: FIXTURE_CREATED_AT_MS,
      agreementId: 'agr-fixture-tn-it',
      kind: MessageKind.ALERT,
      category: Category.ROUTE,
      classification: Classification.AMBER,
      threadId: alertId,
    },
    message: alert,
    senderKey: tn.key,
    senderCertPem: tn.certPem,
    recipientCertPem: it.certPem,
  });
  write('alert-tn-it.envelope.bin', sealedAlert.bytes);
  write('alert-tn-it.expected.json', expectedJson(sealedAlert, alert));

  const receiptAtMs = FIXTURE_CREATED_AT_MS + 1500;
  const receipt = createReceiptMessage({
    messageId: alertId,
    receivedEnvelopeBytes: sealedAlert.bytes,
    status: ReceiptStatus.ACCEPTED,
    receivedAtMs: receiptAtMs,
  });
  const sealedReceipt = sealEnvelope({
    header: {
      sender: 'IT',
      recipient: 'TN',
      messageId: '0195508c-5a00-7000-8000-0000000bec1e',
      createdAtMs: receiptAtMs,
      agreementId: 'agr-fixture-tn-it',
      kind: MessageKind.RECEIPT,
      category: Category.ROUTE,
      classification: Classification.AMBER,
      threadId: alertId,
    },
    message: receipt,
    senderKey: it.key,
    senderCertPem: it.certPem,
    recipientCertPem: tn.certPem,
  });
  write('receipt-it-tn.envelope.bin', sealedReceipt.bytes);
  write('receipt-it-tn.expected.json', expectedJson(sealedReceipt, receipt));
}

if (require.main === module) {
  main();
}
