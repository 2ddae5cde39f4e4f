// Suite 2 forward secrecy at this gateway: makes the epoch KEM key of the current and the next epoch (private halves
// stored encrypted with the key passphrase), destroys private halves once the replay window and the skew have passed
// since their epoch ended, and publishes its signed gateway record (suites, epoch keys) on the control topic.
import type { KeyObject } from 'node:crypto';
import type { Logger } from 'pino';
import { ControlRecordSchema, create, toBinary } from '@corridor/contracts';
import {
  createEpochKey,
  decryptEpochKey,
  encryptEpochKey,
  EpochKeyRing,
  resignEpochKey,
  signGatewayRecord,
  type XWingPrivateKey,
} from '@corridor/envelope';
import { describeCertificate } from '@corridor/pki';
import type { Db } from '../exchange/exchange.repository';
import { EpochKeyRepository, type EpochKeyRow } from './epoch-key.repository';

export interface EpochKeyManagerOptions {
  country: string;
  /** the P-256 identity that signs epoch keys and the record */
  identity: { key: KeyObject; certPem: string; fingerprint: string };
  passphrase: string;
  /** suites this gateway opens, published in its record */
  suites: number[];
  epochMs: number;
  retainMs: number;
  /** sends one record on the control topic */
  publish: (key: string, value: Uint8Array) => Promise<void>;
  /**
   * notBefore of a certificate this gateway knows, by fingerprint: an instance still on the old identity during a
   * rolling restart must not sign back keys a newer certificate signed.
   */
  certificateNotBefore?: (fingerprint: string) => number | undefined;
}

export class EpochKeyManager {
  readonly ring = new EpochKeyRing();
  private readonly published = new Map<string, EpochKeyRow>();
  /** a publication failed: the next rotation step publishes again */
  private unpublished = false;

  constructor(
    private readonly db: Db,
    private readonly repo: EpochKeyRepository,
    private readonly opts: EpochKeyManagerOptions,
    private readonly logger: Logger,
  ) {}

  private get makesKeys(): boolean {
    return this.opts.suites.includes(2);
  }

  /** The private epoch key an envelope names, while it is held. */
  get(keyId: string): XWingPrivateKey | undefined {
    return this.ring.get(keyId);
  }

  /** Loads the held keys this gateway (or another of its instances) made. */
  private async loadHeld(): Promise<void> {
    for (const r of await this.repo.held(this.db)) {
      this.published.set(r.keyId, r);
      if (this.ring.get(r.keyId) === undefined && r.sealedPrivate !== null) {
        const key = decryptEpochKey({
          sealed: r.sealedPrivate,
          keyId: r.keyId,
          passphrase: this.opts.passphrase,
        });
        this.ring.add(r.keyId, key, r.notAfterMs);
      }
    }
  }

  /**
   * One rotation step at `nowMs`: keys of the current and next epoch exist, keys past retention are destroyed (in the
   * database and in memory), and the record is published when anything changed or `forcePublish`.
   */
  async rotate(
    nowMs: number,
    forcePublish = false,
  ): Promise<{ created: string[]; destroyed: string[]; resigned: string[] }> {
    const created: string[] = [];
    if (this.makesKeys) {
      const { epochMs } = this.opts;
      const current = Math.floor(nowMs / epochMs) * epochMs;
      const wanted = [current, current + epochMs];
      const existing = new Set(await this.repo.epochStarts(this.db, wanted));
      for (const start of wanted.filter((s) => !existing.has(s))) {
        const { privateKey, announcement } = createEpochKey({
          certPem: this.opts.identity.certPem,
          identityKey: this.opts.identity.key,
          notBeforeMs: start,
          notAfterMs: start + epochMs - 1,
        });
        const sealedPrivate = encryptEpochKey({
          key: privateKey,
          keyId: announcement.keyId,
          passphrase: this.opts.passphrase,
        });
        const kept = await this.repo.insert(this.db, {
          keyId: announcement.keyId,
          notBeforeMs: start,
          notAfterMs: announcement.notAfterMs,
          publicKey: Buffer.from(announcement.publicKey),
          signature: Buffer.from(announcement.signature),
          certFingerprint: announcement.certFingerprint,
          sealedPrivate,
        });
        if (kept) {
          this.ring.add(announcement.keyId, privateKey, announcement.notAfterMs);
          created.push(announcement.keyId);
        } else {
          privateKey.destroy(); // another instance made this epoch's key first: loadHeld reads that one
        }
      }
    }
    const cutoff = nowMs - this.opts.retainMs;
    const destroyed = await this.repo.destroyEndedBefore(this.db, cutoff);
    // Another instance may have erased some already: the ring forgets by the same rule.
    const forgotten = this.ring.destroyExpired(nowMs, this.opts.retainMs);
    for (const id of new Set([...destroyed, ...forgotten])) {
      this.published.delete(id);
    }
    await this.loadHeld();
    const { resigned, superseded } = await this.resignForCurrentIdentity(nowMs);
    if (superseded) {
      // Its record would name the old certificate for keys the new one signed: partners would refuse them.
      this.logger.warn('this instance runs an older P-256 identity than its epoch keys: it does not publish');
    } else if (created.length || destroyed.length || resigned.length || forcePublish || this.unpublished) {
      try {
        await this.publish(nowMs);
        this.unpublished = false;
      } catch (err) {
        // Partners keep the record they hold; the next rotation step tries again.
        this.unpublished = true;
        this.logger.error(
          { err: (err as Error).message },
          'gateway record not published: retried on the next step',
        );
      }
    }
    if (created.length || destroyed.length || resigned.length) {
      this.logger.info({ created, destroyed, resigned, held: this.ring.size }, 'epoch keys rotated');
    }
    return { created, destroyed, resigned };
  }

