// Interop: the real openssl command line accepts what this library produces.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createCsr,
  createRevocationList,
  createRootCa,
  describeCertificate,
  encryptPrivateKey,
  generateKeyPairAsync,
  issueGatewayCertificate,
} from './index';

const PASSPHRASE = 'openssl-interop-test-only';

function openssl(dir: string, args: string[]): { status: number | null; output: string } {
  const result = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe('openssl interop', () => {
  let dir: string;
  let revokedSerial: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'corridor-pki-'));
    const [goodKeys, revokedKeys] = await Promise.all([generateKeyPairAsync(), generateKeyPairAsync()]);
    const ca = createRootCa({ commonName: 'Corridor Regional Root', validityDays: 3650 });
    const issue = (country: string, keys: typeof goodKeys) =>
      issueGatewayCertificate({
        csrPem: createCsr({ country, ...keys }),
        caCertPem: ca.certPem,
        caKeyPem: ca.keyPem,
        validityDays: 365,
      });
    const goodCert = issue('IT', goodKeys);
    const revokedCert = issue('TN', revokedKeys);
    revokedSerial = describeCertificate(revokedCert).serialHex;
    const crlPem = createRevocationList({
      caCertPem: ca.certPem,
      caKeyPem: ca.keyPem,
      revoked: [{ serialHex: revokedSerial, revokedAt: new Date(Date.now() - 60_000) }],
      thisUpdate: new Date(Date.now() - 60_000),
      nextUpdate: new Date(Date.now() + 7 * 86_400_000),
      crlNumber: 12,
    });
    writeFileSync(join(dir, 'root.pem'), ca.certPem);
    writeFileSync(join(dir, 'gw.pem'), goodCert);
    writeFileSync(join(dir, 'revoked.pem'), revokedCert);
    writeFileSync(join(dir, 'crl.pem'), crlPem);
    writeFileSync(
      join(dir, 'enc.pem'),
      encryptPrivateKey({ privateKeyPem: goodKeys.privateKeyPem, passphrase: PASSPHRASE }),
    );
  });

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('openssl verify accepts the gateway certificate against the root, strictly and for TLS client and server', () => {
    for (const extra of [
      [],
      ['-x509_strict', '-purpose', 'sslclient'],
      ['-x509_strict', '-purpose', 'sslserver'],
    ]) {
      const result = openssl(dir, ['verify', ...extra, '-CAfile', 'root.pem', 'gw.pem']);
      expect(result.output).toContain('gw.pem: OK');
      expect(result.status).toBe(0);
    }
  });

  it('openssl verify -crl_check accepts a good certificate and refuses the revoked one', () => {
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
  });

  it('openssl crl parses the CRL and lists the revoked serial and the CRL number', () => {
    const result = openssl(dir, ['crl', '-in', 'crl.pem', '-noout', '-text']);
    expect(result.status).toBe(0);
    expect(result.output.toLowerCase()).toContain(revokedSerial);
    expect(result.output).toMatch(/X509v3 CRL Number:\s*\n\s*12/);
    expect(result.output).toContain('Version 2');
    const verified = openssl(dir, ['crl', '-in', 'crl.pem', '-CAfile', 'root.pem', '-noout']);
    expect(verified.status).toBe(0);
    expect(verified.output).toContain('verify OK');
  });

  it('openssl pkey decrypts the encrypted PKCS#8 key with the passphrase, and not without it', () => {
    expect(openssl(dir, ['pkey', '-in', 'enc.pem', '-passin', `pass:${PASSPHRASE}`, '-noout']).status).toBe(
      0,
    );
    expect(openssl(dir, ['pkey', '-in', 'enc.pem', '-passin', 'pass:wrong', '-noout']).status).not.toBe(0);
  });
});
