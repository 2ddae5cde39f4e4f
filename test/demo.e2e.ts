// The README's main command: `npm run demo` starts the whole network, the scenario's alerts reach the right
// desks and only those (checked through the API and in Chromium), and Ctrl-C stops everything cleanly.
import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { isAlive, readBrokerInfo } from '../scripts/lib/kafka-broker';
import { readKeycloakInfo } from '../scripts/lib/keycloak';
import { countryRealm } from '../scripts/lib/keycloak-realms';
import { launchChromium, screenshot, watchConsole } from './harness/browser';
import { approveOnProviderPage, deviceGrantToken } from './harness/keycloak';
import { eventually, GiveUp } from './harness/network';

interface DemoSummary {
  secretariat: { url: string; auditPage: string };
  gateways: Record<string, { url: string; desk: string; issuer: string; username: string }>;
}

interface Item {
  alertId: string;
  title: string | null;
  category: string;
  priority: string;
  sender: string;
  state: string;
  redactedFields: string[];
}

async function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

async function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A base port whose demo ports can all be bound, below Linux's ephemeral range (32768+) so no client socket holds one. */
async function freeBase(): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const base = 20000 + Math.floor(Math.random() * 12000);
    const ports = [base, base + 11, base + 12, base + 13, base + 20, base + 21, base + 30];
    const free = await Promise.all(ports.map(canBind));
    if (free.every(Boolean)) {
      return base;
    }
  }
  throw new Error('no free port range for the demo');
}

