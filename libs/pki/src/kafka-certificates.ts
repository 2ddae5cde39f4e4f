// Transport (TLS) certificates for Kafka, issued by the regional CA and kept apart from the envelope-signing
// certificates (as X-Road separates authentication and signing certificates): another key, another subject,
// digitalSignature only and the TLS extended key usages, never published on the control topic.
import { isIP } from 'node:net';
import forge from 'node-forge';
import { isIsoCountryCode } from './countries';
import { describeCertificate, loadCa } from './certificates';
import { PkiError } from './errors';
import { RSA_MODULUS_BITS } from './keys';

const DAY_MS = 86_400_000;
/** Organizational unit of every transport certificate: the broker maps only these subjects to short principals. */
export const KAFKA_OU = 'Kafka';
const ORGANIZATION = 'Corridor';

/**
 * `ssl.principal.mapping.rules` for the brokers: a transport certificate's subject `CN=<name>,OU=Kafka,O=Corridor`
 * (with or without `C=`) becomes the principal `User:<name>` the ACLs name (`gw-ly`, `secretariat`, `kafka-node-1`).
 * Anything else keeps its full distinguished name, which no ACL names: an envelope-signing certificate
 * (`CN=gateway.ly,O=Corridor,C=LY`) authenticates but is authorized for nothing.
 */
export const KAFKA_PRINCIPAL_MAPPING_RULES =
  'RULE:^CN=([a-z0-9-]+),OU=Kafka,O=Corridor(,C=[A-Z]+)?$/$1/,DEFAULT';

export type KafkaCertificateRole = 'client' | 'broker';

/** A transport certificate to issue for an RSA public key, whichever root signs it. */
export interface TransportCertificateOptions {
  caCertPem: string;
  caKeyPem: string;
  publicKeyPem: string;
  principal: string;
  role: KafkaCertificateRole;
  country?: string;
  /** host names and IP addresses of a broker (its advertised listeners) */
  hosts?: string[];
  validityDays: number;
  notBefore?: Date;
}

/** The principal of a gateway's transport certificate: `gw-<cc>`. */
export function gatewayKafkaPrincipal(country: string): string {
  return `gw-${country.toLowerCase()}`;
}

function requirePrincipal(principal: string): void {
  if (!/^[a-z][a-z0-9-]{1,40}$/.test(principal)) {
    throw new PkiError('INVALID_ARGUMENT', 'principal must be lower case letters, digits and hyphens');
  }
}

/**
 * The checks every transport certificate request passes, whichever root issues it: the principal, the country, and a
 * broker's hosts. Returns the hosts for the subjectAltName.
 */
export function checkedTransportRequest(
  options: Pick<TransportCertificateOptions, 'principal' | 'role' | 'country' | 'hosts'>,
): string[] {
  requirePrincipal(options.principal);
  if (options.country !== undefined && !isIsoCountryCode(options.country)) {
    throw new PkiError('INVALID_COUNTRY', 'country must be an upper-case ISO 3166-1 alpha-2 code');
  }
  const hosts = options.hosts ?? [];
  if (options.role === 'broker' && hosts.length === 0) {
    throw new PkiError('INVALID_ARGUMENT', 'a broker certificate needs the hosts it is reached at');
  }
  return hosts;
}

function subject(principal: string, country?: string): forge.pki.CertificateField[] {
  return [
    ...(country ? [{ shortName: 'C', value: country }] : []),
    { shortName: 'O', value: ORGANIZATION },
    { shortName: 'OU', value: KAFKA_OU },
    { shortName: 'CN', value: principal },
  ];
}

/** A CSR for a transport certificate (the CA sets the subject itself; only the key and its proof count). */
export function createKafkaCsr(options: {
  principal: string;
  privateKeyPem: string;
  publicKeyPem: string;
}): string {
  requirePrincipal(options.principal);
  const csr = forge.pki.createCertificationRequest();
  csr.publicKey = forge.pki.publicKeyFromPem(options.publicKeyPem);
  csr.setSubject(subject(options.principal));
  csr.sign(forge.pki.privateKeyFromPem(options.privateKeyPem), forge.md.sha256.create());
  return forge.pki.certificationRequestToPem(csr);
}

