// The regional certificate authority: enrols gateways (CSR -> certificate), revokes, publishes a CRL.
import fs from 'node:fs';
import path from 'node:path';
import { KeyObject } from 'node:crypto';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import {
  certificateFingerprint,
  certificateToDer,
  decryptPrivateKey,
  describeCertificate,
  gatewayKafkaPrincipal,
  issueEcGatewayCertificate,
  issueRsaGatewayCertificate,
  issueTransportCertificate,
  kafkaCsrPublicKey,
  loadPrivateKey,
  PkiError,
  signRevocationList,
} from '@corridor/pki';
import { problem, updatedRows } from '@corridor/platform';
import { KafkaGovernance } from '../governance/kafka-governance';
import { ControlPublisher } from './control.publisher';

export interface CaMaterial {
  certPem: string;
  keyPem: string;
  key: KeyObject;
}

/** Reads ca.pem and the encrypted ca.key.pem written by `corridor pki init`. */
export function loadCa(dir: string, passphrase: string): CaMaterial {
  const certPath = path.join(dir, 'ca.pem');
  const keyPath = path.join(dir, 'ca.key.pem');
  if (!fs.existsSync(certPath) || !fs.existsSync(keyPath)) {
    throw new Error(`no CA in ${dir}: run "corridor pki init --dir ${dir}" first`);
  }
  const keyPem = decryptPrivateKey({ encryptedPem: fs.readFileSync(keyPath, 'utf8'), passphrase });
  return { certPem: fs.readFileSync(certPath, 'utf8'), keyPem, key: loadPrivateKey(keyPem) };
}

export interface EnrolResult {
  certPem: string;
  caPem: string;
  fingerprint: string;
  /** the TLS client certificate for Kafka, when a kafkaCsrPem was sent */
  kafkaCertPem?: string;
  kafkaFingerprint?: string;
  /** the P-256 signing certificate of suite 2, when an ecCsrPem was sent */
  ecCertPem?: string;
  ecFingerprint?: string;
}

export class CaService {
  constructor(
    readonly ca: CaMaterial,
    private readonly ds: DataSource,
    private readonly governance: KafkaGovernance,
    private readonly control: ControlPublisher,
    private readonly validityDays: number,
    private readonly logger: Logger,
  ) {}

  async publishRoot(): Promise<void> {
    await this.control.publish({
      key: 'root',
      record: { case: 'rootCertificateDer', value: certificateToDer(this.ca.certPem) },
    });
    const rows = await this.ds.query<{ cert_pem: string }[]>(
      "select cert_pem from certificates where revoked_at is null and purpose = 'signing'",
    );
    for (const r of rows) {
      await this.publishCertificate(r.cert_pem);
    }
    await this.publishCrl();
  }

  private async publishCertificate(certPem: string): Promise<void> {
    await this.control.publish({
      key: `cert/${certificateFingerprint(certPem)}`,
      record: { case: 'certificateDer', value: certificateToDer(certPem) },
    });
  }

