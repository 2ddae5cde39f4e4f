// Transport security of every Kafka connection: mutual TLS 1.3 with certificates from the regional CA. The broker
// refuses a client without a certificate, with one from another CA or an expired one at the TLS handshake, its
// controller listener likewise, and a gateway whose TLS certificate was revoked is authorized for nothing from the
// secretariat's answer on. A service with an unusable certificate stops at start with one line.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { decryptPrivateKey } from '@corridor/pki';
import { ConfigError, loadKafkaTls, probeKafkaTls } from '@corridor/platform';
import { initCa, issueKafkaIdentity, kafkaIdentityFiles } from '../apps/cli/src/pki-files';
import { clientTls } from '../scripts/lib/kafka-broker';
import { Network } from '../scripts/lib/network';
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

function foreignCa(): { dir: string; passphrase: string } {
  const ca = {
    dir: path.join(runDir(), `foreign-ca-${randomBytes(4).toString('hex')}`),
    passphrase: 'foreign-ca-pass',
  };
  initCa({ dir: ca.dir, passphrase: ca.passphrase, commonName: 'Not the regional CA' });
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
    const other = await identity({ ca: foreignCa(), principal: 'gw-ne' });
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
    const other = fs.readFileSync(path.join(foreignCa().dir, 'ca.pem'), 'utf8');
    expect(await handshake(broker().brokers[0], { ...admin, ca: other })).toMatch(
      /broker's certificate does not verify/,
    );
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
      caDir: opts.foreign ? foreignCa().dir : testCa().dir,
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
});
