// corridor pki: the regional CA, a gateway's key and CSR, enrolment with the secretariat, revocation,
// and offline verification of a certificate against the CA (and a CRL).
import fs from 'node:fs';
import path from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import {
  decryptPrivateKey,
  isPkiError,
  parseRevocationList,
  ROOT_KEY_TYPES,
  verifyCertificateChain,
  type RootKeyType,
} from '@corridor/pki';
import { act, parseCountry, parsePositiveInt, passphraseOptions, secretariatOptions } from '../command-kit';
import { operationalError, usageError } from '../errors';
import {
  ecIdentityFiles,
  gatewayCsr,
  gatewayEcCsr,
  rotateGatewayKey,
  initCa,
  installCertificate,
  installEcCertificate,
  installKafkaCertificate,
  issueKafkaIdentity,
  kafkaClientCsr,
  kafkaIdentityFiles,
  writePkcs12Keystore,
} from '../pki-files';
import { Remote } from '../remote';
import { passphrase, readTextFile, secretariatToken, secretariatUrl } from '../settings';

interface InitOptions {
  dir: string;
  keyType: RootKeyType;
  commonName: string;
  validityDays: number;
  passphraseFile?: string;
  passphrase?: string;
}

interface CsrOptions {
  country: string;
  dir: string;
  passphraseFile?: string;
  passphrase?: string;
}

interface IssueOptions extends CsrOptions {
  secretariat?: string;
  token?: string;
  renew?: boolean;
}

interface KafkaCertOptions {
  caDir: string;
  principal: string;
  out: string;
  broker?: boolean;
  host: string[];
  validityDays: number;
  passphraseFile?: string;
  passphrase?: string;
  keyPassphraseFile?: string;
  keystore?: boolean;
}

interface RevokeOptions {
  fingerprint: string;
  reason: string;
  secretariat?: string;
  token?: string;
}

interface VerifyOptions {
  cert: string;
  ca: string;
  crl?: string;
}

function parseRootKeyType(value: string): RootKeyType {
  const keyType = ROOT_KEY_TYPES.find((t) => t === value);
  if (!keyType) {
    throw new InvalidArgumentError(`give one of ${ROOT_KEY_TYPES.join(', ')}.`);
  }
  return keyType;
}

function normalizeFingerprint(value: string): string {
  const hex = value.replace(/:/g, '').toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(hex)) {
    throw usageError(
      '--fingerprint must be a SHA-256 fingerprint (64 hex digits, colons allowed)',
      'copy it from corridor pki issue or GET /v1/certificates',
    );
  }
  return hex;
}

