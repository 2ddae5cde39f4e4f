// Suite 2 certificates: an ECDSA P-256 regional root issues P-256 gateway certificates from CSRs; this library and
// the openssl command line both accept them, and refuse what they must.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createCsr,
  createEcCsr,
  createEcRevocationList,
  createEcRootCa,
  createRootCa,
  describeCertificate,
  generateEcKeyPair,
  generateKeyPair,
  issueEcGatewayCertificate,
  isPkiError,
  parseRevocationList,
  verifyCertificateChain,
} from './index';

const openssl = (dir: string, args: string[]) => {
  const result = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
};

describe('EC (P-256) certificates', () => {
  let ca: { certPem: string; keyPem: string };
  let gatewayKeys: ReturnType<typeof generateEcKeyPair>;
  let certPem: string;

  beforeAll(async () => {
    ca = await createEcRootCa({ commonName: 'Corridor Regional Root EC', validityDays: 3650 });
    gatewayKeys = generateEcKeyPair();
    certPem = await issueEcGatewayCertificate({
      csrPem: await createEcCsr({ country: 'IT', ...gatewayKeys }),
      caCertPem: ca.certPem,
      caKeyPem: ca.keyPem,
      validityDays: 365,
    });
  });

  it('a gateway certificate from a CSR chains to the EC root and names its country', () => {
    const verified = verifyCertificateChain({
      certPem,
      caCertPem: ca.certPem,
      revokedSerials: new Set(),
      at: new Date(),
    });
    expect(verified.country).toBe('IT');
    expect(verified.commonName).toBe('gateway.it');
    expect(verified.publicKey.asymmetricKeyType).toBe('ec');
    expect(describeCertificate(ca.certPem).isCa).toBe(true);
  });

  it('is revoked, expired or from another root as it must be', async () => {
    const info = describeCertificate(certPem);
    const code = (fn: () => unknown) => {
      try {
        fn();
      } catch (error) {
        return isPkiError(error) ? error.code : 'OTHER';
      }
      return 'NONE';
    };
    expect(
      code(() =>
        verifyCertificateChain({
          certPem,
          caCertPem: ca.certPem,
          revokedSerials: new Set([info.serialHex]),
          at: new Date(),
        }),
      ),
    ).toBe('CERT_REVOKED');
    expect(
      code(() =>
        verifyCertificateChain({
          certPem,
          caCertPem: ca.certPem,
          revokedSerials: new Set(),
          at: new Date(Date.now() + 400 * 86_400_000),
        }),
      ),
    ).toBe('CERT_EXPIRED');
    const other = await createEcRootCa({ commonName: 'Another Root', validityDays: 10 });
    expect(
      code(() =>
        verifyCertificateChain({
          certPem,
          caCertPem: other.certPem,
          revokedSerials: new Set(),
          at: new Date(),
        }),
      ),
    ).toBe('CERT_UNTRUSTED');
  });

  it("refuses an RSA CSR, a CSR for a wrong name and a CA key that is not the CA certificate's", async () => {
    const rsa = generateKeyPair();
    await expect(
      issueEcGatewayCertificate({
        csrPem: createCsr({ country: 'TN', ...rsa }),
        caCertPem: ca.certPem,
        caKeyPem: ca.keyPem,
        validityDays: 1,
      }),
    ).rejects.toMatchObject({ code: 'CSR_INVALID' });
    const other = generateEcKeyPair();
    await expect(
      issueEcGatewayCertificate({
        csrPem: await createEcCsr({ country: 'TN', ...other }),
        caCertPem: ca.certPem,
        caKeyPem: other.privateKeyPem,
        validityDays: 1,
      }),
    ).rejects.toMatchObject({ code: 'KEY_MISMATCH' });
    await expect(
      createEcCsr({
        country: 'TN',
        privateKeyPem: other.privateKeyPem,
        publicKeyPem: gatewayKeys.publicKeyPem,
      }),
    ).rejects.toMatchObject({
      code: 'KEY_MISMATCH',
    });
  });

  it('openssl verify accepts the chain, with the purposes a gateway needs', () => {
    const dir = mkdtempSync(join(tmpdir(), 'corridor-ec-'));
    try {
      writeFileSync(join(dir, 'root.pem'), ca.certPem);
      writeFileSync(join(dir, 'gw.pem'), certPem);
      for (const purpose of ['sslclient', 'sslserver']) {
        const result = openssl(dir, [
          'verify',
          '-x509_strict',
          '-purpose',
          purpose,
          '-CAfile',
          'root.pem',
          'gw.pem',
        ]);
        expect(result.output).toContain('gw.pem: OK');
        expect(result.status).toBe(0);
      }
      const text = openssl(dir, ['x509', '-in', 'gw.pem', '-noout', '-text']).output;
      expect(text).toContain('ecdsa-with-SHA256');
      expect(text).toContain('prime256v1');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('an EC root signs CRLs that this library and openssl crl / verify -crl_check read', async () => {
    const revokedKeys = generateEcKeyPair();
    const revokedCert = await issueEcGatewayCertificate({
      csrPem: await createEcCsr({ country: 'TN', ...revokedKeys }),
      caCertPem: ca.certPem,
      caKeyPem: ca.keyPem,
      validityDays: 365,
    });
    const revokedSerial = describeCertificate(revokedCert).serialHex;
    const crlPem = await createEcRevocationList({
      caCertPem: ca.certPem,
      caKeyPem: ca.keyPem,
      revoked: [{ serialHex: revokedSerial, revokedAt: new Date(Date.now() - 60_000) }],
      thisUpdate: new Date(Date.now() - 60_000),
      nextUpdate: new Date(Date.now() + 7 * 86_400_000),
      crlNumber: 300,
    });
    const parsed = parseRevocationList({ crlPem, caCertPem: ca.certPem });
    expect([...parsed.revokedSerials]).toEqual([revokedSerial]);
    expect(parsed.crlNumber).toBe(300n);
    const other = await createEcRootCa({ commonName: 'Another Root', validityDays: 10 });
    let foreignCode = 'NONE';
    try {
      parseRevocationList({ crlPem, caCertPem: other.certPem });
    } catch (error) {
      foreignCode = isPkiError(error) ? error.code : 'OTHER';
    }
    expect(foreignCode).toBe('CRL_BAD_SIGNATURE');

    const dir = mkdtempSync(join(tmpdir(), 'corridor-ec-crl-'));
    try {
      writeFileSync(join(dir, 'root.pem'), ca.certPem);
      writeFileSync(join(dir, 'gw.pem'), certPem);
      writeFileSync(join(dir, 'revoked.pem'), revokedCert);
      writeFileSync(join(dir, 'crl.pem'), crlPem);
      const crl = openssl(dir, ['crl', '-in', 'crl.pem', '-CAfile', 'root.pem', '-noout', '-text']);
      expect(crl.output).toMatch(/verify OK/);
      expect(crl.output).toContain('ecdsa-with-SHA256');
      expect(crl.output.toUpperCase()).toContain(revokedSerial.toUpperCase());
      const good = openssl(dir, [
        'verify',
        '-crl_check',
        '-CAfile',
        'root.pem',
        '-CRLfile',
        'crl.pem',
        'gw.pem',
      ]);
      expect(good.status).toBe(0);
      const revoked = openssl(dir, [
        'verify',
        '-crl_check',
        '-CAfile',
        'root.pem',
        '-CRLfile',
        'crl.pem',
        'revoked.pem',
      ]);
      expect(revoked.status).not.toBe(0);
      expect(revoked.output).toContain('certificate revoked');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the RSA regional root of a suite-1 network issues a P-256 gateway certificate that both verifiers accept', async () => {
    const rsaRoot = createRootCa({ commonName: 'Corridor Regional Root', validityDays: 30 });
    const keys = generateEcKeyPair();
    const ecCert = await issueEcGatewayCertificate({
      csrPem: await createEcCsr({ country: 'LY', ...keys }),
      caCertPem: rsaRoot.certPem,
      caKeyPem: rsaRoot.keyPem,
      validityDays: 365,
    });
    const verified = verifyCertificateChain({
      certPem: ecCert,
      caCertPem: rsaRoot.certPem,
      revokedSerials: new Set(),
      at: new Date(),
    });
    expect(verified.publicKey.asymmetricKeyType).toBe('ec');
    // a certificate never outlives its issuer
    expect(verified.notAfter.getTime()).toBeLessThanOrEqual(
      describeCertificate(rsaRoot.certPem).notAfter.getTime(),
    );
    const dir = mkdtempSync(join(tmpdir(), 'corridor-ec-rsa-'));
    try {
      writeFileSync(join(dir, 'root.pem'), rsaRoot.certPem);
      writeFileSync(join(dir, 'gw.pem'), ecCert);
      const result = openssl(dir, ['verify', '-CAfile', 'root.pem', 'gw.pem']);
      expect(result.output).toContain('gw.pem: OK');
      expect(openssl(dir, ['x509', '-in', 'gw.pem', '-noout', '-text']).output).toContain(
        'sha256WithRSAEncryption',
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
