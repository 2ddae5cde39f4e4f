// ECDSA P-256 regional root and gateway certificates (suite 2), issued from PKCS#10 requests with @peculiar/x509 over
// node's WebCrypto. node-forge cannot read EC keys; it keeps suite 1 (RSA) and PKCS#12.
import 'reflect-metadata';
import { createPublicKey, generateKeyPairSync, randomBytes, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { describeCertificate, type GatewayCertificateOptions } from './certificates';
import type { RevocationListOptions } from './crl';
import { isIsoCountryCode } from './countries';
import { normalizeSerialHex, positiveIntegerContent } from './der';
import { PkiError } from './errors';
import { loadPrivateKey, type KeyPairPem } from './keys';
import { derToPem } from './pem';

const DAY_MS = 86_400_000;
const ORGANIZATION = 'Corridor';
const ECDSA_P256 = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const crypto = webcrypto as unknown as Crypto;
x509.cryptoProvider.set(crypto);

/** ECDSA P-256 key pair: SPKI public key and plaintext PKCS#8 private key, both PEM (store the private one encrypted). */
export function generateEcKeyPair(): KeyPairPem {
  const { publicKey, privateKey } = generateKeyPairSync('ec', {
    namedCurve: 'P-256',
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  return { publicKeyPem: publicKey, privateKeyPem: privateKey };
}

async function ecKeys(options: { privateKeyPem: string; publicKeyPem?: string }): Promise<CryptoKeyPair> {
  const privateObject = loadPrivateKey(options.privateKeyPem);
  if (privateObject.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new PkiError('KEY_MALFORMED', 'an ECDSA P-256 private key is required');
  }
  const publicObject = createPublicKey(privateObject);
  if (
    options.publicKeyPem !== undefined &&
    !createPublicKey(options.publicKeyPem)
      .export({ type: 'spki', format: 'der' })
      .equals(publicObject.export({ type: 'spki', format: 'der' }))
  ) {
    throw new PkiError('KEY_MISMATCH', 'public and private key do not belong together');
  }
  const privateKey = await crypto.subtle.importKey(
    'pkcs8',
    privateObject.export({ type: 'pkcs8', format: 'der' }),
    ECDSA_P256,
    false,
    ['sign'],
  );
  const publicKey = await crypto.subtle.importKey(
    'spki',
    publicObject.export({ type: 'spki', format: 'der' }),
    ECDSA_P256,
    true,
    ['verify'],
  );
  return { privateKey, publicKey };
}

export function validityWindowOf(
  notBefore: Date | undefined,
  validityDays: number,
): { notBefore: Date; notAfter: Date } {
  if (!Number.isFinite(validityDays) || validityDays <= 0) {
    throw new PkiError('INVALID_ARGUMENT', 'validityDays must be a positive number');
  }
  const start = new Date(Math.floor((notBefore ?? new Date()).getTime() / 1000) * 1000);
  return { notBefore: start, notAfter: new Date(start.getTime() + validityDays * DAY_MS) };
}

export function randomSerialHex(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0] & 0x7f) | 0x01;
  return bytes.toString('hex');
}

/** Quotes a value for an X.500 name string (RFC 4514). */
function rdn(value: string): string {
  return value.replace(/([,+"\\<>;=#])/g, '\\$1');
}

/** Regional root CA on ECDSA P-256, self-signed with SHA-256. */
export async function createEcRootCa(options: {
  commonName: string;
  validityDays: number;
  notBefore?: Date;
}): Promise<{ certPem: string; keyPem: string }> {
  if (!options.commonName) {
    throw new PkiError('INVALID_ARGUMENT', 'commonName is required');
  }
  const keyPair = generateEcKeyPair();
  const keys = await ecKeys(keyPair);
  const validity = validityWindowOf(options.notBefore, options.validityDays);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerialHex(),
    name: `O=${ORGANIZATION}, CN=${rdn(options.commonName)}`,
    notBefore: validity.notBefore,
    notAfter: validity.notAfter,
    signingAlgorithm: ECDSA_P256,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { certPem: cert.toString('pem'), keyPem: keyPair.privateKeyPem };
}

function gatewayCommonName(country: string): string {
  return `gateway.${country.toLowerCase()}`;
}

/** PKCS#10 request of a national gateway on P-256: C=<cc>, O=Corridor, CN=gateway.<cc>. */
export async function createEcCsr(options: {
  country: string;
  privateKeyPem: string;
  publicKeyPem: string;
}): Promise<string> {
  if (!isIsoCountryCode(options.country)) {
    throw new PkiError('INVALID_COUNTRY', 'country must be an upper-case ISO 3166-1 alpha-2 code');
  }
  const keys = await ecKeys(options);
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: `C=${options.country}, O=${ORGANIZATION}, CN=${gatewayCommonName(options.country)}`,
    keys,
    signingAlgorithm: ECDSA_P256,
  });
  return csr.toString('pem');
}

/**
 * A gateway CSR whose signature verifies and whose subject is C=<ISO country>, CN=gateway.<country>; its key type is
 * the issuer's to check (P-256 for suite 2, RSA for suite 1).
 */
export async function verifiedGatewayCsr(
  csrPem: string,
): Promise<{ csr: x509.Pkcs10CertificateRequest; country: string; commonName: string }> {
  let csr: x509.Pkcs10CertificateRequest;
  try {
    csr = new x509.Pkcs10CertificateRequest(csrPem);
  } catch (error) {
    throw new PkiError('CSR_INVALID', 'CSR could not be parsed', { cause: error });
  }
  let signatureOk = false;
  try {
    signatureOk = await csr.verify();
  } catch (error) {
    throw new PkiError('CSR_INVALID', 'CSR signature could not be checked', { cause: error });
  }
  if (!signatureOk) {
    throw new PkiError('CSR_INVALID', 'CSR signature does not verify');
  }
  const country = csr.subjectName.getField('C')[0];
  const commonName = csr.subjectName.getField('CN')[0];
  if (typeof country !== 'string' || !isIsoCountryCode(country)) {
    throw new PkiError('INVALID_COUNTRY', 'CSR subject C must be an ISO 3166-1 alpha-2 code');
  }
  if (commonName !== gatewayCommonName(country)) {
    throw new PkiError('CSR_INVALID', 'CSR subject CN must be gateway.<country>');
  }
  return { csr, country, commonName };
}

/**
 * Issues a P-256 gateway certificate from a CSR with the regional root (EC, or the RSA root of a suite-1 network): checks the CSR signature, subject and key,
 * copies the subject only (never requested extensions), usages digitalSignature (envelopes, epoch keys, TLS).
 */
export async function issueEcGatewayCertificate(options: GatewayCertificateOptions): Promise<string> {
  const { csr, country, commonName } = await verifiedGatewayCsr(options.csrPem);
  const requestKey = createPublicKey({
    key: Buffer.from(csr.publicKey.rawData),
    format: 'der',
    type: 'spki',
  });
  if (requestKey.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new PkiError('CSR_INVALID', 'CSR key must be ECDSA P-256');
  }
  return issueLeafCertificate({
    ...options,
    subject: `C=${country}, O=${ORGANIZATION}, CN=${commonName}`,
    publicKey: csr.publicKey,
    usages: x509.KeyUsageFlags.digitalSignature,
    extendedUsages: [x509.ExtendedKeyUsage.clientAuth, x509.ExtendedKeyUsage.serverAuth],
    altNames: [{ type: 'dns', value: commonName }],
  });
}

/**
 * An end-entity certificate signed with @peculiar/x509 by the regional root (EC, or RSA): checks that the issuer is a
 * CA whose key is the one given, caps the validity at the issuer's, and names the issuer's key (its
 * subjectKeyIdentifier, or one derived from its public key where an older root has none).
 */
export async function issueLeafCertificate(options: {
  caCertPem: string;
  caKeyPem: string;
  validityDays: number;
  serial?: string;
  notBefore?: Date;
  subject: string;
  publicKey: x509.PublicKey;
  usages: x509.KeyUsageFlags;
  extendedUsages: string[];
  altNames: x509.JsonGeneralName[];
}): Promise<string> {
  const ca = describeCertificate(options.caCertPem);
  const caCert = new x509.X509Certificate(options.caCertPem);
  const caKeyUsage = caCert.getExtension(x509.KeyUsagesExtension)?.usages ?? 0;
  if (!ca.isCa || (caKeyUsage & x509.KeyUsageFlags.keyCertSign) === 0) {
    throw new PkiError('CERT_WRONG_USAGE', 'issuer certificate is not a CA');
  }
  if (
    !createPublicKey(options.caKeyPem)
      .export({ type: 'spki', format: 'der' })
      .equals(ca.publicKey.export({ type: 'spki', format: 'der' }))
  ) {
    throw new PkiError('KEY_MISMATCH', 'CA key does not belong to the CA certificate');
  }
  const issuer = await issuerKey(options.caKeyPem);
  const caKeyId = caCert.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId;
  const validity = validityWindowOf(options.notBefore, options.validityDays);
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: options.serial === undefined ? randomSerialHex() : positiveSerial(options.serial),
    subject: options.subject,
    issuer: caCert.subjectName,
    notBefore: validity.notBefore,
    // A certificate never outlives its issuer.
    notAfter: validity.notAfter > ca.notAfter ? ca.notAfter : validity.notAfter,
    signingAlgorithm: issuer.algorithm,
    publicKey: options.publicKey,
    signingKey: issuer.privateKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(options.usages, true),
      new x509.ExtendedKeyUsageExtension(options.extendedUsages),
      ...(options.altNames.length ? [new x509.SubjectAlternativeNameExtension(options.altNames)] : []),
      await x509.SubjectKeyIdentifierExtension.create(options.publicKey),
      caKeyId === undefined
        ? await x509.AuthorityKeyIdentifierExtension.create(await issuer.publicKey())
        : new x509.AuthorityKeyIdentifierExtension(caKeyId),
    ],
  });
  return cert.toString('pem');
}

