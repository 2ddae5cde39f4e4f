// Forward secrecy of suite 2 at a gateway's key store (real PostgreSQL, the gateway's own migrations): an envelope
// recorded while its epoch key was held opens; once the replay window has passed and the rotation destroyed the
// private half (erased in the database, wiped in memory), the same recorded bytes open nowhere, not even after a
// restart with the database and the key passphrase. A sender never gets an expired epoch key from the record.
import type { DataSource } from 'typeorm';
import pino from 'pino';
import { v7 as uuidv7 } from 'uuid';
import {
  Category,
  Classification,
  ControlRecordSchema,
  create,
  ExchangeMessageSchema,
  fromBinary,
  MessageKind,
} from '@corridor/contracts';
import {
  chooseEpochKey,
  EnvelopeError,
  InMemoryReplayGuard,
  openEnvelope,
  sealEnvelope,
  verifyGatewayRecord,
  type GatewayRecordContent,
} from '@corridor/envelope';
import {
  createEcCsr,
  createRootCa,
  describeCertificate,
  generateEcKeyPair,
  issueEcGatewayCertificate,
  loadPrivateKey,
} from '@corridor/pki';
import { openGatewayDatabase } from '../apps/gateway/src/database/data-source';
import { EpochKeyManager } from '../apps/gateway/src/trust/epoch-key.manager';
import { EpochKeyRepository } from '../apps/gateway/src/trust/epoch-key.repository';
import { createTestDatabase, sql } from './harness/databases';

const EPOCH_MS = 60_000;
const RETAIN_MS = 120_000;
const PASSPHRASE = 'forward-secrecy test passphrase';

