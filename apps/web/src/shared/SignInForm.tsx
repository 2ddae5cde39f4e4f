// The sign-in card of the desk and the audit page: the identity provider's link, and where the service's development
// switch allows it, a pasted token. The page passes its own wording (catalogue keys) and what to do with the token.
import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { t } from './i18n';
import { say, type Message } from './message';
import { PROVIDER_LOGIN, type AuthState } from './signin';

export interface SignInWording {
  /** the provider link's label */
  provider: string;
  /** the hint above the token field, its label, and the error when it is empty */
  tokenHint: string;
  token: string;
  pasteFirst: string;
}

export function SignInForm(props: {
  auth: Pick<AuthState, 'provider' | 'devTokens'>;
  wording: SignInWording;
  /** shown under the title, e.g. what the page shows and what it never does */
  intro?: ComponentChildren;
  progress: Message | null;
  error: Message | null;
  onToken: (token: string) => void;
}) {
  const [token, setToken] = useState('');
  const [local, setLocal] = useState<Message | null>(null);
  const input = useRef<HTMLInputElement>(null);
  const error = local ?? props.error;
  useEffect(() => {
    if (props.error) {
      input.current?.focus();
    }
  }, [props.error]);
  const submit = (e: Event): void => {
    e.preventDefault();
    const value = token.trim();
    if (!value) {
      setLocal({ key: props.wording.pasteFirst });
      input.current?.focus();
      return;
    }
    setLocal(null);
    setToken('');
    props.onToken(value);
  };
  return (
    <main id="signin-view" class="signin-view" data-testid="signin-view">
      <form id="signin-form" class="signin-card" autocomplete="off" noValidate onSubmit={submit}>
        <h1>{t('signin.title')}</h1>
        {props.intro}
        <div
          id="provider-signin"
          data-testid="provider-signin"
          hidden={props.auth.provider === 'not-configured'}
        >
          <p>
            <a id="provider-sign-in" data-testid="provider-sign-in" class="button" href={PROVIDER_LOGIN}>
              {t(props.wording.provider)}
            </a>
          </p>
          <p id="provider-status" data-testid="provider-status" class="hint" role="status">
            {props.auth.provider === 'down' ? t('signin.providerDown') : ''}
          </p>
        </div>
        {/* Without the development switch there is no token field at all, not a hidden one. */}
        {props.auth.devTokens ? (
          <div id="token-fields" data-testid="token-fields">
            <p class="hint">{t(props.wording.tokenHint)}</p>
            <label for="token-input">{t(props.wording.token)}</label>
            <input
              ref={input}
              id="token-input"
              data-testid="token-input"
              name="token"
              type="password"
              autocomplete="off"
              spellcheck={false}
              required
              value={token}
              onInput={(e) => setToken(e.currentTarget.value)}
            />
            <div class="signin-actions">
              <button type="submit" id="sign-in" data-testid="sign-in">
                {t('signin.submit')}
              </button>
              <span id="signin-progress" class="hint" aria-live="polite">
                {props.progress ? say(props.progress) : ''}
              </span>
            </div>
          </div>
        ) : null}
        <div id="signin-error" data-testid="signin-error" class="error-box" role="alert" hidden={!error}>
          {error ? say(error) : ''}
        </div>
      </form>
    </main>
  );
}
