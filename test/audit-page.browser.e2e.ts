// The forum auditor's web page (apps/web/src/audit, served by the secretariat) in Debian's Chromium against a real
// network and the project's real Keycloak, the secretariat's development-token switch off: an auditor signs in on
// Keycloak's own page through the forum realm and sees heads, agreements and content-free statistics; re-audits a
// gateway; explains a finding with the keyboard; axe-core finds no serious or critical violation in English, French,
// Arabic (right to left) or Italian; an officer of a country realm is refused, and so is a forum person without the
// auditor role; sign-out ends the session; an unreachable secretariat is said so.
// Screenshots: test-artifacts/audit-page-<name>.png, one per language.
import AxeBuilder from '@axe-core/playwright';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { FORUM_REALM, SECRETARIAT_CLIENT } from '../scripts/lib/keycloak-realms';
import { Network } from '../scripts/lib/network';
import { launchChromium, screenshot, watchConsole } from './harness/browser';
import { withDb } from './harness/databases';
import { deviceGrantToken, startTestKeycloak, TestKeycloak } from './harness/keycloak';
import { eventually, startTestNetwork } from './harness/network';
import { routeAlert } from './factories/alerts';

const LANGUAGES = ['en', 'fr', 'ar', 'it'] as const;
const HEADS_TITLE = {
  en: 'Gateways and signed tree heads',
  fr: "Passerelles et têtes d'arbre signées",
  ar: 'البوابات ورؤوس الشجرة الموقّعة',
  it: "Gateway e teste dell'albero firmate",
};

/** Serious and critical axe-core violations of the page as it is now, one line each. */
async function seriousViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

