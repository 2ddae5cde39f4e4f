// The desk's pages of #16 in Debian's Chromium against two real gateways (NE, LY): route, referral and document
// alerts published at NE and LY appear on LY's situational picture, whose partner, category, priority, layer and
// timeline filters narrow the map and its list; LY acknowledges and replies, NE sees both on its sent alerts and as
// a conversation, answers, and LY sees the conversation; an update and a withdrawal show in the alert's history on
// both sides. axe-core finds no serious or critical violation on the new pages in any language; screenshots of each
// page in each language go to test-artifacts/desk-<page>-<lang>.png.
import AxeBuilder from '@axe-core/playwright';
import type { Browser, Locator, Page } from 'playwright-core';
import { Network } from '../scripts/lib/network';
import { languageSelectFit, launchChromium, screenshot, watchConsole } from './harness/browser';
import { eventually, publishAlert, startTestNetwork } from './harness/network';
import { documentAlert, routeAlert } from './factories/alerts';

const ALL = ['ROUTE', 'DOCUMENT', 'SUSPECT', 'FINANCIAL_FLOW', 'PROTECTION_REFERRAL', 'BULLETIN'];
const LANGUAGES = ['en', 'fr', 'ar', 'it'] as const;
const CONNECTED = { en: 'connected', fr: 'connecté', ar: 'متصل', it: 'connesso' };

async function seriousViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

const referralAlert = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
  category: 'PROTECTION_REFERRAL',
  priority: 'URGENT',
  classification: 'AMBER',
  handling: 'H2',
  title: 'Rubber boat in distress north of Zuwara',
  protectionReferral: {
    need: 'DISTRESS_AT_SEA',
    peopleCount: 45,
    lastKnownPosition: { lat: 33.4, lon: 12.2 },
    lastKnownPlace: 'north of Zuwara',
  },
  ...over,
});

