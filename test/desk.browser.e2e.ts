// The web desk in Debian's Chromium against real gateways: an alert published at LY through the REST API
// appears on IT's desk page; acknowledging it there shows up in LY's outbox. Partner text is bidi-isolated, alerts
// are keyed by (origin, alert id), and a reply's officer id reads as its sender's word. Screenshots in test-artifacts/.
import type { Browser, Locator, Page } from 'playwright-core';
import type { DeskItem } from '@corridor/gateway-api';
import { Network } from '../scripts/lib/network';
import { launchChromium, screenshot, watchConsole } from './harness/browser';
import { eventually, publishAlert, startTestNetwork } from './harness/network';
import { documentAlert, routeAlert, specimenMrz, suspectAlert } from './factories/alerts';

const ALL = ['ROUTE', 'DOCUMENT', 'SUSPECT', 'FINANCIAL_FLOW', 'PROTECTION_REFERRAL', 'BULLETIN'];
const RLO = '\u202E'; // RIGHT-TO-LEFT OVERRIDE: reverses what follows it until its paragraph or isolate ends

/** The feed row of an alert, identified by (origin, alert id): data-alert-id is origin + '/' + alertId. */
const rowOf = (page: Page, origin: string, alertId: string): Locator =>
  page.locator(`[data-testid=feed-item][data-alert-id="${origin}/${alertId}"]`);

/**
 * Waits for the gateway's hello: the header names the officer. The header is there before ("not signed in"), so
 * waiting for it alone lets a test publish before the desk is connected, and alerts stored before the hello are
 * replayed, not live (no notification).
 */
const signedIn = (page: Page, sub: string): Promise<void> =>
  page.getByTestId('officer').getByText(sub).waitFor();

/** How the element that directly holds `text` (inside `root`) isolates it from its surroundings. */
function isolationOf(root: Locator, text: string) {
  return root.evaluate((el, wanted) => {
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (node.textContent === wanted && node.parentElement) {
        const holder = node.parentElement;
        return {
          tag: holder.tagName,
          unicodeBidi: getComputedStyle(holder).unicodeBidi,
          dir: holder.getAttribute('dir'),
          text: holder.textContent,
        };
      }
    }
    throw new Error(`no text node "${wanted}" in ${el.outerHTML}`);
  }, text);
}

/**
 * Whether `word`, in a text node inside `root`, is laid out left to right on screen: its first character is
 * left of its last. An override leaking from a neighbouring field would lay it out right to left.
 */
function readsLeftToRight(root: Locator, word: string): Promise<boolean> {
  return root.evaluate((el, wanted) => {
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const at = (node.textContent ?? '').indexOf(wanted);
      if (at >= 0) {
        const textNode = node;
        const left = (offset: number): number => {
          const range = document.createRange();
          range.setStart(textNode, offset);
          range.setEnd(textNode, offset + 1);
          return range.getBoundingClientRect().left;
        };
        return left(at) < left(at + wanted.length - 1);
      }
    }
    throw new Error(`no text "${wanted}" in ${el.outerHTML}`);
  }, word);
}

