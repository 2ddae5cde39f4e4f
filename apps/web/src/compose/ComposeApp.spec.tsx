// How the compose page signs in: a publisher's session at the provider needs no token and its calls carry the CSRF
// header with the same-origin cookie; a person without the publisher role is told so; without a session, Keycloak's
// sign-in is offered, and the token form only where the development switch allows it.
import { render } from 'preact';
import { act } from 'preact/test-utils';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { initI18n } from '../shared/i18n';
import type { AuthState } from '../shared/signin';
import { COMPOSE_LOGIN, COMPOSE_LOGOUT, ComposeApi, SESSION_HEADER } from './api';
import { ComposeApp } from './ComposeApp';

const flush = async (): Promise<void> => {
  await act(async () => {
    await new Promise((r) => setTimeout(r, 0));
  });
};

const auth = (over: Partial<AuthState>): AuthState => ({
  signedIn: false,
  provider: 'up',
  devTokens: false,
  ...over,
});

async function mount(
  state: AuthState,
): Promise<{ host: HTMLElement; requests: { url: string; init: RequestInit }[] }> {
  const requests: { url: string; init: RequestInit }[] = [];
  const fetch = vi.fn((url: string | URL | Request, init?: RequestInit) => {
    requests.push({
      url: typeof url === 'string' ? url : url instanceof URL ? url.href : url.url,
      init: init ?? {},
    });
    return Promise.resolve(new Response('[]', { status: 200 }));
  });
  const host = document.body.appendChild(document.createElement('div'));
  await act(() => {
    render(<ComposeApp api={new ComposeApi(null, fetch)} auth={state} />, host);
  });
  return { host, requests };
}

describe('compose page sign-in', () => {
  beforeAll(async () => {
    await initI18n('fr');
  });
  afterEach(() => {
    document.body.replaceChildren();
  });

  it("uses a publisher's session: no token, the cookie of this origin only, and the CSRF header", async () => {
    const { host, requests } = await mount(
      auth({ signedIn: true, person: 'publisher.ne', roles: ['publisher'] }),
    );
    await flush();
    expect(host.querySelector('[data-testid=token-input]')).toBeNull();
    expect(host.querySelector('[data-testid=principal]')?.textContent).toBe('publisher.ne');
    const partners = requests.find((r) => r.url === '/v1/agreements');
    expect(partners?.init.credentials).toBe('same-origin');
    expect(partners?.init.headers).toMatchObject({ [SESSION_HEADER]: '1' });
    expect(JSON.stringify(partners?.init.headers)).not.toContain('authorization');
  });

  it("offers Keycloak's sign-in back to this page, and no token form without the development switch", async () => {
    const { host } = await mount(auth({}));
    const link = host.querySelector<HTMLAnchorElement>('[data-testid=provider-sign-in]');
    expect(link?.getAttribute('href')).toBe(COMPOSE_LOGIN);
    expect(host.querySelector<HTMLFormElement>('form')?.hidden).toBe(true);
    expect(host.querySelector('[data-testid=not-publisher]')).toBeNull();
  });

  it('tells a person signed in without the publisher role that they may not publish', async () => {
    const { host } = await mount(auth({ signedIn: true, person: 'officer.agadez', roles: ['officer'] }));
    expect(host.querySelector('[data-testid=not-publisher]')?.textContent).toContain('officer.agadez');
    // The way out: sign out (here and at the provider), back to this page.
    expect(host.querySelector('[data-testid=sign-out]')?.getAttribute('href')).toBe(COMPOSE_LOGOUT);
    expect(host.querySelector('[data-testid=provider-sign-in]')).toBeNull();
    expect(host.querySelector('[data-testid=recipient-LY]')).toBeNull();
  });
});
