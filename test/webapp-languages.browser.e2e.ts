// The web desk in four languages against real gateways (NE publishes, LY reads): every page in English, French,
// Arabic and Italian, axe-core finding no serious or critical violation, Arabic laid out right to left with the
// partner's Latin text still left to right inside it, and an acknowledgement given in Arabic reaching NE's outbox.
// Screenshots of every page in every language: test-artifacts/webapp-<page>-<lang>.png.
import AxeBuilder from '@axe-core/playwright';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { Network } from '../scripts/lib/network';
import { languageSelectFit, launchChromium, screenshot, watchConsole } from './harness/browser';
import { eventually, publishAlert, startTestNetwork } from './harness/network';
import { routeAlert } from './factories/alerts';

const ALL = ['ROUTE', 'DOCUMENT', 'SUSPECT', 'FINANCIAL_FLOW', 'PROTECTION_REFERRAL', 'BULLETIN'];
const LANGUAGES = ['en', 'fr', 'ar', 'it'] as const;
/** What the connection badge says once connected, in each language (from the catalogues). */
const CONNECTED = { en: 'connected', fr: 'connecté', ar: 'متصل', it: 'connesso' };

/** Serious and critical axe-core violations of the page as it is now, one line each. */
async function seriousViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

describe('web desk in four languages (real gateways, Chromium, axe-core)', () => {
  let net: Network;
  let browser: Browser;
  let alertId = '';

  beforeAll(async () => {
    net = await startTestNetwork({
      label: 'webapp',
      countries: ['NE', 'LY'],
      agreements: [
        {
          parties: ['NE', 'LY'],
          purpose: 'webapp',
          directions: [
            { from: 'NE', to: 'LY', categories: ALL, maxClassification: 'RED' },
            { from: 'LY', to: 'NE', categories: ALL, maxClassification: 'RED' },
          ],
        },
      ],
    });
    browser = await launchChromium();
    alertId = await publishAlert(net, 'NE', {
      recipients: ['LY'],
      ...routeAlert({ priority: 'FLASH', title: 'Convoy leaving Agadez towards Sabha' }),
    });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await net?.stop();
  });

  async function deskIn(
    lang: (typeof LANGUAGES)[number],
    sub: string,
  ): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({ viewport: { width: 1366, height: 900 } });
    const page = await context.newPage();
    await page.goto(`${net.gateways.LY.url}/desk/`);
    await page.getByTestId('language-select').selectOption(lang);
    await page.locator(`html[lang=${lang}]`).waitFor();
    await screenshot(page, `webapp-signin-${lang}`);
    expect(await seriousViolations(page)).toEqual([]);
    const token = net.gateways.LY.token({ sub, roles: ['officer'], clearance: 'RED', categories: ALL });
    await page.getByTestId('token-input').fill(token);
    await page.getByTestId('sign-in').click();
    await page.getByTestId('connection').getByText(CONNECTED[lang]).waitFor();
    return { context, page };
  }

  it.each(LANGUAGES)(
    'shows the feed and the route detail in %s without a serious accessibility violation',
    async (lang) => {
      const { context, page } = await deskIn(lang, `officer.${lang}`);
      const problems = watchConsole(page);
      const row = page.locator(`[data-testid=feed-item][data-alert-id="NE/${alertId}"]`);
      await row.waitFor({ timeout: 15_000 });
      await screenshot(page, `webapp-feed-${lang}`);
      expect(await seriousViolations(page)).toEqual([]);
      // The language select is never squeezed by the header.
      const fit = await languageSelectFit(page);
      expect(fit.scrollWidth).toBeLessThanOrEqual(fit.clientWidth);
      expect(fit.textWidth).toBeLessThanOrEqual(fit.room);
      // Keyboard: focus the row and open it with Enter.
      await row.focus();
      await page.keyboard.press('Enter');
      await page.getByTestId('route-line').waitFor();
      await page.getByTestId('route-path').waitFor();
      // The route's places from the keyboard: focusable, named, Enter selects one and the caption says which.
      const place = page.getByTestId('map-point').first();
      await place.focus();
      expect(await place.getAttribute('aria-label')).toBeTruthy();
      await page.keyboard.press('Enter');
      await page.locator('[data-testid=map-point][aria-pressed=true]').waitFor();
      expect((await page.getByTestId('map-selected').innerText()).length).toBeGreaterThan(0);
      await screenshot(page, `webapp-detail-${lang}`);
      expect(await seriousViolations(page)).toEqual([]);
      expect(await page.evaluate(() => document.documentElement.dir)).toBe(lang === 'ar' ? 'rtl' : 'ltr');
      expect(problems).toEqual([]);
      await context.close();
    },
  );

  it('lays the desk out right to left in Arabic, keeps Latin partner text left to right, and acknowledges to NE', async () => {
    const { context, page } = await deskIn('ar', 'officer.tripoli');
    const problems = watchConsole(page);
    const row = page.locator(`[data-testid=feed-item][data-alert-id="NE/${alertId}"]`);
    await row.waitFor({ timeout: 15_000 });
    const directions = await page.evaluate(() => {
      const dir = (selector: string): string => {
        const el = document.querySelector(selector);
        if (!el) {
          throw new Error(`no ${selector}`);
        }
        return getComputedStyle(el).direction;
      };
      return {
        page: dir('html'),
        feed: dir('[data-testid=feed]'),
        sender: dir('.row-sender'),
        title: dir('[data-testid=feed-item] .row-title bdi'),
      };
    });
    expect(directions).toEqual({ page: 'rtl', feed: 'rtl', sender: 'rtl', title: 'ltr' });
    // The feed column sits right of the detail column, as Arabic reads.
    const feedBox = await page.locator('.feed-column').boundingBox();
    const detailBox = await page.locator('.detail-column').boundingBox();
    expect(feedBox!.x).toBeGreaterThan(detailBox!.x);
    await row.click();
    await page.getByTestId('ack-button').click();
    await page.locator('[data-testid=ack-status][data-state=acknowledged]').waitFor();
    expect(await page.getByTestId('ack-status').innerText()).toContain('أكّدتَ الاستلام');
    await screenshot(page, 'webapp-acknowledged-ar');
    const publisher = net.gateways.NE.token({ roles: ['publisher'] });
    const delivery = await eventually('acknowledgement in NE outbox', async () => {
      const r = (await (
        await fetch(`${net.gateways.NE.url}/v1/outbox`, { headers: { authorization: `Bearer ${publisher}` } })
      ).json()) as { items: { alertId: string; acknowledgedBy: string | null }[] };
      const d = r.items.find((x) => x.alertId === alertId);
      return d?.acknowledgedBy ? d : undefined;
    });
    expect(delivery.acknowledgedBy).toBe('LY/officer.tripoli');
    expect(problems).toEqual([]);
    await context.close();
  });
});
