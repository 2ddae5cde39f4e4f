// What this gateway trusts: its own key and certificate, the regional root, partner certificates, the
// revocation list and the verified agreements. Fed by the control topic, persisted so restarts need no secretariat.
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { KeyObject } from 'node:crypto';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { TrustRepository } from './trust.repository';
import { EpochKeyRepository } from './epoch-key.repository';
import {
  AgreementState,
  AgreementTermsSchema,
  ControlRecord,
  enumName,
  exchangeTopic,
  fromBinary,
  SignedAgreement,
  SignedGatewayRecord,
  SignedGatewayRecordSchema,
  SignedAgreementSchema,
  toBinary,
} from '@corridor/contracts';
import {
  SUITE_PREFERENCE,
  VerifiedEpochKeys,
  EnvelopeTrust,
  peekGatewayRecord,
  verifyGatewayRecord,
  type GatewayRecordContent,
  type VerifiedEpochKey,
  type XWingPrivateKey,
} from '@corridor/envelope';
import {
  certificateFingerprint,
  certificateFromDer,
  decryptPrivateKey,
  describeCertificate,
  loadPrivateKey,
  parseRevocationList,
  verifyCertificateChain,
  type VerifiedCertificate,
} from '@corridor/pki';
import {
  ActiveAgreement,
  agreementFromTerms,
  verifySignedAgreement,
  VerifiedAgreement,
} from '@corridor/policy';

export interface KeyAndCertificate {
  key: KeyObject;
  certPem: string;
  fingerprint: string;
  serial: string;
}

export interface OwnIdentity extends KeyAndCertificate {
  country: string;
  caPem: string;
  /** The P-256 identity of suite 2 (ec-key.pem, ec-cert.pem), when enrolled for it. */
  ec?: KeyAndCertificate;
  /** Suites this gateway opens, strongest first. */
  suites: number[];
  /** Keys replaced by a rotation, kept so envelopes sealed for them while the new certificate spreads still open. */
  previous: KeyAndCertificate[];
}

/**
 * Reads key.pem (encrypted PKCS#8), cert.pem and ca.pem, and the suite-2 pair ec-key.pem/ec-cert.pem when present;
 * checks the certificates name this country. `suites` unset: 2 and 1 with the P-256 pair, else 1.
 */
export function loadOwnIdentity(opts: {
  dir: string;
  passphrase: string;
  country: string;
  suites?: number[];
}): OwnIdentity {
  const read = (name: string): string => {
    const p = path.join(opts.dir, name);
    if (!fs.existsSync(p)) {
      throw new Error(
        `${p} is missing: enrol the gateway first (corridor pki issue --country ${opts.country} --dir ${opts.dir})`,
      );
    }
    return fs.readFileSync(p, 'utf8');
  };
  const certPem = read('cert.pem');
  const caPem = read('ca.pem');
  const key = loadPrivateKey(
    decryptPrivateKey({ encryptedPem: read('key.pem'), passphrase: opts.passphrase }),
  );
  const cert = verifyCertificateChain({
    certPem,
    caCertPem: caPem,
    revokedSerials: new Set(),
    at: new Date(),
  });
  if (cert.country !== opts.country) {
    throw new Error(`cert.pem in ${opts.dir} is for ${cert.country}, not GATEWAY_COUNTRY=${opts.country}`);
  }
  const previous: KeyAndCertificate[] = [];
  const previousDir = path.join(opts.dir, 'previous');
  if (fs.existsSync(previousDir)) {
    for (const name of fs.readdirSync(previousDir).sort().reverse()) {
      const d = path.join(previousDir, name);
      const oldCertPem = fs.readFileSync(path.join(d, 'cert.pem'), 'utf8');
      const oldKey = loadPrivateKey(
        decryptPrivateKey({
          encryptedPem: fs.readFileSync(path.join(d, 'key.pem'), 'utf8'),
          passphrase: opts.passphrase,
        }),
      );
      const info = describeCertificate(oldCertPem);
      if (info.notAfter.getTime() > Date.now()) {
        previous.push({
          key: oldKey,
          certPem: oldCertPem,
          fingerprint: info.fingerprint,
          serial: info.serialHex,
        });
      }
    }
  }
  const ec = loadEcIdentity(opts, caPem);
  const suites = opts.suites ?? (ec ? [2, 1] : [1]);
  if (suites.includes(2) && !ec) {
    throw new Error(
      `ENVELOPE_SUITES includes 2 but ${opts.dir} holds no ec-key.pem and ec-cert.pem: enrol the gateway's P-256 identity`,
    );
  }
  return {
    country: opts.country,
    key,
    certPem,
    caPem,
    ec,
    suites: SUITE_PREFERENCE.filter((id) => suites.includes(id)),
    fingerprint: cert.fingerprint,
    serial: cert.serialHex,
    previous,
  };
}

