// What a service tells the shared browser sign-in about itself: where it is reached, which page people land on,
// its cookie names, how often sessions are checked at the provider, and whether its REST API takes the session.
import type { Role } from '@corridor/identity';
import type { AuthCookieNames } from './cookies';

/** The service's relying party at its identity provider, or null in development-token mode. */
export const OIDC_RP = Symbol('OIDC_RP');
/** BrowserAuthOptions of the service. */
export const BROWSER_AUTH = Symbol('BROWSER_AUTH');

export interface BrowserAuthOptions {
  /** the service's public base URL, without a trailing slash (redirect and back-channel URLs are built on it) */
  baseUrl: string;
  /** the web page people sign in to and come back to, e.g. /desk/ or /audit/ */
  page: string;
  /** further pages of the service people may sign in from and come back to (the gateway's /compose/) */
  otherPages?: string[];
  /** what the one-line error pages link back to ("the desk", "the audit page") */
  pageName: string;
  cookies: AuthCookieNames;
  /** how often every session is checked at the provider (introspection, refresh) */
  sessionCheckMs: number;
  /**
   * Whether the REST API also takes the session cookie (the audit page reads /v1 with it). Such requests must
   * carry SESSION_REQUEST_HEADER: a custom header no other site can send without a CORS preflight (CSRF).
   */
  restFromSession: boolean;
  /**
   * With restFromSession: only sessions of people holding one of these roles are a REST credential (the gateway:
   * publishers of the compose page; an officer's desk session reads nothing over REST). Absent: every session.
   */
  sessionRoles?: Role[];
}

/** Every page of the service, the landing page first. */
export function pagesOf(opts: Pick<BrowserAuthOptions, 'page' | 'otherPages'>): string[] {
  return [opts.page, ...(opts.otherPages ?? [])];
}

export const SESSION_REQUEST_HEADER = 'x-corridor-session';

export const AUTH_PATHS = {
  login: '/auth/login',
  callback: '/auth/callback',
  logout: '/auth/logout',
  backchannelLogout: '/auth/backchannel-logout',
  session: '/auth/session',
} as const;

/** The session cookie as a REST credential (SessionCredentials), for the AuthGuard. */
export const SESSION_CREDENTIALS = Symbol('SESSION_CREDENTIALS');