describe('desk pages: sent alerts, conversations, history, situational picture (real gateways, Chromium)', () => {
  let net: Network;
  let browser: Browser;
  const ids = { flash: '', referral: '', document: '', lyRoute: '', withdrawn: '' };

  const publisherToken = (country: string): string =>
    net.gateways[country].token({ sub: `agency.${country.toLowerCase()}`, roles: ['publisher'] });

  async function call(country: string, method: string, path: string, body: unknown): Promise<void> {
    const res = await fetch(`${net.gateways[country].url}${path}`, {
      method,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${publisherToken(country)}` },
      body: JSON.stringify(body),
    });
    if (res.status !== 202) {
      throw new Error(`${method} ${path} at ${country} answered ${res.status}: ${await res.text()}`);
    }
  }

  beforeAll(async () => {
    net = await startTestNetwork({
      label: 'picture',
      countries: ['NE', 'LY'],
      agreements: [
        {
          parties: ['NE', 'LY'],
          purpose: 'picture',
          directions: [
            { from: 'NE', to: 'LY', categories: ALL, maxClassification: 'RED' },
            { from: 'LY', to: 'NE', categories: ALL, maxClassification: 'RED' },
          ],
        },
      ],
    });
    browser = await launchChromium();
    ids.flash = await publishAlert(net, 'NE', {
      recipients: ['LY'],
      ...routeAlert({ priority: 'FLASH', title: 'Convoy leaving Agadez tonight' }),
    });
    ids.referral = await publishAlert(net, 'NE', { recipients: ['LY'], ...referralAlert() });
    ids.document = await publishAlert(net, 'NE', { recipients: ['LY'], ...documentAlert() });
    ids.withdrawn = await publishAlert(net, 'NE', {
      recipients: ['LY'],
      ...routeAlert({ priority: 'ROUTINE', title: 'Departure later called off' }),
    });
    ids.lyRoute = await publishAlert(net, 'LY', {
      recipients: ['NE'],
      ...routeAlert({ priority: 'URGENT', title: 'Pick-ups seen near Sabha' }),
    });
    // A new version of the FLASH alert, and a withdrawal: both belong in the history.
    await call('NE', 'PUT', `/v1/alerts/${ids.flash}`, {
      ...routeAlert({ priority: 'FLASH', title: 'Convoy leaving Agadez tonight, 8 vehicles' }),
      reason: 'vehicle count confirmed',
    });
    await call('NE', 'POST', `/v1/alerts/${ids.withdrawn}/withdraw`, { reason: 'departure cancelled' });
  }, 240_000);

  afterAll(async () => {
    // Closing Chromium closes each page, whose handler closes its context: a context already gone may reject (a
    // clean-clone run once failed the suite after all its tests passed, on a bare "" thrown during this teardown).
    // Teardown goes on either way, so the network is always stopped.
    await browser?.close().catch((err: unknown) => console.warn(`closing Chromium: ${String(err)}`));
    await net?.stop();
  });

  async function desk(country: string, sub: string, lang: (typeof LANGUAGES)[number] = 'en'): Promise<Page> {
    // A context per page: axe-core's Playwright builder needs one.
    const context = await browser.newContext({ viewport: { width: 1366, height: 900 } });
    const page = await context.newPage();
    page.on('close', () => {
      context.close().catch(() => undefined); // already closing with the browser (afterAll)
    });
    await page.goto(`${net.gateways[country].url}/desk/`);
    await page.getByTestId('language-select').selectOption(lang);
    await page.locator(`html[lang=${lang}]`).waitFor();
    const token = net.gateways[country].token({ sub, roles: ['officer'], clearance: 'RED', categories: ALL });
    await page.getByTestId('token-input').fill(token);
    await page.getByTestId('sign-in').click();
    await page.getByTestId('connection').getByText(CONNECTED[lang]).waitFor();
    return page;
  }

  const pictureItems = (page: Page): Locator => page.getByTestId('picture-item');
  const attributes = (items: Locator, name: string): Promise<(string | null)[]> =>
    items.evaluateAll((els, n) => els.map((e) => e.getAttribute(n)), name);

  it('puts every route, referral and document alert of the period on LY’s picture, and its filters narrow it', async () => {
    const page = await desk('LY', 'officer.tripoli');
    const problems = watchConsole(page);
    // The feed has replayed the updated alert before the picture is opened.
    await page
      .locator(`[data-testid=feed-item][data-alert-id="NE/${ids.flash}"][data-event=UPDATED]`)
      .waitFor();
    await page.getByTestId('nav-picture').click();
    const flash = page.locator(`[data-testid=picture-item][data-key="NE/${ids.flash}"]`);
    await flash.waitFor();
    // NE's three active alerts (the withdrawn one is gone) and LY's own route alert.
    await eventually('four alerts on the picture', async () =>
      (await pictureItems(page).count()) === 4 ? true : undefined,
    );
    expect((await attributes(pictureItems(page), 'data-key')).sort()).toEqual(
      [`NE/${ids.flash}`, `NE/${ids.referral}`, `NE/${ids.document}`, `LY/${ids.lyRoute}`].sort(),
    );
    // The route is drawn through its waypoints, the referral at its position.
    const routeShape = page.locator(`[data-testid=picture-shape][data-key="NE/${ids.flash}"]`);
    // The map's code comes after the page's first load: wait for it to draw.
    await routeShape.locator('.pic-line').waitFor();
    expect(await routeShape.locator('.pic-line').count()).toBe(1);
    expect(await routeShape.locator('.pic-mark').count()).toBe(5);
    expect(
      await page.locator(`[data-testid=picture-shape][data-key="NE/${ids.referral}"] .pic-mark`).count(),
    ).toBe(1);
    await screenshot(page, 'desk-picture-en');
    // The map's shapes from the keyboard: focusable, named, Enter selects (the list's item lights up), Space too.
    const referralShape = page.locator(`[data-testid=picture-shape][data-key="NE/${ids.referral}"]`);
    await referralShape.focus();
    expect(await referralShape.getAttribute('aria-label')).toContain('NE');
    await page.keyboard.press('Enter');
    await page
      .locator(`[data-testid=picture-shape][data-key="NE/${ids.referral}"][aria-pressed=true]`)
      .waitFor();
    expect(
      await page.locator(`[data-testid=picture-item][data-key="NE/${ids.referral}"]`).getAttribute('class'),
    ).toContain('is-active');
    // Reached with the keyboard, the focused shape is outlined.
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('Tab');
    expect(
      await page.evaluate(() => ({
        key: (document.activeElement as HTMLElement | null)?.dataset.key,
        outline: getComputedStyle(document.activeElement!).outlineStyle,
      })),
    ).toEqual({ key: `NE/${ids.referral}`, outline: 'solid' });
    await routeShape.focus();
    await page.keyboard.press(' ');
    await page
      .locator(`[data-testid=picture-shape][data-key="NE/${ids.flash}"][aria-pressed=true]`)
      .waitFor();

    await page.getByTestId('picture-partner').selectOption('NE');
    expect(await attributes(pictureItems(page), 'data-sender')).toEqual(['NE', 'NE', 'NE']);
    await page.getByTestId('picture-category').selectOption('ROUTE');
    expect(await attributes(pictureItems(page), 'data-key')).toEqual([`NE/${ids.flash}`]);
    await page.getByTestId('picture-partner').selectOption('');
    expect((await attributes(pictureItems(page), 'data-sender')).sort()).toEqual(['LY', 'NE']);
    await page.getByTestId('picture-category').selectOption('');
    await page.getByTestId('picture-priority').selectOption('FLASH');
    expect(await attributes(pictureItems(page), 'data-key')).toEqual([`NE/${ids.flash}`]);
    expect(await page.getByTestId('picture-shape').count()).toBe(1);
    await page.getByTestId('picture-priority').selectOption('');
    // Layers: without referrals and documents, only the routes remain, on the list and on the map.
    await page.getByTestId('picture-layer-referrals').uncheck();
    await page.getByTestId('picture-layer-documents').uncheck();
    expect(new Set(await attributes(pictureItems(page), 'data-category'))).toEqual(new Set(['ROUTE']));
    expect(new Set(await attributes(page.getByTestId('picture-shape'), 'data-layer'))).toEqual(
      new Set(['routes']),
    );
    await page.getByTestId('picture-layer-referrals').check();
    await page.getByTestId('picture-layer-documents').check();

    // The timeline from the keyboard: the window's end moved to the first day leaves nothing of today; back to
    // the last day, everything is there again.
    await page.getByTestId('window-end').focus();
    await page.keyboard.press('Home');
    await eventually('an empty window', async () =>
      (await pictureItems(page).count()) === 0 ? true : undefined,
    );
    await page.keyboard.press('End');
    await eventually('the window restored', async () =>
      (await pictureItems(page).count()) === 4 ? true : undefined,
    );
    // A seven-day period is cut into days; a 24-hour period into hours.
    expect(await page.getByTestId('window-end').getAttribute('max')).toBe('6');
    await page.getByTestId('picture-period').selectOption('1');
    await eventually('hourly buckets', async () =>
      (await page.getByTestId('window-end').getAttribute('max')) === '23' ? true : undefined,
    );
    await flash.waitFor();

    // From the list with the keyboard: Enter opens the alert in the feed, with its history.
    await flash.locator('button.picture-open').focus();
    await page.keyboard.press('Enter');
    await page.locator(`[data-testid=detail][data-alert-id="NE/${ids.flash}"]`).waitFor();
    const history = page.getByTestId('detail').getByTestId('history-entry');
    await eventually('two versions', async () => ((await history.count()) === 2 ? true : undefined));
    expect(await attributes(history, 'data-event')).toEqual(['PUBLISHED', 'UPDATED']);
    expect(await history.nth(1).getByTestId('history-by').innerText()).toContain('NE');
    expect(problems).toEqual([]);
    await page.close();
  });

  it('shows a withdrawal in the history of the alert at LY', async () => {
    const page = await desk('LY', 'officer.misrata');
    const row = page.locator(`[data-testid=feed-item][data-alert-id="NE/${ids.withdrawn}"]`);
    await row.waitFor();
    await row.click();
    const history = page.getByTestId('detail').getByTestId('history-entry');
    await eventually('published then withdrawn', async () =>
      (await history.count()) === 2 ? true : undefined,
    );
    expect(await attributes(history, 'data-event')).toEqual(['PUBLISHED', 'WITHDRAWN']);
    await page.close();
  });

  it('carries LY’s acknowledgement and reply to NE’s sent alerts and conversations, and NE’s answer back', async () => {
    // A colleague's desk at LY, open before the acknowledgement: its feed row of the alert still reads open.
    const colleague = await desk('LY', 'officer.misrata');
    await colleague
      .locator(`[data-testid=feed-item][data-alert-id="NE/${ids.flash}"][data-event=UPDATED]`)
      .waitFor();
    const ly = await desk('LY', 'officer.tripoli');
    const lyProblems = watchConsole(ly);
    const row = ly.locator(`[data-testid=feed-item][data-alert-id="NE/${ids.flash}"][data-event=UPDATED]`);
    await row.click();
    await ly.getByTestId('ack-button').click();
    await ly.locator('[data-testid=ack-status][data-state=acknowledged]').waitFor();
    // The colleague's picture reads the acknowledgement from the gateway: the alert shows who, not the button.
    await colleague.getByTestId('nav-picture').click();
    const onPicture = colleague.locator(`[data-testid=picture-item][data-key="NE/${ids.flash}"]`);
    await onPicture.locator('.picture-open').focus();
    const pictureAck = onPicture.getByTestId('picture-ack-status');
    expect(await pictureAck.getAttribute('data-state')).toBe('acknowledged');
    expect(await pictureAck.innerText()).toContain('officer.tripoli');
    expect(await onPicture.getByTestId('picture-ack-button').count()).toBe(0);
    await colleague.close();
    await ly.getByTestId('reply-input').fill('Which road do the pick-ups take?');
    await ly.getByTestId('reply-send').click();
    await ly.locator('[data-testid=reply-status].is-ok').waitFor();

    const ne = await desk('NE', 'officer.niamey');
    const neProblems = watchConsole(ne);
    await ne.getByTestId('nav-sent').click();
    const sent = ne.locator(`[data-testid=sent-alert][data-alert-id="${ids.flash}"]`);
    await sent.waitFor();
    const toLy = sent.locator('[data-testid=sent-partner][data-recipient=LY]');
    // Refreshed by the page itself until LY's acknowledgement and the update's receipt are in.
    await sent.locator('[data-testid=sent-ack][data-acknowledged=true]').waitFor({ timeout: 30_000 });
    await ne
      .locator(`[data-testid=sent-alert][data-alert-id="${ids.flash}"] [data-status=DELIVERED]`)
      .waitFor({
        timeout: 30_000,
      });
    expect(await toLy.getByTestId('sent-ack').innerText()).toContain('LY/officer.tripoli');
    expect(
      await ne
        .locator(`[data-testid=sent-alert][data-alert-id="${ids.withdrawn}"]`)
        .getAttribute('data-state'),
    ).toBe('WITHDRAWN');
    await sent.getByTestId('sent-history-toggle').click();
    const versions = sent.getByTestId('history-entry');
    await eventually('NE’s two versions', async () => ((await versions.count()) === 2 ? true : undefined));
    expect(await attributes(versions, 'data-event')).toEqual(['PUBLISHED', 'UPDATED']);
    expect(await versions.nth(1).innerText()).toContain('vehicle count confirmed');
    expect(await versions.nth(1).getByTestId('history-by').innerText()).toContain('agency.ne');
    await screenshot(ne, 'desk-sent-en');

    // LY's reply is a conversation about NE's own alert; NE answers in it.
    await ne.getByTestId('nav-conversations').click();
    const thread = ne.locator(`[data-testid=conversation][data-key="NE/${ids.flash}"]`);
    await thread.waitFor({ timeout: 20_000 });
    await thread.click();
    const pane = ne.getByTestId('conversation-pane');
    await pane.getByText('Which road do the pick-ups take?').waitFor();
    await ne.getByTestId('conversation-input').fill('The road through Dirkou.');
    await ne.getByTestId('conversation-send').click();
    await ne.locator('[data-testid=conversation-status].is-ok').waitFor();
    expect(await attributes(pane.getByTestId('chat-message'), 'data-mine')).toEqual(['false', 'true']);
    await screenshot(ne, 'desk-conversations-ne-en');

    await ly.getByTestId('nav-conversations').click();
    const lyThread = ly.locator(`[data-testid=conversation-pane][data-key="NE/${ids.flash}"]`);
    await lyThread.getByText('The road through Dirkou.').waitFor({ timeout: 20_000 });
    const messages = lyThread.getByTestId('chat-message');
    expect(await messages.allInnerTexts()).toEqual([
      expect.stringContaining('Which road do the pick-ups take?'),
      expect.stringContaining('The road through Dirkou.'),
    ]);
    expect(await attributes(messages, 'data-mine')).toEqual(['true', 'false']);
    expect(lyProblems).toEqual([]);
    expect(neProblems).toEqual([]);
    await ly.close();
    await ne.close();
  });

  it.each(LANGUAGES)('has no serious accessibility violation on the new pages in %s', async (lang) => {
    const page = await desk('LY', `officer.${lang}`, lang);
    const problems = watchConsole(page);
    await page
      .locator(`[data-testid=feed-item][data-alert-id="NE/${ids.flash}"][data-event=UPDATED]`)
      .click();
    await page.getByTestId('detail').getByTestId('history-entry').first().waitFor();
    await screenshot(page, `desk-history-${lang}`);
    expect(await seriousViolations(page)).toEqual([]);
    for (const [nav, ready] of [
      ['picture', `[data-testid=picture-item][data-key="NE/${ids.flash}"]`],
      ['sent', `[data-testid=sent-alert][data-alert-id="${ids.lyRoute}"]`],
      ['conversations', '[data-testid=conversation-count]'],
    ] as const) {
      await page.getByTestId(`nav-${nav}`).click();
      await page.locator(ready).first().waitFor();
      if (nav === 'picture') {
        // axe checks the map's shapes too (buttons inside the map's group).
        await page.getByTestId('picture-shape').first().waitFor();
      }
      // The language select is never squeezed by the header ("Fra" for Français).
      const fit = await languageSelectFit(page);
      expect(fit.scrollWidth).toBeLessThanOrEqual(fit.clientWidth);
      expect(fit.textWidth).toBeLessThanOrEqual(fit.room);
      expect(await page.getByTestId(`nav-${nav}`).getAttribute('aria-current')).toBe('page');
      await screenshot(page, `desk-${nav}-${lang}`);
      expect({ nav, violations: await seriousViolations(page) }).toEqual({ nav, violations: [] });
    }
    expect(await page.evaluate(() => document.documentElement.dir)).toBe(lang === 'ar' ? 'rtl' : 'ltr');
    expect(problems).toEqual([]);
    await page.close();
  });
});
