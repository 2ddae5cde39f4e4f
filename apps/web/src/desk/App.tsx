// The desk page: header (officer, language, connection, notifications, sign out), the sign-in screen or the desk,
// and the live regions screen readers hear.
import { useEffect, useRef, useState } from 'preact/hooks';
import { currentLanguage, t } from '../shared/i18n';
import { LanguagePicker } from '../shared/LanguagePicker';
import { useSession } from './hooks';
import { lazyComponent } from './lazy';
import type { DeskPage } from './session';
import { SignIn } from './SignIn';

// The signed-in desk's pages are not in the first load: the sign-in view comes up without them.
const DeskPages = lazyComponent(
  () => import('./DeskPages').then((m) => m.DeskPages),
  () => <main class="desk-view" aria-busy="true" />,
);

function Officer() {
  const session = useSession();
  const hello = session.hello;
  if (!hello) {
    return (
      <div class="officer" data-testid="officer" id="officer" aria-live="polite">
        {t('header.notSignedIn')}
      </div>
    );
  }
  const first: [string, string, string][] = [
    ['officer', t('header.officer'), hello.officer],
    ['country', t('header.country'), hello.country],
    ['desk', t('header.desk'), hello.desk ?? '—'],
    ['clearance', t('header.clearance'), hello.clearance || '—'],
  ];
  const categories = hello.categories?.length
    ? hello.categories.map((c) => t(`category.${c}`, { defaultValue: c })).join(t('sep.list'))
    : t('header.none');
  return (
    <div class="officer" data-testid="officer" id="officer" aria-live="polite">
      <div class="officer-line">
        {first.map(([field, label, value], i) => (
          <>
            {i > 0 ? (
              <span class="sep" aria-hidden="true">
                {' · '}
              </span>
            ) : null}
            <span>{t('header.field', { label })}</span>
            <strong data-field={field}>
              <bdi dir="auto">{value}</bdi>
            </strong>
          </>
        ))}
      </div>
      <div class="officer-line officer-scope">
        <span>{t('header.field', { label: t('header.categories') })}</span>
        <strong data-field="categories">{categories}</strong>
      </div>
    </div>
  );
}

function NotifyButton() {
  const [permission, setPermission] = useState<string>(
    typeof window.Notification === 'function' ? window.Notification.permission : 'unsupported',
  );
  const label =
    permission === 'unsupported'
      ? t('notify.unavailable')
      : permission === 'granted'
        ? t('notify.on')
        : permission === 'denied'
          ? t('notify.blocked')
          : t('notify.enable');
  const ask = (): void => {
    const done = (): void => setPermission(window.Notification.permission);
    try {
      void window.Notification.requestPermission().then(done, done);
    } catch {
      done();
    }
  };
  return (
    <button
      type="button"
      id="notify-button"
      data-testid="notify-button"
      class="secondary"
      disabled={permission !== 'default'}
      onClick={ask}
    >
      {label}
    </button>
  );
}

const PAGE_HEADINGS: Record<DeskPage, string> = {
  feed: 'feed-heading',
  sent: 'sent-heading',
  conversations: 'conversations-heading',
  picture: 'picture-heading',
};

export function App() {
  const session = useSession();
  const [, setLang] = useState(currentLanguage());
  const announcer = useRef<HTMLDivElement>(null);
  const alerter = useRef<HTMLDivElement>(null);
  useEffect(() => {
    session.onAnnounce = (text, assertive) => {
      const target = assertive ? alerter.current : announcer.current;
      if (!target) {
        return;
      }
      target.textContent = '';
      // A fresh text node in a later frame is what screen readers announce.
      window.setTimeout(() => {
        target.textContent = text;
      }, 50);
    };
    document.title = t('desk.pageTitle');
  });
  return (
    <>
      <a class="skip-link" href={`#${PAGE_HEADINGS[session.page]}`}>
        {t(session.page === 'feed' ? 'desk.skipToFeed' : 'desk.skipToContent')}
      </a>
      <header class="app-header">
        <div class="brand">
          <span class="brand-name">Corridor</span>
          <span class="brand-sub">{t('desk.brand')}</span>
        </div>
        <Officer />
        <div class="header-actions">
          <LanguagePicker onChange={setLang} />
          <span
            class="connection"
            id="connection"
            data-testid="connection"
            data-state={session.connection}
            role="status"
            aria-live="polite"
          >
            {t(`connection.${session.connection}`)}
          </span>
          <NotifyButton />
          {session.view === 'desk' ? (
            <button
              type="button"
              id="sign-out"
              data-testid="sign-out"
              class="secondary"
              onClick={() => session.signOut()}
            >
              {t('header.signOut')}
            </button>
          ) : null}
        </div>
      </header>
      {session.view === 'signin' ? <SignIn /> : <DeskPages />}
      <div ref={announcer} id="announcer" class="visually-hidden" role="status" aria-live="polite" />
      <div ref={alerter} id="alerter" class="visually-hidden" role="alert" aria-live="assertive" />
    </>
  );
}
