// A network on a P-256 regional root: the root issues the RSA suite-1 certificate, the P-256 suite-2 certificate and
// the Kafka transport certificates, and signs the CRL; this library and the openssl command line accept them all.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createCsr,
  createEcCsr,
  createRegionalRoot,
  describeCertificate,
  generateEcKeyPair,
  generateKeyPairAsync,
  issueEcGatewayCertificate,
  issueRsaGatewayCertificate,
  issueTransportCertificate,
  kafkaPrincipalOf,
  parseRevocationList,
  rootKeyType,
  signRevocationList,
  verifyCertificateChain,
} from './index';

const openssl = (dir: string, args: string[]) => {
  const result = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
};

describe('a P-256 regional root', () => {
  let dir: string;
  let root: { certPem: string; keyPem: string };
  const certs: Record<string, string> = {};

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'corridor-ec-root-'));
    root = await createRegionalRoot({ keyType: 'ec', commonName: 'Corridor EC Root', validityDays: 3650 });
    const [rsa, revokedRsa, transport, broker] = await Promise.all([
      generateKeyPairAsync(),
      generateKeyPairAsync(),
      generateKeyPairAsync(),
      generateKeyPairAsync(),
    ]);
    const issuer = { caCertPem: root.certPem, caKeyPem: root.keyPem, validityDays: 365 };
    certs.rsa = await issueRsaGatewayCertificate({ ...issuer, csrPem: createCsr({ country: 'LY', ...rsa }) });
    certs.revoked = await issueRsaGatewayCertificate({
      ...issuer,
      csrPem: createCsr({ country: 'TN', ...revokedRsa }),
    });
    certs.ec = await issueEcGatewayCertificate({
      ...issuer,
      csrPem: await createEcCsr({ country: 'LY', ...generateEcKeyPair() }),
    });
    certs.client = await issueTransportCertificate({
      ...issuer,
      publicKeyPem: transport.publicKeyPem,
      principal: 'gw-ly',
      country: 'LY',
      role: 'client',
    });
    certs.broker = await issueTransportCertificate({
      ...issuer,
      publicKeyPem: broker.publicKeyPem,
      principal: 'kafka-node-1',
      role: 'broker',
      hosts: ['127.0.0.1', 'kafka.example'],
    });
    writeFileSync(join(dir, 'root.pem'), root.certPem);
    for (const [name, pem] of Object.entries(certs)) {
      writeFileSync(join(dir, `${name}.pem`), pem);
    }
  });

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('is an ECDSA P-256 CA, and RSA stays the key type of the default root', async () => {
    expect(rootKeyType({ caCertPem: root.certPem })).toBe('ec');
    expect(rootKeyType({ caKeyPem: root.keyPem })).toBe('ec');
    expect(openssl(dir, ['x509', '-in', 'root.pem', '-noout', '-text']).output).toContain(
      'ecdsa-with-SHA256',
    );
    const rsaRoot = await createRegionalRoot({ keyType: 'rsa', commonName: 'RSA', validityDays: 10 });
    expect(rootKeyType({ caCertPem: rsaRoot.certPem })).toBe('rsa');
  });

  it('issues the RSA suite-1 and P-256 suite-2 gateway certificates that this library and openssl verify accept', () => {
    for (const name of ['rsa', 'ec']) {
      const verified = verifyCertificateChain({
        certPem: certs[name],
        caCertPem: root.certPem,
        revokedSerials: new Set(),
        at: new Date(),
      });
      expect(verified.country).toBe('LY');
      expect(verified.commonName).toBe('gateway.ly');
      for (const purpose of ['sslclient', 'sslserver']) {
        const result = openssl(dir, [
          'verify',
          '-x509_strict',
          '-purpose',
          purpose,
          '-CAfile',
          'root.pem',
          `${name}.pem`,
        ]);
        expect(result.output).toContain(`${name}.pem: OK`);
        expect(result.status).toBe(0);
      }
    }
    const text = openssl(dir, ['x509', '-in', 'rsa.pem', '-noout', '-text']).output;
    expect(text).toContain('Signature Algorithm: ecdsa-with-SHA256');
    expect(text).toContain('Public-Key: (3072 bit)');
    expect(text).toMatch(/Digital Signature, Key Encipherment/);
  });

  it('issues Kafka transport certificates whose subject maps to the principal, for TLS client and broker', () => {
    expect(kafkaPrincipalOf(certs.client)).toBe('gw-ly');
    expect(kafkaPrincipalOf(certs.broker)).toBe('kafka-node-1');
    // The broker's principal mapping reads the RFC 2253 form: CN first.
    const subject = openssl(dir, ['x509', '-in', 'client.pem', '-noout', '-subject', '-nameopt', 'RFC2253']);
    expect(subject.output.trim()).toBe('subject=CN=gw-ly,OU=Kafka,O=Corridor,C=LY');
    expect(
      openssl(dir, ['verify', '-x509_strict', '-purpose', 'sslclient', '-CAfile', 'root.pem', 'client.pem'])
        .status,
    ).toBe(0);
    expect(
      openssl(dir, ['verify', '-x509_strict', '-purpose', 'sslserver', '-CAfile', 'root.pem', 'broker.pem'])
        .status,
    ).toBe(0);
    expect(openssl(dir, ['x509', '-in', 'broker.pem', '-noout', '-ext', 'subjectAltName']).output).toMatch(
      /IP Address:127\.0\.0\.1, DNS:kafka\.example/,
    );
  });

  it('signs a CRL that this library, openssl crl -verify and openssl verify -crl_check accept', async () => {
    const revokedSerial = describeCertificate(certs.revoked).serialHex;
    const crlPem = await signRevocationList({
      caCertPem: root.certPem,
      caKeyPem: root.keyPem,
      revoked: [{ serialHex: revokedSerial, revokedAt: new Date(Date.now() - 60_000) }],
      thisUpdate: new Date(Date.now() - 60_000),
      nextUpdate: new Date(Date.now() + 7 * 86_400_000),
      crlNumber: 3,
    });
    writeFileSync(join(dir, 'crl.pem'), crlPem);
    const parsed = parseRevocationList({ crlPem, caCertPem: root.certPem });
    expect([...parsed.revokedSerials]).toEqual([revokedSerial]);
    const verified = openssl(dir, ['crl', '-in', 'crl.pem', '-CAfile', 'root.pem', '-noout', '-text']);
    expect(verified.output).toContain('verify OK');
    expect(verified.output).toContain('ecdsa-with-SHA256');
    const check = (name: string) =>
      openssl(dir, ['verify', '-crl_check', '-CAfile', 'root.pem', '-CRLfile', 'crl.pem', `${name}.pem`]);
    expect(check('rsa').status).toBe(0);
    const revoked = check('revoked');
    expect(revoked.status).not.toBe(0);
    expect(revoked.output).toContain('certificate revoked');
  });

  it('refuses a P-256 key where an RSA gateway or transport key is needed', async () => {
    const ec = generateEcKeyPair();
    const issuer = { caCertPem: root.certPem, caKeyPem: root.keyPem, validityDays: 30 };
    await expect(
      issueRsaGatewayCertificate({ ...issuer, csrPem: await createEcCsr({ country: 'LY', ...ec }) }),
    ).rejects.toMatchObject({ code: 'CSR_INVALID' });
    await expect(
      issueTransportCertificate({
        ...issuer,
        publicKeyPem: ec.publicKeyPem,
        principal: 'gw-ly',
        role: 'client',
      }),
    ).rejects.toMatchObject({ code: 'KEY_MALFORMED' });
  });
});