function loadEcIdentity(
  opts: { dir: string; passphrase: string; country: string },
  caPem: string,
): KeyAndCertificate | undefined {
  const keyFile = path.join(opts.dir, 'ec-key.pem');
  const certFile = path.join(opts.dir, 'ec-cert.pem');
  if (!fs.existsSync(keyFile) || !fs.existsSync(certFile)) {
    return undefined;
  }
  const certPem = fs.readFileSync(certFile, 'utf8');
  const key = loadPrivateKey(
    decryptPrivateKey({ encryptedPem: fs.readFileSync(keyFile, 'utf8'), passphrase: opts.passphrase }),
  );
  const cert = verifyCertificateChain({
    certPem,
    caCertPem: caPem,
    revokedSerials: new Set(),
    at: new Date(),
  });
  if (cert.country !== opts.country || cert.publicKey.asymmetricKeyType !== 'ec') {
    throw new Error(`ec-cert.pem in ${opts.dir} is not a P-256 certificate of ${opts.country}`);
  }
  return { key, certPem, fingerprint: cert.fingerprint, serial: cert.serialHex };
}

interface KnownCert {
  country: string;
  /** 'rsa' (suite 1) or 'ec' (suite 2) */
  keyType: string;
  pem: string;
  serial: string;
  notBefore: number;
}

/** An agreement whose verified state this instance stored (it changed). */
export interface AgreementChange {
  id: string;
  state: string;
  peer: string;
}

/** What the trust store tells: `changed` (any control record applied), `agreements` (their states), a transition. */
export interface TrustEvents {
  changed: [];
  agreements: [];
  'agreement-changed': [AgreementChange];
}

export class TrustStore extends EventEmitter<TrustEvents> {
  private readonly certs = new Map<string, KnownCert>();
  private revoked = new Set<string>();
  private crlNumber = -1n;
  private crlNextUpdate?: Date;
  private readonly rawAgreements = new Map<string, SignedAgreement>();
  private agreements = new Map<string, VerifiedAgreement>();
  /** Partners' verified gateway records (suites, epoch keys), by country. */
  private readonly gatewayRecords = new Map<string, GatewayRecordContent>();
  /** Records whose certificate has not arrived yet: tried again when a certificate does. */
  private readonly pendingRecords = new Map<string, SignedGatewayRecord>();
  /** epochKeyOf's checks, by country, valid while the record, certificate and revocation list are the same. */
  private readonly epochKeyMemo = new Map<
    string,
    {
      record: GatewayRecordContent;
      certPem: string;
      revoked: ReadonlySet<string>;
      fromMs: number;
      toMs: number;
      keys: VerifiedEpochKeys;
    }
  >();

  constructor(
    readonly own: OwnIdentity,
    private readonly ds: DataSource,
    private readonly repo: TrustRepository,
    private readonly topicPrefix: string,
    private readonly logger: Logger,
    private readonly epochRepo: EpochKeyRepository = new EpochKeyRepository(),
  ) {
    super();
    this.addCert(own.certPem);
    if (own.ec) {
      this.addCert(own.ec.certPem);
    }
  }

