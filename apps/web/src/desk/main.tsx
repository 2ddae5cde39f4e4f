// The desk's entry point: language first (so the first paint is in the officer's language), then the session.
import { render } from 'preact';
import { initI18n } from '../shared/i18n';
import { App } from './App';
import { takeTokenFromLocation } from './auth';
import { SessionContext } from './hooks';
import { DeskSession } from './session';
import './desk.css';

async function main(): Promise<void> {
  await initI18n();
  // The catalogue's set-up and the first render in separate tasks: neither blocks input for long.
  await new Promise((resolve) => window.setTimeout(resolve, 0));
  const session = new DeskSession();
  const root = document.getElementById('app');
  if (!root) {
    throw new Error('index.html has no #app');
  }
  render(
    <SessionContext.Provider value={session}>
      <App />
    </SessionContext.Provider>,
    root,
  );
  // The page answers input from here on (read by `npm run bench -- webapp`).
  performance.mark('corridor:interactive');
  window.addEventListener('pagehide', () => session.persist());
  // A printed demo URL pasted into an open desk only changes the fragment: sign in with it too.
  window.addEventListener('hashchange', () => {
    const fresh = takeTokenFromLocation();
    if (fresh) {
      session.signIn(fresh, false);
    }
  });
  takeTokenFromLocation();
  await session.start();
}

void main();