describe('suite 2 forward secrecy at the key store (real PostgreSQL)', () => {
  let url: string;
  let db: DataSource;
  // Valid from a day ago: the test dates envelopes at the start of the current minute.
  const since = new Date(Date.now() - 86_400_000);
  const root = createRootCa({ commonName: 'Forward Secrecy Test Root', validityDays: 30, notBefore: since });
  let ly: { key: ReturnType<typeof loadPrivateKey>; certPem: string };
  let italy: { key: ReturnType<typeof loadPrivateKey>; certPem: string; fingerprint: string };
  const published: Uint8Array[] = [];

  const identity = async (country: string) => {
    const keys = generateEcKeyPair();
    const certPem = await issueEcGatewayCertificate({
      csrPem: await createEcCsr({ country, ...keys }),
      caCertPem: root.certPem,
      caKeyPem: root.keyPem,
      validityDays: 10,
      notBefore: since,
    });
    return {
      key: loadPrivateKey(keys.privateKeyPem),
      certPem,
      fingerprint: describeCertificate(certPem).fingerprint,
    };
  };

  const manager = () =>
    new EpochKeyManager(
      db,
      new EpochKeyRepository(),
      {
        country: 'IT',
        identity: italy,
        passphrase: PASSPHRASE,
        suites: [2, 1],
        epochMs: EPOCH_MS,
        retainMs: RETAIN_MS,
        publish: async (_key, value) => {
          published.push(value);
        },
      },
      pino({ level: 'silent' }),
    );

  const lastRecord = (): GatewayRecordContent => {
    const record = fromBinary(ControlRecordSchema, published.at(-1)!);
    if (record.record.case !== 'gateway') {
      throw new Error('not a gateway record');
    }
    return verifyGatewayRecord({ signed: record.record.value, certPem: italy.certPem });
  };

  beforeAll(async () => {
    url = await createTestDatabase('forward_secrecy');
    db = await openGatewayDatabase(url);
    ly = await identity('LY');
    italy = await identity('IT');
  }, 60_000);

  afterAll(async () => {
    await db?.destroy();
  });

  it('an envelope recorded before its epoch key was destroyed cannot be opened after', async () => {
    const t0 = Math.floor(Date.now() / EPOCH_MS) * EPOCH_MS + 1_000;
    const itKeys = manager();
    const first = await itKeys.rotate(t0, true);
    expect(first.created).toHaveLength(2); // this epoch and the next

    // LY seals with the key the published record offers at t0: the current epoch's
    const epochKey = chooseEpochKey({
      announcements: lastRecord().epochKeys,
      recipientCertPem: italy.certPem,
      atMs: t0,
    });
    expect(epochKey?.notBeforeMs).toBe(t0 - 1_000);
    const recorded = sealEnvelope({
      header: {
        sender: 'LY',
        recipient: 'IT',
        messageId: uuidv7(),
        createdAtMs: t0,
        agreementId: 'AG-IT-LY-test',
        kind: MessageKind.ALERT,
        category: Category.BULLETIN,
        classification: Classification.GREEN,
        threadId: uuidv7(),
      },
      message: create(ExchangeMessageSchema, {
        body: { case: 'alert', value: { title: 'recorded on the wire' } },
      }),
      senderKey: ly.key,
      senderCertPem: ly.certPem,
      recipientCertPem: italy.certPem,
      suite: 2,
      recipientEpochKey: epochKey,
    }).bytes;
    const open = (keys: EpochKeyManager, now: number) =>
      openEnvelope({
        bytes: recorded,
        recipientCountry: 'IT',
        recipientKey: italy.key,
        recipientCertPem: italy.certPem,
        recipientEpochKeys: keys,
        trust: {
          caCertPem: root.certPem,
          revokedSerials: new Set(),
          resolveSenderCert: (fp) =>
            fp === describeCertificate(ly.certPem).fingerprint ? ly.certPem : undefined,
        },
        replay: new InMemoryReplayGuard({ windowMs: 86_400_000 }),
        now,
        allowedSuites: [2],
        // a generous window: only the missing key may stop the second open
        maxAgeMs: 86_400_000,
      });
    expect(open(itKeys, t0 + 10).message.body.case).toBe('alert');

    // Still held inside the retention (epoch end + replay window + skew): a restart from the database opens it.
    const restarted = manager();
    await restarted.rotate(t0 + EPOCH_MS, false);
    expect(open(restarted, t0 + EPOCH_MS).message.body.case).toBe('alert');

    // The rotation after the retention destroys it: erased in the database, wiped in memory.
    const later = t0 - 1_000 + EPOCH_MS + RETAIN_MS + 1;
    const step = await itKeys.rotate(later);
    expect(step.destroyed).toContain(epochKey!.keyId);
    const [row] = await sql<{ sealed_private: string | null; destroyed_at: Date | null }>(
      url,
      'select sealed_private, destroyed_at from epoch_keys where key_id = $1',
      [epochKey!.keyId],
    );
    expect(row.sealed_private).toBeNull();
    expect(row.destroyed_at).not.toBeNull();

    const fails = (keys: EpochKeyManager) => {
      try {
        open(keys, t0 + 10);
        return 'OPENED';
      } catch (error) {
        return error instanceof EnvelopeError ? error.code : 'OTHER';
      }
    };
    expect(fails(itKeys)).toBe('DECRYPT_FAILED');
    // the other instance forgets it on its next rotation, and a fresh start (database + passphrase) has nothing
    await restarted.rotate(later);
    expect(fails(restarted)).toBe('DECRYPT_FAILED');
    const afterTheft = manager();
    await afterTheft.rotate(later);
    expect(fails(afterTheft)).toBe('DECRYPT_FAILED');

    // The record published now offers no expired key: a sender cannot pick the destroyed one.
    const offered = lastRecord().epochKeys;
    expect(offered.map((k) => k.keyId)).not.toContain(epochKey!.keyId);
    expect(offered.every((k) => k.notAfterMs >= later)).toBe(true);
    expect(
      chooseEpochKey({ announcements: offered, recipientCertPem: italy.certPem, atMs: later }),
    ).toBeDefined();
  }, 60_000);
});