/** The public key of a CSR whose signature verifies (proof of possession), RSA of at least 3072 bits. */
export function kafkaCsrPublicKey(csrPem: string): string {
  let csr: forge.pki.CertificateSigningRequest;
  try {
    csr = forge.pki.certificationRequestFromPem(csrPem, true);
  } catch (error) {
    throw new PkiError('CSR_INVALID', 'CSR could not be parsed (RSA keys only)', { cause: error });
  }
  let ok = false;
  try {
    ok = csr.verify();
  } catch (error) {
    throw new PkiError('CSR_INVALID', 'CSR signature could not be checked', { cause: error });
  }
  const publicKey = csr.publicKey as forge.pki.rsa.PublicKey | null;
  if (!ok || !publicKey) {
    throw new PkiError('CSR_INVALID', 'CSR signature does not verify');
  }
  if (publicKey.n.bitLength() < RSA_MODULUS_BITS) {
    throw new PkiError('CSR_INVALID', `CSR key must be RSA of at least ${RSA_MODULUS_BITS} bits`);
  }
  return forge.pki.publicKeyToPem(publicKey);
}

/**
 * Issues a transport certificate: subject `CN=<principal>,OU=Kafka,O=Corridor[,C=<cc>]`, keyUsage
 * digitalSignature (all TLS 1.3 and ECDHE need), extKeyUsage clientAuth (clients) or serverAuth and clientAuth
 * (brokers, which are clients of each other), and for a broker its addresses in the subjectAltName.
 */
export function issueKafkaCertificate(options: TransportCertificateOptions): string {
  const hosts = checkedTransportRequest(options);
  if (!Number.isFinite(options.validityDays) || options.validityDays <= 0) {
    throw new PkiError('INVALID_ARGUMENT', 'validityDays must be a positive number');
  }
  const { ca, caKey, ski } = loadCa(options.caCertPem, options.caKeyPem);
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(options.publicKeyPem);
  const serial = forge.util.bytesToHex(forge.random.getBytesSync(16));
  cert.serialNumber = `${((Number.parseInt(serial.slice(0, 2), 16) & 0x7f) | 0x01).toString(16).padStart(2, '0')}${serial.slice(2)}`;
  const start = new Date(Math.floor((options.notBefore ?? new Date()).getTime() / 1000) * 1000);
  const end = new Date(start.getTime() + options.validityDays * DAY_MS);
  cert.validity.notBefore = start;
  cert.validity.notAfter = end > ca.info.notAfter ? ca.info.notAfter : end;
  cert.setSubject(subject(options.principal, options.country));
  cert.setIssuer(ca.cert.subject.attributes);
  const altNames = hosts.map((h) => (isIP(h) ? { type: 7, ip: h } : { type: 2, value: h }));
  cert.setExtensions([
    { name: 'basicConstraints', critical: true, cA: false },
    { name: 'keyUsage', critical: true, digitalSignature: true },
    options.role === 'broker'
      ? { name: 'extKeyUsage', serverAuth: true, clientAuth: true }
      : { name: 'extKeyUsage', clientAuth: true },
    ...(altNames.length ? [{ name: 'subjectAltName', altNames }] : []),
    { name: 'subjectKeyIdentifier' },
    {
      name: 'authorityKeyIdentifier',
      keyIdentifier: forge.util.hexToBytes(ski),
    },
  ]);
  cert.sign(caKey, forge.md.sha256.create());
  return forge.pki.certificateToPem(cert);
}

/** The Kafka principal a transport certificate maps to under KAFKA_PRINCIPAL_MAPPING_RULES, if any. */
export function kafkaPrincipalOf(certPem: string): string | undefined {
  const cert = forge.pki.certificateFromPem(certPem);
  const ou = (cert.subject.getField('OU') as { value?: string } | null)?.value;
  return ou === KAFKA_OU ? describeCertificate(certPem).commonName : undefined;
}
