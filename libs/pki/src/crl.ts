// X.509 v2 CRLs (RFC 5280 §5). node-forge has no CRL support: built here with forge.asn1, read with der.ts.
import { verify as verifySignature } from 'node:crypto';
import forge from 'node-forge';
import { caIssuerIdentity, certificateToDer, describeCertificate, loadCa } from './certificates';
import {
  bytesToHex,
  decodeDerTime,
  decodeOid,
  DER_TAG,
  derChildren,
  expectTag,
  normalizeSerialHex,
  positiveIntegerContent,
  readDerRoot,
  type DerNode,
} from './der';
import { PkiError } from './errors';
import { derToPem, pemToDer } from './pem';

const OID = {
  sha256WithRSAEncryption: '1.2.840.113549.1.1.11',
  ecdsaWithSHA256: '1.2.840.10045.4.3.2',
  cRLNumber: '2.5.29.20',
  authorityKeyIdentifier: '2.5.29.35',
  reasonCode: '2.5.29.21',
  invalidityDate: '2.5.29.24',
} as const;

export interface RevokedCertificateEntry {
  serialHex: string;
  revokedAt: Date;
}

export interface RevocationList {
  /** Lowercase hex serials, as CertificateInfo.serialHex. */
  revokedSerials: Set<string>;
  revoked: RevokedCertificateEntry[];
  thisUpdate: Date;
  nextUpdate: Date | undefined;
  crlNumber: bigint;
}

const { asn1 } = forge;
const UNIVERSAL = asn1.Class.UNIVERSAL;
const T = asn1.Type;

function seq(items: forge.asn1.Asn1[]): forge.asn1.Asn1 {
  return asn1.create(UNIVERSAL, T.SEQUENCE, true, items);
}
function oid(value: string): forge.asn1.Asn1 {
  return asn1.create(UNIVERSAL, T.OID, false, asn1.oidToDer(value).getBytes());
}
function integerFromHex(hex: string): forge.asn1.Asn1 {
  return asn1.create(
    UNIVERSAL,
    T.INTEGER,
    false,
    Buffer.from(positiveIntegerContent(hex)).toString('latin1'),
  );
}
function octets(bytes: string): forge.asn1.Asn1 {
  return asn1.create(UNIVERSAL, T.OCTETSTRING, false, bytes);
}
// RFC 5280: UTCTime through 2049, GeneralizedTime from 2050; whole seconds, Zulu.
function time(date: Date): forge.asn1.Asn1 {
  const seconds = new Date(Math.floor(date.getTime() / 1000) * 1000);
  const year = seconds.getUTCFullYear();
  return year >= 1950 && year < 2050
    ? asn1.create(UNIVERSAL, T.UTCTIME, false, asn1.dateToUtcTime(seconds))
    : asn1.create(UNIVERSAL, T.GENERALIZEDTIME, false, asn1.dateToGeneralizedTime(seconds));
}
function sha256WithRsaAlgorithm(): forge.asn1.Asn1 {
  return seq([oid(OID.sha256WithRSAEncryption), asn1.create(UNIVERSAL, T.NULL, false, '')]);
}
function toBinaryString(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}

/** Exact subject Name TLV of a certificate (the CRL issuer must match it byte for byte). */
function certificateSubjectDer(certDer: Uint8Array): Uint8Array {
  const certificate = readDerRoot(certDer, 'CERT_MALFORMED');
  const tbs = expectTag(
    derChildren(certificate, 'CERT_MALFORMED')[0],
    DER_TAG.SEQUENCE,
    'tbsCertificate',
    'CERT_MALFORMED',
  );
  const fields = derChildren(tbs, 'CERT_MALFORMED');
  const offset = fields[0]?.tag === DER_TAG.CONTEXT_0_CONSTRUCTED ? 1 : 0;
  return expectTag(fields[offset + 4], DER_TAG.SEQUENCE, 'subject', 'CERT_MALFORMED').raw;
}

function bigintHex(value: bigint): string {
  const hex = value.toString(16);
  return hex.length % 2 === 1 ? `0${hex}` : hex;
}

/** What a CRL says and who signs it, whichever the root's key type. */
export interface RevocationListOptions {
  caCertPem: string;
  caKeyPem: string;
  revoked: ReadonlyArray<{ serialHex: string; revokedAt: Date }>;
  thisUpdate: Date;
  nextUpdate: Date;
  crlNumber: number | bigint;
}

