// X.509 certificates: suite 1 (RSA) certificates and CSRs built with node-forge; every certificate (RSA or EC) read
// with @peculiar/x509 and node:crypto, signatures checked with node:crypto (OpenSSL). EC issuance: ec-certificates.ts.
import 'reflect-metadata'; // @peculiar/x509 resolves its parsers through tsyringe, which needs it
import { createHash, randomBytes, X509Certificate, type KeyObject } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import forge from 'node-forge';
import { isIsoCountryCode } from './countries';
import { normalizeSerialHex } from './der';
import { PkiError, type PkiErrorCode } from './errors';
import { generateKeyPair, loadPrivateKey, RSA_MODULUS_BITS } from './keys';
import { derToPem, pemToDer } from './pem';

const DAY_MS = 86_400_000;
const ORGANIZATION = 'Corridor';
/** Certificate signature algorithms accepted from the CA (WebCrypto names, as @peculiar/x509 reports them). */
const ACCEPTED_SIGNATURES: ReadonlySet<string> = new Set([
  'RSASSA-PKCS1-v1_5/SHA-256',
  'RSASSA-PKCS1-v1_5/SHA-384',
  'RSASSA-PKCS1-v1_5/SHA-512',
  'ECDSA/SHA-256',
  'ECDSA/SHA-384',
]);
/** Gateway keys: RSA of at least RSA_MODULUS_BITS (suite 1) or ECDSA P-256 (suite 2). */
const EC_GATEWAY_CURVE = 'prime256v1';

export interface RootCa {
  certPem: string;
  /** Plaintext PKCS#8: keep in memory, store only encrypted (encryptPrivateKey). */
  keyPem: string;
}

/** What a gateway certificate says, once parsed (not yet a statement of trust). */
export interface CertificateInfo {
  country: string;
  commonName: string;
  organization: string | undefined;
  /** Lowercase hex SHA-256 of the DER. */
  fingerprint: string;
  /** Lowercase hex, no leading zero octets. */
  serialHex: string;
  notBefore: Date;
  notAfter: Date;
  isCa: boolean;
  publicKey: KeyObject;
}

/** A certificate that chained to the CA, is in its validity window at the checked time and is not revoked. */
export type VerifiedCertificate = Omit<CertificateInfo, 'isCa' | 'organization'>;

// ---------------------------------------------------------------- DER helpers

export function certificateToDer(certPem: string): Uint8Array {
  return pemToDer(certPem, 'CERTIFICATE', 'CERT_MALFORMED');
}

export function certificateFromDer(der: Uint8Array): string {
  return derToPem(der, 'CERTIFICATE');
}

/** Lowercase hex SHA-256 of the certificate DER. */
export function certificateFingerprint(cert: string | Uint8Array): string {
  if (typeof cert === 'string') {
    const known = pemCache.get(cert);
    if (known) {
      return known.info.fingerprint;
    }
  }
  const der = typeof cert === 'string' ? certificateToDer(cert) : cert;
  return createHash('sha256').update(der).digest('hex');
}

function randomSerialHex(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0] & 0x7f) | 0x01; // positive, 16 octets, no leading zero
  return bytes.toString('hex');
}

function forgePrivateKey(keyPem: string): forge.pki.rsa.PrivateKey {
  try {
    return forge.pki.privateKeyFromPem(
      loadPrivateKey(keyPem).export({ type: 'pkcs8', format: 'pem' }).toString(),
    );
  } catch (error) {
    throw error instanceof PkiError
      ? error
      : new PkiError('KEY_MALFORMED', 'RSA private key expected', { cause: error });
  }
}

function forgeCertificate(der: Uint8Array, code: PkiErrorCode): forge.pki.Certificate {
  try {
    const asn1 = forge.asn1.fromDer(Buffer.from(der).toString('latin1'), true);
    return forge.pki.certificateFromAsn1(asn1, true);
  } catch (error) {
    throw new PkiError(code, 'certificate could not be parsed (suite 1 needs RSA keys)', { cause: error });
  }
}

interface KeyUsageExtension {
  digitalSignature?: boolean;
  keyEncipherment?: boolean;
  keyCertSign?: boolean;
  cRLSign?: boolean;
}
interface KeyIdentifierExtension {
  subjectKeyIdentifier?: string;
  value?: string;
}

function extension<T>(cert: forge.pki.Certificate, name: string): T | undefined {
  return cert.getExtension(name) as T | undefined;
}

