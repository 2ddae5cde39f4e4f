// The `corridor` CLI as an operator runs it: the built binary as a child process against a real network
// (secretariat + gateways LY, IT, TN on the run's broker). Every error is one line on stderr with the
// right exit code; what the CLI says happened did happen at the services.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { io } from 'socket.io-client';
import { createRevocationList, decryptPrivateKey, describeCertificate } from '@corridor/pki';
import { freePort } from '../scripts/lib/prereqs';
import type { Network } from '../scripts/lib/network';
import { eventually, startTestNetwork } from './harness/network';

const ROOT = path.join(__dirname, '..');
const CLI = path.join(ROOT, 'dist', 'apps', 'cli', 'src', 'main.js');
const FIXTURES = path.join(__dirname, 'fixtures', 'cli');
const fixture = (name: string): string => path.join(FIXTURES, name);

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

interface RunningCli {
  child: ReturnType<typeof spawn>;
  done: Promise<CliResult>;
  /** stdout so far, while it runs */
  stdout(): string;
}

/** Starts the built CLI with only the environment given (no CORRIDOR_* leaks in from the caller). */
function start(args: string[], env: Record<string, string> = {}): RunningCli {
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: os.tmpdir(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<CliResult>((resolve) =>
    child.on('close', (code) => resolve({ code, stdout, stderr })),
  );
  return { child, done, stdout: () => stdout };
}

async function corridor(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return start(args, env).done;
}

/** Exactly one stderr line `corridor: <what> — <what to do>`, the exit code, no stack trace. */
function expectFailure(r: CliResult, code: 1 | 2, ...patterns: RegExp[]): string {
  const lines = r.stderr.split('\n').filter((l) => l.length > 0);
  expect({ code: r.code, lines }).toEqual({ code, lines: [expect.stringMatching(/^corridor: .+ — .+/)] });
  for (const p of patterns) {
    expect(lines[0]).toMatch(p);
  }
  expect(r.stderr).not.toMatch(/^\s+at /m);
  return lines[0];
}

function expectSuccess(r: CliResult): void {
  expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
}

/** The CLI's files for this test file, inside the run's directory; removed when the file's tests end. */
const TEMP_ROOT = fs.mkdtempSync(
  path.join(process.env.CORRIDOR_TEST_RUN_DIR ?? os.tmpdir(), 'corridor-cli-'),
);
afterAll(() => fs.rmSync(TEMP_ROOT, { recursive: true, force: true }));

function tempDir(label: string): string {
  return fs.mkdtempSync(path.join(TEMP_ROOT, `${label}-`));
}

async function getJson<T>(url: string, token: string): Promise<{ status: number; body: T }> {
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, body: (await res.json()) as T };
}

const VERBS: string[][] = [
  [],
  ['pki'],
  ['pki', 'init'],
  ['pki', 'csr'],
  ['pki', 'issue'],
  ['pki', 'revoke'],
  ['pki', 'verify'],
  ['agreement'],
  ['agreement', 'propose'],
  ['agreement', 'sign'],
  ['agreement', 'activate'],
  ['agreement', 'suspend'],
  ['agreement', 'resume'],
  ['agreement', 'terminate'],
  ['agreement', 'list'],
  ['agreement', 'show'],
  ['alert'],
  ['alert', 'publish'],
  ['alert', 'show'],
  ['alert', 'withdraw'],
  ['alert', 'outbox'],
  ['outbox'],
  ['desk'],
  ['desk', 'tail'],
  ['audit'],
  ['audit', 'export'],
  ['audit', 'verify'],
  ['token'],
  ['token', 'issue'],
  ['status'],
];