/** Signs an X.509 v2 CRL with the CA key (sha256WithRSAEncryption, PKCS#1 v1.5) and returns "X509 CRL" PEM. */
export function createRevocationList(options: RevocationListOptions): string {
  const crlNumber = BigInt(options.crlNumber);
  if (crlNumber < 0n) {
    throw new PkiError('INVALID_ARGUMENT', 'crlNumber must be a non-negative integer');
  }
  if (!(options.nextUpdate.getTime() > options.thisUpdate.getTime())) {
    throw new PkiError('INVALID_ARGUMENT', 'nextUpdate must be after thisUpdate');
  }
  const { caKey, ski } = loadCa(options.caCertPem, options.caKeyPem);
  const issuer = asn1.fromDer(
    toBinaryString(certificateSubjectDer(certificateToDer(options.caCertPem))),
    true,
  );

  const revokedEntries = options.revoked.map((entry) =>
    seq([integerFromHex(entry.serialHex), time(entry.revokedAt)]),
  );
  const extensions = seq([
    seq([oid(OID.cRLNumber), octets(asn1.toDer(integerFromHex(bigintHex(crlNumber))).getBytes())]),
    seq([
      oid(OID.authorityKeyIdentifier),
      octets(
        asn1
          .toDer(seq([asn1.create(asn1.Class.CONTEXT_SPECIFIC, 0, false, forge.util.hexToBytes(ski))]))
          .getBytes(),
      ),
    ]),
  ]);
  const tbsCertList = seq([
    asn1.create(UNIVERSAL, T.INTEGER, false, asn1.integerToDer(1).getBytes()), // v2
    sha256WithRsaAlgorithm(),
    issuer,
    time(options.thisUpdate),
    time(options.nextUpdate),
    ...(revokedEntries.length > 0 ? [seq(revokedEntries)] : []), // absent, not empty, when nothing is revoked
    asn1.create(asn1.Class.CONTEXT_SPECIFIC, 0, true, [extensions]),
  ]);
  const md = forge.md.sha256.create();
  md.update(asn1.toDer(tbsCertList).getBytes());
  const signature = caKey.sign(md);
  const certificateList = seq([
    tbsCertList,
    sha256WithRsaAlgorithm(),
    asn1.create(UNIVERSAL, T.BITSTRING, false, String.fromCharCode(0) + signature),
  ]);
  return derToPem(Buffer.from(asn1.toDer(certificateList).getBytes(), 'latin1'), 'X509 CRL');
}

function fail(message: string): never {
  throw new PkiError('CRL_MALFORMED', message);
}

function algorithmOid(node: DerNode | undefined): string {
  const algorithm = expectTag(node, DER_TAG.SEQUENCE, 'AlgorithmIdentifier', 'CRL_MALFORMED');
  return decodeOid(
    expectTag(derChildren(algorithm, 'CRL_MALFORMED')[0], DER_TAG.OID, 'algorithm OID', 'CRL_MALFORMED')
      .content,
  );
}

function integerHex(node: DerNode | undefined, what: string): string {
  const integer = expectTag(node, DER_TAG.INTEGER, what, 'CRL_MALFORMED');
  if (integer.content.length === 0 || integer.content[0] & 0x80) {
    fail(`${what} must be a non-negative INTEGER`);
  }
  return normalizeSerialHex(bytesToHex(integer.content));
}

function isTime(node: DerNode | undefined): node is DerNode {
  return node?.tag === DER_TAG.UTC_TIME || node?.tag === DER_TAG.GENERALIZED_TIME;
}

interface Extension {
  oid: string;
  critical: boolean;
  value: Uint8Array;
}

function readExtensions(node: DerNode): Extension[] {
  return derChildren(expectTag(node, DER_TAG.SEQUENCE, 'Extensions', 'CRL_MALFORMED'), 'CRL_MALFORMED').map(
    (ext) => {
      const parts = derChildren(
        expectTag(ext, DER_TAG.SEQUENCE, 'Extension', 'CRL_MALFORMED'),
        'CRL_MALFORMED',
      );
      const id = decodeOid(expectTag(parts[0], DER_TAG.OID, 'extnID', 'CRL_MALFORMED').content);
      const critical = parts[1]?.tag === DER_TAG.BOOLEAN && parts[1].content[0] !== 0;
      const value = expectTag(parts[parts.length - 1], DER_TAG.OCTET_STRING, 'extnValue', 'CRL_MALFORMED');
      return { oid: id, critical, value: value.content };
    },
  );
}

/**
 * Verifies a CRL against the CA (issuer name, authority key id, sha256WithRSAEncryption or, for an EC root,
 * ecdsa-with-SHA256 signature over the exact
 * TBSCertList bytes) and returns its content. Unknown critical extensions are rejected (RFC 5280).
 */
