// The signed-in desk's pages: navigation between them, then the page chosen (a chunk of its own, loaded after the
// sign-in view).
import { ConversationsView } from './ConversationsView';
import { DeskView } from './DeskView';
import { useSession } from './hooks';
import { PictureView } from './PictureView';
import { SentView } from './SentView';
import { t } from '../shared/i18n';
import { DESK_PAGES } from './session';

/** The desk's pages: buttons in a navigation landmark, the current one marked for assistive technology. */
function DeskNav() {
  const session = useSession();
  return (
    <nav class="desk-nav" aria-label={t('nav.label')}>
      <ul>
        {DESK_PAGES.map((page) => (
          <li key={page}>
            <button
              type="button"
              data-testid={`nav-${page}`}
              aria-current={session.page === page ? 'page' : undefined}
              onClick={() => session.go(page)}
            >
              {t(`nav.${page}`)}
            </button>
          </li>
        ))}
      </ul>
    </nav>
  );
}

export function DeskPages() {
  const session = useSession();
  return (
    <>
      <DeskNav />
      {session.page === 'sent' ? (
        <SentView />
      ) : session.page === 'conversations' ? (
        <ConversationsView />
      ) : session.page === 'picture' ? (
        <PictureView />
      ) : (
        <DeskView />
      )}
    </>
  );
}