  /** Loads what earlier runs learned from the control topic. */
  async load(): Promise<void> {
    for (const pem of await this.repo.certificates(this.ds)) {
      this.addCert(pem);
    }
    const crlPem = await this.repo.revocationList(this.ds);
    if (crlPem) {
      const held = parseRevocationList({ crlPem, caCertPem: this.own.caPem });
      this.revoked = held.revokedSerials;
      this.crlNumber = held.crlNumber;
      this.crlNextUpdate = held.nextUpdate;
    }
    for (const r of await this.repo.signedAgreements(this.ds)) {
      this.rawAgreements.set(r.id, fromBinary(SignedAgreementSchema, r.signed));
    }
    for (const r of await this.epochRepo.gatewayRecords(this.ds)) {
      this.acceptGatewayRecord(fromBinary(SignedGatewayRecordSchema, r.signed), `gateway/${r.country}`);
    }
    this.reverify();
  }

  /**
   * Checks a partner's gateway record: it names a known, valid, unrevoked P-256 certificate of the country its
   * control key says, the signature verifies, and it is newer than the one held. Returns it when accepted.
   */
  private acceptGatewayRecord(signed: SignedGatewayRecord, key: string): GatewayRecordContent | undefined {
    try {
      const named = peekGatewayRecord(signed);
      if (key !== `gateway/${named.country}`) {
        throw new Error(`record of ${named.country} under control key ${key}`);
      }
      if (named.country === this.own.country) {
        return undefined; // our own, as published
      }
      const cert = this.certs.get(named.certFingerprint);
      if (!cert) {
        this.pendingRecords.set(key, signed);
        return undefined;
      }
      this.pendingRecords.delete(key);
      if (cert.country !== named.country || cert.keyType !== 'ec') {
        throw new Error('names no P-256 certificate of its country');
      }
      verifyCertificateChain({
        certPem: cert.pem,
        caCertPem: this.own.caPem,
        revokedSerials: this.revoked,
        at: new Date(),
      });
      const content = verifyGatewayRecord({ signed, certPem: cert.pem });
      const held = this.gatewayRecords.get(content.country);
      if (held && held.publishedAtMs >= content.publishedAtMs) {
        return undefined;
      }
      this.gatewayRecords.set(content.country, content);
      return content;
    } catch (err) {
      this.logger.warn({ key, reason: (err as Error).message }, 'gateway record rejected');
      return undefined;
    }
  }

  /** notBefore (ms) of a certificate held from the control topic, by SHA-256 fingerprint. */
  certificateNotBefore(fingerprint: string): number | undefined {
    return this.certs.get(fingerprint)?.notBefore;
  }

  private addCert(pem: string): KnownCert {
    const info = describeCertificate(pem);
    const known = {
      country: info.country,
      keyType: info.publicKey.asymmetricKeyType ?? '',
      pem,
      serial: info.serialHex,
      notBefore: info.notBefore.getTime(),
    };
    this.certs.set(info.fingerprint, known);
    return known;
  }

