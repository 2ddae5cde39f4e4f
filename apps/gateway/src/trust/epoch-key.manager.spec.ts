// After `corridor pki rotate` the gateway restarts with a new P-256 identity: its held epoch keys are signed again by
// it, so the record it publishes verifies with the new certificate (a record names one certificate for every key).
import { createPrivateKey, type KeyObject } from 'node:crypto';
import pino from 'pino';
import { ControlRecordSchema, fromBinary } from '@corridor/contracts';
import { verifyEpochKey, verifyGatewayRecord } from '@corridor/envelope';
import {
  createEcCsr,
  createEcRootCa,
  describeCertificate,
  generateEcKeyPair,
  issueEcGatewayCertificate,
} from '@corridor/pki';
import type { Db } from '../exchange/exchange.repository';
import { EpochKeyManager } from './epoch-key.manager';
import type { EpochKeyRepository, EpochKeyRow } from './epoch-key.repository';

const EPOCH_MS = 86_400_000;
const NOW = Date.UTC(2026, 5, 1, 12);

/** The statements the manager uses, on rows in memory. */
class MemoryEpochKeys {
  readonly rows = new Map<string, EpochKeyRow>();
  held(): Promise<EpochKeyRow[]> {
    return Promise.resolve(
      [...this.rows.values()]
        .filter((r) => r.sealedPrivate !== null)
        .sort((a, b) => a.notBeforeMs - b.notBeforeMs)
        .map((r) => ({ ...r })),
    );
  }
  insert(_db: Db, k: EpochKeyRow): Promise<boolean> {
    if ([...this.rows.values()].some((r) => r.notBeforeMs === k.notBeforeMs)) {
      return Promise.resolve(false);
    }
    this.rows.set(k.keyId, { ...k });
    return Promise.resolve(true);
  }
  resign(_db: Db, k: { keyId: string; signature: Buffer; certFingerprint: string }): Promise<void> {
    const row = this.rows.get(k.keyId)!;
    this.rows.set(k.keyId, { ...row, signature: k.signature, certFingerprint: k.certFingerprint });
    return Promise.resolve();
  }
  epochStarts(_db: Db, starts: number[]): Promise<number[]> {
    return Promise.resolve(
      [...this.rows.values()].map((r) => r.notBeforeMs).filter((s) => starts.includes(s)),
    );
  }
  destroyEndedBefore(): Promise<string[]> {
    return Promise.resolve([]);
  }
}

interface Identity {
  key: KeyObject;
  certPem: string;
  fingerprint: string;
}

describe('EpochKeyManager after a rotation of the P-256 identity', () => {
  let oldId: Identity;
  let newId: Identity;

  beforeAll(async () => {
    const ca = await createEcRootCa({
      commonName: 'root',
      validityDays: 3650,
      notBefore: new Date(NOW - 10 * EPOCH_MS),
    });
    const issue = async (notBefore: Date): Promise<Identity> => {
      const keys = generateEcKeyPair();
      const certPem = await issueEcGatewayCertificate({
        csrPem: await createEcCsr({ country: 'IT', ...keys }),
        caCertPem: ca.certPem,
        caKeyPem: ca.keyPem,
        validityDays: 365,
        notBefore,
      });
      return {
        key: createPrivateKey(keys.privateKeyPem),
        certPem,
        fingerprint: describeCertificate(certPem).fingerprint,
      };
    };
    oldId = await issue(new Date(NOW - 5 * EPOCH_MS));
    newId = await issue(new Date(NOW - EPOCH_MS));
  });

  function manager(repo: MemoryEpochKeys, identity: Identity, published: Uint8Array[]): EpochKeyManager {
    const known = new Map(
      [oldId, newId].map((i) => [i.fingerprint, describeCertificate(i.certPem).notBefore.getTime()]),
    );
    return new EpochKeyManager(
      {} as Db,
      repo as unknown as EpochKeyRepository,
      {
        country: 'IT',
        identity,
        passphrase: 'epoch-key-passphrase',
        suites: [2, 1],
        epochMs: EPOCH_MS,
        retainMs: 8 * EPOCH_MS,
        publish: (_key, value) => {
          published.push(value);
          return Promise.resolve();
        },
        certificateNotBefore: (fingerprint) => known.get(fingerprint),
      },
      pino({ level: 'silent' }),
    );
  }

  const lastRecord = (published: Uint8Array[]) => {
    const control = fromBinary(ControlRecordSchema, published[published.length - 1]);
    if (control.record.case !== 'gateway') {
      throw new Error('not a gateway record');
    }
    return control.record.value;
  };

  it('signs the held keys again with the new certificate and publishes a record that verifies with it', async () => {
    const repo = new MemoryEpochKeys();
    const before: Uint8Array[] = [];
    const first = await manager(repo, oldId, before).rotate(NOW, true);
    expect(first.created).toHaveLength(2);
    expect([...repo.rows.values()].every((r) => r.certFingerprint === oldId.fingerprint)).toBe(true);

    const after: Uint8Array[] = [];
    const restarted = await manager(repo, newId, after).rotate(NOW, true);
    expect(restarted.created).toEqual([]);
    expect(restarted.resigned.sort()).toEqual([...first.created].sort());
    expect([...repo.rows.values()].every((r) => r.certFingerprint === newId.fingerprint)).toBe(true);
    // Partners check the record and each key against the certificate the record names: the new one.
    const content = verifyGatewayRecord({ signed: lastRecord(after), certPem: newId.certPem });
    expect(content.epochKeys.map((k) => k.keyId).sort()).toEqual([...first.created].sort());
    for (const announcement of content.epochKeys) {
      expect(() =>
        verifyEpochKey({ announcement, recipientCertPem: newId.certPem, atMs: announcement.notBeforeMs }),
      ).not.toThrow();
    }
    // Without the second signature the old keys would not verify under the new certificate.
    const oldRecord = verifyGatewayRecord({ signed: lastRecord(before), certPem: oldId.certPem });
    expect(() =>
      verifyEpochKey({
        announcement: { ...oldRecord.epochKeys[0], certFingerprint: newId.fingerprint },
        recipientCertPem: newId.certPem,
        atMs: oldRecord.epochKeys[0].notBeforeMs,
      }),
    ).toThrow(/signature/);
  });

  it('an instance still on the old identity (rolling restart) leaves keys signed by the newer certificate alone and publishes nothing', async () => {
    const repo = new MemoryEpochKeys();
    await manager(repo, newId, []).rotate(NOW, true);
    const published: Uint8Array[] = [];
    const stale = await manager(repo, oldId, published).rotate(NOW, true);
    expect(stale.resigned).toEqual([]);
    // and it publishes no record naming its old certificate for keys the new one signed
    expect(published).toHaveLength(0);
    expect([...repo.rows.values()].every((r) => r.certFingerprint === newId.fingerprint)).toBe(true);
  });
});
