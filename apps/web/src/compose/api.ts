// The compose page's calls to its gateway's publishing API, with the agency's bearer token. The HTTP API takes
// bearer tokens only (no cookie, so no cross-site request can publish): the token comes from the development switch's
// address-bar fragment (#token=...) or is pasted, and stays in this tab's sessionStorage.
import type { Delivery, PreviewResult, PublishResult } from '@corridor/gateway-api';
import { storage } from '../shared/storage';

const TOKEN_KEY = 'corridor.compose.token';

/** A problem+json answer (or a network failure) as the page shows it. */
export class ApiProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
    readonly field?: string,
  ) {
    super(detail);
  }
}

/** Moves #token=... from the address bar to this tab's storage, so it is not kept in history. */
export function takeTokenFromLocation(): string | null {
  const m = /(?:^#|&)token=([^&]*)/.exec(window.location.hash);
  if (!m) {
    return null;
  }
  const token = decodeURIComponent(m[1]).trim();
  window.history.replaceState(window.history.state, '', window.location.pathname + window.location.search);
  if (token) {
    storage.set(TOKEN_KEY, token);
  }
  return token || null;
}

export interface Partner {
  country: string;
  state: string;
}

export class ComposeApi {
  constructor(private token: string | null = storage.get(TOKEN_KEY)) {}

  get signedIn(): boolean {
    return Boolean(this.token);
  }

  signIn(token: string): void {
    this.token = token.trim();
    storage.set(TOKEN_KEY, this.token);
  }

  signOut(): void {
    this.token = null;
    storage.remove(TOKEN_KEY);
  }

  private async call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    let res: Response;
    try {
      res = await window.fetch(path, {
        method,
        credentials: 'omit',
        cache: 'no-store',
        headers: {
          authorization: `Bearer ${this.token ?? ''}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (err) {
      throw new ApiProblem(0, 'UNREACHABLE', err instanceof Error ? err.message : String(err));
    }
    const text = await res.text();
    let json: unknown = undefined;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: reported below by status
    }
    if (!res.ok) {
      const p = (json ?? {}) as { code?: string; detail?: string; field?: string };
      throw new ApiProblem(res.status, p.code ?? `HTTP_${res.status}`, p.detail ?? res.statusText, p.field);
    }
    return json as T;
  }

  /** Partners with an agreement this gateway knows, active ones first. */
  async partners(): Promise<Partner[]> {
    const list = await this.call<{ partner: string; state: string }[]>('GET', '/v1/agreements');
    const byCountry = new Map<string, string>();
    for (const a of list) {
      if (a.partner && byCountry.get(a.partner) !== 'ACTIVE') {
        byCountry.set(a.partner, a.state);
      }
    }
    return [...byCountry]
      .map(([country, state]) => ({ country, state }))
      .sort(
        (a, b) =>
          Number(b.state === 'ACTIVE') - Number(a.state === 'ACTIVE') || a.country.localeCompare(b.country),
      );
  }

  preview(body: Record<string, unknown>): Promise<PreviewResult> {
    return this.call('POST', '/v1/alerts/preview', body);
  }

  publish(body: Record<string, unknown>): Promise<PublishResult> {
    return this.call('POST', '/v1/alerts', body);
  }

  async deliveries(alertId: string): Promise<Delivery[]> {
    const r = await this.call<{ deliveries: Delivery[] }>('GET', `/v1/alerts/${encodeURIComponent(alertId)}`);
    return r.deliveries;
  }
}
