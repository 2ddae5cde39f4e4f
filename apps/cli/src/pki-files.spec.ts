// The files `corridor pki` writes, on either kind of regional root; openssl reads them back.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { decryptPrivateKey, describeCertificate, kafkaPrincipalOf, rootKeyType } from '@corridor/pki';
import { initCa, issueKafkaIdentity, writePkcs12Keystore } from './pki-files';

const openssl = (dir: string, args: string[]) => {
  const result = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
};

describe.each(['rsa', 'ec'] as const)('pki files on a %s regional root', (keyType) => {
  let dir: string;

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), `corridor-pki-files-${keyType}-`));
  });
  afterAll(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('init makes the root of the key type asked for, and a broker keystore keeps its certificate verifiable', async () => {
    const caDir = path.join(dir, 'ca');
    await initCa({ dir: caDir, passphrase: 'ca-pass', keyType });
    expect(rootKeyType({ caCertPem: fs.readFileSync(path.join(caDir, 'ca.pem'), 'utf8') })).toBe(keyType);
    const files = await issueKafkaIdentity({
      caDir,
      caPassphrase: 'ca-pass',
      outDir: path.join(dir, 'node'),
      name: 'kafka-node-1',
      principal: 'kafka-node-1',
      role: 'broker',
      hosts: ['127.0.0.1'],
      keyPassphrase: 'node-pass',
    });
    expect(kafkaPrincipalOf(files.certPem)).toBe('kafka-node-1');
    const keystore = path.join(dir, 'node', 'keystore.p12');
    writePkcs12Keystore(
      keystore,
      decryptPrivateKey({ encryptedPem: fs.readFileSync(files.keyFile, 'utf8'), passphrase: 'node-pass' }),
      files.certPem,
      'node-pass',
    );
    const extracted = openssl(dir, ['pkcs12', '-in', keystore, '-nokeys', '-passin', 'pass:node-pass']);
    expect(extracted.status).toBe(0);
    const pem = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(extracted.output)?.[0];
    expect(pem && describeCertificate(pem).fingerprint).toBe(describeCertificate(files.certPem).fingerprint);
    fs.writeFileSync(path.join(dir, 'from-keystore.pem'), `${pem}\n`);
    const verified = openssl(dir, ['verify', '-CAfile', files.caFile, 'from-keystore.pem']);
    expect(verified.output).toContain('from-keystore.pem: OK');
  });
});