  /**
   * Issues a gateway's signing certificate from its CSR (and its Kafka TLS client certificate from the second CSR,
   * a separate key), grants its membership ACLs and the ACLs of its active agreements, publishes the signing
   * certificate. The TLS certificate is never published: only the broker sees it.
   */
  async enrol(opts: {
    country: string;
    csrPem: string;
    kafkaCsrPem?: string;
    ecCsrPem?: string;
  }): Promise<EnrolResult> {
    let certPem: string;
    try {
      certPem = await issueRsaGatewayCertificate({
        csrPem: opts.csrPem,
        caCertPem: this.ca.certPem,
        caKeyPem: this.ca.keyPem,
        validityDays: this.validityDays,
      });
    } catch (err) {
      if (err instanceof PkiError) {
        throw problem(422, err.code, err.message, { field: 'csrPem' });
      }
      throw err;
    }
    const info = describeCertificate(certPem);
    if (info.country !== opts.country) {
      throw problem(422, 'CSR_COUNTRY_MISMATCH', `the CSR names ${info.country}, not ${opts.country}`, {
        field: 'csrPem',
      });
    }
    const kafka = opts.kafkaCsrPem ? await this.issueKafkaClient(opts.country, opts.kafkaCsrPem) : undefined;
    const ec = opts.ecCsrPem ? await this.issueEcSigning(opts.country, opts.ecCsrPem) : undefined;
    await this.ds.query(
      'insert into certificates (fingerprint, country, serial, cert_pem, not_after) values ($1, $2, $3, $4, $5)',
      [info.fingerprint, info.country, info.serialHex, certPem, info.notAfter],
    );
    if (ec) {
      await this.ds.query(
        'insert into certificates (fingerprint, country, serial, cert_pem, not_after) values ($1, $2, $3, $4, $5)',
        [ec.info.fingerprint, info.country, ec.info.serialHex, ec.certPem, ec.info.notAfter],
      );
    }
    if (kafka) {
      await this.ds.query(
        "insert into certificates (fingerprint, country, serial, cert_pem, not_after, purpose) values ($1, $2, $3, $4, $5, 'kafka-client')",
        [kafka.info.fingerprint, info.country, kafka.info.serialHex, kafka.certPem, kafka.info.notAfter],
      );
    }
    await this.governance.grantMembership(info.country);
    // A gateway enrolled again after a revocation gets the broker rights of its active agreements back.
    const agreements = await this.ds.query<{ parties: string[] }[]>(
      "select parties from agreements where state = 'ACTIVE' and $1 = any(parties)",
      [info.country],
    );
    for (const a of agreements) {
      await this.governance.openAgreement(a.parties as [string, string]);
    }
    await this.publishCertificate(certPem);
    if (ec) {
      await this.publishCertificate(ec.certPem);
    }
    this.logger.info(
      {
        country: info.country,
        fingerprint: info.fingerprint,
        kafkaFingerprint: kafka?.info.fingerprint,
        ecFingerprint: ec?.info.fingerprint,
      },
      'gateway enrolled',
    );
    return {
      certPem,
      caPem: this.ca.certPem,
      fingerprint: info.fingerprint,
      kafkaCertPem: kafka?.certPem,
      kafkaFingerprint: kafka?.info.fingerprint,
      ecCertPem: ec?.certPem,
      ecFingerprint: ec?.info.fingerprint,
    };
  }

  /** The suite-2 signing certificate (P-256) from its CSR, issued by the same regional root. */
  private async issueEcSigning(country: string, csrPem: string) {
    let certPem: string;
    try {
      certPem = await issueEcGatewayCertificate({
        csrPem,
        caCertPem: this.ca.certPem,
        caKeyPem: this.ca.keyPem,
        validityDays: this.validityDays,
      });
    } catch (err) {
      if (err instanceof PkiError) {
        throw problem(422, err.code, err.message, { field: 'ecCsrPem' });
      }
      throw err;
    }
    const info = describeCertificate(certPem);
    if (info.country !== country) {
      throw problem(422, 'CSR_COUNTRY_MISMATCH', `the CSR names ${info.country}, not ${country}`, {
        field: 'ecCsrPem',
      });
    }
    return { certPem, info };
  }

  private async issueKafkaClient(country: string, csrPem: string) {
    try {
      const certPem = await issueTransportCertificate({
        caCertPem: this.ca.certPem,
        caKeyPem: this.ca.keyPem,
        publicKeyPem: kafkaCsrPublicKey(csrPem),
        principal: gatewayKafkaPrincipal(country),
        country,
        role: 'client',
        validityDays: this.validityDays,
      });
      return { certPem, info: describeCertificate(certPem) };
    } catch (err) {
      if (err instanceof PkiError) {
        throw problem(422, err.code, err.message, { field: 'kafkaCsrPem' });
      }
      throw err;
    }
  }

  /**
   * The Kafka client certificate is the gateway's broker access: once none of the country's is unrevoked, every ACL
   * of its principal goes and the broker refuses its next request. (The broker reads no CRL: a revoked TLS
   * certificate still completes the handshake, and is then authorized for nothing.) Revoking a signing certificate
   * stops its envelopes at every receiver through the CRL; a compromised gateway has both revoked.
   */
  private async cutBrokerAccessIfRevoked(country: string): Promise<boolean> {
    const [row] = await this.ds.query<{ n: string }[]>(
      "select count(*) as n from certificates where country = $1 and purpose = 'kafka-client' and revoked_at is null",
      [country],
    );
    if (Number(row.n) > 0) {
      return false;
    }
    await this.governance.revokeMembership(country);
    return true;
  }