describe('corridor CLI: offline', () => {
  it('answers --help on every verb with usage on stdout and exit 0', async () => {
    const results = await Promise.all(VERBS.map((v) => corridor([...v, '--help'])));
    results.forEach((r, i) => {
      expect({ verb: VERBS[i].join(' '), code: r.code, stderr: r.stderr }).toEqual({
        verb: VERBS[i].join(' '),
        code: 0,
        stderr: '',
      });
      expect(r.stdout).toContain(`Usage: corridor${VERBS[i].length ? ` ${VERBS[i].join(' ')}` : ''}`);
    });
  });

  it('turns usage mistakes into one line and exit 2', async () => {
    expectFailure(await corridor(['pki']), 2, /pki needs a subcommand/, /corridor pki --help/);
    expectFailure(await corridor(['nonsense']), 2, /unknown command 'nonsense'/);
    expectFailure(await corridor(['agreement', 'show']), 2, /required option '--id <id>'/);
    expectFailure(await corridor(['alert', 'publish', '--to', 'italy']), 2, /--to/);
    expectFailure(
      await corridor(['alert', 'publish', '--file', '/nonexistent/alert.json']),
      2,
      /--file \/nonexistent\/alert.json: no such file/,
    );
    expectFailure(
      await corridor(['agreement', 'propose', '--file', fixture('agreement-bad-classification.json')]),
      2,
      /directions\[0\]\.maxClassification/,
    );
    expectFailure(
      await corridor(['alert', 'publish', '--file', fixture('alert-unknown-field.json')]),
      2,
      /bulletin\.colour is not a known field/,
    );
  });

  it('pki init creates ca.pem and an encrypted ca.key.pem (mode 600), then refuses to overwrite it', async () => {
    const dir = path.join(tempDir('ca'), 'ca');
    const passFile = path.join(path.dirname(dir), 'pass');
    fs.writeFileSync(passFile, 'correct horse battery staple\n', { mode: 0o600 });
    const created = await corridor(['--json', 'pki', 'init', '--dir', dir, '--passphrase-file', passFile]);
    expectSuccess(created);
    const out = JSON.parse(created.stdout) as { fingerprint: string };
    expect(out.fingerprint).toBe(
      describeCertificate(fs.readFileSync(path.join(dir, 'ca.pem'), 'utf8')).fingerprint,
    );
    const key = path.join(dir, 'ca.key.pem');
    expect(fs.statSync(key).mode & 0o777).toBe(0o600);
    expect(fs.readFileSync(key, 'utf8')).toMatch(/^-----BEGIN ENCRYPTED PRIVATE KEY-----/);
    expect(created.stdout).not.toContain('correct horse');

    const again = await corridor(['pki', 'init', '--dir', dir, '--passphrase-file', passFile]);
    expectFailure(again, 2, /a CA already exists/);

    const plain = await corridor(['pki', 'init', '--dir', `${dir}-2`, '--passphrase', 'hunter2-secret']);
    const line = expectFailure(plain, 2, /never taken as a command-line value/);
    expect(line).not.toContain('hunter2-secret');
    expect(fs.existsSync(`${dir}-2`)).toBe(false);
    expectFailure(await corridor(['pki', 'init', '--dir', `${dir}-3`]), 2, /no passphrase/);
  });

  it('pki init --key-type ec creates a P-256 root; another key type is a usage error', async () => {
    const dir = path.join(tempDir('ca-ec'), 'ca');
    const passFile = path.join(path.dirname(dir), 'pass');
    fs.writeFileSync(passFile, 'correct horse battery staple\n', { mode: 0o600 });
    const created = await corridor([
      '--json',
      'pki',
      'init',
      '--key-type',
      'ec',
      '--dir',
      dir,
      '--passphrase-file',
      passFile,
    ]);
    expectSuccess(created);
    expect((JSON.parse(created.stdout) as { keyType: string }).keyType).toBe('ec');
    const root = describeCertificate(fs.readFileSync(path.join(dir, 'ca.pem'), 'utf8'));
    expect([root.isCa, root.publicKey.asymmetricKeyDetails?.namedCurve]).toEqual([true, 'prime256v1']);
    expectFailure(
      await corridor([
        'pki',
        'init',
        '--key-type',
        'dsa',
        '--dir',
        `${dir}-2`,
        '--passphrase-file',
        passFile,
      ]),
      2,
      /key-type/,
    );
    expect(fs.existsSync(`${dir}-2`)).toBe(false);
  });
});