/**
 * The issuing key: an EC root signs with ECDSA P-256; the RSA regional root of a suite-1 network signs with
 * RSASSA-PKCS1-v1_5 SHA-256 (as node-forge does), so one root and one CRL serve both suites.
 */
export async function issuerKey(
  caKeyPem: string,
): Promise<{ algorithm: Algorithm; privateKey: CryptoKey; publicKey: () => Promise<CryptoKey> }> {
  const key = loadPrivateKey(caKeyPem);
  if (key.asymmetricKeyType === 'rsa') {
    const algorithm = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
    const privateKey = await crypto.subtle.importKey(
      'pkcs8',
      key.export({ type: 'pkcs8', format: 'der' }),
      algorithm,
      false,
      ['sign'],
    );
    const publicKey = () =>
      crypto.subtle.importKey(
        'spki',
        createPublicKey(key).export({ type: 'spki', format: 'der' }),
        algorithm,
        true,
        ['verify'],
      );
    return { algorithm, privateKey, publicKey };
  }
  const keys = await ecKeys({ privateKeyPem: caKeyPem });
  return {
    algorithm: ECDSA_P256,
    privateKey: keys.privateKey,
    publicKey: () => Promise.resolve(keys.publicKey),
  };
}

export function positiveSerial(serial: string): string {
  const hex = normalizeSerialHex(serial);
  if (/^0+$/.test(hex)) {
    throw new PkiError('INVALID_ARGUMENT', 'serial must be a positive integer');
  }
  return Number.parseInt(hex.slice(0, 1), 16) >= 8 ? `00${hex}` : hex;
}

