// The audit page's state against a stand-in secretariat (a fetch that answers like the real API): how it signs in
// (session cookie with the CSRF header, or a development token), what a refused sign-in shows, a secretariat that
// stops answering, explanations, and the pure helpers the views use.
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { initI18n } from '../shared/i18n';
import { say } from '../shared/message';
import type { AuthState } from '../shared/signin';
import { ApiError, callApi, SESSION_HEADER, type Finding, type StatRow } from './api';
import { AuditStore, certificateStatus, corridorBars, headRows } from './store';

type Handler = (
  method: string,
  path: string,
  init: RequestInit,
) => { status: number; body?: unknown } | 'down';

function json(status: number, body: unknown): Response {
  return new Response(body === undefined ? '' : JSON.stringify(body), {
    status,
    headers: { 'content-type': status >= 400 ? 'application/problem+json' : 'application/json' },
  });
}

/** A fetch that records its calls and answers through `handler`. */
function standIn(handler: Handler) {
  const calls: { method: string; path: string; headers: Record<string, string>; credentials?: string }[] = [];
  const fetch = vi.fn(async (input: RequestInfo | URL, init: RequestInit = {}) => {
    const path = input as string;
    const method = init.method ?? 'GET';
    calls.push({
      method,
      path,
      headers: init.headers as Record<string, string>,
      credentials: init.credentials,
    });
    const answer = handler(method, path, init);
    if (answer === 'down') {
      throw new TypeError('Failed to fetch');
    }
    return json(answer.status, answer.body);
  });
  return { fetch: fetch as unknown as typeof window.fetch, calls };
}

const finding: Finding = {
  id: 7,
  kind: 'UNMATCHED_SENT',
  gateway: 'LY',
  peer: 'IT',
  messageId: 'm-1',
  detail: 'sent at LY, not received at IT',
  state: 'OPEN',
  explanation: null,
  openedAt: '2026-12-01T10:00:00Z',
  closedAt: null,
};

function healthy(extra: Handler = () => ({ status: 404 })): Handler {
  return (method, path, init) => {
    if (method === 'GET' && path === '/v1/audit/heads') {
      return {
        status: 200,
        body: [
          {
            gateway: 'LY',
            treeSize: '12',
            rootHash: 'ab'.repeat(32),
            timestampMs: '1764583200000',
            receivedAt: '2026-12-01T10:00:00Z',
          },
        ],
      };
    }
    if (method === 'GET' && path.startsWith('/v1/audit/findings')) {
      return { status: 200, body: [finding] };
    }
    if (method === 'GET' && path === '/v1/certificates') {
      return {
        status: 200,
        body: [
          {
            fingerprint: 'f1',
            country: 'IT',
            serial: '01',
            notAfter: '2099-01-01T00:00:00Z',
            revokedAt: null,
          },
        ],
      };
    }
    if (method === 'GET' && (path === '/v1/agreements' || path === '/v1/audit/statistics')) {
      return { status: 200, body: [] };
    }
    return extra(method, path, init);
  };
}

const session =
  (over: Partial<AuthState> = {}): (() => Promise<AuthState>) =>
  () =>
    Promise.resolve({
      signedIn: true,
      provider: 'up',
      devTokens: false,
      person: 'auditor.forum',
      roles: ['auditor'],
      ...over,
    });

function storeWith(handler: Handler, auth: () => Promise<AuthState>) {
  const stand = standIn(handler);
  const navigate = vi.fn();
  const store = new AuditStore({ fetch: stand.fetch, fetchAuth: auth, navigate });
  return { store, calls: stand.calls, navigate };
}

async function started(store: AuditStore): Promise<void> {
  await store.start();
  await vi.waitFor(() => expect(store.view).not.toBe('loading'));
  await store.settled();
}

