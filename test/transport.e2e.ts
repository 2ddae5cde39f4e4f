// Transport security of every Kafka connection: mutual TLS 1.3 with certificates from the regional CA. The broker
// refuses a client without a certificate, with one from another CA or an expired one at the TLS handshake, its
// controller listener likewise, and a gateway whose TLS certificate was revoked is authorized for nothing from the
// secretariat's answer on. A service with an unusable certificate stops at start with one line.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { decryptPrivateKey } from '@corridor/pki';
import { ConfigError, loadKafkaTls, probeKafkaTls } from '@corridor/platform';
import { initCa, issueKafkaIdentity, kafkaIdentityFiles } from '../apps/cli/src/pki-files';
import { clientTls, jarsDir } from '../scripts/lib/kafka-broker';
import { Network } from '../scripts/lib/network';
import { freePort } from '../scripts/lib/prereqs';
import { kafkaAs, testBroker, testCa } from './harness/broker';
import { createTestDatabase } from './harness/databases';
import { startTestNetwork } from './harness/network';

const runDir = (): string => process.env.CORRIDOR_TEST_RUN_DIR!;

/** A transport identity issued for `principal` by `ca`, its key decrypted: what kafkajs and tls.connect take. */
async function identity(opts: {
  ca: { dir: string; passphrase: string };
  principal: string;
  notBefore?: Date;
  validityDays?: number;
}): Promise<{ ca: string; cert: string; key: string; files: ReturnType<typeof kafkaIdentityFiles> }> {
  const out = path.join(runDir(), `transport-${randomBytes(4).toString('hex')}`);
  const passphrase = randomBytes(12).toString('hex');
  await issueKafkaIdentity({
    caDir: opts.ca.dir,
    caPassphrase: opts.ca.passphrase,
    outDir: out,
    name: 'kafka-client',
    principal: opts.principal,
    role: 'client',
    keyPassphrase: passphrase,
    notBefore: opts.notBefore,
    validityDays: opts.validityDays,
  });
  const files = kafkaIdentityFiles(out);
  // The run's root, whatever CA issued the client certificate: the client trusts the real broker.
  return {
    ca: fs.readFileSync(testBroker().tls.caFile, 'utf8'),
    cert: fs.readFileSync(files.certFile, 'utf8'),
    key: decryptPrivateKey({ encryptedPem: fs.readFileSync(files.keyFile, 'utf8'), passphrase }),
    files,
  };
}

async function foreignCa(): Promise<{ dir: string; passphrase: string }> {
  const ca = {
    dir: path.join(runDir(), `foreign-ca-${randomBytes(4).toString('hex')}`),
    passphrase: 'foreign-ca-pass',
  };
  await initCa({ dir: ca.dir, passphrase: ca.passphrase, commonName: 'Not the regional CA' });
  return ca;
}

/** One TLS handshake and one ApiVersions round trip; the broker's refusal comes back as a ConfigError. */
async function handshake(broker: string, tls: { ca: string; cert?: string; key?: string }): Promise<string> {
  try {
    await probeKafkaTls({
      brokers: [broker],
      tls: { ca: tls.ca, cert: tls.cert ?? '', key: tls.key ?? '' },
      files: { certFile: 'client', caFile: 'ca' },
      issueCommand: '-',
      timeoutMs: 5000,
    });
    return 'accepted';
  } catch (err) {
    if (err instanceof ConfigError) {
      return err.message;
    }
    throw err;
  }
}

