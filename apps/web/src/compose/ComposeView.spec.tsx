// The compose view in happy-dom with the real catalogues and a stand-in for the gateway's API: errors named in the
// reader's language before anything is sent, publish only after a preview of the same alert, the preview per
// partner (withheld fields, refusal reasons), delivery followed until acknowledged.
import type { Delivery, PreviewResult, PublishResult } from '@corridor/gateway-api';
import { render } from 'preact';
import { act } from 'preact/test-utils';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { initI18n, setLanguage } from '../shared/i18n';
import type { ComposeApi, DeliveryListener } from './api';
import { ComposeView } from './ComposeView';

const flush = async (): Promise<void> => {
  await act(async () => {
    await new Promise((r) => setTimeout(r, 0));
  });
};

function fakeApi(deliveries: Delivery[][]) {
  const calls: { preview: Record<string, unknown>[]; publish: Record<string, unknown>[] } = {
    preview: [],
    publish: [],
  };
  const preview: PreviewResult = {
    recipients: [
      {
        country: 'LY',
        status: 'ALLOWED',
        redactedFields: ['route.note'],
        alert: {
          title: 'Convoi',
          route: { originCountry: 'NE', destinationCountry: 'LY', transportMode: 'PICKUP_TRUCK' },
        },
      },
      {
        country: 'IT',
        status: 'REFUSED',
        reason: 'CATEGORY_NOT_GRANTED',
        rule: 'agreement AG-1 NE→IT does not grant category ROUTE',
        ruleKey: 'categoryNotGranted',
        ruleValues: { agreement: 'AG-1', from: 'NE', to: 'IT', category: 'ROUTE' },
      },
    ],
  };
  let polls = 0;
  const api = {
    partners: () =>
      Promise.resolve([
        { country: 'IT', state: 'ACTIVE' },
        { country: 'LY', state: 'ACTIVE' },
      ]),
    preview: (body: Record<string, unknown>) => {
      calls.preview.push(body);
      return Promise.resolve(preview);
    },
    publish: (body: Record<string, unknown>): Promise<PublishResult> => {
      calls.publish.push(body);
      return Promise.resolve({ id: 'a1', threadId: 'a1', recipients: [] });
    },
    deliveries: () => Promise.resolve(deliveries[Math.min(polls++, deliveries.length - 1)]),
    // No socket.io client in this page: delivery is polled.
    followDeliveries: () => null,
  } as unknown as ComposeApi;
  return { api, calls };
}

function input(host: HTMLElement, testId: string, value: string): void {
  const el = host.querySelector<HTMLInputElement | HTMLSelectElement>(`[data-testid="${testId}"]`)!;
  el.value = value;
  el.dispatchEvent(new Event(el.tagName === 'SELECT' ? 'change' : 'input', { bubbles: true }));
}

function click(host: HTMLElement, selector: string): void {
  host.querySelector<HTMLElement>(selector)!.click();
}

const delivery = (over: Partial<Delivery>): Delivery => ({
  cursor: 1,
  alertId: 'a1',
  recipient: 'LY',
  kind: 'ALERT',
  messageId: 'm',
  status: 'QUEUED',
  reason: null,
  queuedAt: '2026-12-01T10:00:00Z',
  sentAt: null,
  deliveredAt: null,
  acknowledgedBy: null,
  acknowledgedAt: null,
  redactedFields: [],
  ...over,
});