describe('forum audit page: sign-in at the forum provider (real Keycloak, real network, Chromium)', () => {
  let kc: TestKeycloak;
  let net: Network;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let problems: string[] = [];
  const url = (): string => net.secretariat.url;

  async function publish(body: Record<string, unknown>): Promise<string> {
    const token = net.gateways.LY.token({ roles: ['publisher'] });
    const res = await fetch(`${net.gateways.LY.url}/v1/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ recipients: ['IT'], ...body }),
    });
    expect(res.status).toBe(202);
    return ((await res.json()) as { id: string }).id;
  }

  /** From the audit page to Keycloak's own page of the forum realm, and the credentials typed there. */
  async function signInOnKeycloak(p: Page, username: string, password: string): Promise<void> {
    await p.goto(`${url()}/audit/`);
    await p.getByTestId('provider-sign-in').click();
    await p.waitForURL((u) => u.href.startsWith(kc.admin.issuer(FORUM_REALM)));
    await p.locator('#username').fill(username);
    await p.locator('#password').fill(password);
    await p.locator('#kc-login').click();
  }

  beforeAll(async () => {
    kc = await startTestKeycloak();
    net = await startTestNetwork({
      label: 'auditpage',
      countries: ['LY', 'IT'],
      agreements: [
        {
          parties: ['LY', 'IT'],
          purpose: 'audit page',
          directions: [
            { from: 'LY', to: 'IT', categories: ['ROUTE', 'BULLETIN'], maxClassification: 'AMBER' },
            { from: 'IT', to: 'LY', categories: ['ROUTE', 'BULLETIN'], maxClassification: 'AMBER' },
          ],
        },
      ],
      gatewayEnv: { TREE_HEAD_INTERVAL_MS: '500' },
      secretariatEnv: {
        RECONCILE_BOUND_MS: '3000',
        RECONCILE_INTERVAL_MS: '500',
        ...kc.secretariatEnv(),
      },
      // The secretariat's development switch is off: the network's own calls there use the forum operator's token.
      secretariatToken: () => kc.forumOperatorToken(),
    });
    await kc.admin.registerRelyingParty({
      realm: FORUM_REALM,
      clientId: SECRETARIAT_CLIENT,
      baseUrl: url(),
      callbackPath: '/auth/callback',
      backchannelLogoutPath: '/auth/backchannel-logout',
      postLogoutPath: '/audit/',
    });
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1366, height: 768 } });
    page = await context.newPage();
    problems = watchConsole(page);
  }, 400_000);

  afterAll(async () => {
    await browser?.close();
    await net?.stop();
    await kc?.stop();
  });

  it('serves the built page under a strict Content-Security-Policy, with no token field when the switch is off', async () => {
    const res = await fetch(`${url()}/audit/`);
    expect(res.status).toBe(200);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toMatch(/default-src 'self'/);
    expect(csp).toMatch(/script-src 'self'/);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    const html = await res.text();
    expect(html).toMatch(/<script type="module"[^>]* src="\/audit\/assets\/[^"]+\.js"/);
    expect(html).not.toMatch(/<script>|<style|\son[a-z]+=/i); // no inline script, style or handler
    const session = (await (await fetch(`${url()}/auth/session`)).json()) as Record<string, unknown>;
    expect(session).toMatchObject({ signedIn: false, provider: 'up', devTokens: false });
    // Without a session or a token, the API answers 401 with the reason.
    const r = await fetch(`${url()}/v1/audit/heads`);
    expect(r.status).toBe(401);
    expect(((await r.json()) as { code: string }).code).toBe('TOKEN_MISSING');
  });

  it("signs an auditor in on Keycloak's forum page; heads, the agreement and the statistics appear, no token in the page", async () => {
    await publish(routeAlert({ title: 'audit page 1' }));
    await publish(routeAlert({ title: 'audit page 2' }));
    const auditor = await kc.createForumPerson(['auditors']);
    expect(await page.getByTestId('token-input').count()).toBe(0);
    await signInOnKeycloak(page, auditor.username, auditor.password);
    await page.waitForURL(`${url()}/audit/`);
    await page.getByTestId('heads').waitFor();
    expect(await page.getByTestId('principal').textContent()).toContain(auditor.username);

    for (const country of ['LY', 'IT']) {
      await eventually(
        `a head of ${country} on the page`,
        async () => {
          const size = await page
            .locator(`[data-testid="head-row"][data-gateway="${country}"]`)
            .getAttribute('data-tree-size', { timeout: 1000 });
          return Number(size) > 0 ? true : undefined;
        },
        30_000,
        500,
      );
    }
    const hash = page.locator('[data-testid="head-row"][data-gateway="LY"] code').first();
    expect(await hash.getAttribute('title')).toMatch(/^[0-9a-f]{64}$/);
    expect((await hash.textContent())!.length).toBeLessThan(64);

    const agreement = page.getByTestId('agreement-row').first();
    await agreement.waitFor();
    expect(await agreement.getAttribute('data-state')).toBe('ACTIVE');
    expect(
      await agreement
        .locator(
          '[data-testid="agreement-direction"][data-direction="LY-IT"] [data-testid="direction-categories"]',
        )
        .getAttribute('data-categories'),
    ).toBe('ROUTE,BULLETIN');
    expect(await agreement.textContent()).toMatch(/TLP:AMBER/);

    const stat = page.locator(
      '[data-testid="stat-row"][data-from="LY"][data-to="IT"][data-category="ROUTE"]',
    );
    await eventually(
      'LY→IT ROUTE statistics with 2 exchanges',
      async () => ((await stat.getAttribute('data-exchanges', { timeout: 1000 })) === '2' ? true : undefined),
      30_000,
      500,
    );
    expect(
      await page.locator('[data-testid="stat-bar"][data-corridor="LY-IT"]').getAttribute('data-total'),
    ).toBe('2');
    // two gateways: a signing certificate per envelope suite (RSA, P-256) and a Kafka TLS client certificate each
    expect(await page.getByTestId('certificates').locator('[data-testid="certificate-row"]').count()).toBe(6);
    expect(await page.getByTestId('last-refresh').getAttribute('data-state')).toBe('ok');
    expect(await page.getByTestId('last-refresh').textContent()).toMatch(/^Last refresh /);

    // The session is an httpOnly cookie of the secretariat's own name; nothing token-like in the URL or storage.
    expect(page.url()).not.toMatch(/token|code=/);
    const storage = await page.evaluate(() => JSON.stringify({ ...localStorage, ...sessionStorage }));
    expect(storage).not.toMatch(/eyJ/);
    const cookies = await context.cookies(url());
    expect(cookies.find((c) => c.name === 'corridor_audit_session')).toMatchObject({
      httpOnly: true,
      sameSite: 'Lax',
    });
    // The cookie alone does not make a request from elsewhere: the page's own header is required (CSRF).
    const cookie = cookies.find((c) => c.name === 'corridor_audit_session')!;
    const forged = await fetch(`${url()}/v1/audit/reconcile`, {
      method: 'POST',
      headers: { cookie: `${cookie.name}=${cookie.value}` },
    });
    expect(forged.status).toBe(403);
    expect(((await forged.json()) as { code: string }).code).toBe('SESSION_HEADER_MISSING');
    await screenshot(page, 'audit-page-overview');
  });

  it('re-audits a gateway from the page', async () => {
    await page.locator('[data-testid="reaudit"][data-gateway="LY"]').click();
    const result = page.locator('[data-testid="reaudit-result"][data-gateway="LY"]');
    await eventually(
      'the re-audit result of LY',
      async () => ((await result.getAttribute('data-ok')) === 'true' ? true : undefined),
      20_000,
      200,
    );
    expect(await result.textContent()).toMatch(/^ok — \d+ leaves match the signed heads/);
  });

  it('has no serious or critical axe-core violation in English, French, Arabic (right to left) and Italian', async () => {
    try {
      for (const lang of LANGUAGES) {
        await page.getByTestId('language-select').selectOption(lang);
        await page.locator('#heads-heading').filter({ hasText: HEADS_TITLE[lang] }).waitFor();
        expect(await page.evaluate(() => document.documentElement.lang)).toBe(lang);
        const directions = await page.evaluate(() => ({
          page: getComputedStyle(document.body).direction,
          hash: getComputedStyle(document.querySelector('[data-testid="head-row"] code')!).direction,
        }));
        expect(directions).toEqual({ page: lang === 'ar' ? 'rtl' : 'ltr', hash: 'ltr' });
        expect(await seriousViolations(page)).toEqual([]);
        await screenshot(page, `audit-page-${lang}`);
      }
    } finally {
      await page.getByTestId('language-select').selectOption('en');
      await page.locator('#heads-heading').filter({ hasText: HEADS_TITLE.en }).waitFor();
    }
  });

  it('shows an exchange that never arrived as a finding, and records the explanation typed in the form', async () => {
    await net.gateways.IT.process.kill();
    const alertId = await publish(routeAlert({ title: 'while IT is down' }));
    const messageId = await eventually('SENT at LY', async () =>
      withDb(net.gateways.LY.databaseUrl, async (c) => {
        const r = await c.query(
          "select message_id from outbox where alert_id = $1 and status in ('SENT', 'UNCONFIRMED')",
          [alertId],
        );
        return r.rows[0]?.message_id as string | undefined;
      }),
    );
    const row = page.locator(
      `[data-testid="finding-row"][data-kind="UNMATCHED_SENT"][data-message-id="${messageId}"]`,
    );
    await page.getByTestId('reconcile').click();
    await page
      .getByTestId('reconcile-status')
      .filter({ hasText: /Reconciled at/ })
      .waitFor();
    await row.waitFor({ timeout: 30_000 });
    expect(await row.getAttribute('data-state')).toBe('OPEN');
    expect(await row.getAttribute('data-gateway')).toBe('LY');
    expect(await row.textContent()).toMatch(/LY → IT/);
    await screenshot(page, 'audit-page-finding-open');

    // Keyboard only: focus the field, type, Enter submits.
    await row.getByTestId('explain-input').focus();
    await page.keyboard.type('IT gateway stopped for the test; confirmed by its operator');
    // The 5-second refresh keeps what is being typed, and the focus where it is.
    const before = await page.getByTestId('last-refresh').getAttribute('data-at');
    await eventually(
      'a refresh while typing',
      async () =>
        (await page.getByTestId('last-refresh').getAttribute('data-at')) !== before ? true : undefined,
      15_000,
      200,
    );
    expect(await row.getByTestId('explain-input').inputValue()).toMatch(/^IT gateway stopped/);
    expect(await row.getByTestId('explain-input').evaluate((input) => input === document.activeElement)).toBe(
      true,
    );
    await page.keyboard.press('Enter');
    await eventually(
      'the finding EXPLAINED on the page',
      async () => ((await row.getAttribute('data-state')) === 'EXPLAINED' ? true : undefined),
      15_000,
      200,
    );
    expect(await row.textContent()).toMatch(/IT gateway stopped for the test/);
    expect(await row.getByTestId('finding-state').getAttribute('data-state')).toBe('EXPLAINED');
    expect(await row.getByTestId('finding-state').textContent()).toBe('Explained');
    const stored = await net.secretariatCall<{ messageId: string; state: string; explanation: string }[]>(
      'GET',
      '/v1/audit/findings?state=EXPLAINED',
    );
    expect(stored).toContainEqual(
      expect.objectContaining({
        messageId,
        state: 'EXPLAINED',
        explanation: expect.stringMatching(/IT gateway/),
      }),
    );

    await page.getByTestId('findings-filter').selectOption('EXPLAINED');
    await eventually(
      'only explained findings listed',
      async () => {
        const states = await page
          .getByTestId('finding-row')
          .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-state')));
        return states.length > 0 && states.every((s) => s === 'EXPLAINED') ? true : undefined;
      },
      15_000,
      200,
    );
    await screenshot(page, 'audit-page-finding-explained');
    expect(problems).toEqual([]);
  });

  it('refuses an officer of a country realm: not on the forum page, and their token not at the API', async () => {
    const officer = await kc.createOfficer('IT', 'desk-maritime');
    const other = await browser.newContext({ viewport: { width: 1366, height: 768 } });
    try {
      const p = await other.newPage();
      await signInOnKeycloak(p, officer.username, officer.password);
      // The forum realm does not know the officer: Keycloak refuses on its own page, no session at the secretariat.
      await p.locator('#input-error, .kc-feedback-text, [id^=input-error]').first().waitFor();
      expect((await other.cookies(url())).find((c) => c.name === 'corridor_audit_session')).toBeUndefined();
      await p.goto(`${url()}/audit/`);
      await p.getByTestId('signin-view').waitFor();
      expect(await p.getByTestId('heads').count()).toBe(0);
      await screenshot(p, 'audit-page-officer-refused');
    } finally {
      await other.close();
    }
    // The officer's own token (from their country's realm) is refused with the reason.
    const token = await deviceGrantToken({
      browser,
      issuer: kc.issuer('IT'),
      username: officer.username,
      password: officer.password,
    });
    const r = await fetch(`${url()}/v1/audit/heads`, { headers: { authorization: `Bearer ${token}` } });
    expect(r.status).toBe(401);
    const body = (await r.json()) as { code: string; detail: string };
    expect(body.code).toBe('TOKEN_WRONG_ISSUER');
    expect(body.detail).toContain('corridor-it');
  });

  it('refuses a forum person with no Corridor role at the callback, with the reason', async () => {
    const person = await kc.createForumPerson([]);
    const other = await browser.newContext({ viewport: { width: 1366, height: 768 } });
    try {
      const p = await other.newPage();
      await signInOnKeycloak(p, person.username, person.password);
      await p.waitForURL((u) => u.pathname === '/auth/callback');
      expect(await p.getByTestId('auth-message').textContent()).toMatch(
        /^Sign-in refused: token roles must be among/,
      );
      expect((await other.cookies(url())).find((c) => c.name === 'corridor_audit_session')).toBeUndefined();
    } finally {
      await other.close();
    }
  });

  it('names the missing role on the page to a forum person who is not an auditor', async () => {
    const person = await kc.createForumPerson([], ['publisher']);
    const other = await browser.newContext({ viewport: { width: 1366, height: 768 } });
    try {
      const p = await other.newPage();
      const errors = watchConsole(p);
      await signInOnKeycloak(p, person.username, person.password);
      await p.waitForURL(`${url()}/audit/`);
      const error = p.getByTestId('signin-error');
      await error.waitFor({ state: 'visible' });
      expect(await error.textContent()).toMatch(
        /^Refused: this route needs one of the roles .*auditor.*\(FORBIDDEN_ROLE\)/,
      );
      expect(await p.getByTestId('heads').count()).toBe(0);
      // Signed in at the provider but refused here: sign-out is offered, to come back as someone else.
      expect(await p.getByTestId('sign-out').isVisible()).toBe(true);
      // Chromium reports the refused requests themselves; nothing else may go wrong.
      expect(errors.filter((e) => !/status of 403/.test(e))).toEqual([]);
    } finally {
      await other.close();
    }
  });

  it('signs out: the session ends here and at the provider, and its cookie no longer reads the API', async () => {
    const auditor = await kc.createForumPerson(['auditors']);
    const other = await browser.newContext({ viewport: { width: 1366, height: 768 } });
    try {
      const p = await other.newPage();
      await signInOnKeycloak(p, auditor.username, auditor.password);
      await p.getByTestId('heads').waitFor();
      const cookie = (await other.cookies(url())).find((c) => c.name === 'corridor_audit_session')!;
      await p.getByTestId('sign-out').click();
      await p.waitForURL(`${url()}/audit/`);
      await p.getByTestId('provider-sign-in').waitFor();
      const r = await fetch(`${url()}/v1/audit/heads`, {
        headers: { cookie: `${cookie.name}=${cookie.value}`, 'x-corridor-session': '1' },
      });
      expect(r.status).toBe(401);
      // The provider's session ended too: signing in again asks for the password.
      await p.getByTestId('provider-sign-in').click();
      await p.locator('#password').waitFor();
    } finally {
      await other.close();
    }
  });

  it('says so when the secretariat does not answer, keeping the last data', async () => {
    expect(problems).toEqual([]);
    await page.getByTestId('findings-filter').selectOption('');
    await net.secretariat.kill();
    const banner = page.getByTestId('page-banner');
    await banner.waitFor({ state: 'visible', timeout: 20_000 });
    expect(await banner.textContent()).toMatch(/^The secretariat does not answer/);
    expect(await page.getByTestId('last-refresh').getAttribute('data-state')).toBe('stale');
    expect(await page.locator('[data-testid="head-row"][data-gateway="LY"]').count()).toBe(1);
    await screenshot(page, 'audit-page-unreachable');
  });
});