export function parseRevocationList(options: { crlPem: string; caCertPem: string }): RevocationList {
  const der = pemToDer(options.crlPem, 'X509 CRL', 'CRL_MALFORMED');
  const outer = derChildren(readDerRoot(der, 'CRL_MALFORMED'), 'CRL_MALFORMED');
  if (outer.length !== 3) {
    fail('CertificateList must have three fields');
  }
  const tbs = expectTag(outer[0], DER_TAG.SEQUENCE, 'TBSCertList', 'CRL_MALFORMED');
  const outerAlgorithm = algorithmOid(outer[1]);
  const signatureBits = expectTag(outer[2], DER_TAG.BIT_STRING, 'signatureValue', 'CRL_MALFORMED');
  if (signatureBits.content[0] !== 0) {
    fail('signatureValue has unused bits');
  }

  const fields = derChildren(tbs, 'CRL_MALFORMED');
  let index = 0;
  if (fields[index]?.tag === DER_TAG.INTEGER) {
    if (integerHex(fields[index], 'version') !== '01') {
      fail('only X.509 v2 CRLs are accepted');
    }
    index += 1;
  }
  const innerAlgorithm = algorithmOid(fields[index++]);
  // The algorithm the CA's key implies: an RSA root signs sha256WithRSAEncryption, an EC root ecdsa-with-SHA256.
  const expectedAlgorithm =
    describeCertificate(certificateToDer(options.caCertPem)).publicKey.asymmetricKeyType === 'ec'
      ? OID.ecdsaWithSHA256
      : OID.sha256WithRSAEncryption;
  if (innerAlgorithm !== outerAlgorithm || innerAlgorithm !== expectedAlgorithm) {
    throw new PkiError(
      'CRL_BAD_SIGNATURE',
      'CRL must be signed with the CA key type (RSA or ECDSA) and SHA-256',
    );
  }
  const issuer = expectTag(fields[index++], DER_TAG.SEQUENCE, 'issuer', 'CRL_MALFORMED');
  const thisUpdateNode = fields[index++];
  if (!isTime(thisUpdateNode)) {
    fail('thisUpdate missing');
  }
  const thisUpdate = decodeDerTime(thisUpdateNode, 'CRL_MALFORMED');
  let nextUpdate: Date | undefined;
  const maybeNext = fields[index];
  if (isTime(maybeNext)) {
    nextUpdate = decodeDerTime(maybeNext, 'CRL_MALFORMED');
    index += 1;
  }

  const revoked: RevokedCertificateEntry[] = [];
  if (fields[index]?.tag === DER_TAG.SEQUENCE) {
    for (const entry of derChildren(fields[index], 'CRL_MALFORMED')) {
      const parts = derChildren(
        expectTag(entry, DER_TAG.SEQUENCE, 'revoked entry', 'CRL_MALFORMED'),
        'CRL_MALFORMED',
      );
      const revokedAtNode = parts[1];
      if (!isTime(revokedAtNode)) {
        fail('revocationDate missing');
      }
      if (parts[2]) {
        for (const ext of readExtensions(parts[2])) {
          if (ext.critical && ext.oid !== OID.reasonCode && ext.oid !== OID.invalidityDate) {
            fail(`unknown critical CRL entry extension ${ext.oid}`);
          }
        }
      }
      revoked.push({
        serialHex: integerHex(parts[0], 'userCertificate'),
        revokedAt: decodeDerTime(revokedAtNode, 'CRL_MALFORMED'),
      });
    }
    index += 1;
  }

  let crlNumber: bigint | undefined;
  let authorityKeyIdHex: string | undefined;
  if (fields[index]?.tag === DER_TAG.CONTEXT_0_CONSTRUCTED) {
    const wrapped = derChildren(fields[index], 'CRL_MALFORMED');
    for (const ext of readExtensions(wrapped[0])) {
      if (ext.oid === OID.cRLNumber) {
        crlNumber = BigInt(`0x${integerHex(readDerRoot(ext.value, 'CRL_MALFORMED'), 'cRLNumber')}`);
      } else if (ext.oid === OID.authorityKeyIdentifier) {
        const keyId = derChildren(readDerRoot(ext.value, 'CRL_MALFORMED'), 'CRL_MALFORMED').find(
          (node) => node.tag === DER_TAG.CONTEXT_0_PRIMITIVE,
        );
        authorityKeyIdHex = keyId ? bytesToHex(keyId.content) : undefined;
      } else if (ext.critical) {
        fail(`unknown critical CRL extension ${ext.oid}`);
      }
    }
    index += 1;
  }
  if (index !== fields.length) {
    fail('unexpected fields in TBSCertList');
  }
  if (crlNumber === undefined) {
    fail('cRLNumber extension is required');
  }

  const caDer = certificateToDer(options.caCertPem);
  const ca = describeCertificate(caDer);
  if (Buffer.compare(Buffer.from(issuer.raw), Buffer.from(certificateSubjectDer(caDer))) !== 0) {
    throw new PkiError('CRL_BAD_SIGNATURE', 'CRL issuer is not this CA');
  }
  const caKeyId = caIssuerIdentity(options.caCertPem).subjectKeyIdentifierHex;
  if (authorityKeyIdHex !== undefined && caKeyId !== undefined && authorityKeyIdHex !== caKeyId) {
    throw new PkiError('CRL_BAD_SIGNATURE', 'CRL authorityKeyIdentifier does not match the CA');
  }
  const signatureOk = verifySignature('sha256', tbs.raw, ca.publicKey, signatureBits.content.subarray(1));
  if (!signatureOk) {
    throw new PkiError('CRL_BAD_SIGNATURE', 'CRL signature does not verify with the CA key');
  }
  return {
    revokedSerials: new Set(revoked.map((entry) => entry.serialHex)),
    revoked,
    thisUpdate,
    nextUpdate,
    crlNumber,
  };
}