describe('npm run demo (the README main command)', () => {
  let demo: ChildProcess;
  let output = '';
  let home: string;
  let base: number;
  let exit: Promise<number | null>;

  beforeAll(async () => {
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'corridor-demo-'));
    base = await freeBase();
    demo = spawn(process.execPath, [path.join('node_modules', 'tsx', 'dist', 'cli.mjs'), 'scripts/demo.ts'], {
      cwd: path.join(__dirname, '..'),
      env: {
        ...process.env,
        CORRIDOR_HOME: home,
        DEMO_BASE_PORT: String(base),
        KAFKA_PORT: String(base + 20),
        KEYCLOAK_PORT: String(base + 30),
        DEMO_DATABASE_PREFIX: `corridor_${process.env.CORRIDOR_TEST_RUN_ID ?? 'local'}_demo_`,
        DEMO_STEP_MS: '300',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    demo.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    demo.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    exit = new Promise((resolve) => demo.once('exit', (code) => resolve(code)));
    await eventually(
      'the scenario to finish',
      async () => {
        if (demo.exitCode !== null) {
          throw new GiveUp(`the demo exited with code ${demo.exitCode}`);
        }
        return output.includes('scenario done') ? true : undefined;
      },
      600_000,
      500,
    ).catch((err: Error) => {
      throw new Error(`${err.message}\n--- demo output ---\n${output.slice(-3000)}`);
    });
  }, 660_000);

  afterAll(async () => {
    if (demo && demo.exitCode === null) {
      demo.kill('SIGKILL');
    }
    fs.rmSync(home, { recursive: true, force: true });
  });

  it('shows progress and prints each desk URL with a username to sign in at Keycloak; no token links', () => {
    expect(output).toMatch(/\[demo 1\/7\]/);
    for (const c of ['NE', 'LY', 'IT']) {
      expect(output).toMatch(
        new RegExp(`${c}  desk  http://127\\.0\\.0\\.1:\\d+/desk/ +sign in as officer\\.`),
      );
    }
    expect(output).toMatch(/API docs http:\/\/127\.0\.0\.1:\d+\/docs/);
    expect(output).not.toMatch(/#token=/);
    const credentials = path.join(home, 'keycloak', 'credentials.json');
    expect(output).toContain(credentials);
    expect(fs.statSync(credentials).mode & 0o777).toBe(0o600);
  });

  it('delivers the scenario to the right desks and only those', async () => {
    const summary = JSON.parse(fs.readFileSync(path.join(home, 'demo.json'), 'utf8')) as DemoSummary;
    const credentials = JSON.parse(
      fs.readFileSync(path.join(home, 'keycloak', 'credentials.json'), 'utf8'),
    ) as {
      users: Record<string, Record<string, string>>;
    };
    const password = (c: string): string => credentials.users[countryRealm(c)][summary.gateways[c].username];
    const browser = await launchChromium();
    const tokens: Record<string, string> = {};
    for (const c of ['NE', 'LY', 'IT']) {
      const g = summary.gateways[c];
      tokens[c] = await deviceGrantToken({
        browser,
        issuer: g.issuer,
        username: g.username,
        password: password(c),
      });
    }
    const inbox = async (c: string): Promise<Item[]> => {
      const g = summary.gateways[c];
      const r = (await (
        await fetch(`${g.url}/v1/inbox?limit=200`, { headers: { authorization: `Bearer ${tokens[c]}` } })
      ).json()) as { items: Item[] };
      return r.items.filter((i) => i.title !== null || i.state !== 'ACTIVE');
    };
    const titles = async (c: string): Promise<string[]> =>
      (await inbox(c)).map((i) => i.title ?? `(${i.state})`);
    await eventually(
      'IT to have the suspect, document and referral',
      async () => ((await inbox('IT')).length >= 4 ? true : undefined),
      30_000,
    );
    const it = await inbox('IT');
    expect(it.find((i) => i.category === 'SUSPECT')).toMatchObject({
      sender: 'LY',
      redactedFields: ['suspect.phones'],
    });
    expect(it.some((i) => i.category === 'DOCUMENT' && i.sender === 'LY')).toBe(true);
    expect(it.some((i) => i.category === 'PROTECTION_REFERRAL' && i.sender === 'NE')).toBe(true);
    expect(it.find((i) => i.category === 'ROUTE' && i.sender === 'LY')).toMatchObject({
      state: 'WITHDRAWN',
      title: null,
    });
    expect(await titles('IT')).not.toContain('Route alert Italy must not receive under NE↔IT');
    const ly = await inbox('LY');
    expect(ly.some((i) => i.category === 'ROUTE' && i.sender === 'NE')).toBe(true);
    expect(ly.find((i) => i.category === 'PROTECTION_REFERRAL')).toMatchObject({
      sender: 'IT',
      priority: 'FLASH',
    });
    expect(ly.some((i) => i.category === 'BULLETIN' && i.sender === 'IT')).toBe(true);
    const ne = await inbox('NE');
    expect(ne.some((i) => i.category === 'DOCUMENT' && i.sender === 'LY')).toBe(true);
    expect(ne.some((i) => i.category === 'BULLETIN' && i.sender === 'IT')).toBe(true);
    expect(ne.some((i) => i.category === 'SUSPECT')).toBe(false);

    try {
      const page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
      const problems = watchConsole(page);
      await page.goto(summary.gateways.LY.desk);
      await page.getByTestId('provider-sign-in').click();
      await approveOnProviderPage(page, summary.gateways.LY.username, password('LY'));
      await page
        .locator('[data-testid=feed-item][data-priority=FLASH][data-category=PROTECTION_REFERRAL]')
        .waitFor({ timeout: 15_000 });
      expect(await page.locator('[data-testid=feed-item][data-category=SUSPECT]').count()).toBe(0);
      await screenshot(page, 'demo-ly-desk');
      expect(problems).toEqual([]);
    } finally {
      await browser.close();
    }
  });

  it('stops everything cleanly on Ctrl-C, leaving no process behind', async () => {
    const brokerPid = readBrokerInfo(path.join(home, 'kafka'))?.pid;
    const keycloakPid = readKeycloakInfo(path.join(home, 'keycloak'))?.pid;
    expect(isAlive(brokerPid)).toBe(true);
    expect(isAlive(keycloakPid)).toBe(true);
    demo.kill('SIGINT');
    const code = await Promise.race([
      exit,
      new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 60_000)),
    ]);
    expect(code).toBe(0);
    expect(output).toContain('[demo] stopped.');
    expect(isAlive(brokerPid)).toBe(false);
    expect(isAlive(keycloakPid)).toBe(false);
    for (const port of [base, base + 11, base + 12, base + 13, base + 20, base + 30]) {
      expect(await portOpen(port)).toBe(false);
    }
  });
});