describe('transport: mutual TLS on every listener', () => {
  const broker = () => testBroker();
  const ca = () => fs.readFileSync(broker().tls.caFile, 'utf8');

  it('accepts a certificate from the regional CA on the client and the controller listener', async () => {
    const admin = clientTls(broker(), 'admin') as { ca: string; cert: string; key: string };
    expect(await handshake(broker().brokers[0], admin)).toBe('accepted');
    const node = clientTls(broker(), 'kafka-node-1') as { ca: string; cert: string; key: string };
    expect(await handshake(broker().controllers[0], node)).toBe('accepted');
  });

  it('refuses a client without a certificate at the handshake, on the client and the controller listener', async () => {
    for (const address of [broker().brokers[0], broker().controllers[0]]) {
      expect(await handshake(address, { ca: ca() })).toMatch(/refused the client certificate/);
    }
    // kafkajs, as an admin client would: no connection at all, on either listener.
    for (const address of [broker().brokers[0], broker().controllers[0]]) {
      const admin = new Kafka({
        clientId: 'no-cert',
        brokers: [address],
        ssl: { ca: ca(), servername: '' },
        retry: { retries: 0 },
        connectionTimeout: 3000,
        logLevel: logLevel.NOTHING,
      }).admin();
      await expect(admin.connect()).rejects.toThrow();
      await admin.disconnect().catch(() => undefined);
    }
  });

  it('refuses a certificate from another CA, even with the subject of a real principal', async () => {
    const other = await identity({ ca: await foreignCa(), principal: 'gw-ne' });
    for (const address of [broker().brokers[0], broker().controllers[0]]) {
      expect(await handshake(address, other)).toMatch(/refused the client certificate/);
    }
    const admin = new Kafka({
      clientId: 'foreign',
      brokers: [broker().controllers[0]],
      ssl: { ca: other.ca, cert: other.cert, key: other.key, servername: '' },
      retry: { retries: 0 },
      connectionTimeout: 3000,
      logLevel: logLevel.NOTHING,
    }).admin();
    await expect(admin.connect()).rejects.toThrow();
    await admin.disconnect().catch(() => undefined);
  });

  it('refuses an expired certificate of the regional CA', async () => {
    const expired = await identity({
      ca: testCa(),
      principal: 'gw-ne',
      notBefore: new Date(Date.now() - 3 * 86400_000),
      validityDays: 1,
    });
    for (const address of [broker().brokers[0], broker().controllers[0]]) {
      expect(await handshake(address, expired)).toMatch(/refused the client certificate/);
    }
  });

  it('the client refuses a broker whose certificate is not from its CA', async () => {
    const admin = clientTls(broker(), 'admin') as { cert: string; key: string };
    const other = fs.readFileSync(path.join((await foreignCa()).dir, 'ca.pem'), 'utf8');
    expect(await handshake(broker().brokers[0], { ...admin, ca: other })).toMatch(
      /broker's certificate does not verify/,
    );
  });
});

/**
 * Kafka's own ConfigCommand (in the broker jars) sent straight to the controllers with --bootstrap-controller (KIP-919,
 * the path the attack in #14 used with AclCommand). Returns the exit code and the output's error lines.
 */
