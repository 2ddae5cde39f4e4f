// Key material on disk, for operators: the regional CA and a gateway's key, CSR and certificate.
// Private keys are written only as encrypted PKCS#8 with mode 600.
import { createPrivateKey, createPublicKey } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import forge from 'node-forge';
import {
  createCsr,
  createEcCsr,
  createKafkaCsr,
  createRegionalRoot,
  decryptPrivateKey,
  describeCertificate,
  encryptPrivateKey,
  generateEcKeyPair,
  generateKeyPairAsync,
  issueTransportCertificate,
  type KafkaCertificateRole,
  type RootKeyType,
} from '@corridor/pki';

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

function writeSecretFile(file: string, content: string): void {
  fs.writeFileSync(file, content, { mode: 0o600 });
  fs.chmodSync(file, 0o600);
}

/**
 * Creates the regional root CA in `dir` (ca.pem, ca.key.pem encrypted): RSA-3072 unless `keyType` is 'ec' (P-256).
 * Refuses to overwrite an existing CA.
 */
export async function initCa(opts: {
  dir: string;
  passphrase: string;
  commonName?: string;
  validityDays?: number;
  keyType?: RootKeyType;
}): Promise<{ certPem: string; fingerprint: string }> {
  const certPath = path.join(opts.dir, 'ca.pem');
  if (fs.existsSync(certPath)) {
    throw new CliError(`a CA already exists in ${opts.dir}: keep it, or move it away to create a new one`, 2);
  }
  fs.mkdirSync(opts.dir, { recursive: true, mode: 0o700 });
  const ca = await createRegionalRoot({
    keyType: opts.keyType ?? 'rsa',
    commonName: opts.commonName ?? 'Corridor Regional Root CA',
    validityDays: opts.validityDays ?? 3650,
  });
  writeSecretFile(
    path.join(opts.dir, 'ca.key.pem'),
    encryptPrivateKey({ privateKeyPem: ca.keyPem, passphrase: opts.passphrase }),
  );
  fs.writeFileSync(certPath, ca.certPem);
  return { certPem: ca.certPem, fingerprint: describeCertificate(ca.certPem).fingerprint };
}

/**
 * The private key kept encrypted at `keyFile`, created by `generate` on first use; with its public key. A wrong
 * passphrase fails in decryptPrivateKey with its typed error.
 */
async function keyOnce(opts: {
  keyFile: string;
  passphrase: string;
  generate: () => Promise<string> | string;
}): Promise<{ privateKeyPem: string; publicKeyPem: string }> {
  let privateKeyPem: string;
  if (fs.existsSync(opts.keyFile)) {
    privateKeyPem = decryptPrivateKey({
      encryptedPem: fs.readFileSync(opts.keyFile, 'utf8'),
      passphrase: opts.passphrase,
    });
  } else {
    privateKeyPem = await opts.generate();
    writeSecretFile(opts.keyFile, encryptPrivateKey({ privateKeyPem, passphrase: opts.passphrase }));
  }
  const publicKeyPem = createPublicKey(createPrivateKey(privateKeyPem))
    .export({ type: 'spki', format: 'pem' })
    .toString();
  return { privateKeyPem, publicKeyPem };
}

/** A gateway's key (created once, encrypted) and a CSR for it, in `dir`. */
export async function gatewayCsr(opts: {
  dir: string;
  passphrase: string;
  country: string;
}): Promise<string> {
  fs.mkdirSync(opts.dir, { recursive: true, mode: 0o700 });
  const keyPath = path.join(opts.dir, 'key.pem');
  const { privateKeyPem, publicKeyPem } = await keyOnce({
    keyFile: keyPath,
    passphrase: opts.passphrase,
    generate: async () => (await generateKeyPairAsync()).privateKeyPem,
  });
  const csrPem = createCsr({ country: opts.country, privateKeyPem, publicKeyPem });
  fs.writeFileSync(path.join(opts.dir, 'csr.pem'), csrPem);
  return csrPem;
}

/** File names of a gateway's suite-2 identity: its P-256 key (encrypted) and certificate, beside key.pem/cert.pem. */
export function ecIdentityFiles(dir: string): { keyFile: string; certFile: string } {
  return { keyFile: path.join(dir, 'ec-key.pem'), certFile: path.join(dir, 'ec-cert.pem') };
}

