// The compose page: header (who is signed in, language, sign out), sign-in (at the identity provider, or a pasted
// token where the development switch allows it) or the compose view.
import { useEffect, useState } from 'preact/hooks';
import { currentLanguage, t, type Language } from '../shared/i18n';
import { LanguagePicker } from '../shared/LanguagePicker';
import type { AuthState } from '../shared/signin';
import { COMPOSE_LOGIN, COMPOSE_LOGOUT, type ComposeApi } from './api';
import { ComposeView } from './ComposeView';

function SignIn({ auth, onSignIn }: { auth: AuthState; onSignIn: (token: string) => void }) {
  const [token, setToken] = useState('');
  const [missing, setMissing] = useState(false);
  return (
    <main id="main" class="signin-view" tabIndex={-1}>
      <div class="signin-card" data-testid="provider-signin" hidden={auth.provider === 'not-configured'}>
        <h1>{t('compose.signinTitle')}</h1>
        {auth.signedIn ? (
          <>
            <p class="field-error" role="alert" data-testid="not-publisher">
              {t('compose.notPublisher', { person: auth.person ?? '' })}
            </p>
            <p>
              {/* Signing in again would only return the same person: the provider's session ends first. */}
              <a class="button secondary" data-testid="sign-out" href={COMPOSE_LOGOUT}>
                {t('header.signOut')}
              </a>
            </p>
          </>
        ) : (
          <p>
            <a class="button" data-testid="provider-sign-in" href={COMPOSE_LOGIN}>
              {t('signin.provider')}
            </a>
          </p>
        )}
        <p class="hint" data-testid="provider-status" role="status">
          {auth.provider === 'down' ? t('signin.providerDown') : ''}
        </p>
      </div>
      <form
        hidden={!auth.devTokens}
        class="signin-card"
        onSubmit={(e) => {
          e.preventDefault();
          if (token.trim()) {
            onSignIn(token);
          } else {
            setMissing(true);
          }
        }}
      >
        {auth.provider === 'not-configured' ? <h1>{t('compose.signinTitle')}</h1> : null}
        <p class="hint">{t('compose.signinHint')}</p>
        <label for="token-input">{t('compose.token')}</label>
        <textarea
          id="token-input"
          data-testid="token-input"
          rows={3}
          value={token}
          aria-invalid={missing ? 'true' : undefined}
          aria-describedby={missing ? 'token-missing' : undefined}
          onInput={(e) => setToken(e.currentTarget.value)}
        />
        {missing ? (
          <p id="token-missing" class="field-error" role="alert">
            {t('compose.pasteFirst')}
          </p>
        ) : null}
        <div class="signin-actions">
          <button type="submit" data-testid="sign-in">
            {t('signin.submit')}
          </button>
        </div>
      </form>
    </main>
  );
}

/** The people who publish from this page. */
const PUBLISHER = 'publisher';

export function ComposeApp({ api, auth }: { api: ComposeApi; auth: AuthState }) {
  const [, setLang] = useState<Language>(currentLanguage());
  const [signedIn, setSignedIn] = useState(() => {
    // A person signed in at the provider as a publisher needs no token; a pasted token still wins.
    if (!api.signedIn && auth.signedIn && auth.roles?.includes(PUBLISHER)) {
      api.useSession();
    }
    return api.signedIn;
  });
  useEffect(() => {
    document.title = t('compose.pageTitle');
  });
  return (
    <>
      <a class="skip-link" href="#main">
        {t('compose.skipToMain')}
      </a>
      <header class="app-header">
        <div class="brand">
          <span class="brand-name">Corridor</span>
          <span class="brand-sub">{t('compose.brand')}</span>
        </div>
        {signedIn && api.withSession && auth.person ? (
          <div class="principal" data-testid="principal">
            <strong>
              <bdi dir="auto">{auth.person}</bdi>
            </strong>
          </div>
        ) : null}
        <div class="header-actions">
          <LanguagePicker onChange={setLang} />
          <a class="button secondary" href="/desk/">
            {t('compose.toDesk')}
          </a>
          {signedIn ? (
            <button
              type="button"
              class="secondary"
              data-testid="sign-out"
              onClick={() => {
                api.signOut();
                setSignedIn(false);
              }}
            >
              {t('header.signOut')}
            </button>
          ) : null}
        </div>
      </header>
      {signedIn ? (
        <ComposeView api={api} />
      ) : (
        <SignIn
          auth={auth}
          onSignIn={(token) => {
            api.signIn(token);
            setSignedIn(true);
          }}
        />
      )}
    </>
  );
}
