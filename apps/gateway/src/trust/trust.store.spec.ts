// The trust store's side of suite 2: which partner records it keeps (verified, of the right country and certificate,
// newer), what a sender may use from them, and which suites a receiver accepts per partner. Fakes for the database.
import pino from 'pino';
import type { DataSource } from 'typeorm';
import { create, type ControlRecord, ControlRecordSchema } from '@corridor/contracts';
import { createEpochKey, signGatewayRecord } from '@corridor/envelope';
import {
  certificateToDer,
  createEcCsr,
  createRevocationList,
  createRootCa,
  describeCertificate,
  generateEcKeyPair,
  issueEcGatewayCertificate,
  loadPrivateKey,
} from '@corridor/pki';
import type { EpochKeyRepository } from './epoch-key.repository';
import type { TrustRepository } from './trust.repository';
import { TrustStore } from './trust.store';

const root = createRootCa({ commonName: 'Trust Store Test Root', validityDays: 30 });

async function ecIdentity(country: string) {
  const keys = generateEcKeyPair();
  const certPem = await issueEcGatewayCertificate({
    csrPem: await createEcCsr({ country, ...keys }),
    caCertPem: root.certPem,
    caKeyPem: root.keyPem,
    validityDays: 10,
  });
  return {
    key: loadPrivateKey(keys.privateKeyPem),
    certPem,
    fingerprint: describeCertificate(certPem).fingerprint,
    serial: describeCertificate(certPem).serialHex,
  };
}

const noop = async () => undefined;
const fakeRepo = {
  certificates: async () => [],
  revocationList: noop,
  signedAgreements: async () => [],
  saveCertificate: noop,
  saveRevocationList: noop,
  saveAgreement: noop,
  setAgreementState: async () => false,
} as unknown as TrustRepository;
const saved: string[] = [];
const fakeEpochRepo = {
  gatewayRecords: async () => [],
  saveGatewayRecord: async (_db: unknown, r: { country: string }) => {
    saved.push(r.country);
  },
} as unknown as EpochKeyRepository;

describe('TrustStore and partners’ gateway records', () => {
  let italy: Awaited<ReturnType<typeof ecIdentity>>;
  let ly: Awaited<ReturnType<typeof ecIdentity>>;
  let store: TrustStore;

  const control = (key: string, record: ControlRecord['record']): ControlRecord =>
    create(ControlRecordSchema, { key, publishedAtMs: 1n, record });

  const record = (opts: {
    country?: string;
    publishedAtMs?: number;
    suites?: number[];
    validFor?: number;
  }) => {
    const now = Date.now();
    const epoch = createEpochKey({
      certPem: ly.certPem,
      identityKey: ly.key,
      notBeforeMs: now - 1000,
      notAfterMs: now + (opts.validFor ?? 60_000),
    });
    return {
      epoch,
      signed: signGatewayRecord({
        content: {
          country: 'LY',
          suites: opts.suites ?? [2, 1],
          publishedAtMs: opts.publishedAtMs ?? now,
          certFingerprint: ly.fingerprint,
          epochKeys: [epoch.announcement],
        },
        certPem: ly.certPem,
        identityKey: ly.key,
      }),
    };
  };

  beforeAll(async () => {
    italy = await ecIdentity('IT');
    ly = await ecIdentity('LY');
  });

  beforeEach(() => {
    saved.length = 0;
    store = new TrustStore(
      // the P-256 identity stands in for the RSA one: this spec only reads partners’ records
      { ...italy, country: 'IT', caPem: root.certPem, previous: [], ec: italy, suites: [2, 1] },
      {} as DataSource,
      fakeRepo,
      'corridor',
      pino({ level: 'silent' }),
      fakeEpochRepo,
    );
  });

  it('a partner without a record opens suite 1 only; no epoch key to use', () => {
    expect(store.suitesOf('LY')).toEqual([1]);
    expect(store.epochKeyOf('LY', Date.now())).toBeUndefined();
  });

  it('keeps a verified record once the partner certificate is known (a record that came first waits for it)', async () => {
    const { signed, epoch } = record({});
    await store.apply(control('gateway/LY', { case: 'gateway', value: signed }));
    expect(store.suitesOf('LY')).toEqual([1]); // certificate not yet known
    await store.apply(
      control(`cert/${ly.fingerprint}`, { case: 'certificateDer', value: certificateToDer(ly.certPem) }),
    );
    expect(store.suitesOf('LY')).toEqual([2, 1]);
    expect(saved).toEqual(['LY']);
    const usable = store.epochKeyOf('LY', Date.now());
    expect(usable?.epochKey.keyId).toBe(epoch.announcement.keyId);
    expect(usable && describeCertificate(usable.certPem).fingerprint).toBe(ly.fingerprint);
    // after its validity, the key is never offered
    expect(store.epochKeyOf('LY', Date.now() + 120_000)).toBeUndefined();
  });

  it('a sender’s epoch key follows a newer record and stops at once when the certificate is revoked', async () => {
    await store.apply(
      control(`cert/${ly.fingerprint}`, { case: 'certificateDer', value: certificateToDer(ly.certPem) }),
    );
    const first = record({ publishedAtMs: Date.now() - 10 });
    await store.apply(control('gateway/LY', { case: 'gateway', value: first.signed }));
    expect(store.epochKeyOf('LY', Date.now())?.epochKey.keyId).toBe(first.epoch.announcement.keyId);
    const second = record({});
    await store.apply(control('gateway/LY', { case: 'gateway', value: second.signed }));
    // the checks are kept per record: a newer record's key replaces the one checked before
    expect(store.epochKeyOf('LY', Date.now())?.epochKey.keyId).toBe(second.epoch.announcement.keyId);
    const crlPem = createRevocationList({
      caCertPem: root.certPem,
      caKeyPem: root.keyPem,
      revoked: [{ serialHex: ly.serial, revokedAt: new Date() }],
      thisUpdate: new Date(Date.now() - 1000),
      nextUpdate: new Date(Date.now() + 3_600_000),
      crlNumber: 1,
    });
    const der = Buffer.from(crlPem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
    await store.apply(control('crl', { case: 'revocationListDer', value: der }));
    expect(store.epochKeyOf('LY', Date.now())).toBeUndefined();
  });

  it('refuses a record under another country’s key, and an older record after a newer one', async () => {
    await store.apply(
      control(`cert/${ly.fingerprint}`, { case: 'certificateDer', value: certificateToDer(ly.certPem) }),
    );
    await store.apply(control('gateway/NE', { case: 'gateway', value: record({}).signed }));
    expect(store.suitesOf('LY')).toEqual([1]);
    const now = Date.now();
    await store.apply(
      control('gateway/LY', {
        case: 'gateway',
        value: record({ publishedAtMs: now, suites: [2, 1] }).signed,
      }),
    );
    await store.apply(
      control('gateway/LY', {
        case: 'gateway',
        value: record({ publishedAtMs: now - 1, suites: [1] }).signed,
      }),
    );
    expect(store.suitesOf('LY')).toEqual([2, 1]);
  });

  it('accepts from a partner the suites this gateway opens (no agreement naming suites)', () => {
    expect(store.suitesFrom('LY')).toEqual([2, 1]);
  });
});
