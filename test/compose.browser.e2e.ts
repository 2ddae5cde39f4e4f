// The compose page against real gateways (NE publishes to LY and IT over Kafka, Chromium drives both sides) and the
// project's Keycloak: NE's agency person signs in on Keycloak's page (no token in the page), composes a ROUTE alert in
// French, sees per partner what the agreement lets through (NE→LY withholds
// the free-text note; NE→IT grants no ROUTE, so IT is refused with the reason), publishes, and sees it delivered;
// LY's officer, working in Arabic, reads the route's codes in Arabic, right to left, and acknowledges from the
// situational picture with the keyboard; NE's page shows the acknowledgement live (pushed over /deliveries), by whom. axe-core finds no serious or critical violation on the compose page in any
// language. The session cookie publishes only with the page's x-corridor-session header: a request without it, or
// from a page of another origin, is refused (CSRF); a socket.io handshake (/desk, /deliveries) from another origin
// is refused too. Screenshots: test-artifacts/compose-*.png.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import AxeBuilder from '@axe-core/playwright';
import type { Browser, Page } from 'playwright-core';
import { countryRealm, GATEWAY_CLIENT } from '../scripts/lib/keycloak-realms';
import { Network } from '../scripts/lib/network';
import { launchChromium, screenshot, watchConsole } from './harness/browser';
import { startTestKeycloak, TestKeycloak } from './harness/keycloak';
import { startTestNetwork } from './harness/network';

const ALL = ['ROUTE', 'DOCUMENT', 'SUSPECT', 'FINANCIAL_FLOW', 'PROTECTION_REFERRAL', 'BULLETIN'];
const LANGUAGES = ['en', 'fr', 'ar', 'it'] as const;

async function seriousViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

async function useLanguage(page: Page, lang: string): Promise<void> {
  await page.getByTestId('language-select').selectOption(lang);
  await page.locator(`html[lang=${lang}]`).waitFor();
}

/**
 * Runs in a page: a bare socket.io handshake (engine.io v4 over WebSocket, no client library) to a namespace of the
 * gateway with whatever cookie the browser sends; whether it connects, or the refusal's code and reason.
 */
function socketHandshake(opts: {
  target: string;
  namespace: string;
}): Promise<{ connected: true } | { refused: string; reason: string } | { failed: string }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`${opts.target.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket`);
    const done = (
      r: { connected: true } | { refused: string; reason: string } | { failed: string },
    ): void => {
      ws.close();
      resolve(r);
    };
    ws.onmessage = (e: MessageEvent<string>) => {
      const message = String(e.data);
      if (message.startsWith('0{')) {
        ws.send(`40${opts.namespace},`);
      } else if (message.startsWith(`40${opts.namespace},`)) {
        done({ connected: true });
      } else if (message.startsWith(`44${opts.namespace},`)) {
        const err = JSON.parse(message.slice(opts.namespace.length + 3)) as {
          message: string;
          data?: { code?: string };
        };
        done({ refused: err.data?.code ?? '', reason: err.message });
      }
    };
    ws.onerror = () => done({ failed: 'the WebSocket did not open' });
  });
}

