// Golden suite-2 fixtures (test/fixtures/envelope/suite2, made by fixtures-suite2.generate.ts): they must keep opening.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { toJson } from '@bufbuild/protobuf';
import { EnvelopeHeaderSchema, ExchangeMessageSchema } from '@corridor/contracts';
import { certificateFingerprint, decryptPrivateKeyObject } from '@corridor/pki';
import {
  decryptEpochKey,
  EpochKeyRing,
  InMemoryReplayGuard,
  openEnvelope,
  verifyEpochKey,
  verifyReceiptMatches,
  type EpochKeyAnnouncement,
} from './index';

const DIR = resolve(__dirname, '../../../test/fixtures/envelope/suite2');
const FIXTURE_PASSPHRASE = 'corridor-test-fixture-only-not-a-secret';
const readText = (name: string) => readFileSync(join(DIR, name), 'utf8');

interface Expected {
  envelopeSha256: string;
  header: Record<string, unknown> & { createdAtMs: string; recipient: string };
  message: Record<string, unknown>;
}

describe('golden suite-2 envelopes', () => {
  const certs: Record<string, string> = {
    TN: readText('gateway-tn.cert.pem'),
    IT: readText('gateway-it.cert.pem'),
  };
  const trust = {
    resolveSenderCert: (fingerprint: string, country: string) =>
      certs[country] !== undefined && certificateFingerprint(certs[country]) === fingerprint
        ? certs[country]
        : undefined,
    caCertPem: readText('root-ca.cert.pem'),
    revokedSerials: new Set<string>(),
  };
  const stored = JSON.parse(readText('epoch-key-it.json')) as {
    announcement: Omit<EpochKeyAnnouncement, 'publicKey' | 'signature'> & {
      publicKey: string;
      signature: string;
    };
    sealedSeed: string;
  };
  const announcement: EpochKeyAnnouncement = {
    ...stored.announcement,
    publicKey: Buffer.from(stored.announcement.publicKey, 'base64'),
    signature: Buffer.from(stored.announcement.signature, 'base64'),
  };
  const ring = new EpochKeyRing();
  ring.add(
    announcement.keyId,
    decryptEpochKey({ sealed: stored.sealedSeed, keyId: announcement.keyId, passphrase: FIXTURE_PASSPHRASE }),
    announcement.notAfterMs,
  );

  const openFixture = (name: string) => {
    const bytes = new Uint8Array(readFileSync(join(DIR, `${name}.envelope.bin`)));
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
      recipientEpochKeys: ring,
      trust,
      replay: new InMemoryReplayGuard({ windowMs: 60_000 }),
      now: Number(expected.header.createdAtMs),
      allowedSuites: [2],
    });
    return { bytes, expected, opened };
  };

  it('the stored epoch key announcement still verifies against IT’s certificate', () => {
    expect(
      verifyEpochKey({ announcement, recipientCertPem: certs.IT, atMs: announcement.notBeforeMs }).keyId,
    ).toBe(announcement.keyId);
  });

  it.each(['alert-tn-it', 'receipt-it-tn'])(
    '%s opens and decodes to the expected header and message',
    (name) => {
      const { expected, opened } = openFixture(name);
      expect(toJson(EnvelopeHeaderSchema, opened.header)).toEqual(expected.header);
      expect(toJson(ExchangeMessageSchema, opened.message)).toEqual(expected.message);
      expect(Buffer.from(opened.envelopeSha256).toString('hex')).toBe(expected.envelopeSha256);
      expect(opened.header.suite).toBe(2);
    },
  );

  it('the signed-only receipt names the exact bytes of the alert envelope', () => {
    const { opened } = openFixture('receipt-it-tn');
    expect(opened.message.body.case).toBe('receipt');
    if (opened.message.body.case === 'receipt') {
      expect(
        verifyReceiptMatches({
          receipt: opened.message.body.value,
          sentEnvelopeBytes: readFileSync(join(DIR, 'alert-tn-it.envelope.bin')),
        }),
      ).toBe(true);
    }
  });
});