function configCommandAtController(opts: {
  controller: string;
  keystore?: { file: string; password: string };
  args: string[];
}): { status: number | null; output: string } {
  const props = path.join(runDir(), `admin-${randomBytes(4).toString('hex')}.properties`);
  fs.writeFileSync(
    props,
    [
      'security.protocol=SSL',
      'ssl.truststore.type=PEM',
      `ssl.truststore.location=${testBroker().tls.caFile}`,
      'ssl.endpoint.identification.algorithm=https',
      'request.timeout.ms=5000',
      'default.api.timeout.ms=15000',
      ...(opts.keystore
        ? [
            'ssl.keystore.type=PKCS12',
            `ssl.keystore.location=${opts.keystore.file}`,
            `ssl.keystore.password=${opts.keystore.password}`,
            `ssl.key.password=${opts.keystore.password}`,
          ]
        : []),
    ].join('\n'),
    { mode: 0o600 },
  );
  const r = spawnSync(
    'java',
    [
      '-Xmx128m',
      '-XX:TieredStopAtLevel=1',
      '-cp',
      `${jarsDir()}/*`,
      'kafka.admin.ConfigCommand',
      '--bootstrap-controller',
      opts.controller,
      '--command-config',
      props,
      ...opts.args,
    ],
    { encoding: 'utf8', timeout: 60_000 },
  );
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

/** A PKCS#12 keystore (what Kafka's Java tools take) of one of the run's client identities. */
function keystoreOf(principal: string): { file: string; password: string } {
  const identity = testBroker().tls.clients[principal];
  const file = path.join(runDir(), `${principal}-${randomBytes(4).toString('hex')}.p12`);
  const password = randomBytes(12).toString('hex');
  const r = spawnSync('openssl', [
    'pkcs12',
    '-export',
    '-in',
    identity.certFile,
    '-inkey',
    identity.keyFile,
    '-passin',
    `pass:${testBroker().tls.keyPassphrase}`,
    '-passout',
    `pass:${password}`,
    '-out',
    file,
  ]);
  if (r.status !== 0) {
    throw new Error(`openssl pkcs12 failed: ${r.stderr.toString()}`);
  }
  return { file, password };
}

describe("transport: admin requests straight to the controllers (Kafka's --bootstrap-controller)", () => {
  const alter = [
    '--entity-type',
    'brokers',
    '--entity-name',
    '1',
    '--alter',
    '--add-config',
    'log.cleaner.threads=2',
  ];

  it('refuses a request without a client certificate at the TLS handshake', () => {
    const r = configCommandAtController({ controller: testBroker().controllers[0], args: alter });
    expect(r.status).not.toBe(0);
    expect(r.output).toMatch(/SslAuthenticationException/);
    expect(r.output).toMatch(/bad_certificate/);
  });

  it("refuses a regional certificate that is not a node's (a gateway's): not authorized", () => {
    const r = configCommandAtController({
      controller: testBroker().controllers[0],
      keystore: keystoreOf('gw-ne'),
      args: alter,
    });
    expect(r.status).not.toBe(0);
    expect(r.output).toMatch(/ClusterAuthorizationException|not authorized/i);
  });

  it("answers a node's own certificate (the tool and the path work: the refusals above are the broker's)", () => {
    const r = configCommandAtController({
      controller: testBroker().controllers[0],
      keystore: keystoreOf('kafka-node-1'),
      args: ['--entity-type', 'brokers', '--entity-name', '1', '--describe'],
    });
    expect(r.output).toMatch(/Dynamic configs for broker 1/);
    expect(r.status).toBe(0);
  });
});

describe('transport: revoking a gateway cuts its broker access', () => {
  let net: Network;

  beforeAll(async () => {
    net = await startTestNetwork({
      label: 'transport',
      countries: ['LY', 'IT'],
      agreements: [
        {
          parties: ['LY', 'IT'],
          purpose: 'test',
          directions: [
            { from: 'LY', to: 'IT', categories: ['BULLETIN'], maxClassification: 'AMBER' },
            { from: 'IT', to: 'LY', categories: ['BULLETIN'], maxClassification: 'AMBER' },
          ],
        },
      ],
    });
  });
  afterAll(async () => net?.stop());

  it("refuses the gateway's next request once its TLS client certificate is revoked (measured)", async () => {
    const topic = `${net.opts.topicPrefix}.x.LY.IT`;
    // What the LY gateway holds: its own transport certificate, from its trust directory.
    const files = kafkaIdentityFiles(net.gateways.LY.trustDir);
    const secrets = JSON.parse(fs.readFileSync(path.join(net.opts.dir, 'secrets.json'), 'utf8')) as {
      gateways: Record<string, { keyPassphrase: string }>;
    };
    const tls = loadKafkaTls({ ...files, passphrase: secrets.gateways.LY.keyPassphrase, issueCommand: '-' });
    const producer = new Kafka({
      clientId: 'ly-transport',
      brokers: net.opts.broker.brokers,
      ssl: { ...tls, servername: '' },
      retry: { retries: 0 },
      logLevel: logLevel.NOTHING,
    }).producer({ retry: { retries: 0 } });
    await producer.connect();
    await expect(producer.send({ topic, acks: -1, messages: [{ value: 'before' }] })).resolves.toBeDefined();

    const certs = await net.secretariatCall<
      { fingerprint: string; country: string; purpose: string; revokedAt: string | null }[]
    >('GET', '/v1/certificates');
    const lyTls = certs.find((c) => c.country === 'LY' && c.purpose === 'kafka-client' && !c.revokedAt)!;
    const started = Date.now();
    const res = await net.secretariatCall<{ brokerAccessCut: boolean }>(
      'POST',
      `/v1/certificates/${lyTls.fingerprint}/revoke`,
      { reason: 'key compromise (test)' },
    );
    const answered = Date.now() - started;
    expect(res.brokerAccessCut).toBe(true);
    let refusedAfter = -1;
    for (let i = 0; i < 200 && refusedAfter < 0; i += 1) {
      try {
        await producer.send({ topic, acks: -1, messages: [{ value: `after ${i}` }] });
        await new Promise((r) => setTimeout(r, 25));
      } catch (err) {
        expect((err as Error).message).toMatch(/authoriz/i);
        refusedAfter = Date.now() - started;
      }
    }
    await producer.disconnect();
    process.stdout.write(
      `\n[transport] revocation: the secretariat answered in ${answered} ms; the broker refused LY's next produce ${refusedAfter} ms after the request\n`,
    );
    expect(refusedAfter).toBeGreaterThanOrEqual(0);
    expect(refusedAfter).toBeLessThan(10_000);
    // A fresh connection with the revoked certificate: the handshake succeeds (the broker reads no CRL), and every
    // request is refused.
    const again = new Kafka({
      clientId: 'ly-again',
      brokers: net.opts.broker.brokers,
      ssl: { ...tls, servername: '' },
      retry: { retries: 0 },
      logLevel: logLevel.NOTHING,
    }).producer({ retry: { retries: 0 } });
    await again.connect();
    await expect(again.send({ topic, acks: -1, messages: [{ value: 'x' }] })).rejects.toThrow(/authoriz/i);
    await again.disconnect();
    // Other principals keep their access.
    const it = kafkaAs('admin', 'transport-admin').admin();
    await it.connect();
    expect(await it.listTopics()).toContain(topic);
    await it.disconnect();
  });
});

describe('transport: an unusable certificate at start', () => {
  async function startGateway(
    trustDir: string,
  ): Promise<{ code: number | null; stderr: string; ms: number }> {
    const started = Date.now();
    const child = spawn(process.execPath, [path.join(__dirname, '..', 'dist/apps/gateway/src/main.js')], {
      env: {
        PATH: process.env.PATH ?? '',
        GATEWAY_COUNTRY: 'NE',
        PORT: '0',
        DATABASE_URL: await createTestDatabase('transport_start'),
        KAFKA_BROKERS: testBroker().brokers.join(','),
        TRUST_DIR: trustDir,
        KEY_PASSPHRASE: 'a-passphrase-of-the-test',
        AUTH_DEV_TOKEN_SECRET: 'x'.repeat(40),
        LOG_LEVEL: 'fatal',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    const code = await new Promise<number | null>((r) => child.once('exit', r));
    clearTimeout(timer);
    return { code, stderr: stderr.trim(), ms: Date.now() - started };
  }

  async function trustDirWith(opts: { notBefore?: Date; validityDays?: number; foreign?: boolean }) {
    const dir = path.join(runDir(), `trust-${randomBytes(4).toString('hex')}`);
    await issueKafkaIdentity({
      caDir: opts.foreign ? (await foreignCa()).dir : testCa().dir,
      caPassphrase: opts.foreign ? 'foreign-ca-pass' : testCa().passphrase,
      outDir: dir,
      name: 'kafka-client',
      principal: 'gw-ne',
      role: 'client',
      keyPassphrase: 'a-passphrase-of-the-test',
      notBefore: opts.notBefore,
      validityDays: opts.validityDays,
    });
    return dir;
  }

  it('names the missing, expired or foreign certificate and the command, and exits 1', async () => {
    const empty = path.join(runDir(), 'trust-empty');
    fs.mkdirSync(empty, { recursive: true });
    const cases = [
      { dir: empty, expect: /kafka-client\.pem is missing/ },
      {
        dir: await trustDirWith({ notBefore: new Date(Date.now() - 3 * 86400_000), validityDays: 1 }),
        expect: /kafka-client\.pem expired on/,
      },
      { dir: await trustDirWith({ foreign: true }), expect: /broker's certificate does not verify/ },
    ];
    for (const c of cases) {
      const r = await startGateway(c.dir);
      expect(r.code).toBe(1);
      expect(r.stderr.split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(c.expect);
      expect(r.stderr).toMatch(/corridor pki issue --renew --country NE --dir/);
    }
  });

  it("names a key that does not belong to the gateway's certificate, and exits 1", async () => {
    const dir = await trustDirWith({});
    const other = await trustDirWith({});
    fs.copyFileSync(kafkaIdentityFiles(other).keyFile, kafkaIdentityFiles(dir).keyFile);
    const r = await startGateway(dir);
    expect(r.code).toBe(1);
    expect(r.stderr.split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/kafka-client\.key\.pem does not belong to .*kafka-client\.pem/);
    expect(r.stderr).toMatch(/corridor pki issue --renew --country NE --dir/);
  });

  async function startSecretariat(caDir: string): Promise<{ code: number | null; stderr: string }> {
    const child = spawn(process.execPath, [path.join(__dirname, '..', 'dist/apps/secretariat/src/main.js')], {
      env: {
        PATH: process.env.PATH ?? '',
        PORT: '0',
        DATABASE_URL: await createTestDatabase('transport_sec_start'),
        KAFKA_BROKERS: testBroker().brokers.join(','),
        CA_DIR: caDir,
        CA_PASSPHRASE: testCa().passphrase,
        AUTH_DEV_TOKEN_SECRET: 'y'.repeat(40),
        LOG_LEVEL: 'fatal',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    const code = await new Promise<number | null>((r) => child.once('exit', r));
    clearTimeout(timer);
    return { code, stderr: stderr.trim() };
  }

  it("names the secretariat's missing or expired Kafka certificate and the command, and exits 1", async () => {
    const caDir = path.join(runDir(), `sec-ca-${randomBytes(4).toString('hex')}`);
    fs.mkdirSync(caDir, { recursive: true });
    for (const f of ['ca.pem', 'ca.key.pem']) {
      fs.copyFileSync(path.join(testCa().dir, f), path.join(caDir, f));
    }
    const missing = await startSecretariat(caDir);
    expect(missing.code).toBe(1);
    expect(missing.stderr.split('\n')).toHaveLength(1);
    expect(missing.stderr).toMatch(/kafka-client\.pem is missing/);
    expect(missing.stderr).toMatch(/corridor pki kafka-cert --principal secretariat/);
    await issueKafkaIdentity({
      caDir: testCa().dir,
      caPassphrase: testCa().passphrase,
      outDir: caDir,
      name: 'kafka-client',
      principal: 'secretariat',
      role: 'client',
      keyPassphrase: testCa().passphrase,
      notBefore: new Date(Date.now() - 3 * 86400_000),
      validityDays: 1,
    });
    const expired = await startSecretariat(caDir);
    expect(expired.code).toBe(1);
    expect(expired.stderr.split('\n')).toHaveLength(1);
    expect(expired.stderr).toMatch(/kafka-client\.pem expired on/);
    expect(expired.stderr).toMatch(/corridor pki kafka-cert --principal secretariat/);
  });

  /** The broker script against a broker directory whose node certificate was replaced (nothing is started). */
  function brokerScriptWith(replace: (node: { certFile: string; keyFile: string }) => Promise<void>) {
    return async (): Promise<{ code: number | null; out: string }> => {
      const dir = path.join(runDir(), `broker-${randomBytes(4).toString('hex')}`);
      const info = testBroker();
      fs.mkdirSync(path.join(dir, 'node-1'), { recursive: true });
      fs.mkdirSync(path.join(dir, 'clients'), { recursive: true });
      const copy = (from: string, to: string) => {
        fs.copyFileSync(from, to);
        return to;
      };
      const node = {
        certFile: copy(
          info.tls.clients['kafka-node-1'].certFile,
          path.join(dir, 'node-1', 'kafka-node-1.pem'),
        ),
        keyFile: copy(
          info.tls.clients['kafka-node-1'].keyFile,
          path.join(dir, 'node-1', 'kafka-node-1.key.pem'),
        ),
      };
      const admin = {
        certFile: copy(info.tls.clients.admin.certFile, path.join(dir, 'clients', 'admin.pem')),
        keyFile: copy(info.tls.clients.admin.keyFile, path.join(dir, 'clients', 'admin.key.pem')),
      };
      await replace(node);
      const ports = { clientPort: await freePort(), controllerPort: await freePort() };
      fs.writeFileSync(
        path.join(dir, 'broker.json'),
        JSON.stringify({
          dir,
          ...ports,
          brokers: [`127.0.0.1:${ports.clientPort}`],
          controllers: [`127.0.0.1:${ports.controllerPort}`],
          nodes: [{ id: 1, ...ports }],
          tls: {
            caFile: copy(info.tls.caFile, path.join(dir, 'ca.pem')),
            keyPassphrase: info.tls.keyPassphrase,
            clients: { 'kafka-node-1': node, admin },
          },
        }),
      );
      const r = spawnSync(
        path.join(__dirname, '..', 'node_modules', '.bin', 'tsx'),
        ['scripts/kafka.ts', 'start'],
        {
          cwd: path.join(__dirname, '..'),
          env: { ...process.env, CORRIDOR_KAFKA_DIR: dir, CORRIDOR_HOME: path.join(dir, 'home') },
          encoding: 'utf8',
          timeout: 60_000,
        },
      );
      return { code: r.status, out: `${r.stdout}${r.stderr}`.trim() };
    };
  }

  it('the broker script names an expired or mismatched node certificate and the command, and exits 1', async () => {
    const expired = await brokerScriptWith(async (node) => {
      const out = path.join(runDir(), `expired-node-${randomBytes(4).toString('hex')}`);
      await issueKafkaIdentity({
        caDir: testCa().dir,
        caPassphrase: testCa().passphrase,
        outDir: out,
        name: 'kafka-node-1',
        principal: 'kafka-node-1',
        role: 'broker',
        hosts: ['127.0.0.1'],
        keyPassphrase: testBroker().tls.keyPassphrase,
        notBefore: new Date(Date.now() - 3 * 86400_000),
        validityDays: 1,
      });
      fs.copyFileSync(path.join(out, 'kafka-node-1.pem'), node.certFile);
      fs.copyFileSync(path.join(out, 'kafka-node-1.key.pem'), node.keyFile);
    })();
    const mismatched = await brokerScriptWith(async (node) => {
      fs.copyFileSync(testBroker().tls.clients.admin.keyFile, node.keyFile);
    })();
    for (const [r, what] of [
      [expired, /kafka-node-1\.pem expired on/],
      [mismatched, /kafka-node-1\.key\.pem does not belong to/],
    ] as const) {
      expect(r.code).toBe(1);
      const errors = r.out.split('\n').filter((l) => l.startsWith('[kafka] error'));
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatch(what);
      expect(errors[0]).toMatch(/npm run kafka -- certs/);
    }
  });
});