describe('compose page: compose in French, preview the redaction, publish, follow to the acknowledgement in Arabic', () => {
  let kc: TestKeycloak;
  let net: Network;
  let browser: Browser;

  beforeAll(async () => {
    kc = await startTestKeycloak();
    net = await startTestNetwork({
      label: 'compose',
      countries: ['NE', 'LY', 'IT'],
      agreements: [
        {
          parties: ['NE', 'LY'],
          purpose: 'compose',
          directions: [
            {
              from: 'NE',
              to: 'LY',
              categories: ALL,
              maxClassification: 'RED',
              excludedFields: ['route.note'],
            },
            { from: 'LY', to: 'NE', categories: ALL, maxClassification: 'RED' },
          ],
        },
        {
          parties: ['NE', 'IT'],
          purpose: 'compose',
          directions: [
            { from: 'NE', to: 'IT', categories: ['BULLETIN'], maxClassification: 'RED' },
            { from: 'IT', to: 'NE', categories: ['BULLETIN'], maxClassification: 'RED' },
          ],
        },
      ],
      // NE's people sign in at NE's realm; development tokens stay for LY's officer and the API checks.
      gatewayEnvFor: (c) => (c === 'NE' ? kc.gatewayEnv(c) : {}),
    });
    await kc.admin.registerRelyingParty({
      realm: countryRealm('NE'),
      clientId: GATEWAY_CLIENT,
      baseUrl: net.gateways.NE.url,
      callbackPath: '/auth/callback',
      backchannelLogoutPath: '/auth/backchannel-logout',
      postLogoutPath: ['/desk/', '/compose/'],
    });
    browser = await launchChromium();
  }, 400_000);

  afterAll(async () => {
    await browser?.close();
    await net?.stop();
    await kc?.stop();
  });

  /** An agency person of NE signs in on Keycloak's page from the compose page and lands back on it. */
  async function signInAtProvider(page: Page): Promise<string> {
    const person = await kc.createPublisher('NE');
    await page.goto(`${net.gateways.NE.url}/compose/`);
    await page.getByTestId('provider-sign-in').click();
    await page.waitForURL((u) => u.href.startsWith(kc.issuer('NE')));
    await page.locator('#username').fill(person.username);
    await page.locator('#password').fill(person.password);
    await page.locator('#kc-login').click();
    await page.waitForURL(`${net.gateways.NE.url}/compose/`);
    await page.getByTestId('principal').getByText(person.username).waitFor();
    return person.username;
  }

  it("goes from a French form to an Arabic acknowledgement shown on NE's page", async () => {
    // NE's agency person signs in on Keycloak's page; the page holds no token, only an httpOnly session cookie.
    const agency = await browser.newContext({ viewport: { width: 1280, height: 1000 } });
    const ne = await agency.newPage();
    const problems = watchConsole(ne);
    await signInAtProvider(ne);
    await useLanguage(ne, 'fr');
    await ne.getByTestId('recipient-LY').waitFor();
    expect(await ne.getByTestId('token-input').isVisible()).toBe(false);
    const stored = await ne.evaluate(() => JSON.stringify({ ...localStorage, ...sessionStorage }));
    expect(stored).not.toMatch(/eyJ/);
    const cookie = (await agency.cookies(net.gateways.NE.url)).find((c) => c.name === 'corridor_session');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax' });

    // An empty form: the API's own rules name the missing fields, in French, and nothing is asked of the gateway.
    await ne.getByTestId('preview-button').click();
    const summary = ne.getByTestId('error-summary');
    await summary.waitFor();
    expect(await summary.innerText()).toContain('Obligatoire.');
    expect(await summary.innerText()).toContain('route.transportMode');
    await screenshot(ne, 'compose-errors-fr');
    expect(await seriousViolations(ne)).toEqual([]);

    // Fill in the route from the keyboard where it matters: codes are chosen from lists labelled in French.
    await ne.getByTestId('input-title').fill('Convoi quittant Agadez vers Sabha');
    await ne.getByTestId('input-priority').selectOption('FLASH');
    await ne.getByTestId('input-route.originCountry').fill('ne');
    await ne.getByTestId('input-route.origin.place').fill('Agadez');
    await ne.getByTestId('input-route.origin.country').fill('NE');
    await ne.getByTestId('add-route.transit').click();
    await ne.getByTestId('input-route.transit[0].place').fill('Dirkou');
    await ne.getByTestId('input-route.transit[0].country').fill('NE');
    await ne.getByTestId('input-route.destinationCountry').fill('LY');
    await ne.getByTestId('input-route.destination.place').fill('Sabha');
    await ne.getByTestId('input-route.destination.country').fill('LY');
    const transport = ne.getByTestId('input-route.transportMode');
    await transport.selectOption('PICKUP_TRUCK');
    expect(await transport.locator('option:checked').innerText()).toBe('pick-up');
    await ne.getByTestId('input-route.modusOperandi').selectOption('NIGHT_CONVOYS');
    await ne.getByLabel('traversée du désert sans eau suffisante').check();
    await ne.getByLabel('abandon par les chauffeurs').check();
    await ne.getByTestId('input-route.estimatedPeople').fill('160');
    await ne.getByTestId('input-route.note').fill('8 véhicules, téléphone satellite du chauffeur');
    await ne.getByTestId('recipient-LY').check();
    await ne.getByTestId('recipient-IT').check();
    expect(await ne.getByTestId('error-summary').count()).toBe(0);
    // Publishing is only possible once this exact alert has been previewed.
    expect(await ne.getByTestId('publish-button').isDisabled()).toBe(true);

    // Preview with the keyboard: per partner, what its agreement lets through, or why it refuses.
    await ne.getByTestId('preview-button').focus();
    await ne.keyboard.press('Enter');
    const ly = ne.locator('[data-testid=preview-recipient][data-country=LY][data-status=ALLOWED]');
    const it = ne.locator('[data-testid=preview-recipient][data-country=IT][data-status=REFUSED]');
    await ly.waitFor();
    await it.waitFor();
    expect(await ly.locator('[data-field=note][data-withheld=true]').innerText()).toBe('retenu par l’accord');
    expect(await ly.locator('[data-field=transportMode]').innerText()).toBe('pick-up');
    expect(await ly.getByTestId('preview-redacted').innerText()).toBe('Champs retenus par l’accord : 1');
    expect(await it.innerText()).toContain('L’accord n’autorise pas cette catégorie.');
    // The rule line in French as well, from the policy's rule key (not the server's English text).
    const ruleLine = await it.getByTestId('preview-rule').innerText();
    expect(ruleLine).toMatch(/^Règle : l’accord \S+ NE→IT n’autorise pas la catégorie /);
    expect(ruleLine).not.toContain('does not grant');
    await screenshot(ne, 'compose-preview-fr');
    // The compose page in every language: no serious or critical accessibility violation, codes translated.
    for (const lang of LANGUAGES) {
      await useLanguage(ne, lang);
      expect(await seriousViolations(ne)).toEqual([]);
      await screenshot(ne, `compose-preview-${lang}`);
    }
    expect(await ly.locator('[data-field=transportMode]').innerText()).toBe('pick-up'); // back in Italian: same word
    await useLanguage(ne, 'ar');
    expect(await ly.locator('[data-field=transportMode]').innerText()).toBe('شاحنات بيك أب');
    expect(
      await ne.evaluate(() => getComputedStyle(document.querySelector('.compose-view')!).direction),
    ).toBe('rtl');
    await useLanguage(ne, 'fr');

    // Publish what was previewed, then follow delivery per partner live.
    await ne.getByTestId('publish-button').click();
    const published = ne.getByTestId('published');
    await published.waitFor();
    const alertId = (await published.getAttribute('data-alert-id'))!;
    expect(alertId).toMatch(/^[0-9a-f-]{36}$/);
    // Delivery is pushed over the /deliveries socket: once it is live, the page stops asking GET /v1/alerts/:id.
    await ne.locator('[data-testid=follow-state][data-live=true]').waitFor();
    const polls: string[] = [];
    ne.on('request', (r) => {
      if (r.url().includes(`/v1/alerts/${alertId}`)) {
        polls.push(r.url());
      }
    });
    const itRow = ne.locator('[data-testid=delivery][data-country=IT][data-state=REFUSED]');
    await itRow.waitFor();
    expect(await itRow.innerText()).toContain('L’accord n’autorise pas cette catégorie.');
    const lyRow = ne.locator('[data-testid=delivery][data-country=LY]');
    await ne
      .locator('[data-testid=delivery][data-country=LY][data-state=DELIVERED]')
      .waitFor({ timeout: 30_000 });
    expect(await lyRow.innerText()).toContain('remise');
    await screenshot(ne, 'compose-delivered-fr');
    expect(await seriousViolations(ne)).toEqual([]);

    // LY's officer, in Arabic: the route's codes in Arabic, right to left; the withheld note never arrived.
    const officer = await browser.newContext({ viewport: { width: 1366, height: 900 } });
    const desk = await officer.newPage();
    const deskProblems = watchConsole(desk);
    await desk.goto(`${net.gateways.LY.url}/desk/`);
    await useLanguage(desk, 'ar');
    await desk.getByTestId('token-input').fill(
      net.gateways.LY.token({
        sub: 'officer.tripoli',
        roles: ['officer'],
        clearance: 'RED',
        categories: ALL,
      }),
    );
    await desk.getByTestId('sign-in').click();
    await desk.getByTestId('connection').getByText('متصل').waitFor();
    const row = desk.locator(`[data-testid=feed-item][data-alert-id="NE/${alertId}"]`);
    await row.waitFor({ timeout: 20_000 });
    await row.focus();
    await desk.keyboard.press('Enter');
    await desk.getByTestId('route-path').waitFor();
    const detail = await desk.locator('.detail').innerText();
    expect(detail).toContain('شاحنات بيك أب'); // PICKUP_TRUCK
    expect(detail).toContain('عبور الصحراء دون ماء كافٍ'); // DESERT_WITHOUT_WATER
    expect(detail).not.toContain('téléphone satellite');
    const directions = await desk.evaluate(() => ({
      page: getComputedStyle(document.documentElement).direction,
      detail: getComputedStyle(document.querySelector('.detail')!).direction,
      title: getComputedStyle(document.querySelector('[data-testid=feed-item] .row-title bdi')!).direction,
    }));
    expect(directions).toEqual({ page: 'rtl', detail: 'rtl', title: 'ltr' });
    // The officer acknowledges from the situational picture, from the keyboard: the alert chosen in the picture's
    // list offers Acknowledge in place.
    expect(await desk.getByTestId('ack-status').getAttribute('data-state')).toBe('open');
    await desk.getByTestId('nav-picture').click();
    const onPicture = desk.locator(`[data-testid=picture-item][data-key="NE/${alertId}"]`);
    await onPicture.waitFor({ timeout: 20_000 });
    await onPicture.locator('.picture-open').focus();
    await desk.keyboard.press('Tab');
    expect(await desk.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe(
      'picture-ack-button',
    );
    await desk.keyboard.press('Enter');
    await onPicture.locator('[data-testid=picture-ack-status][data-state=acknowledged]').waitFor();
    await screenshot(desk, 'compose-acknowledged-ar');

    // NE's page, still open, shows the acknowledgement: by whom and when.
    await ne
      .locator('[data-testid=delivery][data-country=LY][data-state=ACKNOWLEDGED]')
      .waitFor({ timeout: 30_000 });
    expect(await lyRow.getByTestId('acknowledged-by').innerText()).toContain('LY/officer.tripoli');
    await ne.getByTestId('follow-state').getByText('Chaque partenaire a accusé réception').waitFor();
    expect(polls).toEqual([]);
    await screenshot(ne, 'compose-acknowledged-fr');
    expect(problems).toEqual([]);
    expect(deskProblems).toEqual([]);
    await agency.close();
    await officer.close();
  }, 240_000);

  it('takes the session cookie only with the page header, and sockets only from its own origin: others are refused', async () => {
    const ctx = await browser.newContext();
    const ne = await ctx.newPage();
    await signInAtProvider(ne);
    const url = net.gateways.NE.url;
    // The same cookie, with and without the header (Playwright's request context shares the browser's cookies).
    expect(
      (await ctx.request.get(`${url}/v1/agreements`, { headers: { 'x-corridor-session': '1' } })).status(),
    ).toBe(200);
    const bare = await ctx.request.post(`${url}/v1/alerts`, { data: { category: 'BULLETIN' } });
    expect(bare.status()).toBe(403);
    expect(await bare.json()).toMatchObject({ code: 'SESSION_HEADER_MISSING' });

    // The page's own way works: same origin, the cookie and the header.
    const own = await ne.evaluate(async () => {
      const r = await fetch('/v1/agreements', {
        credentials: 'same-origin',
        headers: { 'x-corridor-session': '1' },
      });
      return r.status;
    });
    expect(own).toBe(200);
    // A page of another origin on the same host (another port: same site, so the Lax cookie travels to the gateway),
    // served by a server of the test's own on 127.0.0.1 with no content security policy in the way.
    const site = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>another site</title>');
    });
    await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
    const foreign = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
    const other = await ctx.newPage();
    await other.goto(`${foreign}/`);
    // With the header, the browser asks first (CORS preflight) and the gateway grants nothing: no request is made.
    const withHeader = await other.evaluate(async (target) => {
      try {
        await fetch(`${target}/v1/alerts`, {
          method: 'POST',
          credentials: 'include',
          headers: { 'content-type': 'application/json', 'x-corridor-session': '1' },
          body: '{}',
        });
        return 'sent';
      } catch {
        return 'blocked';
      }
    }, url);
    expect(withHeader).toBe('blocked');
    // Without it (a "simple" request a form could make), the cookie arrives and the gateway refuses it.
    const refused = other.waitForResponse((r) => r.url() === `${url}/v1/alerts`);
    await other.evaluate(async (target) => {
      await fetch(`${target}/v1/alerts`, {
        method: 'POST',
        mode: 'no-cors',
        credentials: 'include',
        headers: { 'content-type': 'text/plain' },
        body: '{"category":"BULLETIN"}',
      }).catch(() => undefined);
    }, url);
    expect((await refused).status()).toBe(403);

    // The socket.io namespaces take the same cookie only from the gateway's own pages: a WebSocket handshake is not
    // held back by CORS, and the foreign page's carries the cookie (same site), so its Origin is what refuses it.
    for (const namespace of ['/desk', '/deliveries']) {
      expect(await other.evaluate(socketHandshake, { target: url, namespace })).toMatchObject({
        refused: 'SESSION_FOREIGN_ORIGIN',
        reason: expect.stringMatching(/own pages/),
      });
    }
    // From the page's own origin the same cookie passes that check: /deliveries opens for the agency person, and
    // /desk refuses them only for want of the officer role.
    expect(await ne.evaluate(socketHandshake, { target: url, namespace: '/deliveries' })).toEqual({
      connected: true,
    });
    expect(await ne.evaluate(socketHandshake, { target: url, namespace: '/desk' })).toMatchObject({
      refused: 'TOKEN_CLAIMS',
    });
    await ctx.close();
    site.closeAllConnections();
    await new Promise((resolve) => site.close(resolve));
  }, 120_000);

  it('answers the preview endpoint with problem+json naming the field, and only to publishers', async () => {
    const url = `${net.gateways.NE.url}/v1/alerts/preview`;
    const post = (token: string | null, body: unknown): Promise<Response> =>
      fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        body: JSON.stringify(body),
      });
    expect((await post(null, {})).status).toBe(401);
    const officerToken = net.gateways.NE.token({ roles: ['officer'] });
    expect((await post(officerToken, {})).status).toBe(403);
    const bad = await post(net.gateways.NE.token({ roles: ['publisher'] }), {
      category: 'ROUTE',
      priority: 'FLASH',
      classification: 'AMBER',
      handling: 'H2',
      title: 'free text where a code is due',
      route: { originCountry: 'NE', transit: [], destinationCountry: 'LY', transportMode: 'pick-up trucks' },
    });
    expect(bad.status).toBe(422);
    expect(bad.headers.get('content-type')).toContain('application/problem+json');
    expect(await bad.json()).toMatchObject({ field: 'route.transportMode' });
  });
});