/** Hex of the subjectKeyIdentifier extension, if any. */
function subjectKeyIdentifierHex(cert: forge.pki.Certificate): string | undefined {
  return extension<KeyIdentifierExtension>(cert, 'subjectKeyIdentifier')?.subjectKeyIdentifier?.toLowerCase();
}

// ---------------------------------------------------------------- parsing with a small cache

const MAX_CACHE_ENTRIES = 1024;
/** What verification needs beyond CertificateInfo, read the same way for RSA and EC certificates. */
interface Extensions {
  keyUsage: number; // x509.KeyUsageFlags bits; 0 without the extension
  subjectKeyIdHex: string | undefined;
  authorityKeyIdHex: string | undefined;
  signatureAlgorithm: string; // e.g. ECDSA/SHA-256
}
type Parsed = { info: CertificateInfo; ext: Extensions; x509: X509Certificate };
const infoCache = new Map<string, Parsed>();
/**
 * The same entries by their exact PEM text: a gateway passes the same few PEM strings for every envelope, and
 * decoding base64 plus hashing the DER on each call was most of what a cache hit by fingerprint cost.
 */
const pemCache = new Map<string, Parsed>();

function remember<K, V>(cache: Map<K, V>, key: K, value: V): void {
  if (cache.size >= MAX_CACHE_ENTRIES) {
    const oldest = cache.keys().next();
    if (!oldest.done) {
      cache.delete(oldest.value);
    }
  }
  cache.set(key, value);
}

function parseCertificate(certPem: string | Uint8Array, code: PkiErrorCode = 'CERT_MALFORMED'): Parsed {
  if (typeof certPem === 'string') {
    const known = pemCache.get(certPem);
    if (known) {
      return known;
    }
  }
  const der = typeof certPem === 'string' ? pemToDer(certPem, 'CERTIFICATE', code) : certPem;
  const fingerprint = certificateFingerprint(der);
  const cached = infoCache.get(fingerprint);
  if (cached) {
    if (typeof certPem === 'string') {
      remember(pemCache, certPem, cached);
    }
    return cached;
  }
  let parsed: x509.X509Certificate;
  let node: X509Certificate;
  try {
    parsed = new x509.X509Certificate(der);
    node = new X509Certificate(der);
  } catch (error) {
    throw new PkiError(code, 'certificate could not be parsed', { cause: error });
  }
  const field = (name: string) => parsed.subjectName.getField(name)[0];
  const signature = parsed.signatureAlgorithm as { name: string; hash?: { name: string } };
  const ext: Extensions = {
    keyUsage: parsed.getExtension(x509.KeyUsagesExtension)?.usages ?? 0,
    subjectKeyIdHex: parsed.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId.toLowerCase(),
    authorityKeyIdHex: parsed.getExtension(x509.AuthorityKeyIdentifierExtension)?.keyId?.toLowerCase(),
    signatureAlgorithm: `${signature.name}/${signature.hash?.name ?? ''}`,
  };
  const info: CertificateInfo = {
    country: field('C') ?? '',
    commonName: field('CN') ?? '',
    organization: field('O'),
    fingerprint,
    serialHex: normalizeSerialHex(parsed.serialNumber),
    notBefore: parsed.notBefore,
    notAfter: parsed.notAfter,
    isCa: parsed.getExtension(x509.BasicConstraintsExtension)?.ca === true,
    publicKey: node.publicKey,
  };
  const entry = { info, ext, x509: node };
  remember(infoCache, fingerprint, entry);
  if (typeof certPem === 'string') {
    remember(pemCache, certPem, entry);
  }
  return entry;
}

/** Parses a certificate (PEM or DER) without any trust decision. Throws CERT_MALFORMED. */
export function describeCertificate(cert: string | Uint8Array): CertificateInfo {
  return { ...parseCertificate(cert).info };
}

// ---------------------------------------------------------------- issuing

function gatewayCommonName(country: string): string {
  return `gateway.${country.toLowerCase()}`;
}

function validityWindow(
  notBefore: Date | undefined,
  validityDays: number,
): { notBefore: Date; notAfter: Date } {
  if (!Number.isFinite(validityDays) || validityDays <= 0) {
    throw new PkiError('INVALID_ARGUMENT', 'validityDays must be a positive number');
  }
  const start = new Date(Math.floor((notBefore ?? new Date()).getTime() / 1000) * 1000);
  return { notBefore: start, notAfter: new Date(start.getTime() + validityDays * DAY_MS) };
}

