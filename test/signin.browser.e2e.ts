// Sign-in through the project's Keycloak, in Debian's Chromium against real gateways whose development-token switch
// is off: an officer signs in on Keycloak's own page and lands on the desk with the scope the provider gives; a
// wrong password is refused; a disabled officer's desk closes within 10 s and their bearer token stops working; an
// agency's client-credentials token publishes and an officer's cannot; tokens of another realm, with a changed
// signature or expired are refused with a reason; signing out ends the provider's session too, and a back-channel
// logout from the provider closes the desk; a passkey signs an officer in through a virtual authenticator (the
// DevTools protocol's WebAuthn domain). The officer's bearer token comes from the device authorization grant, its
// verification page driven in Chromium.
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
      // No development token anywhere: not at the gateways, not at the secretariat (whose calls by the network
      // itself use the forum operator's client credentials).
      devTokens: false,
      machineToken: (c, kind) => kc.machineToken(c, kind),
      gatewayEnvFor: (c) => kc.gatewayEnv(c),
      secretariatEnv: kc.secretariatEnv(),
      secretariatToken: () => kc.forumOperatorToken(),
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

  it('runs with the development switch off in every service: a development token is refused everywhere', async () => {
    const forged = net.gateways.IT.token({ roles: ['admin'] });
    expect((await get('/v1/agreements', forged)).status).toBe(401);
    const r = await fetch(`${net.secretariat.url}/v1/agreements`, {
      headers: { authorization: `Bearer ${forged}` },
    });
    expect(r.status).toBe(401);
  });

  it("signs an officer in on Keycloak's page onto the desk with the provider's scope; no token in the page", async () => {
    const officer = await kc.createOfficer('IT', 'desk-maritime');
    const page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
    const problems = watchConsole(page);
    const started = Date.now();
    await signInOnKeycloak(page, officer.username, officer.password);
    await page.waitForURL(`${it_().url}/desk/`);
    await page.locator('[data-testid=connection][data-state=connected]').waitFor();
    // The officer's scope arrives with the gateway's hello, just after the socket connects.
    await page.getByTestId('officer').getByText(officer.username).waitFor();
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
    await page.locator('[data-testid=connection][data-state=connected]').waitFor();
    expect((await get('/v1/inbox', token)).status).toBe(200);

    const disabledAt = Date.now();
    await kc.admin.setUserEnabled(countryRealm('IT'), officer.username, false);
    await page.locator('[data-testid=connection][data-state=disconnected]').waitFor({ timeout: 10_000 });
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

  it("refuses a disabled person's command-line token at once, where this gateway holds no session of theirs", async () => {
    const officer = await kc.createOfficer('IT', 'desk-maritime');
    const token = await deviceToken(officer.username, officer.password);
    expect((await get('/v1/inbox', token)).status).toBe(200);
    const disabledAt = Date.now();
    await kc.admin.setUserEnabled(countryRealm('IT'), officer.username, false);
    // The provider's answer is reused for OIDC_LIVENESS_CACHE_MS (2 s by default), then asked again.
    const refused = await eventually(
      'the token refused',
      async () => {
        const r = await get('/v1/inbox', token);
        return r.status === 401 ? r : undefined;
      },
      5000,
    );
    console.log(`disabled person's bearer token refused after ${Date.now() - disabledAt} ms`);
    expect(refused.body).toMatchObject({ code: 'TOKEN_REVOKED' });
    expect(String(refused.body.detail)).toMatch(/sign in again/);
  });

  it('signs out of the desk and of the provider: the old session cookie is dead and sign-in asks again', async () => {
    const officer = await kc.createOfficer('IT', 'desk-maritime');
    const context = await browser.newContext();
    const page = await context.newPage();
    await signInOnKeycloak(page, officer.username, officer.password);
    await page.waitForURL(`${it_().url}/desk/`);
    await page.locator('[data-testid=connection][data-state=connected]').waitFor();
    const cookie = (await context.cookies(it_().url)).find((c) => c.name === 'corridor_session')!;
    expect(cookie).toBeDefined();
    await page.getByTestId('sign-out').click();
    await page.waitForURL(`${it_().url}/desk/`);
    await page.getByTestId('provider-sign-in').waitFor();
    expect((await context.cookies(it_().url)).find((c) => c.name === 'corridor_session')).toBeUndefined();
    // The old cookie, replayed, opens nothing.
    const replayed = await fetch(`${it_().url}/auth/session`, {
      headers: { cookie: `corridor_session=${cookie.value}` },
    });
    expect(await replayed.json()).toMatchObject({ signedIn: false });
    // The provider's session ended too (RP-initiated logout): signing in again shows Keycloak's form.
    await page.getByTestId('provider-sign-in').click();
    await page.waitForURL((u) => u.href.startsWith(kc.issuer('IT')));
    await page.locator('#username').waitFor();
    await context.close();
  });

  it('closes the desk when the provider logs the officer out over the back channel', async () => {
    const officer = await kc.createOfficer('IT', 'desk-maritime');
    const context = await browser.newContext();
    const page = await context.newPage();
    await signInOnKeycloak(page, officer.username, officer.password);
    await page.locator('[data-testid=connection][data-state=connected]').waitFor();
    const realm = countryRealm('IT');
    const loggedOutAt = Date.now();
    // An administrator ends the person's sessions at the provider, which calls each client's back-channel URL.
    await kc.admin.call('POST', `/${realm}/users/${await kc.admin.userId(realm, officer.username)}/logout`);
    await page.locator('[data-testid=connection][data-state=disconnected]').waitFor({ timeout: 10_000 });
    console.log(`back-channel logout closed the desk after ${Date.now() - loggedOutAt} ms`);
    // It was the back channel that ended it (not the periodic check), for this officer.
    const lines = fs
      .readFileSync(it_().process.logFile, 'utf8')
      .split('\n')
      .filter((l) => l.includes('"reason":"backchannel-logout"') && l.includes(officer.username));
    expect(lines.length).toBeGreaterThanOrEqual(1);
    const session = await context.request.get(`${it_().url}/auth/session`);
    expect(await session.json()).toMatchObject({ signedIn: false });
    await context.close();
  });

  it('signs an officer in with a passkey alone, held by a virtual authenticator (WebAuthn over the DevTools protocol)', async () => {
    // WebAuthn refuses IP-address origins: this instance of IT and its browser use the provider as "localhost".
    const issuer = kc.issuer('IT').replace('//127.0.0.1:', '//localhost:');
    const instance = net.addInstance('IT', 'passkey', await freePort(), {
      ...kc.gatewayEnv('IT'),
      OIDC_ISSUER_URL: issuer,
      GATEWAY_WORKERS: '',
    });
    const context = await browser.newContext();
    try {
      await instance.ready();
      const realm = countryRealm('IT');
      await kc.admin.registerRelyingParty({
        realm,
        clientId: GATEWAY_CLIENT,
        baseUrl: instance.url,
        callbackPath: '/auth/callback',
        backchannelLogoutPath: '/auth/backchannel-logout',
        postLogoutPath: '/desk/',
      });
      const officer = await kc.createOfficer('IT', 'desk-maritime');
      const userId = await kc.admin.userId(realm, officer.username);
      await kc.admin.call('PUT', `/${realm}/users/${userId}`, {
        requiredActions: ['webauthn-register-passwordless'],
      });
      const page = await context.newPage();
      const cdp = await context.newCDPSession(page);
      await cdp.send('WebAuthn.enable', { enableUI: false });
      const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
        options: {
          protocol: 'ctap2',
          transport: 'internal',
          hasResidentKey: true,
          hasUserVerification: true,
          isUserVerified: true,
          automaticPresenceSimulation: true,
        },
      });
      // Keycloak asks for a label for the new passkey in a prompt.
      page.on('dialog', (d) => void d.accept('Corridor test passkey'));

      // First sign-in: the password, then the provider has the officer register a passkey.
      await page.goto(`${instance.url}/desk/`);
      await page.getByTestId('provider-sign-in').click();
      await page.waitForURL((u) => u.href.startsWith(issuer));
      await page.locator('#username').fill(officer.username);
      await page.locator('#password').fill(officer.password);
      await page.locator('#kc-login').click();
      await page.locator('#registerWebAuthn').click();
      await page.waitForURL(`${instance.url}/desk/`);
      await page.locator('[data-testid=connection][data-state=connected]').waitFor();
      const registered = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
      expect(registered.credentials).toHaveLength(1);
      expect(registered.credentials[0]).toMatchObject({ isResidentCredential: true, rpId: 'localhost' });
      const stored = await kc.admin.call<Array<{ type: string }>>(
        'GET',
        `/${realm}/users/${userId}/credentials`,
      );
      expect(stored.map((c) => c.type)).toContain('webauthn-passwordless');

      // Signed out everywhere, the officer comes back with the passkey and no password.
      await page.getByTestId('sign-out').click();
      // Back on the desk from the provider's logout (which passes through the provider's address).
      await page.waitForURL(`${instance.url}/desk/`);
      await page.getByTestId('provider-sign-in').waitFor();
      const started = Date.now();
      await page.getByTestId('provider-sign-in').click();
      await page.waitForURL((u) => u.href.startsWith(issuer));
      // The page asks for a passkey as soon as it loads (autofill, conditional mediation) and the authenticator
      // answers; its "Sign in with Passkey" button is the fallback where it does not.
      const button = page.locator('#authenticateWebAuthnButton');
      await Promise.any([
        page.waitForURL(`${instance.url}/desk/`),
        button.click({ timeout: 5000 }).then(() => page.waitForURL(`${instance.url}/desk/`)),
      ]);
      await page.getByTestId('officer').getByText(officer.username).waitFor();
      await page.locator('[data-testid=connection][data-state=connected]').waitFor();
      console.log(`passkey sign-in to desk connected: ${Date.now() - started} ms`);
      const used = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
      expect(used.credentials[0].signCount).toBeGreaterThan(registered.credentials[0].signCount);
      await screenshot(page, 'signin-passkey-desk');
    } finally {
      await context.close();
      await instance.stop();
      // The country's own gateway gets its back-channel logout address back.
      await kc.admin.registerRelyingParty({
        realm: countryRealm('IT'),
        clientId: GATEWAY_CLIENT,
        baseUrl: it_().url,
        callbackPath: '/auth/callback',
        backchannelLogoutPath: '/auth/backchannel-logout',
        postLogoutPath: '/desk/',
      });
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
