// Test-only RSA-3072 keys and X.509 certificates (node-forge signs, as the project's PKI does).
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import forge from 'node-forge';

export interface TestIdentity {
  privateKey: KeyObject;
  publicKey: KeyObject;
  certPem: string;
}

export function makeKeyPair(): { privateKey: KeyObject; publicKey: KeyObject } {
  return generateKeyPairSync('rsa', { modulusLength: 3072 });
}

/** A certificate for `subject`'s key, signed by `issuer` (self-signed when issuer is omitted). */
export function makeCertificate({
  commonName,
  subject,
  issuer,
}: {
  commonName: string;
  subject: { privateKey: KeyObject; publicKey: KeyObject };
  issuer?: { privateKey: KeyObject; commonName: string };
}): string {
  const certificate = forge.pki.createCertificate();
  certificate.publicKey = forge.pki.publicKeyFromPem(
    subject.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  );
  certificate.serialNumber = '01';
  certificate.validity.notBefore = new Date(Date.now() - 60_000);
  certificate.validity.notAfter = new Date(Date.now() + 86_400_000);
  certificate.setSubject([{ name: 'commonName', value: commonName }]);
  certificate.setIssuer([{ name: 'commonName', value: issuer?.commonName ?? commonName }]);
  const signingKey = issuer?.privateKey ?? subject.privateKey;
  certificate.sign(
    forge.pki.privateKeyFromPem(signingKey.export({ type: 'pkcs1', format: 'pem' }).toString()),
    forge.md.sha256.create(),
  );
  return forge.pki.certificateToPem(certificate);
}
