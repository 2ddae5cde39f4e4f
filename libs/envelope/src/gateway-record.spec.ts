// The signed gateway record: what a partner reads of a gateway's suites and epoch keys, and what it refuses.
import { create, SignedGatewayRecordSchema } from '@corridor/contracts';
import {
  createEcCsr,
  createEcRootCa,
  generateEcKeyPair,
  issueEcGatewayCertificate,
  loadPrivateKey,
  describeCertificate,
} from '@corridor/pki';
import { chooseEpochKey, createEpochKey } from './epoch-keys';
import { isEnvelopeError } from './errors';
import { signGatewayRecord, verifyGatewayRecord } from './gateway-record';

describe('gateway record', () => {
  let certPem: string;
  let otherCertPem: string;
  let key: ReturnType<typeof loadPrivateKey>;

  beforeAll(async () => {
    const root = await createEcRootCa({ commonName: 'Record Test Root', validityDays: 10 });
    const issue = async (country: string) => {
      const keys = generateEcKeyPair();
      const pem = await issueEcGatewayCertificate({
        csrPem: await createEcCsr({ country, ...keys }),
        caCertPem: root.certPem,
        caKeyPem: root.keyPem,
        validityDays: 5,
      });
      return { pem, key: loadPrivateKey(keys.privateKeyPem) };
    };
    const it = await issue('IT');
    certPem = it.pem;
    key = it.key;
    otherCertPem = (await issue('LY')).pem;
  });

  const signed = (suites = [2, 1]) => {
    const now = Date.now();
    const epoch = createEpochKey({
      certPem,
      identityKey: key,
      notBeforeMs: now - 1000,
      notAfterMs: now + 60_000,
    });
    return {
      epoch,
      record: signGatewayRecord({
        content: {
          country: 'IT',
          suites,
          publishedAtMs: now,
          certFingerprint: describeCertificate(certPem).fingerprint,
          epochKeys: [epoch.announcement],
        },
        certPem,
        identityKey: key,
      }),
    };
  };

  const code = (fn: () => unknown) => {
    try {
      fn();
      return 'NONE';
    } catch (error) {
      return isEnvelopeError(error) ? error.code : 'OTHER';
    }
  };

  it('round-trips suites and epoch keys, and the epoch key it carries is usable by a sender', () => {
    const { record, epoch } = signed();
    const content = verifyGatewayRecord({ signed: record, certPem });
    expect(content.suites).toEqual([2, 1]);
    const chosen = chooseEpochKey({
      announcements: content.epochKeys,
      recipientCertPem: certPem,
      atMs: Date.now(),
    });
    expect(chosen?.keyId).toBe(epoch.announcement.keyId);
  });

  it('refuses any flipped bit of the record or signature, and another certificate', () => {
    const { record } = signed();
    for (const field of ['record', 'signature'] as const) {
      for (const i of [0, Math.floor(record[field].length / 2), record[field].length - 1]) {
        const bytes = Uint8Array.from(record[field]);
        bytes[i] ^= 1;
        const tampered = create(SignedGatewayRecordSchema, { ...record, [field]: bytes });
        expect(['BAD_SIGNATURE', 'MALFORMED', 'SENDER_MISMATCH']).toContain(
          code(() => verifyGatewayRecord({ signed: tampered, certPem })),
        );
      }
    }
    expect(code(() => verifyGatewayRecord({ signed: record, certPem: otherCertPem }))).toBe(
      'SENDER_MISMATCH',
    );
  });

  it('refuses a record naming an unknown suite', () => {
    expect(code(() => verifyGatewayRecord({ signed: signed([3]).record, certPem }))).toBe(
      'SUITE_NOT_ALLOWED',
    );
  });
});
