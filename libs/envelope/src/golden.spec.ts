// Golden fixtures (test/fixtures/envelope/v1, made by fixtures.generate.ts): old envelopes must keep opening.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { toJson } from '@bufbuild/protobuf';
import {
  EnvelopeHeaderSchema,
  EnvelopeSchema,
  ExchangeMessageSchema,
  fromBinary,
  toBinary,
} from '@corridor/contracts';
import { certificateFingerprint, decryptPrivateKeyObject } from '@corridor/pki';
import { InMemoryReplayGuard, openEnvelope, verifyReceiptMatches } from './index';

const DIR = resolve(__dirname, '../../../test/fixtures/envelope/v1');
/** Stated in the fixture README: a test-only passphrase that protects nothing. */
const FIXTURE_PASSPHRASE = 'corridor-test-fixture-only-not-a-secret';

const read = (name: string) => readFileSync(join(DIR, name));
const readText = (name: string) => readFileSync(join(DIR, name), 'utf8');

interface Expected {
  envelopeSha256: string;
  header: Record<string, unknown> & { createdAtMs: string; recipient: string };
  message: Record<string, unknown>;
}

describe('golden envelopes v1', () => {
  const caCertPem = readText('root-ca.cert.pem');
  const certs: Record<string, string> = {
    TN: readText('gateway-tn.cert.pem'),
    IT: readText('gateway-it.cert.pem'),
  };
  const trust = {
    resolveSenderCert: (fingerprint: string, country: string) =>
      certs[country] !== undefined && certificateFingerprint(certs[country]) === fingerprint
        ? certs[country]
        : undefined,
    caCertPem,
    revokedSerials: new Set<string>(),
  };
  const openFixture = (name: string) => {
    const bytes = new Uint8Array(read(`${name}.envelope.bin`));
    const expected = JSON.parse(readText(`${name}.expected.json`)) as Expected;
    const recipient = expected.header.recipient;
    const opened = openEnvelope({
      bytes,
      recipientCountry: recipient,
      recipientKey: decryptPrivateKeyObject({
        encryptedPem: readText(`gateway-${recipient.toLowerCase()}.key.enc.pem`),
        passphrase: FIXTURE_PASSPHRASE,
      }),
      recipientCertPem: certs[recipient],
      trust,
      replay: new InMemoryReplayGuard({ windowMs: 60_000 }),
      now: Number(expected.header.createdAtMs),
    });
    return { bytes, expected, opened };
  };

  it.each(['alert-tn-it', 'receipt-it-tn'])(
    '%s opens and decodes to the expected header and message',
    (name) => {
      const { bytes, expected, opened } = openFixture(name);
      expect(toJson(EnvelopeHeaderSchema, opened.header)).toEqual(expected.header);
      expect(toJson(ExchangeMessageSchema, opened.message)).toEqual(expected.message);
      expect(Buffer.from(opened.envelopeSha256).toString('hex')).toBe(expected.envelopeSha256);
      expect(opened.header.senderCertFingerprint).toBe(certificateFingerprint(certs[opened.header.sender]));
      // The codec still writes the header exactly as it was signed.
      expect(
        Buffer.from(toBinary(EnvelopeHeaderSchema, opened.header)).equals(
          Buffer.from(fromBinary(EnvelopeSchema, bytes).header),
        ),
      ).toBe(true);
    },
  );

  it('the receipt names the exact bytes of the alert envelope', () => {
    const { opened } = openFixture('receipt-it-tn');
    expect(opened.message.body.case).toBe('receipt');
    if (opened.message.body.case === 'receipt') {
      expect(
        verifyReceiptMatches({
          receipt: opened.message.body.value,
          sentEnvelopeBytes: read('alert-tn-it.envelope.bin'),
        }),
      ).toBe(true);
    }
  });
});
