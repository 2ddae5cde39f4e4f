// The compose page's entry point: language first (the first paint is in the agency's language), then the page.
import { render } from 'preact';
import { initI18n } from '../shared/i18n';
import { fetchAuthState } from '../shared/signin';
import { ComposeApi, takeTokenFromLocation } from './api';
import { ComposeApp } from './ComposeApp';
import '../desk/desk.css';
import './compose.css';

async function main(): Promise<void> {
  const [auth] = await Promise.all([fetchAuthState(), initI18n()]);
  takeTokenFromLocation();
  const root = document.getElementById('app');
  if (!root) {
    throw new Error('index.html has no #app');
  }
  render(<ComposeApp api={new ComposeApi()} auth={auth} />, root);
  performance.mark('corridor:interactive');
}

void main();