/** Regional root CA of the secretariat: RSA-3072, self-signed with SHA-256. */
export function createRootCa(options: {
  commonName: string;
  validityDays: number;
  notBefore?: Date;
}): RootCa {
  if (!options.commonName) {
    throw new PkiError('INVALID_ARGUMENT', 'commonName is required');
  }
  const keys = generateKeyPair();
  const privateKey = forgePrivateKey(keys.privateKeyPem);
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(keys.publicKeyPem);
  cert.serialNumber = randomSerialHex();
  const window = validityWindow(options.notBefore, options.validityDays);
  cert.validity.notBefore = window.notBefore;
  cert.validity.notAfter = window.notAfter;
  const subject = [
    { shortName: 'O', value: ORGANIZATION },
    { shortName: 'CN', value: options.commonName },
  ];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: 'basicConstraints', critical: true, cA: true, pathLenConstraint: 0 },
    { name: 'keyUsage', critical: true, keyCertSign: true, cRLSign: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(privateKey, forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem: keys.privateKeyPem };
}

/** PKCS#10 request of a national gateway: C=<cc>, O=Corridor, CN=gateway.<cc>. */
export function createCsr(options: { country: string; privateKeyPem: string; publicKeyPem: string }): string {
  if (!isIsoCountryCode(options.country)) {
    throw new PkiError('INVALID_COUNTRY', 'country must be an upper-case ISO 3166-1 alpha-2 code');
  }
  const csr = forge.pki.createCertificationRequest();
  try {
    csr.publicKey = forge.pki.publicKeyFromPem(options.publicKeyPem);
  } catch (error) {
    throw new PkiError('KEY_MALFORMED', 'RSA public key expected', { cause: error });
  }
  const privateKey = forgePrivateKey(options.privateKeyPem);
  if (privateKey.n.compareTo(csr.publicKey.n) !== 0) {
    throw new PkiError('KEY_MISMATCH', 'public and private key do not belong together');
  }
  csr.setSubject([
    { shortName: 'C', value: options.country },
    { shortName: 'O', value: ORGANIZATION },
    { shortName: 'CN', value: gatewayCommonName(options.country) },
  ]);
  csr.sign(privateKey, forge.md.sha256.create());
  return forge.pki.certificationRequestToPem(csr);
}

/** An RSA CA for node-forge issuance (suite 1 certificates, Kafka certificates, CRLs). */
function loadCa(caCertPem: string, caKeyPem: string) {
  const parsed = parseCertificate(caCertPem, 'CERT_UNTRUSTED');
  const ca = { ...parsed, cert: forgeCertificate(certificateToDer(caCertPem), 'CERT_UNTRUSTED') };
  const caKey = forgePrivateKey(caKeyPem);
  if (caKey.n.compareTo((ca.cert.publicKey as forge.pki.rsa.PublicKey).n) !== 0) {
    throw new PkiError('KEY_MISMATCH', 'CA key does not belong to the CA certificate');
  }
  const keyUsage = extension<KeyUsageExtension>(ca.cert, 'keyUsage');
  if (!ca.info.isCa || !keyUsage?.keyCertSign) {
    throw new PkiError('CERT_WRONG_USAGE', 'issuer certificate is not a CA');
  }
  const ski = subjectKeyIdentifierHex(ca.cert);
  if (!ski) {
    throw new PkiError('CERT_MALFORMED', 'CA certificate has no subjectKeyIdentifier');
  }
  return { ca, caKey, ski };
}

/** What the regional CA needs to issue a gateway certificate from its CSR, whichever the root's key type. */
export interface GatewayCertificateOptions {
  csrPem: string;
  caCertPem: string;
  caKeyPem: string;
  validityDays: number;
  serial?: string;
  notBefore?: Date;
}

/**
 * Issues a gateway certificate from a CSR: checks the CSR signature and subject, copies the subject only
 * (never requested extensions), and sets the usages a gateway needs for envelopes and mTLS.
 */
