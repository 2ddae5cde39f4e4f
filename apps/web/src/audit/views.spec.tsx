// The audit page's views rendered into happy-dom with the real catalogues and a store fed by a stand-in
// secretariat: each language labels the page, Arabic is laid out right to left with codes and hashes kept left to
// right, the sign-in view offers the provider and shows the token field only under the development switch.
import { render } from 'preact';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { initI18n, LANGUAGES, setLanguage } from '../shared/i18n';
import type { AuthState } from '../shared/signin';
import { App, StoreContext } from './App';
import { AuditStore } from './store';

const DATA: Record<string, unknown> = {
  '/v1/audit/heads': [
    {
      gateway: 'LY',
      treeSize: '1234',
      rootHash: 'cd'.repeat(32),
      timestampMs: '1764583200000',
      receivedAt: '2026-12-01T10:00:00Z',
    },
  ],
  '/v1/audit/findings': [
    {
      id: 3,
      kind: 'UNMATCHED_SENT',
      gateway: 'LY',
      peer: 'IT',
      messageId: 'm-3',
      detail: 'sent at LY, not received at IT',
      state: 'OPEN',
      explanation: null,
      openedAt: '2026-12-01T10:00:00Z',
      closedAt: null,
    },
  ],
  '/v1/agreements': [
    {
      id: 'agr-1',
      version: 1,
      state: 'ACTIVE',
      parties: ['LY', 'IT'],
      validFrom: '2026-01-01T00:00:00Z',
      validUntil: '2027-01-01T00:00:00Z',
      purpose: 'مكافحة التهريب',
      directions: [
        {
          from: 'LY',
          to: 'IT',
          categories: ['ROUTE', 'BULLETIN'],
          maxClassification: 'AMBER',
          excludedFields: [],
          retentionDays: 30,
        },
      ],
      signedBy: ['LY', 'IT'],
      countersigned: true,
    },
  ],
  '/v1/certificates': [],
  '/v1/audit/statistics': [{ from: 'LY', to: 'IT', category: 'ROUTE', month: '2026-12', exchanges: 2 }],
};

function makeStore(auth: Partial<AuthState>): AuditStore {
  const fetch = vi.fn(async (input: RequestInfo | URL) => {
    const body = DATA[(input as string).split('?')[0]];
    return new Response(JSON.stringify(body ?? {}), { status: body ? 200 : 404 });
  });
  return new AuditStore({
    fetch: fetch as unknown as typeof window.fetch,
    fetchAuth: () => Promise.resolve({ signedIn: false, provider: 'up', devTokens: false, ...auth }),
    navigate: () => undefined,
  });
}

let host: HTMLElement | null = null;
function mount(store: AuditStore): HTMLElement {
  host = document.createElement('div');
  document.body.appendChild(host);
  render(
    <StoreContext.Provider value={store}>
      <App />
    </StoreContext.Provider>,
    host,
  );
  return host;
}