describe('audit store', () => {
  beforeAll(async () => {
    await initI18n('en');
  });
  afterEach(() => {
    window.sessionStorage.clear();
  });

  it('reads the audit with the session cookie and the CSRF header, never a bearer token', async () => {
    const { store, calls } = storeWith(healthy(), session());
    await started(store);
    expect(store.view).toBe('audit');
    expect(store.principal).toEqual({ who: 'auditor.forum', roles: ['auditor'] });
    expect(store.refreshState).toBe('ok');
    expect(calls.map((c) => c.path).sort()).toEqual([
      '/v1/agreements',
      '/v1/audit/findings',
      '/v1/audit/heads',
      '/v1/audit/statistics',
      '/v1/certificates',
    ]);
    for (const c of calls) {
      expect(c.headers[SESSION_HEADER]).toBe('1');
      expect(c.headers.authorization).toBeUndefined();
      expect(c.credentials).toBe('same-origin');
    }
    expect(headRows(store.data).map((r) => r.gateway)).toEqual(['IT', 'LY']);
    store.signOut();
  });

  it('shows the sign-in view when there is no session and no development switch, without calling the API', async () => {
    const { store, calls } = storeWith(healthy(), session({ signedIn: false, person: undefined }));
    await started(store);
    expect(store.view).toBe('signin');
    expect(calls).toEqual([]);
  });

  it('names a role refusal on the sign-in view and stops refreshing', async () => {
    const refusing: Handler = () => ({
      status: 403,
      body: { code: 'FORBIDDEN_ROLE', detail: 'this route needs one of the roles auditor' },
    });
    const { store, calls } = storeWith(refusing, session({ roles: ['officer'] }));
    await started(store);
    expect(store.view).toBe('signin');
    expect(say(store.signinError!)).toBe(
      'Refused: this route needs one of the roles auditor (FORBIDDEN_ROLE)',
    );
    const n = calls.length;
    await new Promise((r) => setTimeout(r, 50));
    expect(calls.length).toBe(n);
    // The session itself is still there (a 403): sign-out is offered to switch account.
    expect(store.auth.signedIn).toBe(true);
    store.signOut();
  });

  it('sends a development token as a bearer token, without cookies, only where the switch is on', async () => {
    const { store, calls } = storeWith(
      healthy(),
      session({ signedIn: false, devTokens: true, person: undefined }),
    );
    await started(store);
    expect(store.view).toBe('signin');
    const claims = window.btoa(JSON.stringify({ sub: 'forum-auditor', roles: ['auditor'] }));
    store.signInWithToken(`e30.${claims}.sig`);
    await vi.waitFor(() => expect(store.view).toBe('audit'));
    expect(calls[0].headers.authorization).toBe(`Bearer e30.${claims}.sig`);
    expect(calls[0].headers[SESSION_HEADER]).toBeUndefined();
    expect(calls[0].credentials).toBe('omit');
    expect(store.principal).toEqual({ who: 'forum-auditor', roles: ['auditor'] });
    store.signOut();
    expect(store.view).toBe('signin');
    expect(window.sessionStorage.getItem('corridor.audit.token')).toBeNull();
  });

  it('keeps the last data and says so when the secretariat stops answering', async () => {
    let down = false;
    const { store } = storeWith((m, p, i) => (down ? 'down' : healthy()(m, p, i)), session());
    await started(store);
    expect(store.data.heads).toHaveLength(1);
    down = true;
    store.refresh();
    await store.settled();
    expect(store.refreshState).toBe('stale');
    expect(store.data.heads).toHaveLength(1);
    expect(say(store.banner!)).toBe(
      'The secretariat does not answer (network error). Showing the data of the last refresh; retrying every 5 s.',
    );
    store.signOut();
  });

  it('posts an explanation, forgets the draft and says the new state', async () => {
    const posted: unknown[] = [];
    const { store } = storeWith(
      healthy((method, path, init) => {
        if (method === 'POST' && path === '/v1/audit/findings/7/explain') {
          posted.push(JSON.parse(init.body as string));
          return { status: 200, body: { state: 'CLOSED' } };
        }
        return { status: 404 };
      }),
      session(),
    );
    await started(store);
    await store.explain(finding);
    expect(say(store.explainStatus.get('7')!.message)).toBe('Write an explanation first.');
    expect(posted).toEqual([]);
    store.setDraft('7', '  IT was down for maintenance  ');
    store.setCloseTick('7', true);
    await store.explain(finding);
    expect(posted).toEqual([{ explanation: 'IT was down for maintenance', close: true }]);
    expect(store.drafts.has('7')).toBe(false);
    expect(say(store.explainStatus.get('7')!.message)).toBe('Saved: Closed.');
    store.signOut();
  });

  it('signs out of a session through the provider (RP-initiated logout)', async () => {
    const { store, navigate } = storeWith(healthy(), session());
    await started(store);
    store.signOut();
    expect(navigate).toHaveBeenCalledWith('/auth/logout');
  });
});

