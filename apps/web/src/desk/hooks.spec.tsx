// useSession: a view re-renders on the session's changes, including one announced in the same frame as the view's
// first render (a fast first answer of the gateway), which a subscription made after paint used to miss.
import { render } from 'preact';
import { afterEach, describe, expect, it } from 'vitest';
import { SessionContext, useSession } from './hooks';
import { DeskSession } from './session';

function Provider() {
  const session = useSession();
  return <p data-testid="provider">{session.auth.provider}</p>;
}

function nextFrames(n: number): Promise<void> {
  return new Promise((resolve) => {
    const step = (left: number): void => {
      if (left === 0) {
        // then the timers queued by those frames (Preact runs effects in a timeout after a frame)
        setTimeout(resolve, 0);
        return;
      }
      requestAnimationFrame(() => step(left - 1));
    };
    step(n);
  });
}

let host: HTMLElement | null = null;
afterEach(() => {
  if (host) {
    render(null, host);
    host.remove();
    host = null;
  }
});

describe('useSession', () => {
  it('shows a change announced right after the first render', async () => {
    const session = new DeskSession();
    host = document.createElement('div');
    document.body.appendChild(host);
    render(
      <SessionContext.Provider value={session}>
        <Provider />
      </SessionContext.Provider>,
      host,
    );
    expect(host.textContent).toBe('not-configured');
    session.auth = { signedIn: false, provider: 'up', devTokens: false };
    session.changed();
    await nextFrames(3);
    expect(host.textContent).toBe('up');
    // and later changes too
    session.auth = { signedIn: false, provider: 'down', devTokens: false };
    session.changed();
    await nextFrames(3);
    expect(host.textContent).toBe('down');
  });
});