export function issueGatewayCertificate(options: GatewayCertificateOptions): string {
  let csr: forge.pki.CertificateSigningRequest;
  try {
    csr = forge.pki.certificationRequestFromPem(options.csrPem, true);
  } catch (error) {
    throw new PkiError('CSR_INVALID', 'CSR could not be parsed (RSA keys only)', { cause: error });
  }
  let signatureOk = false;
  try {
    signatureOk = csr.verify();
  } catch (error) {
    throw new PkiError('CSR_INVALID', 'CSR signature could not be checked', { cause: error });
  }
  if (!signatureOk) {
    throw new PkiError('CSR_INVALID', 'CSR signature does not verify');
  }
  const country = (csr.subject.getField('C') as { value?: unknown } | null)?.value;
  const commonName = (csr.subject.getField('CN') as { value?: unknown } | null)?.value;
  if (typeof country !== 'string' || !isIsoCountryCode(country)) {
    throw new PkiError('INVALID_COUNTRY', 'CSR subject C must be an ISO 3166-1 alpha-2 code');
  }
  if (commonName !== gatewayCommonName(country)) {
    throw new PkiError('CSR_INVALID', 'CSR subject CN must be gateway.<country>');
  }
  const publicKey = csr.publicKey as forge.pki.rsa.PublicKey | null;
  if (!publicKey || publicKey.n.bitLength() < RSA_MODULUS_BITS) {
    throw new PkiError('CSR_INVALID', `CSR key must be RSA of at least ${RSA_MODULUS_BITS} bits`);
  }

  const { ca, caKey, ski } = loadCa(options.caCertPem, options.caKeyPem);
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKey;
  cert.serialNumber = options.serial === undefined ? randomSerialHex() : positiveSerial(options.serial);
  const window = validityWindow(options.notBefore, options.validityDays);
  cert.validity.notBefore = window.notBefore;
  // A certificate never outlives its issuer.
  cert.validity.notAfter = window.notAfter > ca.info.notAfter ? ca.info.notAfter : window.notAfter;
  cert.setSubject([
    { shortName: 'C', value: country },
    { shortName: 'O', value: ORGANIZATION },
    { shortName: 'CN', value: commonName },
  ]);
  cert.setIssuer(ca.cert.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', critical: true, cA: false },
    { name: 'keyUsage', critical: true, digitalSignature: true, keyEncipherment: true },
    { name: 'extKeyUsage', clientAuth: true, serverAuth: true },
    { name: 'subjectAltName', altNames: [{ type: 2, value: commonName }] },
    { name: 'subjectKeyIdentifier' },
    { name: 'authorityKeyIdentifier', keyIdentifier: forge.util.hexToBytes(ski) },
  ]);
  cert.sign(caKey, forge.md.sha256.create());
  return forge.pki.certificateToPem(cert);
}

function positiveSerial(serial: string): string {
  const hex = normalizeSerialHex(serial);
  if (/^0+$/.test(hex)) {
    throw new PkiError('INVALID_ARGUMENT', 'serial must be a positive integer');
  }
  return Number.parseInt(hex.slice(0, 1), 16) >= 8 ? `00${hex}` : hex;
}

// ---------------------------------------------------------------- verification

interface StructuralResult {
  info: CertificateInfo;
  ca: CertificateInfo;
}
const structuralCache = new Map<string, StructuralResult>();

// Checks that do not depend on time or revocation: cached per (certificate, CA) pair.
function verifyStructure(certPem: string | Uint8Array, caCertPem: string): StructuralResult {
  const leaf = parseCertificate(certPem);
  const ca = parseCertificate(caCertPem, 'CERT_UNTRUSTED');
  const key = `${leaf.info.fingerprint}:${ca.info.fingerprint}`;
  const cached = structuralCache.get(key);
  if (cached) {
    return cached;
  }
  if (!ca.info.isCa || (ca.ext.keyUsage & x509.KeyUsageFlags.keyCertSign) === 0) {
    throw new PkiError('CERT_UNTRUSTED', 'trust anchor is not a CA certificate');
  }
  if (!leaf.x509.checkIssued(ca.x509)) {
    throw new PkiError('CERT_UNTRUSTED', 'certificate was not issued by this CA');
  }
  if (!ACCEPTED_SIGNATURES.has(leaf.ext.signatureAlgorithm)) {
    throw new PkiError('CERT_UNTRUSTED', 'certificate signature algorithm is not accepted');
  }
  let signatureOk = false;
  try {
    signatureOk = leaf.x509.verify(ca.info.publicKey);
  } catch {
    signatureOk = false;
  }
  if (!signatureOk) {
    throw new PkiError('CERT_UNTRUSTED', 'certificate signature does not verify with the CA key');
  }
  const authorityKeyId = leaf.ext.authorityKeyIdHex;
  if (authorityKeyId !== undefined && authorityKeyId !== ca.ext.subjectKeyIdHex) {
    throw new PkiError('CERT_UNTRUSTED', 'authorityKeyIdentifier does not match the CA');
  }
  if (leaf.info.isCa) {
    throw new PkiError('CERT_WRONG_USAGE', 'a CA certificate cannot be a gateway certificate');
  }
  checkGatewayKey(leaf);
  if (!isIsoCountryCode(leaf.info.country)) {
    throw new PkiError('CERT_MALFORMED', 'certificate subject has no ISO 3166-1 alpha-2 country');
  }
  const result = { info: leaf.info, ca: ca.info };
  remember(structuralCache, key, result);
  return result;
}