  /**
   * After `corridor pki rotate` gave this gateway a new P-256 identity: every held, still usable key signed by an older
   * certificate is signed again by the current one, so partners keep using it once the old certificate is revoked.
   */
  private async resignForCurrentIdentity(
    nowMs: number,
  ): Promise<{ resigned: string[]; superseded: boolean }> {
    const { identity, certificateNotBefore } = this.opts;
    const ownNotBefore = describeCertificate(identity.certPem).notBefore.getTime();
    const resigned: string[] = [];
    let superseded = false;
    for (const k of this.published.values()) {
      if (k.certFingerprint === identity.fingerprint || k.notAfterMs < nowMs) {
        continue;
      }
      const signerNotBefore = certificateNotBefore?.(k.certFingerprint);
      if (signerNotBefore !== undefined && signerNotBefore > ownNotBefore) {
        superseded = true; // signed by a newer identity than this instance's
        continue;
      }
      const announcement = resignEpochKey({
        publicKey: k.publicKey,
        notBeforeMs: k.notBeforeMs,
        notAfterMs: k.notAfterMs,
        certPem: identity.certPem,
        identityKey: identity.key,
      });
      const signature = Buffer.from(announcement.signature);
      await this.repo.resign(this.db, { keyId: k.keyId, signature, certFingerprint: identity.fingerprint });
      this.published.set(k.keyId, { ...k, signature, certFingerprint: identity.fingerprint });
      resigned.push(k.keyId);
    }
    return { resigned, superseded };
  }

  /** The signed record: suites and every epoch key a sender may still use (validity not yet over). */
  private async publish(nowMs: number): Promise<void> {
    const { identity, country, suites } = this.opts;
    const epochKeys = [...this.published.values()]
      .filter((k) => k.notAfterMs >= nowMs)
      .sort((a, b) => a.notBeforeMs - b.notBeforeMs)
      .map((k) => ({
        country,
        keyId: k.keyId,
        publicKey: k.publicKey,
        notBeforeMs: k.notBeforeMs,
        notAfterMs: k.notAfterMs,
        certFingerprint: k.certFingerprint,
        signature: k.signature,
      }));
    const signed = signGatewayRecord({
      content: { country, suites, publishedAtMs: nowMs, certFingerprint: identity.fingerprint, epochKeys },
      certPem: identity.certPem,
      identityKey: identity.key,
    });
    const key = `gateway/${country}`;
    const record = create(ControlRecordSchema, {
      key,
      publishedAtMs: BigInt(nowMs),
      record: { case: 'gateway', value: signed },
    });
    await this.opts.publish(key, toBinary(ControlRecordSchema, record));
    this.logger.info(
      { suites, epochKeys: epochKeys.map((k) => k.keyId.slice(0, 16)) },
      'gateway record published',
    );
  }
}
