// How a page of the front end signs in at its service: a session at the service (signed in at the identity
// provider, authorization code with PKCE, an httpOnly cookie the page never sees), or pasted tokens where the
// service's development switch allows them.
/** What the service says before its page loads anything (GET /auth/session). */
export interface AuthState {
  signedIn: boolean;
  /** the identity provider: reachable, not, or none configured (development tokens only) */
  provider: 'up' | 'down' | 'not-configured';
  /** whether pasted tokens are accepted (the development switch) */
  devTokens: boolean;
  /** who is signed in (the provider's username) and their roles, for display only */
  person?: string;
  roles?: string[];
}

/** Asks the service how its page signs in; a service that does not answer leaves only the token form. */
export async function fetchAuthState(): Promise<AuthState> {
  try {
    const r = await window.fetch('/auth/session', { credentials: 'same-origin', cache: 'no-store' });
    const raw = (await r.json()) as Record<string, unknown>;
    const s = raw as Partial<AuthState>;
    return {
      signedIn: s.signedIn === true,
      provider: s.provider === 'up' || s.provider === 'down' ? s.provider : 'not-configured',
      devTokens: s.devTokens === true,
      person: typeof raw.officer === 'string' ? raw.officer : undefined,
      roles: Array.isArray(raw.roles)
        ? raw.roles.filter((r): r is string => typeof r === 'string')
        : undefined,
    };
  } catch {
    return { signedIn: false, provider: 'not-configured', devTokens: true };
  }
}

/** Where the browser goes to sign in at the provider, and to end both sessions. */
export const PROVIDER_LOGIN = '/auth/login';
export const PROVIDER_LOGOUT = '/auth/logout';
