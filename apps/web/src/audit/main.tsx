// The audit page's entry point: language first (so the first paint is in the auditor's language), then the sign-in.
import { render } from 'preact';
import { initI18n } from '../shared/i18n';
import { App, StoreContext } from './App';
import { AuditStore } from './store';
import './audit.css';

async function main(): Promise<void> {
  await initI18n();
  const store = new AuditStore();
  const root = document.getElementById('app');
  if (!root) {
    throw new Error('index.html has no #app');
  }
  render(
    <StoreContext.Provider value={store}>
      <App />
    </StoreContext.Provider>,
    root,
  );
  await store.start();
}

void main();