describe('compose view', () => {
  beforeAll(async () => {
    await initI18n('fr');
  });
  afterEach(async () => {
    document.body.replaceChildren();
    vi.useRealTimers();
    await setLanguage('fr');
  });

  it('names what is missing in French and asks nothing of the gateway until the alert is valid', async () => {
    const { api, calls } = fakeApi([[]]);
    const host = document.body.appendChild(document.createElement('div'));
    render(<ComposeView api={api} />, host);
    await flush();
    click(host, '[data-testid=preview-button]');
    await flush();
    const summary = host.querySelector('[data-testid=error-summary]')!;
    expect(summary.textContent).toContain('Obligatoire.');
    expect(host.querySelector('#f-route-transportMode')!.getAttribute('aria-invalid')).toBe('true');
    expect(calls.preview).toEqual([]);
    expect(host.querySelector<HTMLButtonElement>('[data-testid=publish-button]')!.disabled).toBe(true);
  });

  it('previews per partner, publishes only what it previewed, then follows delivery to the acknowledgement', async () => {
    const { api, calls } = fakeApi([
      [delivery({ status: 'SENT', sentAt: '2026-12-01T10:00:01Z' })],
      [
        delivery({
          status: 'DELIVERED',
          acknowledgedBy: 'LY/officer.tripoli',
          acknowledgedAt: '2026-12-01T10:05:00Z',
        }),
      ],
    ]);
    const host = document.body.appendChild(document.createElement('div'));
    render(<ComposeView api={api} />, host);
    await flush();
    input(host, 'input-title', 'Convoi');
    input(host, 'input-route.originCountry', 'ne');
    input(host, 'input-route.destinationCountry', 'LY');
    input(host, 'input-route.transportMode', 'PICKUP_TRUCK');
    input(host, 'input-route.note', 'huit véhicules');
    await flush();
    click(host, '[data-testid=recipient-LY]');
    await flush();
    click(host, '[data-testid=preview-button]');
    await flush();
    expect(host.querySelector('[data-testid=error-summary]')?.textContent ?? '').toBe('');
    expect(calls.preview[0]).toMatchObject({
      recipients: ['LY'],
      route: { originCountry: 'NE', transportMode: 'PICKUP_TRUCK', note: 'huit véhicules' },
    });
    const ly = host.querySelector('[data-country=LY][data-status=ALLOWED]')!;
    expect(ly.querySelector('[data-field=transportMode]')!.textContent).toBe('pick-up');
    expect(ly.querySelector('[data-field=note]')!.textContent).toBe('retenu par l’accord');
    expect(host.querySelector('[data-country=IT][data-status=REFUSED]')!.textContent).toContain(
      'L’accord n’autorise pas cette catégorie.',
    );
    // The rule line in French too, from the rule key and its values (not the server's English).
    const rule = host.querySelector('[data-country=IT] [data-testid=preview-rule]')!.textContent!;
    expect(rule).toMatch(/^Règle : l’accord AG-1 NE→IT n’autorise pas la catégorie /);
    expect(rule).not.toContain('ROUTE');
    expect(rule).not.toContain('does not grant');
    // A change after the preview: publishing waits for a new preview.
    input(host, 'input-title', 'Convoi modifié');
    await flush();
    expect(host.querySelector<HTMLButtonElement>('[data-testid=publish-button]')!.disabled).toBe(true);
    input(host, 'input-title', 'Convoi');
    await flush();
    click(host, '[data-testid=publish-button]');
    await flush();
    expect(calls.publish).toEqual([calls.preview[0]]);
    expect(host.querySelector('[data-testid=delivery][data-country=LY]')!.getAttribute('data-state')).toBe(
      'SENT',
    );
    await act(async () => {
      await new Promise((r) => setTimeout(r, 1100));
    });
    await flush();
    const row = host.querySelector('[data-testid=delivery][data-country=LY]')!;
    expect(row.getAttribute('data-state')).toBe('ACKNOWLEDGED');
    expect(row.querySelector('[data-testid=acknowledged-by]')!.textContent).toContain('LY/officer.tripoli');
    expect(host.querySelector('[data-testid=follow-state]')!.textContent).toContain('accusé réception');
  });

  it('takes delivery pushed over the socket and polls no more while it is live', async () => {
    const { api } = fakeApi([[delivery({ status: 'QUEUED' })]]);
    let listener: DeliveryListener | undefined;
    const closed = vi.fn();
    const polls = vi.spyOn(api, 'deliveries');
    api.followDeliveries = (alertId: string, l: DeliveryListener) => {
      expect(alertId).toBe('a1');
      listener = l;
      return closed;
    };
    const host = document.body.appendChild(document.createElement('div'));
    render(<ComposeView api={api} />, host);
    await flush();
    input(host, 'input-title', 'Convoi');
    input(host, 'input-route.originCountry', 'ne');
    input(host, 'input-route.destinationCountry', 'LY');
    input(host, 'input-route.transportMode', 'PICKUP_TRUCK');
    await flush();
    click(host, '[data-testid=preview-button]');
    await flush();
    click(host, '[data-testid=publish-button]');
    await flush();
    await act(() => {
      listener!.onLive(true);
      listener!.onDeliveries([delivery({ status: 'DELIVERED', deliveredAt: '2026-12-01T10:00:02Z' })]);
    });
    const state = (): string | null =>
      host.querySelector('[data-testid=delivery][data-country=LY]')!.getAttribute('data-state');
    expect(state()).toBe('DELIVERED');
    expect(host.querySelector('[data-testid=follow-state]')!.getAttribute('data-live')).toBe('true');
    const before = polls.mock.calls.length;
    await act(async () => {
      await new Promise((r) => setTimeout(r, 1100));
    });
    expect(polls.mock.calls.length).toBe(before);
    await act(() => {
      listener!.onDeliveries([delivery({ status: 'DELIVERED', acknowledgedAt: '2026-12-01T10:05:00Z' })]);
    });
    expect(state()).toBe('ACKNOWLEDGED');
    // Settled: the socket is closed.
    expect(closed).toHaveBeenCalled();
  });
});
