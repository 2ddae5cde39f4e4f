// The shared browser sign-in's pure parts: the session cookie as a REST credential (with its CSRF header), cookie
// names per service, and where a person may be sent back after sign-in.
import { IdentityError } from '@corridor/identity';
import { ProblemException } from '../problem';
import { safeReturnTo } from './auth.controller';
import { SessionCredentials } from './browser-auth.module';
import { authCookieNames, readCookie } from './cookies';
import type { BrowserAuthOptions } from './options';
import { SessionStore } from './session.store';

const options = (over: Partial<BrowserAuthOptions> = {}): BrowserAuthOptions => ({
  baseUrl: 'http://127.0.0.1:8070',
  page: '/audit/',
  pageName: 'the audit page',
  cookies: authCookieNames('corridor_audit'),
  sessionCheckMs: 5000,
  restFromSession: true,
  ...over,
});

function signedIn(store: SessionStore): string {
  return store.create({
    principal: { sub: 'auditor.forum', country: 'ZZ', roles: ['auditor'] },
    subject: 'u-1',
    sessionId: 's-1',
    accessToken: 'at',
    accessExpiresAtMs: Date.now() + 300_000,
  }).id;
}

describe('SessionCredentials', () => {
  it('gives the session principal only with the page header, and names what is missing otherwise', () => {
    const store = new SessionStore();
    const id = signedIn(store);
    const creds = new SessionCredentials(options(), store);
    const cookie = `other=1; corridor_audit_session=${id}`;
    expect(creds.principalOf({ headers: { cookie, 'x-corridor-session': '1' } })?.sub).toBe('auditor.forum');
    let refused: unknown;
    try {
      creds.principalOf({ headers: { cookie } });
    } catch (e) {
      refused = e;
    }
    expect(refused).toBeInstanceOf(ProblemException);
    expect((refused as ProblemException).getStatus()).toBe(403);
    expect(JSON.stringify((refused as ProblemException).getResponse())).toContain('SESSION_HEADER_MISSING');
  });

  it('treats no cookie as no credential, and an ended session as a sign-in to do again', () => {
    const store = new SessionStore();
    const creds = new SessionCredentials(options(), store);
    expect(creds.principalOf({ headers: {} })).toBeUndefined();
    // The gateway's cookie on the same host is not the secretariat's.
    expect(creds.principalOf({ headers: { cookie: `corridor_session=${signedIn(store)}` } })).toBeUndefined();
    const id = signedIn(store);
    store.end(id, 'logout');
    expect(() =>
      creds.principalOf({ headers: { cookie: `corridor_audit_session=${id}`, 'x-corridor-session': '1' } }),
    ).toThrow(IdentityError);
  });

  it('takes only sessions of the allowed roles where the service names them (the gateway: publishers)', () => {
    const store = new SessionStore();
    const creds = new SessionCredentials(
      options({ sessionRoles: ['publisher'], cookies: authCookieNames('corridor') }),
      store,
    );
    const officer = store.create({
      principal: { sub: 'officer.agadez', country: 'NE', roles: ['officer'] },
      subject: 'u-2',
      sessionId: 's-2',
      accessToken: 'at',
      accessExpiresAtMs: Date.now() + 300_000,
    }).id;
    const publisher = store.create({
      principal: { sub: 'publisher.ne', country: 'NE', roles: ['publisher'], agency: 'police' },
      subject: 'u-3',
      sessionId: 's-3',
      accessToken: 'at',
      accessExpiresAtMs: Date.now() + 300_000,
    }).id;
    const headers = (id: string): Record<string, string> => ({
      cookie: `corridor_session=${id}`,
      'x-corridor-session': '1',
    });
    expect(creds.principalOf({ headers: headers(publisher) })?.agency).toBe('police');
    const codeOf = (run: () => unknown): string => {
      try {
        run();
        return 'accepted';
      } catch (e) {
        return JSON.stringify((e as ProblemException).getResponse());
      }
    };
    expect(codeOf(() => creds.principalOf({ headers: headers(officer) }))).toContain('SESSION_ROLE');
    // Without the header the publisher's cookie is refused too: a cross-site form cannot publish.
    expect(
      codeOf(() => creds.principalOf({ headers: { cookie: `corridor_session=${publisher}` } })),
    ).toContain('SESSION_HEADER_MISSING');
  });

  it('takes no session at all where the service keeps its REST API for bearer tokens (the gateway)', () => {
    const store = new SessionStore();
    const creds = new SessionCredentials(
      options({ restFromSession: false, cookies: authCookieNames('corridor') }),
      store,
    );
    const cookie = `corridor_session=${signedIn(store)}`;
    expect(creds.principalOf({ headers: { cookie, 'x-corridor-session': '1' } })).toBeUndefined();
  });
});

describe('browser sign-in helpers', () => {
  it('sends people back only to their own page', () => {
    expect(safeReturnTo('/audit/', '/audit/')).toBe('/audit/');
    expect(safeReturnTo('/audit/x/y', '/audit/')).toBe('/audit/x/y');
    expect(safeReturnTo('/desk/', '/audit/')).toBe('/audit/');
    expect(safeReturnTo('//evil.example/audit/', '/audit/')).toBe('/audit/');
    expect(safeReturnTo('https://evil.example/audit/', '/audit/')).toBe('/audit/');
    expect(safeReturnTo('/audit/../docs', '/audit/')).toBe('/audit/');
    expect(safeReturnTo(undefined, '/desk/')).toBe('/desk/');
    expect(safeReturnTo('/compose/', ['/desk/', '/compose/'])).toBe('/compose/');
    expect(safeReturnTo('/audit/', ['/desk/', '/compose/'])).toBe('/desk/');
  });

  it('reads a cookie by its exact name, and ignores a malformed value', () => {
    expect(readCookie('a=1; corridor_audit_session=x%20y', 'corridor_audit_session')).toBe('x y');
    expect(readCookie('corridor_audit_session_x=1', 'corridor_audit_session')).toBeUndefined();
    expect(readCookie('corridor_session=%E0%A4%A', 'corridor_session')).toBeUndefined();
  });
});
