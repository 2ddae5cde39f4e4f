// Epoch keys: automatic rotation, the sender's choice (never an unsigned or expired key), storage encrypted at rest,
// and forward secrecy through rotation.
import { MessageKind } from '@corridor/contracts';
import {
  chooseEpochKey,
  decryptEpochKey,
  encryptEpochKey,
  EnvelopeError,
  EpochKeyRotation,
  InMemoryReplayGuard,
  openEnvelope,
  sealEnvelope,
} from './index';
import { headerFor, routeAlertMessage } from './testing/messages';
import { createEcTestPki, type EcTestGateway } from './testing/test-pki-ec';

const DAY_MS = 86_400_000;
const T0 = Date.UTC(2026, 2, 1, 10, 0, 0);
const RETAIN_MS = 7 * DAY_MS + 5 * 60_000;

function codeOf(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    return error instanceof EnvelopeError ? error.code : `OTHER: ${String(error)}`;
  }
  return 'NONE';
}

describe('epoch keys', () => {
  let ca: { certPem: string };
  let gateways: Record<string, EcTestGateway>;

  beforeAll(async () => {
    ({ ca, gateways } = await createEcTestPki(['TN', 'IT'], { notBeforeMs: T0, notAfterMs: T0 + DAY_MS }));
  });

  it('rotation keeps the current and the next day published and destroys keys after the replay window', () => {
    const rotation = new EpochKeyRotation({ certPem: gateways.IT.certPem, identityKey: gateways.IT.key });
    const first = rotation.rotate(T0);
    expect(first.created).toHaveLength(2);
    expect(first.created[1].notBeforeMs).toBe(first.created[0].notAfterMs + 1);
    expect(rotation.rotate(T0 + 3_600_000).created).toHaveLength(0);
    expect(rotation.rotate(T0 + DAY_MS).created).toHaveLength(1);
    // Ten days on: everything that ended more than 7 days + skew ago is gone; today and tomorrow exist.
    const later = rotation.rotate(T0 + 10 * DAY_MS);
    expect(later.destroyed).toEqual(expect.arrayContaining([first.created[0].keyId, first.created[1].keyId]));
    expect(rotation.ring.get(first.created[0].keyId)).toBeUndefined();
    expect(rotation.published().every((a) => a.notAfterMs >= T0 + 10 * DAY_MS - RETAIN_MS)).toBe(true);
    expect(rotation.ring.size).toBe(rotation.published().length);
  });

  it('a sender picks the key valid now, and never an unsigned, foreign or expired one', () => {
    const rotation = new EpochKeyRotation({ certPem: gateways.IT.certPem, identityKey: gateways.IT.key });
    rotation.rotate(T0);
    const [today, tomorrow] = rotation.published();
    const pick = (announcements = rotation.published(), atMs = T0 + 1000) =>
      chooseEpochKey({ announcements, recipientCertPem: gateways.IT.certPem, atMs });
    expect(pick()?.keyId).toBe(today.keyId);
    expect(pick(undefined, tomorrow.notBeforeMs + 1)?.keyId).toBe(tomorrow.keyId);
    const unsigned = { ...tomorrow, notBeforeMs: today.notBeforeMs }; // validity changed after signing
    expect(pick([unsigned])).toBeUndefined();
    expect(pick([gateways.TN.announcement])).toBeUndefined(); // TN's key, not signed by IT's certificate
    expect(pick(undefined, tomorrow.notAfterMs + 1)).toBeUndefined(); // all expired
  });

  it('private epoch keys are stored encrypted and open only with the passphrase and their key id', () => {
    const { announcement, epochKey } = gateways.IT;
    const sealed = encryptEpochKey({
      key: epochKey,
      keyId: announcement.keyId,
      passphrase: 'gateway-secret',
    });
    expect(sealed).not.toContain(epochKey.exportSeed().toString('base64'));
    const back = decryptEpochKey({ sealed, keyId: announcement.keyId, passphrase: 'gateway-secret' });
    expect(back.publicKey.bytes.equals(epochKey.publicKey.bytes)).toBe(true);
    expect(codeOf(() => decryptEpochKey({ sealed, keyId: announcement.keyId, passphrase: 'wrong' }))).toBe(
      'INVALID_ARGUMENT',
    );
    expect(
      codeOf(() => decryptEpochKey({ sealed, keyId: '00'.repeat(32), passphrase: 'gateway-secret' })),
    ).toBe('INVALID_ARGUMENT');
  });

  it('an envelope recorded on day 0 opens during the window and not after rotation destroyed its key', () => {
    const rotation = new EpochKeyRotation({ certPem: gateways.IT.certPem, identityKey: gateways.IT.key });
    rotation.rotate(T0);
    const createdAtMs = T0 + 60_000;
    const recorded = sealEnvelope({
      header: headerFor({ sender: 'TN', recipient: 'IT', kind: MessageKind.ALERT, createdAtMs }),
      message: routeAlertMessage(),
      suite: 2,
      senderKey: gateways.TN.key,
      senderCertPem: gateways.TN.certPem,
      recipientCertPem: gateways.IT.certPem,
      recipientEpochKey: chooseEpochKey({
        announcements: rotation.published(),
        recipientCertPem: gateways.IT.certPem,
        atMs: createdAtMs,
      }),
    }).bytes;
    const openAt = (now: number) =>
      openEnvelope({
        bytes: recorded,
        recipientCountry: 'IT',
        recipientKey: gateways.IT.key,
        recipientCertPem: gateways.IT.certPem,
        recipientEpochKeys: rotation.ring,
        trust: {
          resolveSenderCert: (fp) => (fp === gateways.TN.fingerprint ? gateways.TN.certPem : undefined),
          caCertPem: ca.certPem,
          revokedSerials: new Set(),
        },
        replay: new InMemoryReplayGuard({ windowMs: 8 * DAY_MS }),
        now,
        allowedSuites: [2],
      });
    expect(openAt(createdAtMs + 6 * DAY_MS).header.messageId).toBeTruthy();
    rotation.rotate(T0 + 9 * DAY_MS); // the day-0 key ended 8 days ago: destroyed
    expect(codeOf(() => openAt(createdAtMs))).toBe('DECRYPT_FAILED');
  });
});