/** The gateway's P-256 key for suite 2 (created once, encrypted; not the RSA key) and a CSR for it. */
export async function gatewayEcCsr(opts: {
  dir: string;
  passphrase: string;
  country: string;
}): Promise<string> {
  fs.mkdirSync(opts.dir, { recursive: true, mode: 0o700 });
  const { keyFile } = ecIdentityFiles(opts.dir);
  const { privateKeyPem, publicKeyPem } = await keyOnce({
    keyFile: keyFile,
    passphrase: opts.passphrase,
    generate: () => generateEcKeyPair().privateKeyPem,
  });
  return createEcCsr({ country: opts.country, privateKeyPem, publicKeyPem });
}

export function installEcCertificate(opts: { dir: string; certPem: string }): void {
  fs.writeFileSync(ecIdentityFiles(opts.dir).certFile, opts.certPem);
}

export function installCertificate(opts: { dir: string; certPem: string; caPem: string }): void {
  fs.writeFileSync(path.join(opts.dir, 'cert.pem'), opts.certPem);
  fs.writeFileSync(path.join(opts.dir, 'ca.pem'), opts.caPem);
}

export function hasCertificate(dir: string): boolean {
  return fs.existsSync(path.join(dir, 'cert.pem')) && fs.existsSync(path.join(dir, 'key.pem'));
}

/**
 * Key rotation, first half: the current key and certificate move to previous/<time>/ (the gateway keeps opening
 * envelopes sealed for them until they expire or are revoked) and a new key and CSR are made in `dir`; the same for
 * the P-256 identity of suite 2 when the gateway has one (the restarted gateway signs its held epoch keys again with
 * the new key, so the old certificate can be revoked).
 */
export async function rotateGatewayKey(opts: {
  dir: string;
  passphrase: string;
  country: string;
}): Promise<{ csrPem: string; ecCsrPem?: string }> {
  if (!hasCertificate(opts.dir)) {
    throw new CliError(`${opts.dir} holds no key and certificate to rotate: use corridor pki issue first`, 2);
  }
  // Check the passphrase before moving anything.
  decryptPrivateKey({
    encryptedPem: fs.readFileSync(path.join(opts.dir, 'key.pem'), 'utf8'),
    passphrase: opts.passphrase,
  });
  const previous = path.join(opts.dir, 'previous', new Date().toISOString().replace(/[:.]/g, '-'));
  fs.mkdirSync(previous, { recursive: true, mode: 0o700 });
  const ec = ecIdentityFiles(opts.dir);
  const hasEc = fs.existsSync(ec.keyFile);
  if (hasEc) {
    decryptPrivateKey({ encryptedPem: fs.readFileSync(ec.keyFile, 'utf8'), passphrase: opts.passphrase });
  }
  fs.renameSync(path.join(opts.dir, 'key.pem'), path.join(previous, 'key.pem'));
  fs.renameSync(path.join(opts.dir, 'cert.pem'), path.join(previous, 'cert.pem'));
  if (hasEc) {
    // Only signs: nothing sealed for it needs the old key, which stays here for the record only.
    fs.renameSync(ec.keyFile, path.join(previous, path.basename(ec.keyFile)));
    if (fs.existsSync(ec.certFile)) {
      fs.renameSync(ec.certFile, path.join(previous, path.basename(ec.certFile)));
    }
  }
  const csrPem = await gatewayCsr(opts);
  return { csrPem, ...(hasEc ? { ecCsrPem: await gatewayEcCsr(opts) } : {}) };
}

/** File names of a Kafka transport identity in a directory: `<name>.pem`, `<name>.key.pem` (encrypted), `ca.pem`. */
export function kafkaIdentityFiles(
  dir: string,
  name = 'kafka-client',
): { certFile: string; keyFile: string; caFile: string } {
  return {
    certFile: path.join(dir, `${name}.pem`),
    keyFile: path.join(dir, `${name}.key.pem`),
    caFile: path.join(dir, 'ca.pem'),
  };
}

/**
 * The transport key of a Kafka client (a gateway's, created once and encrypted, separate from its signing key) and a
 * CSR for it. The CA sets the subject itself (CN=<principal>, OU=Kafka, O=Corridor).
 */