  /** Applies one control record after checking it; records that do not verify are logged and ignored. */
  async apply(record: ControlRecord): Promise<void> {
    const r = record.record;
    switch (r.case) {
      case 'rootCertificateDer': {
        if (certificateFingerprint(r.value) !== certificateFingerprint(this.own.caPem)) {
          this.logger.error(
            { key: record.key },
            'control topic announces a different root: ignored (check CA configuration)',
          );
        }
        return;
      }
      case 'certificateDer': {
        const pem = certificateFromDer(r.value);
        try {
          verifyCertificateChain({
            certPem: pem,
            caCertPem: this.own.caPem,
            revokedSerials: new Set(),
            at: new Date(),
          });
        } catch (err) {
          this.logger.warn(
            { key: record.key, reason: (err as Error).message },
            'certificate from control topic rejected',
          );
          return;
        }
        const known = this.addCert(pem);
        await this.repo.saveCertificate(this.ds, {
          fingerprint: certificateFingerprint(pem),
          country: known.country,
          serial: known.serial,
          pem,
          notAfter: describeCertificate(pem).notAfter,
        });
        for (const [key, signed] of [...this.pendingRecords]) {
          await this.storeGatewayRecord(signed, key);
        }
        this.reverify();
        return;
      }
      case 'revocationListDer': {
        const crlPem = `-----BEGIN X509 CRL-----\n${Buffer.from(r.value)
          .toString('base64')
          .replace(/(.{64})/g, '$1\n')}\n-----END X509 CRL-----\n`;
        let parsed;
        try {
          parsed = parseRevocationList({ crlPem, caCertPem: this.own.caPem });
        } catch (err) {
          this.logger.error(
            { reason: (err as Error).message },
            'revocation list from control topic does not verify: ignored',
          );
          return;
        }
        if (parsed.crlNumber <= this.crlNumber) {
          this.logger.warn(
            { crlNumber: parsed.crlNumber.toString(), held: this.crlNumber.toString() },
            'older revocation list ignored',
          );
          return;
        }
        this.crlNumber = parsed.crlNumber;
        this.crlNextUpdate = parsed.nextUpdate;
        this.revoked = parsed.revokedSerials;
        await this.repo.saveRevocationList(this.ds, crlPem);
        this.logger.info(
          { revoked: this.revoked.size, crlNumber: parsed.crlNumber.toString() },
          'revocation list applied',
        );
        this.emit('changed');
        return;
      }
      case 'agreement': {
        const terms = fromBinary(AgreementTermsSchema, r.value.terms);
        if (!terms.parties.includes(this.own.country)) {
          return;
        }
        this.rawAgreements.set(terms.id, r.value);
        await this.repo.saveAgreement(this.ds, {
          id: terms.id,
          version: terms.version,
          parties: terms.parties,
          signed: Buffer.from(toBinary(SignedAgreementSchema, r.value)),
        });
        this.reverify();
        return;
      }
      case 'gateway':
        await this.storeGatewayRecord(r.value, record.key);
        return;
      case undefined:
        return;
    }
  }

  private async storeGatewayRecord(signed: SignedGatewayRecord, key: string): Promise<void> {
    const content = this.acceptGatewayRecord(signed, key);
    if (content) {
      await this.epochRepo.saveGatewayRecord(this.ds, {
        country: content.country,
        publishedAtMs: content.publishedAtMs,
        signed: Buffer.from(toBinary(SignedGatewayRecordSchema, signed)),
      });
      this.logger.info(
        { country: content.country, suites: content.suites, epochKeys: content.epochKeys.length },
        'gateway record applied',
      );
      this.emit('changed');
    }
  }

  /** Re-checks every agreement against what is known now (a certificate may have arrived after it). */
  private reverify(): void {
    const next = new Map<string, VerifiedAgreement>();
    for (const [id, signed] of this.rawAgreements) {
      try {
        next.set(
          id,
          verifySignedAgreement({
            signed,
            // Party signatures are checked against the certificate that made them, revoked or not: a later
            // revocation (key rotation) does not undo an agreement signed while the key was valid.
            partyCert: (country, fp) => {
              const c = this.certs.get(fp);
              return c && c.country === country ? c.pem : undefined;
            },
            secretariatKey: this.own.caPem,
          }),
        );
      } catch (err) {
        this.logger.warn(
          { agreement: id, reason: (err as Error).message },
          'agreement does not verify (yet)',
        );
      }
    }
    const before = JSON.stringify([...this.agreements].map(([id, a]) => [id, a.state]));
    this.agreements = next;
    for (const [id, a] of next) {
      const state = enumName(AgreementState, a.state);
      // Only the instance whose update changes the stored state reports it: one log entry per transition.
      void this.repo
        .setAgreementState(this.ds, id, state)
        .then((changed) => {
          if (changed) {
            this.emit('agreement-changed', {
              id,
              state,
              peer: a.terms.parties.find((p) => p !== this.own.country) ?? '',
            });
          }
        })
        .catch((err: unknown) =>
          this.logger.warn({ agreement: id, err: (err as Error).message }, 'agreement state not stored'),
        );
    }
    if (JSON.stringify([...next].map(([id, a]) => [id, a.state])) !== before) {
      this.logger.info(
        { agreements: [...next].map(([id, a]) => `${id}:${enumName(AgreementState, a.state)}`) },
        'agreements changed',
      );
      this.emit('agreements');
    }
    this.emit('changed');
  }