export function registerPki(program: Command): void {
  const pki = program
    .command('pki')
    .description('keys and certificates: regional CA, gateway CSR and enrolment, revocation, offline check');

  passphraseOptions(
    pki
      .command('init')
      .description('create the regional root CA in a directory: ca.pem and ca.key.pem (encrypted, mode 600)')
      .requiredOption('--dir <dir>', 'directory to hold the CA (created with mode 700)')
      .option('--common-name <name>', 'subject common name of the root', 'Corridor Regional Root CA')
      .option(
        '--key-type <type>',
        'rsa (RSA-3072, the default) or ec (ECDSA P-256: it also issues the RSA suite-1 and Kafka certificates)',
        parseRootKeyType,
        'rsa' as RootKeyType,
      )
      .option('--validity-days <days>', 'validity of the root certificate', parsePositiveInt, 3650),
    'the CA key',
  ).action(
    act<InitOptions>(async (out, opts) => {
      if (fs.existsSync(path.join(opts.dir, 'ca.pem')) || fs.existsSync(path.join(opts.dir, 'ca.key.pem'))) {
        throw usageError(
          `a CA already exists in ${opts.dir}`,
          'keep it, or move it away to create a new one',
        );
      }
      const secret = passphrase(opts);
      const ca = await initCa({
        dir: opts.dir,
        keyType: opts.keyType,
        passphrase: secret,
        commonName: opts.commonName,
        validityDays: opts.validityDays,
      });
      const certPath = path.join(opts.dir, 'ca.pem');
      const keyPath = path.join(opts.dir, 'ca.key.pem');
      out.result(
        [
          `created the regional root CA (${opts.keyType === 'ec' ? 'ECDSA P-256' : 'RSA-3072'}) in ${opts.dir}`,
          `  certificate  ${certPath}`,
          `  private key  ${keyPath} (encrypted PKCS#8, mode 600)`,
          `  fingerprint  ${ca.fingerprint}`,
        ],
        { certPath, keyPath, fingerprint: ca.fingerprint, keyType: opts.keyType },
      );
    }),
  );

  passphraseOptions(
    pki
      .command('csr')
      .description("create a gateway's key (once, encrypted) and a certificate request for it")
      .requiredOption('--country <CC>', 'country of the gateway (ISO 3166-1 alpha-2)', parseCountry)
      .requiredOption('--dir <dir>', "the gateway's trust directory (key.pem, csr.pem)"),
    "the gateway's key",
  ).action(
    act<CsrOptions>(async (out, opts) => {
      const keyPath = path.join(opts.dir, 'key.pem');
      const existed = fs.existsSync(keyPath);
      const csrPem = await gatewayCsr({ dir: opts.dir, passphrase: passphrase(opts), country: opts.country });
      const csrPath = path.join(opts.dir, 'csr.pem');
      out.result(
        [
          `${existed ? 'reused the key in' : 'created an RSA-3072 key in'} ${keyPath} (encrypted, mode 600)`,
          `wrote the certificate request for ${opts.country} to ${csrPath}`,
        ],
        { country: opts.country, keyPath, keyCreated: !existed, csrPath, csrPem },
      );
    }),
  );

  secretariatOptions(
    passphraseOptions(
      pki
        .command('issue')
        .description(
          'enrol a gateway: make its key and CSR, have the secretariat CA issue the certificate, install it',
        )
        .requiredOption('--country <CC>', 'country of the gateway (ISO 3166-1 alpha-2)', parseCountry)
        .requiredOption('--dir <dir>', "the gateway's trust directory (key.pem, cert.pem, ca.pem)")
        .option('--renew', 'request a new certificate even if one is installed'),
      "the gateway's key",
    ),
  ).action(
    act<IssueOptions>(async (out, opts) => {
      if (fs.existsSync(path.join(opts.dir, 'cert.pem')) && !opts.renew) {
        throw usageError(
          `${opts.dir} already holds a certificate`,
          'pass --renew to request a new one, or use another --dir',
        );
      }
      const secretariat = new Remote('secretariat', secretariatUrl(opts), secretariatToken(opts));
      const secret = passphrase(opts);
      const csrPem = await gatewayCsr({ dir: opts.dir, passphrase: secret, country: opts.country });
      // The TLS client certificate for Kafka: a second key, never the signing key (as X-Road separates them).
      const kafkaCsrPem = await kafkaClientCsr({
        dir: opts.dir,
        passphrase: secret,
        principal: `gw-${opts.country.toLowerCase()}`,
      });
      // The P-256 identity of suite 2 (envelope signatures, epoch keys): a third key.
      const ecCsrPem = await gatewayEcCsr({ dir: opts.dir, passphrase: secret, country: opts.country });
      const issued = await secretariat.post<{
        certPem: string;
        caPem: string;
        fingerprint: string;
        kafkaCertPem: string;
        kafkaFingerprint: string;
        ecCertPem: string;
        ecFingerprint: string;
      }>('/v1/gateways', { country: opts.country, csrPem, kafkaCsrPem, ecCsrPem });
      installCertificate({ dir: opts.dir, certPem: issued.certPem, caPem: issued.caPem });
      installKafkaCertificate({ dir: opts.dir, certPem: issued.kafkaCertPem, caPem: issued.caPem });
      installEcCertificate({ dir: opts.dir, certPem: issued.ecCertPem });
      const kafkaFiles = kafkaIdentityFiles(opts.dir);
      out.result(
        [
          `enrolled ${opts.country}: signing certificate ${issued.fingerprint}`,
          `  installed ${path.join(opts.dir, 'cert.pem')} and the root in ${path.join(opts.dir, 'ca.pem')}`,
          `  Kafka TLS client certificate ${issued.kafkaFingerprint} (principal gw-${opts.country.toLowerCase()}) in ${kafkaFiles.certFile}`,
          `  suite-2 P-256 certificate ${issued.ecFingerprint} in ${ecIdentityFiles(opts.dir).certFile}`,
        ],
        {
          country: opts.country,
          fingerprint: issued.fingerprint,
          certPath: path.join(opts.dir, 'cert.pem'),
          caPath: path.join(opts.dir, 'ca.pem'),
          kafkaFingerprint: issued.kafkaFingerprint,
          kafkaCertPath: kafkaFiles.certFile,
          kafkaKeyPath: kafkaFiles.keyFile,
          ecFingerprint: issued.ecFingerprint,
          ecCertPath: ecIdentityFiles(opts.dir).certFile,
        },
      );
    }),
  );

  secretariatOptions(
    passphraseOptions(
      pki
        .command('rotate')
        .description(
          "rotate a gateway's key: keep the old key for envelopes still in flight, enrol a new key, install it (then restart the gateway instances one at a time)",
        )
        .requiredOption('--country <CC>', 'country of the gateway (ISO 3166-1 alpha-2)', parseCountry)
        .requiredOption('--dir <dir>', "the gateway's trust directory (key.pem, cert.pem, ca.pem)"),
      "the gateway's key",
    ),
  ).action(
    act<IssueOptions>(async (out, opts) => {
      const secretariat = new Remote('secretariat', secretariatUrl(opts), secretariatToken(opts));
      const { csrPem, ecCsrPem } = await rotateGatewayKey({
        dir: opts.dir,
        passphrase: passphrase(opts),
        country: opts.country,
      });
      const issued = await secretariat.post<{
        certPem: string;
        caPem: string;
        fingerprint: string;
        ecCertPem?: string;
        ecFingerprint?: string;
      }>('/v1/gateways', { country: opts.country, csrPem, ...(ecCsrPem ? { ecCsrPem } : {}) });
      installCertificate({ dir: opts.dir, certPem: issued.certPem, caPem: issued.caPem });
      if (issued.ecCertPem) {
        installEcCertificate({ dir: opts.dir, certPem: issued.ecCertPem });
      }
      out.result(
        [
          `rotated ${opts.country}: new certificate ${issued.fingerprint}; the previous key stays in ${path.join(opts.dir, 'previous')}`,
          ...(issued.ecFingerprint
            ? [
                `  new suite-2 P-256 certificate ${issued.ecFingerprint}: the restarted gateway signs its epoch keys again with it`,
              ]
            : []),
          '  restart the gateway instances one at a time; revoke the old certificates once senders use the new ones',
        ],
        { country: opts.country, fingerprint: issued.fingerprint, ecFingerprint: issued.ecFingerprint },
      );
    }),
  );

  passphraseOptions(
    pki
      .command('kafka-cert')
      .description(
        "offline, with the CA's files: issue a Kafka TLS certificate (a new key, encrypted) for the secretariat, an operator or a broker node",
      )
      .requiredOption('--ca-dir <dir>', 'the regional CA (ca.pem, ca.key.pem)')
      .requiredOption('--principal <name>', 'the Kafka principal: secretariat, admin, kafka-node-1, …')
      .requiredOption('--out <dir>', 'where to write <principal>.pem, <principal>.key.pem and ca.pem')
      .option('--broker', 'a broker node certificate (serverAuth and clientAuth, addresses in the SAN)')
      .option(
        '--host <address>',
        'an address the broker is reached at (repeatable)',
        (v: string, all: string[]) => [...all, v],
        [] as string[],
      )
      .option('--validity-days <days>', 'validity of the certificate', parsePositiveInt, 365)
      .option(
        '--keystore',
        "also write <principal>.p12: key and certificate as a PKCS#12 keystore for Kafka's Java side, encrypted with the key passphrase",
      )
      .option(
        '--key-passphrase-file <file>',
        'passphrase for the new key (default: the CA passphrase, as the secretariat reads it)',
      ),
    'the CA key',
  ).action(
    act<KafkaCertOptions>(async (out, opts) => {
      if (opts.broker && opts.host.length === 0) {
        throw usageError('--broker needs at least one --host', 'name the addresses clients connect to');
      }
      const caPassphrase = passphrase(opts);
      const keyPassphrase = opts.keyPassphraseFile
        ? readTextFile(opts.keyPassphraseFile, '--key-passphrase-file').trim()
        : caPassphrase;
      const name = opts.principal === 'secretariat' ? 'kafka-client' : opts.principal;
      const files = await issueKafkaIdentity({
        caDir: opts.caDir,
        caPassphrase,
        outDir: opts.out,
        name,
        principal: opts.principal,
        role: opts.broker ? 'broker' : 'client',
        hosts: opts.host,
        keyPassphrase,
        validityDays: opts.validityDays,
      });
      const keystoreFile = opts.keystore ? path.join(opts.out, `${name}.p12`) : undefined;
      if (keystoreFile) {
        writePkcs12Keystore(
          keystoreFile,
          decryptPrivateKey({
            encryptedPem: fs.readFileSync(files.keyFile, 'utf8'),
            passphrase: keyPassphrase,
          }),
          files.certPem,
          keyPassphrase,
        );
      }
      out.result(
        [
          `issued a Kafka TLS ${opts.broker ? 'broker' : 'client'} certificate for principal ${opts.principal}`,
          `  certificate  ${files.certFile}`,
          `  private key  ${files.keyFile} (encrypted PKCS#8, mode 600)`,
          ...(keystoreFile ? [`  keystore     ${keystoreFile} (PKCS#12, AES-256, the key passphrase)`] : []),
        ],
        {
          principal: opts.principal,
          certPath: files.certFile,
          keyPath: files.keyFile,
          caPath: files.caFile,
          ...(keystoreFile ? { keystorePath: keystoreFile } : {}),
        },
      );
    }),
  );

  secretariatOptions(
    pki
      .command('revoke')
      .description('revoke a gateway certificate: the secretariat publishes a new CRL at once')
      .requiredOption('--fingerprint <sha256>', 'SHA-256 fingerprint of the certificate')
      .requiredOption('--reason <text>', 'why (kept in the CA register)'),
  ).action(
    act<RevokeOptions>(async (out, opts) => {
      const fingerprint = normalizeFingerprint(opts.fingerprint);
      if (!opts.reason.trim() || opts.reason.length > 200) {
        throw usageError('--reason must be 1-200 characters', 'say briefly why the certificate is revoked');
      }
      const secretariat = new Remote('secretariat', secretariatUrl(opts), secretariatToken(opts));
      const res = await secretariat.post<{ crlNumber: string; brokerAccessCut: boolean }>(
        `/v1/certificates/${fingerprint}/revoke`,
        { reason: opts.reason },
      );
      out.result(
        `revoked ${fingerprint}; CRL number ${res.crlNumber} published${res.brokerAccessCut ? '; the gateway lost every broker ACL' : ''}`,
        { fingerprint, crlNumber: res.crlNumber, brokerAccessCut: res.brokerAccessCut },
      );
    }),
  );

  pki
    .command('verify')
    .description(
      'offline: check that a certificate chains to the CA, is in its validity window and not revoked',
    )
    .requiredOption('--cert <file>', 'the certificate to check (PEM)')
    .requiredOption('--ca <file>', 'the regional root certificate (PEM)')
    .option('--crl <file>', 'a CRL signed by the CA (PEM); without it revocation is not checked')
    .action(
      act<VerifyOptions>(async (out, opts) => {
        const certPem = readTextFile(opts.cert, '--cert');
        const caCertPem = readTextFile(opts.ca, '--ca');
        let revokedSerials = new Set<string>();
        if (opts.crl) {
          const crlPem = readTextFile(opts.crl, '--crl');
          try {
            revokedSerials = parseRevocationList({ crlPem, caCertPem }).revokedSerials;
          } catch (err) {
            if (isPkiError(err)) {
              throw operationalError(
                `the CRL ${opts.crl} is not usable: ${err.message} (${err.code})`,
                'fetch the current CRL published by the secretariat',
              );
            }
            throw err;
          }
        }
        try {
          const v = verifyCertificateChain({ certPem, caCertPem, revokedSerials, at: new Date() });
          out.result(
            [
              `ok: ${v.commonName} (${v.country}) chains to the CA${opts.crl ? ' and is not revoked' : ' (revocation not checked: no --crl)'}`,
              `  fingerprint  ${v.fingerprint}`,
              `  valid until  ${v.notAfter.toISOString()}`,
            ],
            {
              ok: true,
              country: v.country,
              commonName: v.commonName,
              fingerprint: v.fingerprint,
              serial: v.serialHex,
              notBefore: v.notBefore.toISOString(),
              notAfter: v.notAfter.toISOString(),
              revocationChecked: Boolean(opts.crl),
            },
          );
        } catch (err) {
          if (isPkiError(err)) {
            throw operationalError(
              `certificate rejected: ${err.message} (${err.code})`,
              'do not trust this certificate; ask the secretariat for a valid one',
            );
          }
          throw err;
        }
      }),
    );
}