describe('audit API errors', () => {
  beforeAll(async () => {
    await initI18n('en');
  });

  it('turns problem+json into a message naming the field, and a 502 into "does not answer"', async () => {
    const bad = standIn(() => ({
      status: 400,
      body: { code: 'VALIDATION', detail: 'explanation must be shorter', field: 'explanation' },
    }));
    const err = await callApi({ method: 'POST', path: '/x', body: {}, token: null, fetch: bad.fetch }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ApiError);
    expect(say((err as ApiError).toMessage())).toBe(
      'explanation must be shorter (VALIDATION, field explanation)',
    );
    const gateway = standIn(() => ({ status: 502 }));
    const down = (await callApi({ method: 'GET', path: '/x', token: null, fetch: gateway.fetch }).catch(
      (e: unknown) => e,
    )) as ApiError;
    expect(down.kind).toBe('unreachable');
    expect(say(down.toMessage())).toBe('The secretariat does not answer (HTTP 502)');
  });
});

describe('audit helpers', () => {
  it('adds up exchanges per corridor across months, largest first, split by category', () => {
    const rows: StatRow[] = [
      { from: 'LY', to: 'IT', category: 'ROUTE', month: '2026-11', exchanges: 2 },
      { from: 'LY', to: 'IT', category: 'ROUTE', month: '2026-12', exchanges: 3 },
      { from: 'LY', to: 'IT', category: 'BULLETIN', month: '2026-12', exchanges: 1 },
      { from: 'NE', to: 'LY', category: 'ROUTE', month: '2026-12', exchanges: 4 },
    ];
    const { bars, categories, max } = corridorBars(rows);
    expect(bars.map((b) => [`${b.from}-${b.to}`, b.total])).toEqual([
      ['LY-IT', 6],
      ['NE-LY', 4],
    ]);
    expect(bars[0].byCategory.get('ROUTE')).toBe(5);
    expect(categories).toEqual(['BULLETIN', 'ROUTE']);
    expect(max).toBe(6);
  });

  it('lists enrolled gateways without a head, but not revoked ones', () => {
    const rows = headRows({
      heads: [],
      findings: [],
      agreements: [],
      statistics: [],
      certificates: [
        { fingerprint: 'a', country: 'NE', serial: '1', notAfter: '2099-01-01', revokedAt: null },
        { fingerprint: 'b', country: 'LY', serial: '2', notAfter: '2099-01-01', revokedAt: '2026-01-01' },
      ],
    });
    expect(rows).toEqual([{ gateway: 'NE', head: null }]);
  });

  it('tells valid, expired and revoked certificates apart', () => {
    const now = Date.parse('2026-12-01T00:00:00Z');
    const c = {
      fingerprint: 'a',
      country: 'NE',
      serial: '1',
      notAfter: '2027-01-01T00:00:00Z',
      revokedAt: null,
    };
    expect(certificateStatus(c, now)).toBe('valid');
    expect(certificateStatus({ ...c, notAfter: '2026-01-01T00:00:00Z' }, now)).toBe('expired');
    expect(certificateStatus({ ...c, revokedAt: '2026-06-01T00:00:00Z' }, now)).toBe('revoked');
  });
});
