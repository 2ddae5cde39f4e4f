import { useEffect, useRef, useState } from 'preact/hooks';
import { t } from '../shared/i18n';
import { say, type Message } from '../shared/message';
import { PROVIDER_LOGIN } from './auth';
import { useSession } from './hooks';

export function SignIn() {
  const session = useSession();
  const [token, setToken] = useState('');
  const [local, setLocal] = useState<Message | null>(null);
  const input = useRef<HTMLInputElement>(null);
  const error = local ?? session.signinError;
  useEffect(() => {
    if (session.signinError) {
      input.current?.focus();
    }
  }, [session.signinError]);
  const submit = (e: Event): void => {
    e.preventDefault();
    const value = token.trim();
    if (!value) {
      setLocal({ key: 'signin.pasteFirst' });
      input.current?.focus();
      return;
    }
    setLocal(null);
    setToken('');
    session.signIn(value, true);
  };
  return (
    <main id="signin-view" class="signin-view" data-testid="signin-view">
      <form id="signin-form" class="signin-card" autocomplete="off" noValidate onSubmit={submit}>
        <h1>{t('signin.title')}</h1>
        <div
          id="provider-signin"
          data-testid="provider-signin"
          hidden={session.auth.provider === 'not-configured'}
        >
          <p>
            <a id="provider-sign-in" data-testid="provider-sign-in" class="button" href={PROVIDER_LOGIN}>
              {t('signin.provider')}
            </a>
          </p>
          <p id="provider-status" data-testid="provider-status" class="hint" role="status">
            {session.auth.provider === 'down' ? t('signin.providerDown') : ''}
          </p>
        </div>
        <div id="token-fields" hidden={!session.auth.devTokens}>
          <p class="hint">{t('signin.hint')}</p>
          <label for="token-input">{t('signin.token')}</label>
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
              {session.signinProgress ? say(session.signinProgress) : ''}
            </span>
          </div>
        </div>
        <div id="signin-error" data-testid="signin-error" class="error-box" role="alert" hidden={!error}>
          {error ? say(error) : ''}
        </div>
      </form>
    </main>
  );
}