describe('audit page views', () => {
  beforeAll(async () => {
    await initI18n('en');
  });
  afterEach(async () => {
    if (host) {
      render(null, host);
      host.remove();
      host = null;
    }
    await setLanguage('en');
  });

  it('offers sign-in at the provider and no token field without the development switch', async () => {
    const store = makeStore({});
    const page = mount(store);
    await store.start();
    await vi.waitFor(() => expect(page.querySelector('[data-testid="signin-view"]')).not.toBeNull());
    const link = page.querySelector<HTMLAnchorElement>('[data-testid="provider-sign-in"]')!;
    expect(link.getAttribute('href')).toBe('/auth/login');
    expect(link.textContent).toBe('Sign in with your forum account');
    expect(page.querySelector('[data-testid="token-input"]')).toBeNull();
  });

  it('shows the token field under the development switch, and says when the provider is down', async () => {
    const store = makeStore({ devTokens: true, provider: 'down' });
    const page = mount(store);
    await store.start();
    await vi.waitFor(() => expect(page.querySelector('[data-testid="token-input"]')).not.toBeNull());
    expect(page.querySelector('[data-testid="provider-status"]')!.textContent).toMatch(/cannot be reached/);
  });

  it.each(LANGUAGES)('labels the audit in %s, with the right direction', async (lang) => {
    await setLanguage(lang);
    const store = makeStore({ signedIn: true, person: 'auditor.forum', roles: ['auditor'] });
    const page = mount(store);
    await store.start();
    await vi.waitFor(() => expect(page.querySelector('[data-testid="head-row"]')).not.toBeNull());
    await store.settled();
    expect(document.documentElement.dir).toBe(lang === 'ar' ? 'rtl' : 'ltr');
    const heading = page.querySelector('#heads-heading')!.textContent;
    const expected = {
      en: 'Gateways and signed tree heads',
      fr: "Passerelles et têtes d'arbre signées",
      ar: 'البوابات ورؤوس الشجرة الموقّعة',
      it: "Gateway e teste dell'albero firmate",
    }[lang];
    expect(heading).toBe(expected);
    // The finding's state and kind in the reader's language; its data attributes stay codes for scripts.
    const row = page.querySelector<HTMLElement>('[data-testid="finding-row"]')!;
    expect(row.dataset.state).toBe('OPEN');
    const state = row.querySelector('[data-testid="finding-state"]')!.textContent;
    expect(state).toBe({ en: 'Open', fr: 'Ouvert', ar: 'مفتوحة', it: 'Aperta' }[lang]);
    // A hash and a corridor stay left to right inside a right-to-left page; partner text is isolated.
    expect(page.querySelector('[data-testid="head-row"] code')!.getAttribute('dir')).toBe('ltr');
    expect(page.querySelector('[data-testid="head-row"] code')!.getAttribute('title')).toBe('cd'.repeat(32));
    expect(page.querySelector('[data-testid="agreement-row"] bdi')!.getAttribute('dir')).toBe('auto');
    // Numbers in the reader's locale (Arabic digits in Arabic).
    const size = page.querySelector('[data-testid="head-row"] td.num')!.textContent;
    expect(size).toBe(new Intl.NumberFormat(lang).format(1234));
    expect(page.querySelector('[data-testid="stat-bar"]')!.getAttribute('data-total')).toBe('2');
    // Times in the reader's language, the exact instant kept for the tooltip.
    const signed = page.querySelector<HTMLTimeElement>('[data-testid="head-row"] time')!;
    expect(signed.dateTime).toBe('2025-12-01T10:00:00.000Z');
    expect(signed.textContent).toBe(
      new Intl.DateTimeFormat(lang, { dateStyle: 'medium', timeStyle: 'medium' }).format(
        new Date(1764583200000),
      ),
    );
    expect(page.querySelector('[data-testid="direction-categories"]')!.getAttribute('data-categories')).toBe(
      'ROUTE,BULLETIN',
    );
    store.signOut();
  });

  it('keeps what the auditor types in an explanation across a refresh', async () => {
    const store = makeStore({ signedIn: true, person: 'auditor.forum', roles: ['auditor'] });
    const page = mount(store);
    await store.start();
    await vi.waitFor(() => expect(page.querySelector('[data-testid="explain-input"]')).not.toBeNull());
    const input = page.querySelector<HTMLInputElement>('[data-testid="explain-input"]')!;
    input.value = 'IT was stopped for the test';
    input.dispatchEvent(new Event('input', { bubbles: true }));
    input.focus();
    store.refresh();
    await store.settled();
    await new Promise((r) => setTimeout(r, 10));
    const after = page.querySelector<HTMLInputElement>('[data-testid="explain-input"]')!;
    expect(after).toBe(input);
    expect(after.value).toBe('IT was stopped for the test');
    expect(document.activeElement).toBe(after);
    store.signOut();
  });
});