/**
 * Verifies a gateway certificate against the regional root: issuer and signature, usage, validity at `at`,
 * and revocation. Throws PkiError (CERT_*) on any failure.
 */
export function verifyCertificateChain(options: {
  certPem: string | Uint8Array;
  caCertPem: string;
  revokedSerials: ReadonlySet<string>;
  at: Date;
}): VerifiedCertificate {
  const { info, ca } = verifyStructure(options.certPem, options.caCertPem);
  const at = options.at.getTime();
  if (Number.isNaN(at)) {
    throw new PkiError('INVALID_ARGUMENT', 'at must be a valid date');
  }
  for (const [cert, what] of [
    [info, 'certificate'],
    [ca, 'CA certificate'],
  ] as const) {
    if (at < cert.notBefore.getTime()) {
      throw new PkiError('CERT_NOT_YET_VALID', `${what} is not valid yet`);
    }
    if (at > cert.notAfter.getTime()) {
      throw new PkiError('CERT_EXPIRED', `${what} has expired`);
    }
  }
  if (options.revokedSerials.has(info.serialHex)) {
    throw new PkiError('CERT_REVOKED', 'certificate has been revoked');
  }
  return {
    country: info.country,
    commonName: info.commonName,
    fingerprint: info.fingerprint,
    serialHex: info.serialHex,
    notBefore: new Date(info.notBefore),
    notAfter: new Date(info.notAfter),
    publicKey: info.publicKey,
  };
}

/**
 * A gateway key is RSA (at least RSA_MODULUS_BITS; usages digitalSignature and keyEncipherment: suite 1 wraps keys
 * to it) or ECDSA P-256 (usage digitalSignature: suite 2 only signs with it).
 */
function checkGatewayKey(leaf: Parsed): void {
  const { publicKey } = leaf.info;
  const signs = (leaf.ext.keyUsage & x509.KeyUsageFlags.digitalSignature) !== 0;
  if (publicKey.asymmetricKeyType === 'rsa') {
    if (!signs || (leaf.ext.keyUsage & x509.KeyUsageFlags.keyEncipherment) === 0) {
      throw new PkiError('CERT_WRONG_USAGE', 'certificate lacks digitalSignature and keyEncipherment');
    }
    if ((publicKey.asymmetricKeyDetails?.modulusLength ?? 0) < RSA_MODULUS_BITS) {
      throw new PkiError('CERT_WRONG_USAGE', `certificate key is shorter than ${RSA_MODULUS_BITS} bits`);
    }
  } else if (publicKey.asymmetricKeyType === 'ec') {
    if (publicKey.asymmetricKeyDetails?.namedCurve !== EC_GATEWAY_CURVE) {
      throw new PkiError('CERT_WRONG_USAGE', 'an EC gateway certificate must have a P-256 key');
    }
    if (!signs) {
      throw new PkiError('CERT_WRONG_USAGE', 'certificate lacks digitalSignature');
    }
  } else {
    throw new PkiError('CERT_WRONG_USAGE', 'a gateway key must be RSA or ECDSA P-256');
  }
}

/** Raw subject Name and subjectKeyIdentifier of a CA certificate, for CRLs it signs. */
export function caIssuerIdentity(caCertPem: string): { subjectKeyIdentifierHex: string | undefined } {
  return { subjectKeyIdentifierHex: parseCertificate(caCertPem, 'CERT_UNTRUSTED').ext.subjectKeyIdHex };
}

export { loadCa };