export async function kafkaClientCsr(opts: {
  dir: string;
  passphrase: string;
  principal: string;
}): Promise<string> {
  fs.mkdirSync(opts.dir, { recursive: true, mode: 0o700 });
  const { keyFile } = kafkaIdentityFiles(opts.dir);
  const { privateKeyPem, publicKeyPem } = await keyOnce({
    keyFile: keyFile,
    passphrase: opts.passphrase,
    generate: async () => (await generateKeyPairAsync()).privateKeyPem,
  });
  return createKafkaCsr({ principal: opts.principal, privateKeyPem, publicKeyPem });
}

export function installKafkaCertificate(opts: { dir: string; certPem: string; caPem: string }): void {
  const files = kafkaIdentityFiles(opts.dir);
  fs.writeFileSync(files.certFile, opts.certPem);
  fs.writeFileSync(files.caFile, opts.caPem);
}

/**
 * Issues a transport identity straight from the CA's files (the CA operator's machine): a new key, encrypted with
 * `keyPassphrase`, and its certificate, for a broker node, the secretariat or an operator. Replaces what is there.
 */
export async function issueKafkaIdentity(opts: {
  caDir: string;
  caPassphrase: string;
  outDir: string;
  name: string;
  principal: string;
  role: KafkaCertificateRole;
  keyPassphrase: string;
  country?: string;
  hosts?: string[];
  validityDays?: number;
  notBefore?: Date;
}): Promise<{ certFile: string; keyFile: string; caFile: string; certPem: string }> {
  const caCertPem = fs.readFileSync(path.join(opts.caDir, 'ca.pem'), 'utf8');
  const caKeyPem = decryptPrivateKey({
    encryptedPem: fs.readFileSync(path.join(opts.caDir, 'ca.key.pem'), 'utf8'),
    passphrase: opts.caPassphrase,
  });
  const keys = await generateKeyPairAsync();
  const certPem = await issueTransportCertificate({
    caCertPem,
    caKeyPem,
    publicKeyPem: keys.publicKeyPem,
    principal: opts.principal,
    role: opts.role,
    country: opts.country,
    hosts: opts.hosts,
    validityDays: opts.validityDays ?? 365,
    notBefore: opts.notBefore,
  });
  fs.mkdirSync(opts.outDir, { recursive: true, mode: 0o700 });
  const files = kafkaIdentityFiles(opts.outDir, opts.name);
  writeSecretFile(
    files.keyFile,
    encryptPrivateKey({ privateKeyPem: keys.privateKeyPem, passphrase: opts.keyPassphrase }),
  );
  fs.writeFileSync(files.certFile, certPem);
  fs.writeFileSync(files.caFile, caCertPem);
  return { ...files, certPem };
}

/** PBKDF2 iterations of a node's PKCS#12 keystore (node-forge computes them in JavaScript; Java once per start). */
const KEYSTORE_ITERATIONS = 100_000;

/**
 * A node's key and certificate as a PKCS#12 keystore encrypted with AES-256-CBC (PBES2, PBKDF2-HMAC-SHA256).
 * Not Kafka's PEM keystore: on Java 17 it cannot open an encrypted PKCS#8 key of the kind libs/pki writes
 * (PBES2: "PBES2 SecretKeyFactory not available"), and the only PEM encryption it opens is 3DES.
 */
export function writePkcs12Keystore(file: string, keyPem: string, certPem: string, passphrase: string): void {
  const cert = forge.pki.certificateFromPem(certPem);
  // node-forge re-encodes a certificate it did not sign with NULL algorithm parameters, which breaks the signature of
  // one issued by a P-256 root (ecdsa-with-SHA256 has none): the keystore keeps the issued DER exactly.
  const issuedDer = forge.asn1.fromDer(forge.pem.decode(certPem)[0].body);
  const reencode = forge.pki.certificateToAsn1;
  forge.pki.certificateToAsn1 = (c) => (c === cert ? issuedDer : reencode(c));
  let p12: forge.asn1.Asn1;
  try {
    p12 = forge.pkcs12.toPkcs12Asn1(forge.pki.privateKeyFromPem(keyPem), [cert], passphrase, {
      algorithm: 'aes256',
      count: KEYSTORE_ITERATIONS,
      friendlyName: 'kafka',
      generateLocalKeyId: true,
      prfAlgorithm: 'sha256',
    } as Parameters<typeof forge.pkcs12.toPkcs12Asn1>[3]);
  } finally {
    forge.pki.certificateToAsn1 = reencode;
  }
  fs.writeFileSync(file, Buffer.from(forge.asn1.toDer(p12).getBytes(), 'latin1'), { mode: 0o600 });
}