  /** Countries whose broker access must stay cut (see cutBrokerAccessIfRevoked). */
  async revokedMembers(): Promise<string[]> {
    const rows = await this.ds.query<{ country: string }[]>(
      `select country from certificates group by country
        having count(*) filter (where purpose = 'kafka-client' and revoked_at is null) = 0`,
    );
    return rows.map((r) => r.country);
  }

  /** Revokes at once: a new CRL goes out on the control topic and every gateway honours it on receipt. */
  async revoke(opts: {
    fingerprint: string;
    reason: string;
  }): Promise<{ crlNumber: string; brokerAccessCut: boolean }> {
    const res = updatedRows<{ serial: string }>(
      await this.ds.query(
        'update certificates set revoked_at = now(), revocation_reason = $2 where fingerprint = $1 and revoked_at is null returning serial, country',
        [opts.fingerprint, opts.reason],
      ),
    ) as { serial: string; country: string }[];
    if (res.length === 0) {
      throw problem(404, 'CERT_NOT_FOUND', `no unrevoked certificate with fingerprint ${opts.fingerprint}`, {
        field: 'fingerprint',
      });
    }
    // The broker first: its refusal does not wait for the gateways to read the CRL.
    const brokerAccessCut = await this.cutBrokerAccessIfRevoked(res[0].country);
    const crlNumber = await this.publishCrl();
    this.logger.warn(
      { fingerprint: opts.fingerprint, reason: opts.reason, brokerAccessCut },
      'certificate revoked',
    );
    return { crlNumber: crlNumber.toString(), brokerAccessCut };
  }

  async publishCrl(): Promise<bigint> {
    const [{ crl_number }] = updatedRows<{ crl_number: string }>(
      await this.ds.query('update ca_state set crl_number = crl_number + 1 returning crl_number'),
    );
    const revoked = await this.ds.query<{ serial: string; revoked_at: Date }[]>(
      'select serial, revoked_at from certificates where revoked_at is not null',
    );
    const now = new Date();
    const crlPem = await signRevocationList({
      caCertPem: this.ca.certPem,
      caKeyPem: this.ca.keyPem,
      revoked: revoked.map((r) => ({ serialHex: r.serial, revokedAt: r.revoked_at })),
      thisUpdate: now,
      nextUpdate: new Date(now.getTime() + 7 * 86400_000),
      crlNumber: BigInt(crl_number),
    });
    await this.ds.query('update ca_state set crl_pem = $1', [crlPem]);
    await this.control.publish({
      key: 'crl',
      record: {
        case: 'revocationListDer',
        value: Buffer.from(crlPem.replace(/-----[^-]+-----|\s/g, ''), 'base64'),
      },
    });
    return BigInt(crl_number);
  }

  async currentCrl(): Promise<string> {
    const [row] = await this.ds.query<{ crl_pem: string | null }[]>('select crl_pem from ca_state');
    return (
      row?.crl_pem ??
      (await this.publishCrl(),
      (await this.ds.query<{ crl_pem: string }[]>('select crl_pem from ca_state'))[0].crl_pem)
    );
  }

  async certificates(): Promise<
    {
      fingerprint: string;
      country: string;
      purpose: string;
      serial: string;
      notAfter: Date;
      revokedAt: Date | null;
    }[]
  > {
    const rows = await this.ds.query<
      {
        fingerprint: string;
        country: string;
        purpose: string;
        serial: string;
        not_after: Date;
        revoked_at: Date | null;
      }[]
    >(
      'select fingerprint, country, purpose, serial, not_after, revoked_at from certificates order by issued_at',
    );
    return rows.map((r) => ({
      fingerprint: r.fingerprint,
      country: r.country,
      purpose: r.purpose,
      serial: r.serial,
      notAfter: r.not_after,
      revokedAt: r.revoked_at,
    }));
  }

  async certificateOf(country: string, fingerprint: string): Promise<string | undefined> {
    const rows = await this.ds.query<{ cert_pem: string }[]>(
      "select cert_pem from certificates where country = $1 and fingerprint = $2 and revoked_at is null and purpose = 'signing'",
      [country, fingerprint],
    );
    return rows[0]?.cert_pem;
  }
}