  /** The agreement with a partner: the active one, else the most recent (so refusals can name it). */
  agreementWith(partner: string): ActiveAgreement | undefined {
    const candidates = [...this.agreements.values()].filter(
      (a) => a.terms.parties.includes(partner) && a.terms.parties.includes(this.own.country),
    );
    const chosen = candidates.find((a) => a.state === AgreementState.ACTIVE) ?? candidates.at(-1);
    return chosen ? agreementFromTerms(chosen.terms, chosen.state) : undefined;
  }

  /** Partners with an ACTIVE agreement. */
  partners(): string[] {
    return [...this.agreements.values()]
      .filter((a) => a.state === AgreementState.ACTIVE)
      .map((a) => a.terms.parties.find((p) => p !== this.own.country)!)
      .sort();
  }

  /** Partners with any known agreement (for listing and for receipts of past traffic). */
  knownPartners(): string[] {
    return [
      ...new Set(
        [...this.agreements.values()].map((a) => a.terms.parties.find((p) => p !== this.own.country)!),
      ),
    ].sort();
  }

  incomingTopics(): string[] {
    return this.partners().map((p) => exchangeTopic(p, this.own.country, this.topicPrefix));
  }

  incomingTopic(partner: string): string {
    return exchangeTopic(partner, this.own.country, this.topicPrefix);
  }

  outgoingTopic(partner: string): string {
    return exchangeTopic(this.own.country, partner, this.topicPrefix);
  }

  /** The newest valid, unrevoked certificate of a country with an RSA (suite 1) or P-256 (suite 2) key. */
  certificateOf(country: string, keyType: 'rsa' | 'ec' = 'rsa'): string | undefined {
    const now = new Date();
    const candidates = [...this.certs.values()]
      .filter((c) => c.country === country && c.keyType === keyType)
      .sort((a, b) => b.notBefore - a.notBefore);
    for (const c of candidates) {
      try {
        verifyCertificateChain({
          certPem: c.pem,
          caCertPem: this.own.caPem,
          revokedSerials: this.revoked,
          at: now,
        });
        return c.pem;
      } catch {
        continue;
      }
    }
    return undefined;
  }

  envelopeTrust(): EnvelopeTrust {
    return {
      resolveSenderCert: (fingerprint, country) => {
        const c = this.certs.get(fingerprint);
        return c && c.country === country ? c.pem : undefined;
      },
      caCertPem: this.own.caPem,
      revokedSerials: this.revoked,
    };
  }

  /** A revocation list past its nextUpdate means revocations may be missing: an alarm for the operator. */
  checkCrlFreshness(now = new Date()): boolean {
    if (this.crlNextUpdate && this.crlNextUpdate.getTime() < now.getTime()) {
      this.logger.error(
        {
          alarm: 'CRL_STALE',
          nextUpdate: this.crlNextUpdate.toISOString(),
          crlNumber: this.crlNumber.toString(),
        },
        'revocation list is past its nextUpdate: check the secretariat and the control topic',
      );
      return false;
    }
    return true;
  }