describe('corridor CLI: against a real network', () => {
  let net: Network;
  let secretariatEnv: Record<string, string>;
  let lyPublisherEnv: Record<string, string>;
  let itOfficer: string;
  const published: string[] = [];

  beforeAll(async () => {
    net = await startTestNetwork({
      label: 'cli',
      countries: ['LY', 'IT', 'TN'],
      agreements: [
        {
          parties: ['LY', 'IT'],
          purpose: 'cli e2e',
          directions: [
            {
              from: 'LY',
              to: 'IT',
              categories: ['ROUTE', 'DOCUMENT', 'BULLETIN'],
              maxClassification: 'AMBER',
            },
            {
              from: 'IT',
              to: 'LY',
              categories: ['ROUTE', 'DOCUMENT', 'BULLETIN'],
              maxClassification: 'AMBER',
            },
          ],
        },
      ],
    });
    secretariatEnv = {
      CORRIDOR_SECRETARIAT_URL: net.secretariat.url,
      CORRIDOR_SECRETARIAT_TOKEN: net.secretariatAdminToken,
    };
    lyPublisherEnv = {
      CORRIDOR_GATEWAY_URL: net.gateways.LY.url,
      CORRIDOR_TOKEN: net.gateways.LY.token({ roles: ['publisher'], sub: 'ly-coastguard' }),
    };
    itOfficer = net.gateways.IT.token({
      roles: ['officer'],
      sub: 'it-officer-1',
      clearance: 'AMBER',
      categories: ['ROUTE', 'DOCUMENT', 'BULLETIN'],
    });
  }, 180_000);

  afterAll(async () => {
    await net?.stop();
  });

  /** The IT desk feed's latest seq, as the gateway tells a connecting desk. */
  async function deskLatestSeq(): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      const s = io(`${net.gateways.IT.url}/desk`, { auth: { token: itOfficer }, transports: ['websocket'] });
      s.on('hello', (h: { latestSeq: number }) => {
        s.close();
        resolve(h.latestSeq);
      });
      s.on('connect_error', (e) => reject(e));
    });
  }

  async function itInboxHas(alertId: string): Promise<boolean> {
    const inbox = await getJson<{ items: { alertId: string }[] }>(
      `${net.gateways.IT.url}/v1/inbox`,
      itOfficer,
    );
    return inbox.body.items.some((i) => i.alertId === alertId);
  }

  /** Message ids of every outbox row of LY (any status): a refused publication must add none. */
  async function lyOutboxIds(): Promise<string[]> {
    const res = await getJson<{ items: { messageId: string }[] }>(
      `${net.gateways.LY.url}/v1/outbox?limit=500`,
      lyPublisherEnv.CORRIDOR_TOKEN,
    );
    return res.body.items.map((d) => d.messageId);
  }

  it('alert publish from a JSON file prints the id and the partner inbox receives it', async () => {
    const r = await corridor(['alert', 'publish', '--file', fixture('alert-bulletin.json')], lyPublisherEnv);
    expectSuccess(r);
    const id = /^published ([0-9a-f-]{36})/.exec(r.stdout)?.[1];
    expect(id).toBeDefined();
    expect(r.stdout).toMatch(/^\s+IT\s+QUEUED/m);
    published.push(id!);
    await eventually(`alert ${id} in the IT inbox`, async () => ((await itInboxHas(id!)) ? true : undefined));
  });

  it('alert publish from YAML, from flags, and with an idempotency key (same key = same alert)', async () => {
    const yaml = await corridor(
      [
        '--json',
        'alert',
        'publish',
        '--file',
        fixture('alert-route.yaml'),
        '--idempotency-key',
        'cli-e2e-route-1',
      ],
      lyPublisherEnv,
    );
    expectSuccess(yaml);
    const first = JSON.parse(yaml.stdout) as {
      id: string;
      recipients: { country: string; status: string }[];
    };
    expect(first.recipients).toEqual([expect.objectContaining({ country: 'IT', status: 'QUEUED' })]);
    const repeat = await corridor(
      [
        '--json',
        'alert',
        'publish',
        '--file',
        fixture('alert-route.yaml'),
        '--idempotency-key',
        'cli-e2e-route-1',
      ],
      lyPublisherEnv,
    );
    expectSuccess(repeat);
    expect((JSON.parse(repeat.stdout) as { id: string }).id).toBe(first.id);

    const flags = await corridor(
      [
        'alert',
        'publish',
        '--category',
        'BULLETIN',
        '--priority',
        'ROUTINE',
        '--classification',
        'GREEN',
        '--handling',
        'H3',
        '--title',
        'CLI e2e: bulletin from flags',
        '--to',
        'IT',
        '--payload',
        JSON.stringify({ title: 'Weekly note', summary: 'Quiet week', body: 'No departures observed.' }),
      ],
      lyPublisherEnv,
    );
    expectSuccess(flags);
    expect(flags.stdout).toMatch(/^published [0-9a-f-]{36}/);
  });

  it('refuses an alert with a bad MRZ check digit before sending: exit 2, names document.mrz, nothing stored', async () => {
    const before = await lyOutboxIds();
    const r = await corridor(
      ['alert', 'publish', '--file', fixture('alert-document-bad-mrz.json')],
      lyPublisherEnv,
    );
    expectFailure(r, 2, /document\.mrz/, /check digit/);
    expect(r.stdout).toBe('');
    expect(await lyOutboxIds()).toEqual(before);
  });

  it('a category the agreement does not grant: exit 1 naming the rule, nothing queued', async () => {
    const before = await lyOutboxIds();
    const r = await corridor(['alert', 'publish', '--file', fixture('alert-suspect.json')], lyPublisherEnv);
    expectFailure(r, 1, /CATEGORY_NOT_GRANTED/, /SUSPECT/);
    expect(await lyOutboxIds()).toEqual(before);
  });

  it('an unreachable gateway and a wrong token each give one line and exit 1', async () => {
    const closed = await freePort();
    const unreachable = await corridor(['alert', 'publish', '--file', fixture('alert-bulletin.json')], {
      ...lyPublisherEnv,
      CORRIDOR_GATEWAY_URL: `http://127.0.0.1:${closed}`,
    });
    expectFailure(unreachable, 1, /cannot reach the gateway/, new RegExp(`127\\.0\\.0\\.1:${closed}`));

    const itToken = net.gateways.IT.token({ roles: ['publisher'] });
    const wrong = await corridor(['alert', 'publish', '--file', fixture('alert-bulletin.json')], {
      ...lyPublisherEnv,
      CORRIDOR_TOKEN: itToken,
    });
    const line = expectFailure(wrong, 1, /TOKEN_INVALID/, /CORRIDOR_TOKEN/);
    expect(line).not.toContain(itToken);

    const garbage = await corridor(['outbox', '--token', 'not-a-jwt'], lyPublisherEnv);
    expectFailure(garbage, 1, /TOKEN_INVALID/, /--token/);

    const role = await corridor(
      ['audit', 'export', '--out', path.join(tempDir('role'), 'x.json')],
      lyPublisherEnv,
    );
    expectFailure(role, 1, /FORBIDDEN_ROLE/, /auditor/);
  });

  it('alert show, outbox and withdraw', async () => {
    const id = published[0];
    const show = await corridor(['--json', 'alert', 'show', '--id', id], lyPublisherEnv);
    expectSuccess(show);
    const shown = JSON.parse(show.stdout) as { state: string; deliveries: { recipient: string }[] };
    expect(shown.deliveries.map((d) => d.recipient)).toEqual(['IT']);

    const outbox = await corridor(['outbox', '--recipient', 'IT'], lyPublisherEnv);
    expectSuccess(outbox);
    expect(outbox.stdout).toContain(id);
    expectFailure(
      await corridor(['outbox', '--status', 'LOST'], lyPublisherEnv),
      2,
      /--status must be one of/,
    );
    expectFailure(
      await corridor(['alert', 'show', '--id', 'not-a-uuid'], lyPublisherEnv),
      2,
      /not an alert id/,
    );

    const withdrawn = await corridor(
      ['alert', 'withdraw', '--id', id, '--reason', 'cli e2e'],
      lyPublisherEnv,
    );
    expectSuccess(withdrawn);
    expect(withdrawn.stdout).toContain(`withdrawn ${id}`);
    const again = await corridor(['alert', 'withdraw', '--id', id, '--reason', 'twice'], lyPublisherEnv);
    expectFailure(again, 1, /ALERT_WITHDRAWN/);
  });

  it('desk tail --count 1 prints an alert published meanwhile; a refused token exits 1 with the reason', async () => {
    const latestSeq = await deskLatestSeq();
    const tail = start(['--json', 'desk', 'tail', '--from', String(latestSeq + 1), '--count', '1'], {
      CORRIDOR_GATEWAY_URL: net.gateways.IT.url,
      CORRIDOR_TOKEN: itOfficer,
    });
    const pub = await corridor(
      ['--json', 'alert', 'publish', '--file', fixture('alert-bulletin.json')],
      lyPublisherEnv,
    );
    expectSuccess(pub);
    const id = (JSON.parse(pub.stdout) as { id: string }).id;
    const timer = setTimeout(() => tail.child.kill('SIGKILL'), 30_000);
    const r = await tail.done;
    clearTimeout(timer);
    expectSuccess(r);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0])).toMatchObject({
      alertId: id,
      sender: 'LY',
      category: 'BULLETIN',
      event: 'ALERT',
    });

    const refused = await corridor(['desk', 'tail', '--count', '1'], {
      CORRIDOR_GATEWAY_URL: net.gateways.IT.url,
      CORRIDOR_TOKEN: net.gateways.IT.token({ roles: ['publisher'] }),
    });
    expectFailure(refused, 1, /refused the desk connection/, /officer role/);
  });

  it('desk tail prints one line per item (seq, priority, category, sender, title) and exits 0 on SIGINT', async () => {
    const tail = start(['desk', 'tail', '--from', '1'], {
      CORRIDOR_GATEWAY_URL: net.gateways.IT.url,
      CORRIDOR_TOKEN: itOfficer,
    });
    await eventually('the replayed feed', async () => (tail.stdout().includes('\n') ? true : undefined));
    tail.child.kill('SIGINT');
    const r = await tail.done;
    expectSuccess(r);
    expect(r.stdout).toMatch(/^\s*\d+\s+URGENT\s+BULLETIN\s+LY\s+CLI e2e: new forgery pattern/m);
  });

  it('audit export then verify ok; a tampered leaf is named by its index', async () => {
    const dir = tempDir('audit');
    const file = path.join(dir, 'ly-audit.json');
    const auditor = net.gateways.LY.token({ roles: ['auditor'] });
    const exported = await corridor([
      'audit',
      'export',
      '--gateway',
      net.gateways.LY.url,
      '--token',
      auditor,
      '--out',
      file,
    ]);
    expectSuccess(exported);
    const ca = path.join(net.gateways.LY.trustDir, 'ca.pem');
    const ok = await corridor(['audit', 'verify', file, '--ca', ca]);
    expectSuccess(ok);
    const doc = JSON.parse(fs.readFileSync(file, 'utf8')) as {
      leaves: { leafBytesBase64: string }[];
      heads: string[];
    };
    expect(doc.leaves.length).toBeGreaterThan(2);
    expect(ok.stdout).toMatch(
      new RegExp(`^ok: ${doc.leaves.length} leaves, ${doc.heads.length} signed heads`),
    );

    const index = Math.floor(doc.leaves.length / 2);
    const b64 = doc.leaves[index].leafBytesBase64;
    const at = 8;
    doc.leaves[index].leafBytesBase64 = b64.slice(0, at) + (b64[at] === 'A' ? 'B' : 'A') + b64.slice(at + 1);
    const tampered = path.join(dir, 'tampered.json');
    fs.writeFileSync(tampered, JSON.stringify(doc));
    const bad = await corridor(['audit', 'verify', tampered, '--ca', ca]);
    expectFailure(bad, 1, new RegExp(`index ${index}\\b`), /audit log rejected/);
    expect(bad.stdout).toBe('');

    const otherCa = path.join(tempDir('other-ca'), 'ca');
    expectSuccess(await corridor(['pki', 'init', '--dir', otherCa], { CORRIDOR_PASSPHRASE: 'another one' }));
    expectFailure(
      await corridor(['audit', 'verify', file, '--ca', path.join(otherCa, 'ca.pem')]),
      1,
      /CERT_REJECTED/,
    );
  });

  it('agreement list shows the active LY↔IT agreement', async () => {
    const r = await corridor(['agreement', 'list'], secretariatEnv);
    expectSuccess(r);
    expect(r.stdout).toMatch(/^ID\s+PARTIES\s+STATE\s+SIGNED BY/);
    expect(r.stdout).toMatch(/^AG-IT-LY-\S+\s+IT↔LY\s+ACTIVE\s+(IT,LY|LY,IT)\+secretariat$/m);
  });

  it('agreement propose, sign by both parties, activate, then suspend a new pair (LY↔TN)', async () => {
    const proposed = await corridor(
      ['--json', 'agreement', 'propose', '--file', fixture('agreement-ly-tn.yaml')],
      secretariatEnv,
    );
    expectSuccess(proposed);
    const { id, state } = JSON.parse(proposed.stdout) as { id: string; state: string };
    expect(state).toBe('PROPOSED');

    const tooEarly = await corridor(['agreement', 'activate', '--id', id], secretariatEnv);
    expectFailure(tooEarly, 1, /INVALID_TRANSITION/);

    for (const party of ['LY', 'TN']) {
      const signed = await corridor(
        [
          'agreement',
          'sign',
          '--id',
          id,
          '--gateway',
          net.gateways[party].url,
          '--gateway-token',
          net.gateways[party].token({ roles: ['admin'] }),
        ],
        secretariatEnv,
      );
      expectSuccess(signed);
      expect(signed.stdout).toContain(`${party} signed ${id}`);
    }
    const activated = await corridor(['agreement', 'activate', '--id', id], secretariatEnv);
    expectSuccess(activated);
    expect(activated.stdout.trim()).toBe(`${id}: ACTIVE`);
    await net.waitForAgreement('TN', 'LY', 'ACTIVE');

    expectFailure(await corridor(['agreement', 'suspend', '--id', id], secretariatEnv), 2, /needs --reason/);
    const suspended = await corridor(
      ['--json', 'agreement', 'suspend', '--id', id, '--reason', 'cli e2e: data incident review'],
      secretariatEnv,
    );
    expectSuccess(suspended);
    expect(JSON.parse(suspended.stdout)).toMatchObject({ id, state: 'SUSPENDED' });
    const shown = await corridor(['agreement', 'show', '--id', id], secretariatEnv);
    expectSuccess(shown);
    expect(shown.stdout).toMatch(/state\s+SUSPENDED/);
    expect(shown.stdout).toContain('cli e2e: data incident review');

    const resumed = await corridor(['agreement', 'resume', '--id', id], secretariatEnv);
    expectSuccess(resumed);
    expect(resumed.stdout.trim()).toBe(`${id}: ACTIVE`);
    const terminated = await corridor(
      ['agreement', 'terminate', '--id', id, '--reason', 'cli e2e: end of test'],
      secretariatEnv,
    );
    expectSuccess(terminated);
    expect(terminated.stdout.trim()).toBe(`${id}: TERMINATED`);

    expectFailure(
      await corridor(['agreement', 'show', '--id', 'AG-NO-SUCH-1'], secretariatEnv),
      1,
      /AGREEMENT_NOT_FOUND/,
    );
  });

  it('pki csr + issue enrols a gateway, verify checks it offline, revoke + a CRL make verify fail', async () => {
    const dir = path.join(tempDir('enrol'), 'trust');
    const env = { ...secretariatEnv, CORRIDOR_PASSPHRASE: 'mt gateway key passphrase' };
    const csr = await corridor(['pki', 'csr', '--country', 'MT', '--dir', dir], env);
    expectSuccess(csr);
    expect(fs.statSync(path.join(dir, 'key.pem')).mode & 0o777).toBe(0o600);
    expect(fs.readFileSync(path.join(dir, 'key.pem'), 'utf8')).toMatch(
      /^-----BEGIN ENCRYPTED PRIVATE KEY-----/,
    );

    const issued = await corridor(['--json', 'pki', 'issue', '--country', 'MT', '--dir', dir], env);
    expectSuccess(issued);
    const { fingerprint } = JSON.parse(issued.stdout) as { fingerprint: string };
    expectFailure(await corridor(['pki', 'issue', '--country', 'MT', '--dir', dir], env), 2, /--renew/);

    const cert = path.join(dir, 'cert.pem');
    const ca = path.join(dir, 'ca.pem');
    const verified = await corridor(['pki', 'verify', '--cert', cert, '--ca', ca]);
    expectSuccess(verified);
    expect(verified.stdout).toContain(fingerprint);

    const revoked = await corridor(
      ['pki', 'revoke', '--fingerprint', fingerprint, '--reason', 'cli e2e'],
      env,
    );
    expectSuccess(revoked);
    expectFailure(
      await corridor(['pki', 'revoke', '--fingerprint', fingerprint, '--reason', 'twice'], env),
      1,
      /CERT_NOT_FOUND/,
    );

    // The secretariat publishes its CRL on the control topic only; sign an equivalent one with the CA key.
    const secrets = JSON.parse(fs.readFileSync(path.join(net.opts.dir, 'secrets.json'), 'utf8')) as {
      caPassphrase: string;
    };
    const caDir = path.join(net.opts.dir, 'secretariat', 'ca');
    const crlPem = createRevocationList({
      caCertPem: fs.readFileSync(path.join(caDir, 'ca.pem'), 'utf8'),
      caKeyPem: decryptPrivateKey({
        encryptedPem: fs.readFileSync(path.join(caDir, 'ca.key.pem'), 'utf8'),
        passphrase: secrets.caPassphrase,
      }),
      revoked: [
        { serialHex: describeCertificate(fs.readFileSync(cert, 'utf8')).serialHex, revokedAt: new Date() },
      ],
      thisUpdate: new Date(),
      nextUpdate: new Date(Date.now() + 86400_000),
      crlNumber: 99n,
    });
    const crl = path.join(path.dirname(dir), 'crl.pem');
    fs.writeFileSync(crl, crlPem);
    expectFailure(
      await corridor(['pki', 'verify', '--cert', cert, '--ca', ca, '--crl', crl]),
      1,
      /CERT_REVOKED/,
    );
  });

  it('token issue makes a token the gateway accepts, and never prints the secret', async () => {
    const dir = tempDir('token');
    const secretFile = path.join(dir, 'it.secret');
    fs.writeFileSync(secretFile, `${net.gateways.IT.tokenSecret}\n`, { mode: 0o600 });
    const r = await corridor([
      'token',
      'issue',
      '--country',
      'IT',
      '--roles',
      'officer',
      '--sub',
      'it-officer-cli',
      '--clearance',
      'GREEN',
      '--categories',
      'BULLETIN,ROUTE',
      '--desk',
      'maritime',
      '--ttl',
      '15m',
      '--secret-file',
      secretFile,
    ]);
    expectSuccess(r);
    expect(r.stdout).not.toContain(net.gateways.IT.tokenSecret);
    const token = r.stdout.trim();
    const inbox = await getJson<{ items: unknown[] }>(`${net.gateways.IT.url}/v1/inbox`, token);
    expect(inbox.status).toBe(200);
    // LY's gateway does not accept a token issued for IT.
    expect((await getJson(`${net.gateways.LY.url}/v1/inbox`, token)).status).toBe(401);

    expectFailure(
      await corridor(['token', 'issue', '--country', 'IT', '--roles', 'chief', '--secret-file', secretFile]),
      2,
      /chief is not a role/,
    );
  });

  it('status reports every service up, with consumer lag and outbox depth when given a token', async () => {
    const r = await corridor([
      '--json',
      'status',
      '--gateway',
      `${net.gateways.LY.url},${net.gateways.IT.url}`,
      '--secretariat',
      net.secretariat.url,
      '--token',
      net.gateways.LY.token({ roles: ['admin'] }),
    ]);
    expectSuccess(r);
    const status = JSON.parse(r.stdout) as {
      ok: boolean;
      services: { url: string; status: string; consumerLag?: number; outboxDepth?: number }[];
    };
    expect(status.ok).toBe(true);
    expect(status.services.map((s) => s.status)).toEqual(['up', 'up', 'up']);
    const ly = status.services.find((s) => s.url === net.gateways.LY.url);
    expect(typeof ly?.consumerLag).toBe('number');
    expect(typeof ly?.outboxDepth).toBe('number');

    const closed = await freePort();
    const down = await corridor(['status', '--gateway', `http://127.0.0.1:${closed}`]);
    expectFailure(down, 1, /not healthy/);
    expect(down.stdout).toMatch(/unreachable/);
  });

  // Last: it restarts IT's gateway.
  it('desk tail resumes after the gateway restarts, without gap or duplicate', async () => {
    const from = (await deskLatestSeq()) + 1;
    const tail = start(['--json', 'desk', 'tail', '--from', String(from), '--count', '2'], {
      CORRIDOR_GATEWAY_URL: net.gateways.IT.url,
      CORRIDOR_TOKEN: itOfficer,
    });
    const items = (): { alertId: string; seq: number }[] =>
      tail
        .stdout()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { alertId: string; seq: number });
    const pub1 = await corridor(
      ['--json', 'alert', 'publish', '--file', fixture('alert-bulletin.json')],
      lyPublisherEnv,
    );
    expectSuccess(pub1);
    const first = (JSON.parse(pub1.stdout) as { id: string }).id;
    await eventually('the first item on the tail', async () => (items().length ? true : undefined));
    const gw = net.gateways.IT.process;
    await gw.stop();
    gw.start();
    await gw.ready();
    const pub = await corridor(
      ['--json', 'alert', 'publish', '--file', fixture('alert-bulletin.json')],
      lyPublisherEnv,
    );
    expectSuccess(pub);
    const second = (JSON.parse(pub.stdout) as { id: string }).id;
    const timer = setTimeout(() => tail.child.kill('SIGKILL'), 45_000);
    const r = await tail.done;
    clearTimeout(timer);
    expectSuccess(r);
    const got = items();
    expect(got).toHaveLength(2);
    expect(got.map((i) => i.alertId)).toEqual([first, second]);
    expect(got[1].seq).toBeGreaterThan(got[0].seq);
  });
});
