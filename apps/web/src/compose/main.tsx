// The compose page's entry point: language first (the first paint is in the agency's language), then the page.
import { render } from 'preact';
import { initI18n } from '../shared/i18n';
import { ComposeApi, takeTokenFromLocation } from './api';
import { ComposeApp } from './ComposeApp';
import '../desk/desk.css';
import './compose.css';

async function main(): Promise<void> {
  await initI18n();
  takeTokenFromLocation();
  const root = document.getElementById('app');
  if (!root) {
    throw new Error('index.html has no #app');
  }
  render(<ComposeApp api={new ComposeApi()} />, root);
  performance.mark('corridor:interactive');
}

void main();
