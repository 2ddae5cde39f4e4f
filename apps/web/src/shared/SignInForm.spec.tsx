// The shared sign-in card: an empty token is refused in place with the page's own wording, a token goes to the page,
// the token field exists only under the development switch, and the provider's link only where one is configured.
import { render } from 'preact';
import { act } from 'preact/test-utils';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { initI18n } from './i18n';
import type { Message } from './message';
import type { AuthState } from './signin';
import { SignInForm } from './SignInForm';

const WORDING = {
  provider: 'audit.signin.provider',
  tokenHint: 'audit.signin.tokenHint',
  token: 'audit.signin.token',
  pasteFirst: 'audit.signin.pasteFirst',
};

let host: HTMLElement | null = null;
function mount(props: {
  auth: Pick<AuthState, 'provider' | 'devTokens'>;
  error?: Message | null;
  onToken?: (token: string) => void;
}): HTMLElement {
  host = document.createElement('div');
  document.body.appendChild(host);
  void act(() => {
    render(
      <SignInForm
        auth={props.auth}
        wording={WORDING}
        progress={null}
        error={props.error ?? null}
        onToken={props.onToken ?? (() => undefined)}
      />,
      host!,
    );
  });
  return host;
}

function submit(page: HTMLElement): void {
  void act(() => {
    page
      .querySelector<HTMLFormElement>('#signin-form')!
      .dispatchEvent(new Event('submit', { bubbles: true, cancelable: true }));
  });
}

describe('SignInForm', () => {
  beforeAll(async () => {
    await initI18n('en');
  });
  afterEach(() => {
    if (host) {
      render(null, host);
      host.remove();
      host = null;
    }
  });

  it('refuses an empty token with the page’s wording and focuses the field; a token goes to the page, trimmed', () => {
    const onToken = vi.fn();
    const page = mount({ auth: { provider: 'not-configured', devTokens: true }, onToken });
    submit(page);
    expect(onToken).not.toHaveBeenCalled();
    expect(page.querySelector('[data-testid="signin-error"]')!.textContent).toBe(
      'Paste an auditor token first.',
    );
    expect(document.activeElement?.id).toBe('token-input');
    const input = page.querySelector<HTMLInputElement>('#token-input')!;
    void act(() => {
      input.value = '  abc.def.ghi  ';
      input.dispatchEvent(new Event('input', { bubbles: true }));
    });
    submit(page);
    expect(onToken).toHaveBeenCalledWith('abc.def.ghi');
    expect(page.querySelector<HTMLElement>('[data-testid="signin-error"]')!.hidden).toBe(true);
    expect(page.querySelector<HTMLElement>('[data-testid="provider-signin"]')!.hidden).toBe(true);
  });

  it('has no token field without the development switch, and offers the provider in the page’s words', () => {
    const page = mount({ auth: { provider: 'up', devTokens: false } });
    expect(page.querySelector('[data-testid="token-input"]')).toBeNull();
    const link = page.querySelector<HTMLAnchorElement>('[data-testid="provider-sign-in"]')!;
    expect(link.getAttribute('href')).toBe('/auth/login');
    expect(link.textContent).toBe('Sign in with your forum account');
    expect(page.querySelector<HTMLElement>('[data-testid="provider-signin"]')!.hidden).toBe(false);
  });

  it('shows the service’s refusal and puts the cursor back in the token field', () => {
    const page = mount({
      auth: { provider: 'down', devTokens: true },
      error: { key: 'signin.pasteFirst' },
    });
    expect(page.querySelector('[data-testid="signin-error"]')!.textContent).toBe(
      'Paste an officer token first.',
    );
    expect(document.activeElement?.id).toBe('token-input');
    expect(page.querySelector('[data-testid="provider-status"]')!.textContent).toMatch(/cannot be reached/);
  });
});
