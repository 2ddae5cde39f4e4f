// The regional root on either key type: RSA-3072 (the default, node-forge, as suite-1 networks have it) or ECDSA
// P-256 (@peculiar/x509). Everything the root signs goes through here, so an EC root issues the RSA certificates a
// network still needs (suite-1 signing, Kafka transport) and signs the CRL with ecdsa-with-SHA256.
import 'reflect-metadata';
import { createPublicKey } from 'node:crypto';
import { isIP } from 'node:net';
import * as x509 from '@peculiar/x509';
import {
  createRootCa,
  describeCertificate,
  issueGatewayCertificate,
  type GatewayCertificateOptions,
  type RootCa,
} from './certificates';
import { createRevocationList, type RevocationListOptions } from './crl';
import {
  createEcRevocationList,
  createEcRootCa,
  issueLeafCertificate,
  verifiedGatewayCsr,
} from './ec-certificates';
import { PkiError } from './errors';
import {
  checkedTransportRequest,
  issueKafkaCertificate,
  KAFKA_OU,
  type TransportCertificateOptions,
} from './kafka-certificates';
import { loadPrivateKey, RSA_MODULUS_BITS } from './keys';

export type RootKeyType = 'rsa' | 'ec';
export const ROOT_KEY_TYPES: readonly RootKeyType[] = ['rsa', 'ec'];
const ORGANIZATION = 'Corridor';

/** The key type of a regional root, from its private key (PEM) or its certificate. */
export function rootKeyType(options: { caKeyPem: string } | { caCertPem: string }): RootKeyType {
  const key =
    'caKeyPem' in options
      ? loadPrivateKey(options.caKeyPem)
      : describeCertificate(options.caCertPem).publicKey;
  if (key.asymmetricKeyType === 'rsa') {
    return 'rsa';
  }
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') {
    return 'ec';
  }
  throw new PkiError('KEY_MALFORMED', 'a regional root is RSA or ECDSA P-256');
}

/** A new self-signed regional root: RSA-3072 or ECDSA P-256, both signing with SHA-256. */
export async function createRegionalRoot(options: {
  keyType: RootKeyType;
  commonName: string;
  validityDays: number;
  notBefore?: Date;
}): Promise<RootCa> {
  switch (options.keyType) {
    case 'rsa':
      return createRootCa(options);
    case 'ec':
      return createEcRootCa(options);
  }
}

/** A CRL signed by the root, whichever its key type (sha256WithRSAEncryption or ecdsa-with-SHA256). */
export async function signRevocationList(options: RevocationListOptions): Promise<string> {
  return rootKeyType(options) === 'ec' ? createEcRevocationList(options) : createRevocationList(options);
}

/**
 * A gateway's RSA signing certificate (suite 1) from its CSR. An RSA root issues it with node-forge as before; an
 * EC root with @peculiar/x509, with the same checks (CSR signature, subject C and CN=gateway.<cc>, RSA >= 3072) and
 * the same extensions.
 */
export async function issueRsaGatewayCertificate(options: GatewayCertificateOptions): Promise<string> {
  if (rootKeyType(options) === 'rsa') {
    return issueGatewayCertificate(options);
  }
  const { csr, country, commonName } = await verifiedGatewayCsr(options.csrPem);
  requireRsaKey(Buffer.from(csr.publicKey.rawData), 'CSR_INVALID');
  return issueLeafCertificate({
    ...options,
    subject: `C=${country}, O=${ORGANIZATION}, CN=${commonName}`,
    publicKey: csr.publicKey,
    usages: x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment,
    extendedUsages: [x509.ExtendedKeyUsage.clientAuth, x509.ExtendedKeyUsage.serverAuth],
    altNames: [{ type: 'dns', value: commonName }],
  });
}

/**
 * A Kafka transport certificate (subject CN=<principal>,OU=Kafka,O=Corridor[,C=<cc>] in the order the broker's
 * principal mapping expects) for an RSA public key, from either root.
 */
export async function issueTransportCertificate(options: TransportCertificateOptions): Promise<string> {
  if (rootKeyType(options) === 'rsa') {
    return issueKafkaCertificate(options);
  }
  const hosts = checkedTransportRequest(options);
  const spki = createPublicKey(options.publicKeyPem).export({ type: 'spki', format: 'der' });
  requireRsaKey(spki, 'KEY_MALFORMED');
  return issueLeafCertificate({
    ...options,
    subject: `${options.country ? `C=${options.country}, ` : ''}O=${ORGANIZATION}, OU=${KAFKA_OU}, CN=${options.principal}`,
    publicKey: new x509.PublicKey(spki),
    usages: x509.KeyUsageFlags.digitalSignature,
    extendedUsages:
      options.role === 'broker'
        ? [x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]
        : [x509.ExtendedKeyUsage.clientAuth],
    altNames: hosts.map((h) =>
      isIP(h) ? { type: 'ip' as const, value: h } : { type: 'dns' as const, value: h },
    ),
  });
}

function requireRsaKey(spkiDer: Buffer, code: 'CSR_INVALID' | 'KEY_MALFORMED'): void {
  const key = createPublicKey({ key: spkiDer, format: 'der', type: 'spki' });
  if (key.asymmetricKeyType !== 'rsa' || (key.asymmetricKeyDetails?.modulusLength ?? 0) < RSA_MODULUS_BITS) {
    throw new PkiError(code, `the key must be RSA of at least ${RSA_MODULUS_BITS} bits`);
  }
}
