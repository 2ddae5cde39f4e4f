// The forum auditor's web page in a real browser (Debian's Chromium) against a real network: heads, agreements
// and content-free statistics appear; an exchange that never arrives shows up as a finding that the auditor
// explains with the form; a refused token is named; an unreachable secretariat is said so.
import fs from 'node:fs';
import path from 'node:path';
import { Browser, BrowserContext, chromium, Page } from 'playwright-core';
import { issueToken, SECRETARIAT_AUDIENCE } from '@corridor/identity';
import { Network } from '../scripts/lib/network';
import { eventually, startTestNetwork } from './harness/network';
import { withDb } from './harness/databases';
import { routeAlert } from './factories/alerts';

const ARTIFACTS = path.join(process.cwd(), 'test-artifacts');

/** Console errors and uncaught exceptions of one page (a missing favicon is not the page's fault). */
function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error' && !/favicon/i.test(`${msg.text()} ${msg.location().url}`)) {
      errors.push(`console: ${msg.text()} (${msg.location().url})`);
    }
  });
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
  return errors;
}

describe('forum audit page in a browser (real network, Chromium)', () => {
  let net: Network;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let pageErrors: string[] = [];
  let auditorToken = '';
  let secret = '';

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

  const shot = async (p: Page, name: string): Promise<void> => {
    await p.screenshot({ path: path.join(ARTIFACTS, `audit-page-${name}.png`), fullPage: true });
  };

  beforeAll(async () => {
    fs.mkdirSync(ARTIFACTS, { recursive: true });
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
      secretariatEnv: { RECONCILE_BOUND_MS: '3000', RECONCILE_INTERVAL_MS: '500' },
    });
    secret = (
      JSON.parse(fs.readFileSync(path.join(net.opts.dir, 'secrets.json'), 'utf8')) as {
        secretariatTokenSecret: string;
      }
    ).secretariatTokenSecret;
    auditorToken = issueToken({
      principal: { sub: 'forum-auditor', country: 'ZZ', roles: ['auditor'] },
      secret,
      ttlSeconds: 3600,
      audience: SECRETARIAT_AUDIENCE,
    });
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
    context = await browser.newContext({ viewport: { width: 1366, height: 768 } });
    page = await context.newPage();
    pageErrors = watchErrors(page);
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await net?.stop();
  });

  it('serves the page under a strict Content-Security-Policy', async () => {
    const res = await fetch(`${net.secretariat.url}/audit/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toMatch(/default-src 'self'/);
    expect(res.headers.get('content-security-policy')).toMatch(/script-src 'self'/);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    const html = await res.text();
    expect(html).not.toMatch(/<script>|<style|\son[a-z]+=/i); // no inline script, style or handler
  });

  it('shows both gateways with verified heads, the active agreement and the content-free statistics', async () => {
    await publish(routeAlert({ title: 'audit page 1' }));
    await publish(routeAlert({ title: 'audit page 2' }));

    await page.goto(`${net.secretariat.url}/audit/#token=${encodeURIComponent(auditorToken)}`);
    expect(page.url()).not.toContain('token='); // moved to sessionStorage, out of the history
    await page.getByTestId('heads').waitFor();

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
    expect(await agreement.textContent()).toMatch(/LY → IT: ROUTE, BULLETIN/);
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
    // two gateways: a signing and a Kafka TLS client certificate each
    expect(await page.getByTestId('certificates').locator('[data-testid="certificate-row"]').count()).toBe(4);
    expect(await page.getByTestId('last-refresh').getAttribute('data-state')).toBe('ok');
    expect(await page.getByTestId('last-refresh').textContent()).toMatch(/Last refresh \d\d:\d\d:\d\d/);
    await shot(page, 'overview');
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
    await shot(page, 'finding-open');

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
    expect(await row.getByTestId('finding-state').textContent()).toBe('EXPLAINED');
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
    await shot(page, 'finding-explained');
    expect(pageErrors).toEqual([]);
  });

  it('names a refused token on the sign-in form', async () => {
    const other = await browser.newContext({ viewport: { width: 1366, height: 768 } });
    const p = await other.newPage();
    const errors = watchErrors(p);
    try {
      await p.goto(`${net.secretariat.url}/audit/`);
      await p.getByTestId('token-input').fill(
        issueToken({
          principal: { sub: 'forum-auditor', country: 'ZZ', roles: ['auditor'] },
          secret: 'not-the-secretariat-secret-0123456789',
          ttlSeconds: 3600,
          audience: SECRETARIAT_AUDIENCE,
        }),
      );
      await p.getByTestId('sign-in').click();
      const error = p.getByTestId('signin-error');
      await error.waitFor({ state: 'visible' });
      expect(await error.textContent()).toMatch(/^token refused: .+\(TOKEN_INVALID\)/);
      await shot(p, 'signin-error');

      // A genuine token without the auditor role is refused too, with the route's reason.
      await p.getByTestId('token-input').fill(
        issueToken({
          principal: { sub: 'some-officer', country: 'ZZ', roles: ['officer'] },
          secret,
          ttlSeconds: 3600,
          audience: SECRETARIAT_AUDIENCE,
        }),
      );
      await p.keyboard.press('Enter');
      await eventually(
        'the role refusal',
        async () => ((await error.textContent())?.includes('FORBIDDEN_ROLE') ? true : undefined),
        10_000,
        100,
      );
      expect(await error.textContent()).toMatch(/^token refused: this route needs one of the roles/);
      expect(await p.getByTestId('heads').isVisible()).toBe(false);
      // Chromium reports the refused requests themselves; nothing else may go wrong.
      expect(errors.filter((e) => !/status of 40[13]/.test(e))).toEqual([]);
    } finally {
      await other.close();
    }
  });

  it('says so when the secretariat does not answer, keeping the last data', async () => {
    expect(pageErrors).toEqual([]);
    await net.secretariat.kill();
    const banner = page.getByTestId('page-banner');
    await banner.waitFor({ state: 'visible', timeout: 20_000 });
    expect(await banner.textContent()).toMatch(/^The secretariat does not answer/);
    expect(await page.getByTestId('last-refresh').getAttribute('data-state')).toBe('stale');
    expect(await page.locator('[data-testid="head-row"][data-gateway="LY"]').count()).toBe(1);
    await shot(page, 'unreachable');
  });
});