/**
 * An X.509 v2 CRL signed by an EC regional root (ecdsa-with-SHA256), with cRLNumber and authorityKeyIdentifier as
 * the RSA root's CRLs have; read back with parseRevocationList. Returns "X509 CRL" PEM.
 */
export async function createEcRevocationList(options: RevocationListOptions): Promise<string> {
  const crlNumber = BigInt(options.crlNumber);
  if (crlNumber < 0n) {
    throw new PkiError('INVALID_ARGUMENT', 'crlNumber must be a non-negative integer');
  }
  if (!(options.nextUpdate.getTime() > options.thisUpdate.getTime())) {
    throw new PkiError('INVALID_ARGUMENT', 'nextUpdate must be after thisUpdate');
  }
  const caCert = new x509.X509Certificate(options.caCertPem);
  const caKeys = await ecKeys({ privateKeyPem: options.caKeyPem });
  if (
    !createPublicKey(options.caKeyPem)
      .export({ type: 'spki', format: 'der' })
      .equals(describeCertificate(options.caCertPem).publicKey.export({ type: 'spki', format: 'der' }))
  ) {
    throw new PkiError('KEY_MISMATCH', 'CA key does not belong to the CA certificate');
  }
  const content = Buffer.from(positiveIntegerContent(crlNumber.toString(16)));
  const crlNumberDer = Buffer.concat([Buffer.from([0x02, content.length]), content]);
  const crl = await x509.X509CrlGenerator.create({
    issuer: caCert.subjectName,
    thisUpdate: options.thisUpdate,
    nextUpdate: options.nextUpdate,
    signingAlgorithm: ECDSA_P256,
    signingKey: caKeys.privateKey,
    entries: options.revoked.map((entry) => ({
      serialNumber: positiveSerial(entry.serialHex),
      revocationDate: entry.revokedAt,
    })),
    extensions: [
      new x509.Extension('2.5.29.20', false, crlNumberDer),
      await x509.AuthorityKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });
  return derToPem(new Uint8Array(crl.rawData), 'X509 CRL');
}
