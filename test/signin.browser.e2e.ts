// Sign-in through the project's Keycloak, in Debian's Chromium against real gateways whose development-token switch
// is off: an officer signs in on Keycloak's own page and lands on the desk with the scope the provider gives; a
// wrong password is refused; a disabled officer's desk closes within 10 s and their bearer token stops working; an
// agency's client-credentials token publishes and an officer's cannot; tokens of another realm, with a changed
// signature or expired are refused with a reason. The officer's bearer token comes from the device authorization
// grant, its verification page driven in Chromium.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { Network } from '../scripts/lib/network';
import { agencyClient, countryRealm, GATEWAY_CLIENT } from '../scripts/lib/keycloak-realms';
import { launchChromium, screenshot, watchConsole } from './harness/browser';
import { approveOnProviderPage, deviceGrantToken, startTestKeycloak, TestKeycloak } from './harness/keycloak';
import { eventually, startTestNetwork } from './harness/network';
import { freePort } from '../scripts/lib/prereqs';
import { routeAlert } from './factories/alerts';

const ALL = ['ROUTE', 'DOCUMENT', 'SUSPECT', 'FINANCIAL_FLOW', 'PROTECTION_REFERRAL', 'BULLETIN'];

describe('sign-in through the identity provider (real Keycloak, real gateways, Chromium)', () => {
  let kc: TestKeycloak;
  let net: Network;
  let browser: Browser;
  const it_ = (): Network['gateways'][string] => net.gateways.IT;

  beforeAll(async () => {
    kc = await startTestKeycloak();
    net = await startTestNetwork({
      label: 'signin',
      countries: ['LY', 'IT'],
      agreements: [
        {
          parties: ['LY', 'IT'],
          purpose: 'sign-in',
          directions: [
            { from: 'LY', to: 'IT', categories: ALL, maxClassification: 'RED' },
            { from: 'IT', to: 'LY', categories: ALL, maxClassification: 'RED' },
          ],
        },
      ],
      devTokens: false,
      machineToken: (c, kind) => kc.machineToken(c, kind),
      gatewayEnvFor: (c) => kc.gatewayEnv(c),
    });
    for (const c of ['LY', 'IT']) {
      await kc.admin.registerRelyingParty({
        realm: countryRealm(c),
        clientId: GATEWAY_CLIENT,
        baseUrl: net.gateways[c].url,
        callbackPath: '/auth/callback',
        backchannelLogoutPath: '/auth/backchannel-logout',
        postLogoutPath: '/desk/',
      });
    }
    browser = await launchChromium();
  }, 400_000);

  afterAll(async () => {
    await browser?.close();
    await net?.stop();
    await kc?.stop();
  });

  async function signInOnKeycloak(page: Page, username: string, password: string): Promise<void> {
    await page.goto(`${it_().url}/desk/`);
    await page.getByTestId('provider-sign-in').click();
    await page.waitForURL((u) => u.href.startsWith(kc.issuer('IT')));
    await page.locator('#username').fill(username);
    await page.locator('#password').fill(password);
    await page.locator('#kc-login').click();
  }

  const deviceToken = (username: string, password: string): Promise<string> =>
    deviceGrantToken({ browser, issuer: kc.issuer('IT'), username, password });

  const get = async (
    path: string,
    token: string,
  ): Promise<{ status: number; body: Record<string, unknown> }> => {
    const r = await fetch(`${it_().url}${path}`, { headers: { authorization: `Bearer ${token}` } });
    return { status: r.status, body: (await r.json().catch(() => ({}))) as Record<string, unknown> };
  };

  it("signs an officer in on Keycloak's page onto the desk with the provider's scope; no token in the page", async () => {
    const officer = await kc.createOfficer('IT', 'desk-maritime');
    const page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
    const problems = watchConsole(page);
    const started = Date.now();
    await signInOnKeycloak(page, officer.username, officer.password);
    await page.waitForURL(`${it_().url}/desk/`);
    await page.getByTestId('connection').getByText('connected').waitFor();
    const connectedMs = Date.now() - started;
    console.log(`sign-in to desk connected: ${connectedMs} ms`);
    const scope = await page.getByTestId('officer').textContent();
    expect(scope).toContain(officer.username);
    expect(scope).toContain('maritime');
    expect(scope).toContain('RED');
    // The session is an httpOnly cookie; nothing token-like in the URL or web storage.
    expect(page.url()).not.toMatch(/token|code=/);
    const storage = await page.evaluate(() => JSON.stringify({ ...localStorage, ...sessionStorage }));
    expect(storage).not.toMatch(/eyJ/);
    const cookies = await page.context().cookies(it_().url);
    const session = cookies.find((c) => c.name === 'corridor_session');
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Lax' });
    await screenshot(page, 'signin-desk');
    expect(problems).toEqual([]);
    await page.close();
  });

  it('refuses a wrong password on the provider page, and the desk stays signed out', async () => {
    const officer = await kc.createOfficer('IT', 'desk-maritime');
    const page = await browser.newPage();
    await signInOnKeycloak(page, officer.username, `${officer.password}x`);
    await page.locator('#input-error, .kc-feedback-text, [id^=input-error]').first().waitFor();
    expect(page.url().startsWith(kc.issuer('IT'))).toBe(true);
    const cookies = await page.context().cookies(it_().url);
    expect(cookies.find((c) => c.name === 'corridor_session')).toBeUndefined();
    await page.close();
  });

  it("publishes with an agency's client-credentials token; an officer's token cannot publish", async () => {
    const agency = await kc.clientCredentialsToken('IT', agencyClient('IT'));
    const body = JSON.stringify({
      recipients: ['LY'],
      ...routeAlert({ title: 'Agency through the provider' }),
    });
    const ok = await fetch(`${it_().url}/v1/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${agency}` },
      body,
    });
    expect(ok.status).toBe(202);

    const officer = await kc.createOfficer('IT', 'desk-maritime');
    const token = await deviceToken(officer.username, officer.password);
    expect((await get('/v1/inbox', token)).status).toBe(200);
    const refused = await fetch(`${it_().url}/v1/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body,
    });
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { code: string }).code).toBe('FORBIDDEN_ROLE');
  });

  it("refuses another realm's token, a changed signature and an expired token, each with its reason", async () => {
    const ly = await kc.clientCredentialsToken('LY', agencyClient('LY'));
    const wrongRealm = await get('/v1/agreements', ly);
    expect(wrongRealm).toMatchObject({ status: 401, body: { code: 'TOKEN_WRONG_ISSUER' } });
    expect(String(wrongRealm.body.detail)).toContain('corridor-ly');

    const good = await kc.clientCredentialsToken('IT', agencyClient('IT'));
    const [h, p, s] = good.split('.');
    const flipped = `${h}.${p}.${s.slice(0, 10)}${s[10] === 'A' ? 'B' : 'A'}${s.slice(11)}`;
    expect(await get('/v1/agreements', flipped)).toMatchObject({
      status: 401,
      body: { code: 'TOKEN_INVALID' },
    });

    // A client of the test's own whose tokens live one second.
    const realm = countryRealm('IT');
    const clientId = `agency-expiring-${Date.now()}`;
    const template = (
      await kc.admin.call<Array<{ protocolMappers: unknown[] }>>(
        'GET',
        `/${realm}/clients?clientId=${agencyClient('IT')}`,
      )
    )[0];
    await kc.admin.call('POST', `/${realm}/clients`, {
      clientId,
      enabled: true,
      publicClient: false,
      serviceAccountsEnabled: true,
      standardFlowEnabled: false,
      attributes: { 'access.token.lifespan': '1' },
      protocolMappers: (template.protocolMappers as Array<Record<string, unknown>>).map(
        ({ id: _id, ...m }) => m,
      ),
    });
    const secret = await kc.admin.rotateClientSecret(realm, clientId);
    const r = await fetch(`${kc.issuer('IT')}/protocol/openid-connect/token`, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: clientId,
        client_secret: secret,
      }),
    });
    const expiring = ((await r.json()) as { access_token: string }).access_token;
    await new Promise((resolve) => setTimeout(resolve, 7000)); // lifespan 1 s plus the 5 s clock tolerance
    expect(await get('/v1/agreements', expiring)).toMatchObject({
      status: 401,
      body: { code: 'TOKEN_EXPIRED' },
    });
  });

  it("disconnects a disabled officer's desk within 10 s, and their bearer token is refused", async () => {
    const officer = await kc.createOfficer('IT', 'desk-maritime');
    const token = await deviceToken(officer.username, officer.password);
    const page = await browser.newPage();
    await signInOnKeycloak(page, officer.username, officer.password);
    await page.getByTestId('connection').getByText('connected').waitFor();
    expect((await get('/v1/inbox', token)).status).toBe(200);

    const disabledAt = Date.now();
    await kc.admin.setUserEnabled(countryRealm('IT'), officer.username, false);
    await page.getByTestId('connection').getByText('disconnected').waitFor({ timeout: 10_000 });
    const closedMs = Date.now() - disabledAt;
    console.log(`disabled officer's desk closed after ${closedMs} ms`);
    expect(closedMs).toBeLessThanOrEqual(10_000);
    await eventually(
      'the bearer token refused',
      async () => {
        const r = await get('/v1/inbox', token);
        return r.status === 401 ? r : undefined;
      },
      3000,
    );
    await page.close();
  });

  it('signs a person in on the command line (corridor login, device grant) and keeps the tokens mode 600', async () => {
    const officer = await kc.createOfficer('IT', 'desk-maritime');
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'corridor-login-'));
    // The stored tokens are real: the folder goes when the test ends, whatever its outcome.
    try {
      const cli = path.join(__dirname, '..', 'dist', 'apps', 'cli', 'src', 'main.js');
      const env = { ...process.env, CORRIDOR_HOME: home, CORRIDOR_GATEWAY_URL: it_().url };
      const child = spawn(process.execPath, [cli, 'login', '--issuer', kc.issuer('IT')], { env });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      const url = await eventually('the device verification URL', async () =>
        Promise.resolve(/\(or open (\S+)\)/.exec(stderr)?.[1]),
      );
      const page = await browser.newPage();
      await page.goto(url);
      await approveOnProviderPage(page, officer.username, officer.password);
      expect(await exited).toBe(0);
      await page.close();
      const file = path.join(home, 'login.json');
      expect(fs.statSync(file).mode & 0o777).toBe(0o600);
      const stored = JSON.parse(fs.readFileSync(file, 'utf8')) as { username: string; accessToken: string };
      expect(stored.username).toBe(officer.username);
      // The stored token is the CLI's bearer token: an officer may read the inbox, not publish.
      expect((await get('/v1/inbox', stored.accessToken)).status).toBe(200);
      const alertFile = path.join(home, 'alert.json');
      fs.writeFileSync(
        alertFile,
        JSON.stringify({ recipients: ['LY'], ...routeAlert({ title: 'From the CLI' }) }),
      );
      const publish = spawn(process.execPath, [cli, 'alert', 'publish', '--file', alertFile], { env });
      let out = '';
      publish.stderr.on('data', (d: Buffer) => (out += d.toString()));
      expect(await new Promise((resolve) => publish.once('exit', resolve))).not.toBe(0);
      expect(out).toMatch(/role|FORBIDDEN/i);
    } finally {
      fs.rmSync(home, { recursive: true, force: true });
    }
  });

  it('goes on without the provider: /health says it is down, the sign-in page says so in one line', async () => {
    // A second instance of IT whose provider address answers nothing (a closed port).
    const deadPort = await freePort();
    const port = await freePort();
    const instance = net.addInstance('IT', 'noidp', port, {
      OIDC_ISSUER_URL: `http://127.0.0.1:${deadPort}/realms/corridor-it`,
      GATEWAY_WORKERS: '',
    });
    try {
      await instance.ready();
      const health = (await (await fetch(`${instance.url}/health`)).json()) as Record<string, string>;
      expect(health).toMatchObject({ status: 'up', identityProvider: 'down' });
      const session = (await (await fetch(`${instance.url}/auth/session`)).json()) as Record<string, unknown>;
      expect(session).toMatchObject({ signedIn: false, provider: 'down' });
      const page = await browser.newPage();
      await page.goto(`${instance.url}/desk/`);
      await page.getByTestId('provider-status').getByText('cannot be reached').waitFor();
      expect((await page.getByTestId('provider-status').textContent())?.split('\n')).toHaveLength(1);
      await page.goto(`${instance.url}/auth/login`);
      expect(await page.getByTestId('auth-message').textContent()).toMatch(/cannot be reached/);
      await page.close();
      // A token cannot be checked without the provider's keys: 503 with the reason, never a crash.
      const agency = await kc.clientCredentialsToken('IT', agencyClient('IT'));
      const r = await fetch(`${instance.url}/v1/agreements`, {
        headers: { authorization: `Bearer ${agency}` },
      });
      expect(r.status).toBe(503);
      expect(((await r.json()) as { code: string }).code).toBe('PROVIDER_UNAVAILABLE');
      expect(instance.running).toBe(true);
      // The exchange goes on: an alert from LY still reaches IT (the first instance consumes).
      const ly = await kc.clientCredentialsToken('LY', agencyClient('LY'));
      const sent = await fetch(`${net.gateways.LY.url}/v1/alerts`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${ly}` },
        body: JSON.stringify({ recipients: ['IT'], ...routeAlert({ title: 'While a provider is down' }) }),
      });
      expect(sent.status).toBe(202);
    } finally {
      await instance.stop();
    }
  });
});
