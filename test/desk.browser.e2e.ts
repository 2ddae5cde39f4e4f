// The web desk in Debian's Chromium against real gateways: an alert published at LY through the REST API
// appears on IT's desk page; acknowledging it there shows up in LY's outbox. Screenshots in test-artifacts/.
import type { Browser } from 'playwright-core';
import { Network } from '../scripts/lib/network';
import { launchChromium, screenshot, watchConsole } from './harness/browser';
import { eventually, publishAlert, startTestNetwork } from './harness/network';
import { documentAlert, routeAlert, specimenMrz, suspectAlert } from './factories/alerts';

const ALL = ['ROUTE', 'DOCUMENT', 'SUSPECT', 'FINANCIAL_FLOW', 'PROTECTION_REFERRAL', 'BULLETIN'];

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
    await page.getByTestId('officer').waitFor();
    expect(page.url()).not.toContain('token=');
    await page.getByTestId('connection').getByText('connected').waitFor();

    const id = await publish(routeAlert({ priority: 'FLASH', title: 'Boats leaving Zuwara now' }));
    const row = page.locator(`[data-testid=feed-item][data-alert-id="${id}"]`);
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
    await page.getByTestId('officer').waitFor();
    const suspectId = await publish(suspectAlert());
    const docId = await publish(documentAlert());
    await page.locator(`[data-testid=feed-item][data-alert-id="${suspectId}"]`).click();
    await page.getByTestId('aliases').getByText('The Captain').waitFor();
    await page.getByTestId('view-logged').waitFor();
    expect(await page.getByTestId('detail').innerText()).not.toContain('+218');
    await screenshot(page, 'desk-suspect');

    await page.locator(`[data-testid=feed-item][data-alert-id="${docId}"]`).click();
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
      .locator(`[data-testid=feed-item][data-alert-id="${suspectId}"][data-state=WITHDRAWN]`)
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
    await page.getByTestId('officer').waitFor();
    const routine = await publish(routeAlert({ priority: 'ROUTINE', title: 'routine route' }));
    const flash = await publish(routeAlert({ priority: 'FLASH', title: 'flash route' }));
    await page.locator(`[data-testid=feed-item][data-alert-id="${routine}"]`).waitFor();
    await page.locator(`[data-testid=feed-item][data-alert-id="${flash}"]`).waitFor();
    const shown = await page.evaluate(
      () => (window as unknown as { shownNotifications: string[] }).shownNotifications,
    );
    expect(shown).toEqual(['FLASH route alert from LY']);
    await context.close();
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
