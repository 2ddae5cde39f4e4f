import { X509Certificate } from 'node:crypto';
import forge from 'node-forge';
import {
  certificateFingerprint,
  certificateFromDer,
  certificateToDer,
  createCsr,
  createRevocationList,
  createRootCa,
  describeCertificate,
  generateKeyPairAsync,
  issueGatewayCertificate,
  parseRevocationList,
  PkiError,
  verifyCertificateChain,
  type KeyPairPem,
  type RootCa,
} from './index';

const DAY_MS = 86_400_000;

function codeOf(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    if (error instanceof PkiError) {
      return error.code;
    }
    throw error;
  }
  throw new Error('expected a PkiError');
}

describe('gateway certificates', () => {
  let ca: RootCa;
  let rogueCa: RootCa;
  let itKeys: KeyPairPem;
  let tnKeys: KeyPairPem;
  let itCertPem: string;
  const noneRevoked = new Set<string>();

  beforeAll(async () => {
    [itKeys, tnKeys] = await Promise.all([generateKeyPairAsync(), generateKeyPairAsync()]);
    ca = createRootCa({ commonName: 'Corridor Regional Root', validityDays: 3650 });
    // Same name as the real root: only the signature tells them apart.
    rogueCa = createRootCa({ commonName: 'Corridor Regional Root', validityDays: 3650 });
    itCertPem = issueGatewayCertificate({
      csrPem: createCsr({ country: 'IT', ...itKeys }),
      caCertPem: ca.certPem,
      caKeyPem: ca.keyPem,
      validityDays: 365,
    });
  });

  it('creates a root CA with CA:true (critical), keyCertSign+cRLSign and a subject key identifier', () => {
    const root = forge.pki.certificateFromPem(ca.certPem);
    const basic = root.getExtension('basicConstraints') as { cA: boolean; critical: boolean };
    const usage = root.getExtension('keyUsage') as Record<string, boolean>;
    expect(basic).toMatchObject({ cA: true, critical: true });
    expect(usage).toMatchObject({
      critical: true,
      keyCertSign: true,
      cRLSign: true,
      digitalSignature: false,
    });
    expect(root.getExtension('subjectKeyIdentifier')).toBeDefined();
    expect(new X509Certificate(ca.certPem).publicKey.asymmetricKeyDetails?.modulusLength).toBe(3072);
    expect(ca.keyPem).toContain('-----BEGIN PRIVATE KEY-----');
  });

  it('issues a gateway certificate with the subject from the CSR and gateway usages only', () => {
    const cert = forge.pki.certificateFromPem(itCertPem);
    expect(cert.subject.getField('C').value).toBe('IT');
    expect(cert.subject.getField('CN').value).toBe('gateway.it');
    expect(cert.subject.getField('O').value).toBe('Corridor');
    expect(cert.getExtension('keyUsage')).toMatchObject({
      critical: true,
      digitalSignature: true,
      keyEncipherment: true,
      keyCertSign: false,
    });
    expect(cert.getExtension('basicConstraints')).toMatchObject({ cA: false });
    expect(cert.getExtension('extKeyUsage')).toMatchObject({ clientAuth: true, serverAuth: true });
    expect(cert.getExtension('authorityKeyIdentifier')).toBeDefined();
    expect(cert.getExtension('subjectKeyIdentifier')).toBeDefined();
    expect(new X509Certificate(itCertPem).checkIssued(new X509Certificate(ca.certPem))).toBe(true);
  });

  it('verifies a chain and reports country, name, fingerprint, serial and expiry', () => {
    const verified = verifyCertificateChain({
      certPem: itCertPem,
      caCertPem: ca.certPem,
      revokedSerials: noneRevoked,
      at: new Date(),
    });
    const x509 = new X509Certificate(itCertPem);
    expect(verified.country).toBe('IT');
    expect(verified.commonName).toBe('gateway.it');
    expect(verified.fingerprint).toBe(x509.fingerprint256.replace(/:/g, '').toLowerCase());
    expect(verified.serialHex).toBe(x509.serialNumber.toLowerCase());
    expect(verified.notAfter.getTime()).toBe(new Date(x509.validTo).getTime());
  });

  it('uses a given serial number', () => {
    const pem = issueGatewayCertificate({
      csrPem: createCsr({ country: 'TN', ...tnKeys }),
      caCertPem: ca.certPem,
      caKeyPem: ca.keyPem,
      validityDays: 30,
      serial: 'F00D',
    });
    expect(describeCertificate(pem).serialHex).toBe('f00d');
    expect(new X509Certificate(pem).serialNumber.toLowerCase()).toMatch(/^(00)?f00d$/);
  });

  it('rejects an expired certificate and one not yet valid', () => {
    const notAfter = describeCertificate(itCertPem).notAfter.getTime();
    const notBefore = describeCertificate(itCertPem).notBefore.getTime();
    const at = (ms: number) => () =>
      verifyCertificateChain({
        certPem: itCertPem,
        caCertPem: ca.certPem,
        revokedSerials: noneRevoked,
        at: new Date(ms),
      });
    expect(codeOf(at(notAfter + 1000))).toBe('CERT_EXPIRED');
    expect(codeOf(at(notBefore - 1000))).toBe('CERT_NOT_YET_VALID');
  });

  it('rejects a certificate revoked through a signed CRL', () => {
    const { serialHex } = describeCertificate(itCertPem);
    const crlPem = createRevocationList({
      caCertPem: ca.certPem,
      caKeyPem: ca.keyPem,
      revoked: [{ serialHex, revokedAt: new Date() }],
      thisUpdate: new Date(),
      nextUpdate: new Date(Date.now() + 7 * DAY_MS),
      crlNumber: 1,
    });
    const { revokedSerials } = parseRevocationList({ crlPem, caCertPem: ca.certPem });
    expect(
      codeOf(() =>
        verifyCertificateChain({ certPem: itCertPem, caCertPem: ca.certPem, revokedSerials, at: new Date() }),
      ),
    ).toBe('CERT_REVOKED');
  });

  it('rejects a certificate issued by another CA, even one with the same name', () => {
    const foreign = issueGatewayCertificate({
      csrPem: createCsr({ country: 'IT', ...itKeys }),
      caCertPem: rogueCa.certPem,
      caKeyPem: rogueCa.keyPem,
      validityDays: 365,
    });
    expect(
      codeOf(() =>
        verifyCertificateChain({
          certPem: foreign,
          caCertPem: ca.certPem,
          revokedSerials: noneRevoked,
          at: new Date(),
        }),
      ),
    ).toBe('CERT_UNTRUSTED');
  });

  it('rejects a tampered certificate', () => {
    const der = Buffer.from(certificateToDer(itCertPem));
    const at = der.indexOf(Buffer.from('gateway.it'));
    expect(at).toBeGreaterThan(0);
    der[at + 'gateway.i'.length] = 'u'.charCodeAt(0);
    const tampered = certificateFromDer(der);
    expect(
      codeOf(() =>
        verifyCertificateChain({
          certPem: tampered,
          caCertPem: ca.certPem,
          revokedSerials: noneRevoked,
          at: new Date(),
        }),
      ),
    ).toBe('CERT_UNTRUSTED');
  });

  it('rejects garbage as CERT_MALFORMED and a CA certificate as a gateway certificate', () => {
    const garbage = certificateFromDer(Buffer.from('not a certificate at all'));
    expect(
      codeOf(() =>
        verifyCertificateChain({
          certPem: garbage,
          caCertPem: ca.certPem,
          revokedSerials: noneRevoked,
          at: new Date(),
        }),
      ),
    ).toBe('CERT_MALFORMED');
    expect(
      codeOf(() =>
        verifyCertificateChain({
          certPem: ca.certPem,
          caCertPem: ca.certPem,
          revokedSerials: noneRevoked,
          at: new Date(),
        }),
      ),
    ).toBe('CERT_WRONG_USAGE');
  });

  it('checks the CSR: signature, country and common name', () => {
    const csrPem = createCsr({ country: 'IT', ...itKeys });
    const csr = forge.pki.certificationRequestFromPem(csrPem);
    // A well-formed subject for FR that the old signature does not cover.
    csr.subject.getField('C').value = 'FR';
    csr.subject.getField('CN').value = 'gateway.fr';
    csr.certificationRequestInfo = null; // make forge re-encode the changed subject
    const forged = forge.pki.certificationRequestToPem(csr);
    const issue = (pem: string) => () =>
      issueGatewayCertificate({ csrPem: pem, caCertPem: ca.certPem, caKeyPem: ca.keyPem, validityDays: 1 });
    expect(codeOf(issue(forged))).toBe('CSR_INVALID');
    expect(
      codeOf(issue('-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----')),
    ).toBe('CSR_INVALID');
    expect(codeOf(() => createCsr({ country: 'ITA', ...itKeys }))).toBe('INVALID_COUNTRY');
    expect(codeOf(() => createCsr({ country: 'it', ...itKeys }))).toBe('INVALID_COUNTRY');
    expect(codeOf(() => createCsr({ country: 'ZX', ...itKeys }))).toBe('INVALID_COUNTRY');
    expect(
      codeOf(() =>
        createCsr({ country: 'IT', privateKeyPem: itKeys.privateKeyPem, publicKeyPem: tnKeys.publicKeyPem }),
      ),
    ).toBe('KEY_MISMATCH');
  });

  it('refuses to issue with a CA key that does not belong to the CA certificate', () => {
    const csrPem = createCsr({ country: 'IT', ...itKeys });
    expect(
      codeOf(() =>
        issueGatewayCertificate({ csrPem, caCertPem: ca.certPem, caKeyPem: rogueCa.keyPem, validityDays: 1 }),
      ),
    ).toBe('KEY_MISMATCH');
  });

  it('never issues beyond the CA expiry', () => {
    const pem = issueGatewayCertificate({
      csrPem: createCsr({ country: 'IT', ...itKeys }),
      caCertPem: ca.certPem,
      caKeyPem: ca.keyPem,
      validityDays: 100_000,
    });
    expect(describeCertificate(pem).notAfter.getTime()).toBe(
      describeCertificate(ca.certPem).notAfter.getTime(),
    );
  });

  it('converts between PEM and DER and fingerprints both the same way', () => {
    const der = certificateToDer(itCertPem);
    expect(certificateFromDer(der)).toBe(itCertPem.replace(/\r\n/g, '\n'));
    expect(certificateFingerprint(der)).toBe(certificateFingerprint(itCertPem));
    expect(certificateFingerprint(itCertPem)).toMatch(/^[0-9a-f]{64}$/);
  });
});
