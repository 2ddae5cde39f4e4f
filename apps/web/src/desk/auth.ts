// How the desk authenticates, in one place. Normally a session at the gateway (signed in at the identity provider,
// authorization code with PKCE; an httpOnly cookie the page never sees): the handshake carries nothing. Only where
// the gateway's development switch allows tokens: an officer token pasted on the sign-in screen or handed in the
// address bar's fragment (#token=...), kept in this tab's sessionStorage and sent in the socket.io handshake.
import type { DeskHandshakeAuth } from '@corridor/gateway-api';
import { storage } from '../shared/storage';

const TOKEN_KEY = 'corridor.desk.token';

/** Moves #token=... from the address bar to this tab's storage, so it is not kept in history. */
export function takeTokenFromLocation(): string | null {
  const hash = window.location.hash.replace(/^#/, '');
  if (!hash) {
    return null;
  }
  let token: string | null = null;
  const rest: string[] = [];
  for (const part of hash.split('&')) {
    if (part.startsWith('token=')) {
      const raw = part.slice('token='.length);
      try {
        token = decodeURIComponent(raw).trim();
      } catch {
        token = raw.trim();
      }
    } else if (part) {
      rest.push(part);
    }
  }
  if (token === null) {
    return null;
  }
  const url = window.location.pathname + window.location.search + (rest.length ? `#${rest.join('&')}` : '');
  window.history.replaceState(window.history.state, '', url);
  if (token) {
    storage.set(TOKEN_KEY, token);
  }
  return token || null;
}

export const credentials = {
  /** What a reload signs in with, if anything. */
  stored(): string | null {
    return storage.get(TOKEN_KEY);
  },
  remember(token: string): void {
    storage.set(TOKEN_KEY, token);
  },
  forget(): void {
    storage.remove(TOKEN_KEY);
  },
  handshake(token: string | null): DeskHandshakeAuth {
    return token ? { token } : {};
  },
};

export { type AuthState, fetchAuthState, PROVIDER_LOGIN, PROVIDER_LOGOUT } from '../shared/signin';
