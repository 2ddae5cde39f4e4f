// How the desk authenticates, in one place. Normally a session at the gateway (signed in at the identity provider,
// authorization code with PKCE; an httpOnly cookie the page never sees): the handshake carries nothing. Only where
// the gateway's development switch allows tokens: an officer token pasted on the sign-in screen or handed in the
// address bar's fragment (#token=...), kept in this tab's sessionStorage and sent in the socket.io handshake.
import type { DeskHandshakeAuth } from '@corridor/gateway-api';
import { storage } from './storage';

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

/** What the gateway says before the desk connects (GET /auth/session). */
export interface AuthState {
  signedIn: boolean;
  /** the identity provider: reachable, not, or none configured (development tokens only) */
  provider: 'up' | 'down' | 'not-configured';
  /** whether pasted tokens are accepted (the development switch) */
  devTokens: boolean;
}

/** Asks the gateway how this desk signs in; a gateway that does not answer leaves only the token form. */
export async function fetchAuthState(): Promise<AuthState> {
  try {
    const r = await window.fetch('/auth/session', { credentials: 'same-origin', cache: 'no-store' });
    const s = (await r.json()) as Partial<AuthState>;
    return {
      signedIn: s.signedIn === true,
      provider: s.provider === 'up' || s.provider === 'down' ? s.provider : 'not-configured',
      devTokens: s.devTokens === true,
    };
  } catch {
    return { signedIn: false, provider: 'not-configured', devTokens: true };
  }
}

/** Where the browser goes to sign in at the provider, and to end both sessions. */
export const PROVIDER_LOGIN = '/auth/login';
export const PROVIDER_LOGOUT = '/auth/logout';