describe('web desk in Chromium (real gateways)', () => {
  let net: Network;
  let browser: Browser;

  beforeAll(async () => {
    net = await startTestNetwork({
      label: 'browser',
      countries: ['LY', 'IT'],
      agreements: [
        {
          parties: ['LY', 'IT'],
          purpose: 'browser',
          directions: [
            {
              from: 'LY',
              to: 'IT',
              categories: ALL,
              maxClassification: 'RED',
              excludedFields: ['suspect.phones'],
            },
            { from: 'IT', to: 'LY', categories: ALL, maxClassification: 'RED' },
          ],
        },
      ],
    });
    browser = await launchChromium();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await net?.stop();
  });

  const publish = (body: Record<string, unknown>): Promise<string> =>
    publishAlert(net, 'LY', { recipients: ['IT'], ...body });

  it('shows a published alert live, its route on the offline map, and carries the acknowledgement back to LY', async () => {
    const token = net.gateways.IT.token({
      sub: 'officer.lampedusa',
      roles: ['officer'],
      desk: 'maritime',
      clearance: 'RED',
      categories: ALL,
    });
    const page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
    const problems = watchConsole(page);
    await page.goto(`${net.gateways.IT.url}/desk/#token=${token}`);
    await signedIn(page, 'officer.lampedusa');
    expect(page.url()).not.toContain('token=');
    await page.getByTestId('connection').getByText('connected').waitFor();

    const id = await publish(routeAlert({ priority: 'FLASH', title: 'Boats leaving Zuwara now' }));
    const row = rowOf(page, 'LY', id);
    await row.waitFor({ timeout: 15_000 });
    expect(await row.getAttribute('data-priority')).toBe('FLASH');
    await screenshot(page, 'desk-feed');

    await row.click();
    await page.getByTestId('detail').getByText('Boats leaving Zuwara now').waitFor();
    await page.getByTestId('route-line').waitFor();
    await screenshot(page, 'desk-route-detail');

    await page.getByTestId('ack-button').click();
    await page
      .getByTestId('ack-status')
      .getByText(/acknowledged by you/)
      .waitFor();
    const publisher = net.gateways.LY.token({ roles: ['publisher'] });
    const delivery = await eventually('acknowledgement in LY outbox', async () => {
      const r = (await (
        await fetch(`${net.gateways.LY.url}/v1/outbox`, { headers: { authorization: `Bearer ${publisher}` } })
      ).json()) as {
        items: { alertId: string; acknowledgedBy: string | null }[];
      };
      const d = r.items.find((x) => x.alertId === id);
      return d?.acknowledgedBy ? d : undefined;
    });
    expect(delivery.acknowledgedBy).toBe('IT/officer.lampedusa');
    expect(problems).toEqual([]);
    await page.close();
  });

  it('shows a suspect without the excluded field, the MRZ of a document, a document hit, and a withdrawal', async () => {
    const token = net.gateways.IT.token({
      sub: 'officer.docs',
      roles: ['officer'],
      clearance: 'RED',
      categories: ALL,
    });
    const page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
    const problems = watchConsole(page);
    await page.goto(`${net.gateways.IT.url}/desk/#token=${token}`);
    await signedIn(page, 'officer.docs');
    const suspectId = await publish(suspectAlert());
    const docId = await publish(documentAlert());
    await rowOf(page, 'LY', suspectId).click();
    await page.getByTestId('aliases').getByText('The Captain').waitFor();
    await page.getByTestId('view-logged').waitFor();
    expect(await page.getByTestId('detail').innerText()).not.toContain('+218');
    await screenshot(page, 'desk-suspect');

    await rowOf(page, 'LY', docId).click();
    await page.getByTestId('mrz').getByText(specimenMrz()[1]).waitFor();
    await page.getByTestId('doc-mrz').fill(specimenMrz().join('\n'));
    await page.getByTestId('doc-check').click();
    await page.locator('[data-testid=doc-result][data-result=HIT]').waitFor();
    await screenshot(page, 'desk-document-hit');

    const publisher = net.gateways.LY.token({ roles: ['publisher'] });
    const withdrawn = await fetch(`${net.gateways.LY.url}/v1/alerts/${suspectId}/withdraw`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${publisher}` },
      body: JSON.stringify({ reason: 'identity mistaken' }),
    });
    expect(withdrawn.status).toBe(202);
    await page
      .locator(`[data-testid=feed-item][data-alert-id="LY/${suspectId}"][data-state=WITHDRAWN]`)
      .waitFor({ timeout: 15_000 });
    await screenshot(page, 'desk-withdrawn');
    expect(problems).toEqual([]);
    await page.close();
  });

  it('raises a browser notification for a FLASH alert, not for a routine one', async () => {
    const token = net.gateways.IT.token({
      sub: 'officer.watch',
      roles: ['officer'],
      clearance: 'RED',
      categories: ALL,
    });
    const context = await browser.newContext({ viewport: { width: 1366, height: 768 } });
    await context.grantPermissions(['notifications'], { origin: net.gateways.IT.url });
    // Record what the page shows through the Notification API (headless Chromium has no notification centre).
    await context.addInitScript(() => {
      const shown: string[] = [];
      (window as unknown as { shownNotifications: string[] }).shownNotifications = shown;
      class RecordingNotification {
        static permission = 'granted';
        static requestPermission = (): Promise<string> => Promise.resolve('granted');
        onclick: (() => void) | null = null;
        constructor(title: string) {
          shown.push(title);
        }
        close(): void {}
      }
      (window as unknown as { Notification: unknown }).Notification = RecordingNotification;
    });
    const page = await context.newPage();
    await page.goto(`${net.gateways.IT.url}/desk/#token=${token}`);
    await signedIn(page, 'officer.watch');
    const routine = await publish(routeAlert({ priority: 'ROUTINE', title: 'routine route' }));
    const flash = await publish(routeAlert({ priority: 'FLASH', title: 'flash route' }));
    await rowOf(page, 'LY', routine).waitFor();
    await rowOf(page, 'LY', flash).waitFor();
    const shown = await page.evaluate(
      () => (window as unknown as { shownNotifications: string[] }).shownNotifications,
    );
    expect(shown).toEqual(['FLASH route alert from LY']);
    await context.close();
  });

  it('isolates partner text: a right-to-left override in a title or a place name reorders nothing around it', async () => {
    const token = net.gateways.IT.token({
      sub: 'officer.bidi',
      roles: ['officer'],
      clearance: 'RED',
      categories: ALL,
    });
    const page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
    const problems = watchConsole(page);
    await page.goto(`${net.gateways.IT.url}/desk/#token=${token}`);
    await signedIn(page, 'officer.bidi');
    // A file name that reads "invoice‮gnp.exe" in memory and "invoiceexe.png" on screen, and a transit place
    // whose override would reverse the rest of its line (the other stops, "120 people") if it leaked.
    const title = `invoice${RLO}gnp.exe`;
    const alert = routeAlert({ title });
    const route = alert.route as { transit: { place: string }[] };
    route.transit[0].place = `Dirkou${RLO}`;
    const id = await publish(alert);
    const row = rowOf(page, 'LY', id);
    await row.waitFor({ timeout: 15_000 });

    // The title sits alone in an isolating element whose direction comes from its own text.
    const inRow = await isolationOf(row.locator('.row-title'), title);
    expect(inRow).toMatchObject({ unicodeBidi: 'isolate', dir: 'auto', text: title });
    // The summary line carries the place with the override: the stops and the desk's label after it still
    // read left to right.
    const summary = row.locator('.row-summary');
    expect(await summary.innerText()).toContain('120 people');
    expect(await readsLeftToRight(summary, 'Sabha')).toBe(true);
    expect(await readsLeftToRight(summary, 'people')).toBe(true);
    expect(await readsLeftToRight(row.locator('.row-sender'), 'from LY')).toBe(true);

    await row.click();
    const heading = page.getByTestId('detail').locator('.detail-title');
    await heading.getByText(title).waitFor();
    expect(await isolationOf(heading, title)).toMatchObject({
      unicodeBidi: 'isolate',
      dir: 'auto',
      text: title,
    });
    const path = page.getByTestId('route-path');
    await path.waitFor();
    expect(await isolationOf(path, `Dirkou${RLO}`)).toMatchObject({ unicodeBidi: 'isolate', dir: 'auto' });
    for (const word of ['Sabha', 'Zuwara', 'Lampedusa']) {
      expect(await readsLeftToRight(path, word)).toBe(true);
    }
    await screenshot(page, 'desk-bidi');
    expect(problems).toEqual([]);
    await page.close();
  });

  it('keys rows by (origin, alert id): another country naming the same alert id gets its own row', async () => {
    // Gateways mint alert ids themselves, so two countries' alerts cannot share one through the API: the items of
    // the second country are fed to the page through its own socket.io client, as the gateway would push them.
    const token = net.gateways.IT.token({
      sub: 'officer.keys',
      roles: ['officer'],
      clearance: 'RED',
      categories: ALL,
    });
    const context = await browser.newContext({ viewport: { width: 1366, height: 768 } });
    await context.addInitScript(() => {
      const sockets: unknown[] = [];
      (window as unknown as { deskSockets: unknown[] }).deskSockets = sockets;
      let io: unknown;
      Object.defineProperty(window, 'io', {
        configurable: true,
        get: () => io,
        set: (real: unknown) => {
          io =
            typeof real === 'function'
              ? Object.assign((...args: unknown[]) => {
                  const socket: unknown = (real as (...a: unknown[]) => unknown)(...args);
                  sockets.push(socket);
                  return socket;
                }, real)
              : real;
        },
      });
    });
    const page = await context.newPage();
    const problems = watchConsole(page);
    await page.goto(`${net.gateways.IT.url}/desk/#token=${token}`);
    await page.getByTestId('connection').getByText('connected').waitFor();
    const push = (item: Omit<DeskItem, 'origin'> & { origin?: string }): Promise<void> =>
      page.evaluate((feedItem) => {
        const sockets = (
          window as unknown as { deskSockets: { listeners(e: string): ((i: unknown) => void)[] }[] }
        ).deskSockets;
        for (const listener of sockets[sockets.length - 1].listeners('feed')) {
          listener(feedItem);
        }
      }, item);
    const item = (over: Partial<DeskItem>): Omit<DeskItem, 'origin'> => ({
      seq: 0,
      event: 'ALERT',
      inboxSeq: 0,
      sender: 'NE',
      alertId: '',
      threadId: null,
      category: 'ROUTE',
      priority: 'ROUTINE',
      classification: 'AMBER',
      title: null,
      state: 'ACTIVE',
      receivedAt: new Date().toISOString(),
      acknowledgedBy: null,
      acknowledgedAt: null,
      redactedFields: [],
      summary: {},
      reply: null,
      ...over,
    });

    // A real alert of LY, then an alert of NE that carries the same id: two alerts, two rows.
    const id = await publish(routeAlert({ title: 'LY route' }));
    await rowOf(page, 'LY', id).waitFor({ timeout: 15_000 });
    await push({ ...item({ seq: 900_001, alertId: id, title: 'NE alert with the same id' }), origin: 'NE' });
    await rowOf(page, 'NE', id).waitFor();
    expect(await page.locator(`[data-testid=feed-item][data-alert-id$="/${id}"]`).count()).toBe(2);
    expect(await rowOf(page, 'LY', id).locator('.row-title').innerText()).toBe('LY route');
    expect(await rowOf(page, 'NE', id).locator('.row-title').innerText()).toBe('NE alert with the same id');

    // LY updates, then withdraws, an alert id of NE's: NE's row is untouched, LY's items land in a row of LY's.
    // The withdrawal comes without `origin`, as from a server older than issue #20: its sender stands in.
    const neId = 'ne-alert-0001';
    await push({ ...item({ seq: 900_002, alertId: neId, title: 'NE original' }), origin: 'NE' });
    await rowOf(page, 'NE', neId).waitFor();
    await push({
      ...item({ seq: 900_003, event: 'UPDATED', sender: 'LY', alertId: neId, title: 'LY rewriting NE' }),
      origin: 'LY',
    });
    await rowOf(page, 'LY', neId).waitFor();
    await push(item({ seq: 900_004, event: 'WITHDRAWN', sender: 'LY', alertId: neId, state: 'WITHDRAWN' }));
    await page.locator(`[data-testid=feed-item][data-alert-id="LY/${neId}"][data-state=WITHDRAWN]`).waitFor();
    const neRow = rowOf(page, 'NE', neId);
    expect(await neRow.getAttribute('data-state')).toBe('ACTIVE');
    expect(await neRow.getAttribute('data-event')).toBe('ALERT');
    expect(await neRow.locator('.row-title').innerText()).toBe('NE original');
    expect(await page.locator(`[data-testid=feed-item][data-alert-id$="/${neId}"]`).count()).toBe(2);
    await screenshot(page, 'desk-same-alert-id');
    expect(problems).toEqual([]);
    await context.close();
  });

  it("shows a partner's officer id as that partner asserts it, never bare", async () => {
    // An LY officer replies to an alert of IT: LY's gateway asserts the officer id "LY/officer.tripoli", which IT
    // shows as LY's word. (An id naming another country's officer, "NE/officer.agadez", is refused on receive by
    // the gateway, so the desk cannot be shown one from here.)
    const token = net.gateways.IT.token({
      sub: 'officer.replies',
      roles: ['officer'],
      clearance: 'RED',
      categories: ALL,
    });
    const page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
    const problems = watchConsole(page);
    await page.goto(`${net.gateways.IT.url}/desk/#token=${token}`);
    await signedIn(page, 'officer.replies');

    const id = await publishAlert(net, 'IT', {
      recipients: ['LY'],
      ...routeAlert({ title: 'Departures to confirm' }),
    });
    const lyOfficer = net.gateways.LY.token({
      sub: 'officer.tripoli',
      roles: ['officer'],
      clearance: 'RED',
      categories: ALL,
    });
    const auth = { authorization: `Bearer ${lyOfficer}` };
    const received = await eventually('the IT alert in LY inbox', async () => {
      const r = (await (await fetch(`${net.gateways.LY.url}/v1/inbox`, { headers: auth })).json()) as {
        items: { alertId: string; inboxSeq: number }[];
      };
      return r.items.find((x) => x.alertId === id);
    });
    const replied = await fetch(`${net.gateways.LY.url}/v1/inbox/${received.inboxSeq}/reply`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...auth },
      body: JSON.stringify({ body: 'Which boats left?' }),
    });
    expect(replied.status).toBe(202);

    const asserted = 'LY: officer officer.tripoli';
    const row = page.locator('[data-testid=feed-item][data-event=REPLY]', { hasText: 'Which boats left?' });
    await row.waitFor({ timeout: 15_000 });
    expect(await row.getByTestId('reply-officer').innerText()).toBe(asserted);
    expect(await row.locator('.row-title').innerText()).toBe(`Reply by ${asserted}: Which boats left?`);
    await row.click();
    const officer = page
      .getByTestId('detail')
      .locator('dt', { hasText: 'Officer' })
      .locator('xpath=following-sibling::dd[1]');
    expect(await officer.innerText()).toBe(asserted);
    await screenshot(page, 'desk-reply-officer');
    expect(problems).toEqual([]);
    await page.close();
  });

  it('refuses a bad token on the sign-in screen with the reason', async () => {
    const page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
    await page.goto(`${net.gateways.IT.url}/desk/`);
    await page.getByTestId('token-input').fill('not-a-token');
    await page.getByTestId('sign-in').click();
    await page
      .getByTestId('signin-error')
      .getByText(/TOKEN_INVALID/)
      .waitFor();
    await screenshot(page, 'desk-signin-refused');
    await page.close();
  });
});