  /** This gateway's private epoch keys (suite 2), attached by the EpochKeyManager; none until then. */
  epochKeys: { get(keyId: string): XWingPrivateKey | undefined } = { get: () => undefined };

  /** Suites accepted from a partner: those this gateway opens, within the pair's agreement when it names some. */
  suitesFrom(partner: string): number[] {
    const allowed = this.agreementWith(partner)?.suites ?? [];
    return this.own.suites.filter((id) => allowed.length === 0 || allowed.includes(id));
  }

  /** The suites a partner opens: its verified record's, else suite 1 only (a gateway that publishes none). */
  suitesOf(country: string): number[] {
    return this.gatewayRecords.get(country)?.suites ?? [1];
  }

  /**
   * The partner's epoch key a sender may use at `atMs`, with the P-256 certificate it belongs to: signed by that
   * certificate (valid, unrevoked), valid at atMs. Undefined: no suite 2 to this partner now.
   */
  epochKeyOf(country: string, atMs: number): { epochKey: VerifiedEpochKey; certPem: string } | undefined {
    const record = this.gatewayRecords.get(country);
    const cert = record ? this.certs.get(record.certFingerprint) : undefined;
    if (!record || !cert || cert.country !== country) {
      return undefined;
    }
    // The chain, the revocation and the epoch keys' signatures are checked once per record, certificate and CRL
    // (the store replaces these objects when they change); each seal then checks only the times.
    let memo = this.epochKeyMemo.get(country);
    if (!memo || memo.record !== record || memo.certPem !== cert.pem || memo.revoked !== this.revoked) {
      let chain: VerifiedCertificate;
      try {
        chain = verifyCertificateChain({
          certPem: cert.pem,
          caCertPem: this.own.caPem,
          revokedSerials: this.revoked,
          at: new Date(atMs),
        });
      } catch {
        return undefined;
      }
      const ca = describeCertificate(this.own.caPem);
      memo = {
        record,
        certPem: cert.pem,
        revoked: this.revoked,
        fromMs: Math.max(chain.notBefore.getTime(), ca.notBefore.getTime()),
        toMs: Math.min(chain.notAfter.getTime(), ca.notAfter.getTime()),
        keys: new VerifiedEpochKeys(record.epochKeys, cert.pem),
      };
      this.epochKeyMemo.set(country, memo);
    }
    if (atMs < memo.fromMs || atMs > memo.toMs) {
      return undefined;
    }
    const epochKey = memo.keys.at(atMs);
    return epochKey ? { epochKey, certPem: cert.pem } : undefined;
  }

  /**
   * The key an envelope was sealed for, by the recipient certificate fingerprint in its header: the current key (RSA
   * or P-256), or a previous one still valid and not revoked (key rotation). Undefined: open with the current key
   * and let it fail.
   */
  keyFor(recipientCertFingerprint: string): KeyAndCertificate | undefined {
    if (recipientCertFingerprint === this.own.fingerprint) {
      return this.own;
    }
    if (this.own.ec && recipientCertFingerprint === this.own.ec.fingerprint) {
      return this.own.ec;
    }
    return this.own.previous.find(
      (p) => p.fingerprint === recipientCertFingerprint && !this.revoked.has(p.serial),
    );
  }

  isRevoked(serial: string): boolean {
    return this.revoked.has(serial);
  }

  describeAgreements(): {
    id: string;
    state: string;
    partner: string;
    history: VerifiedAgreement['history'];
  }[] {
    return [...this.agreements.entries()].map(([id, a]) => ({
      id,
      state: enumName(AgreementState, a.state),
      partner: a.terms.parties.find((p) => p !== this.own.country) ?? '',
      history: a.history,
    }));
  }

  /** The parties of a known agreement, whatever its state; none for an unknown id. */
  agreementParties(id: string): readonly string[] {
    return this.agreements.get(id)?.terms.parties ?? [];
  }

  signedAgreement(id: string): VerifiedAgreement | undefined {
    return this.agreements.get(id);
  }
}
