// The compose page: header (language, sign out), the sign-in form or the compose view.
import { useEffect, useState } from 'preact/hooks';
import { currentLanguage, t, type Language } from '../shared/i18n';
import { LanguagePicker } from '../shared/LanguagePicker';
import type { ComposeApi } from './api';
import { ComposeView } from './ComposeView';

function SignIn({ onSignIn }: { onSignIn: (token: string) => void }) {
  const [token, setToken] = useState('');
  const [missing, setMissing] = useState(false);
  return (
    <main id="main" class="signin-view" tabIndex={-1}>
      <form
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
        <h1>{t('compose.signinTitle')}</h1>
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

export function ComposeApp({ api }: { api: ComposeApi }) {
  const [, setLang] = useState<Language>(currentLanguage());
  const [signedIn, setSignedIn] = useState(api.signedIn);
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
          onSignIn={(token) => {
            api.signIn(token);
            setSignedIn(true);
          }}
        />
      )}
    </>
  );
}
