// The compose page's calls to its gateway's publishing API: with the session of an agency person signed in at the
// country's identity provider (an httpOnly cookie plus the x-corridor-session header, which no other site can send
// without a CORS preflight the gateway never grants), or, where the development switch allows it, a bearer token
// from the address-bar fragment (#token=...) or pasted, kept in this tab's sessionStorage.
import type {
  DeliveriesClientToServerEvents,
  DeliveriesServerToClientEvents,
  Delivery,
  PreviewResult,
  PublishResult,
} from '@corridor/gateway-api';
import type { Socket } from 'socket.io-client';
import { storage } from '../shared/storage';

const TOKEN_KEY = 'corridor.compose.token';
/** The header a request made with the session cookie carries (the gateway refuses it otherwise: CSRF). */
export const SESSION_HEADER = 'x-corridor-session';
/** Where sign-in at the provider starts and ends, coming back to this page. */
export const COMPOSE_LOGIN = '/auth/login?returnTo=%2Fcompose%2F';
export const COMPOSE_LOGOUT = '/auth/logout?returnTo=%2Fcompose%2F';

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

/** What a live follow of one alert's deliveries reports: each state of them, and whether pushes arrive. */
export interface DeliveryListener {
  onDeliveries(deliveries: Delivery[]): void;
  onLive(live: boolean): void;
}

export interface Partner {
  country: string;
  state: string;
}

export class ComposeApi {
  /** whether calls go with the session cookie (signed in at the provider) rather than a token */
  private session = false;

  constructor(
    private token: string | null = storage.get(TOKEN_KEY),
    private readonly doFetch: typeof window.fetch = (input, init) => window.fetch(input, init),
  ) {}

  get signedIn(): boolean {
    return Boolean(this.token) || this.session;
  }

  /** signed in at the provider: the session cookie is the credential */
  get withSession(): boolean {
    return this.session && !this.token;
  }

  signIn(token: string): void {
    this.token = token.trim();
    storage.set(TOKEN_KEY, this.token);
  }

  useSession(): void {
    this.session = true;
  }

  /** Forgets the token; a session also ends at the gateway and the provider (the browser goes there). */
  signOut(): void {
    const session = this.withSession;
    this.token = null;
    this.session = false;
    storage.remove(TOKEN_KEY);
    if (session) {
      window.location.assign(COMPOSE_LOGOUT);
    }
  }

  private async call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    let res: Response;
    try {
      res = await this.doFetch(path, {
        method,
        // The session cookie goes with this page's own requests only; a token needs no cookie.
        credentials: this.withSession ? 'same-origin' : 'omit',
        cache: 'no-store',
        headers: {
          ...(this.withSession ? { [SESSION_HEADER]: '1' } : { authorization: `Bearer ${this.token ?? ''}` }),
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

  /**
   * Follows an alert's deliveries over socket.io (/deliveries), pushed as they change; returns how to stop, or null
   * when the page has no socket.io client (the gateway serves it). The page polls while this is not live.
   */
  followDeliveries(alertId: string, listener: DeliveryListener): (() => void) | null {
    const io = window.io;
    if (typeof io !== 'function') {
      return null;
    }
    const socket: Socket<DeliveriesServerToClientEvents, DeliveriesClientToServerEvents> = io('/deliveries', {
      // The session cookie counts only with this page's Origin, which a WebSocket handshake always carries.
      transports: ['websocket'],
      auth: this.withSession ? {} : { token: this.token ?? '' },
      forceNew: true,
      reconnectionDelay: 1000,
      reconnectionDelayMax: 5000,
    });
    socket.on('connect', () => {
      socket.emit('follow', { alertId }, (res) => {
        if (res.ok) {
          listener.onDeliveries(res.deliveries);
          listener.onLive(true);
        } else {
          listener.onLive(false);
        }
      });
    });
    socket.on('deliveries', (update) => {
      if (update.alertId === alertId) {
        listener.onDeliveries(update.deliveries);
      }
    });
    socket.on('disconnect', () => listener.onLive(false));
    socket.on('connect_error', () => listener.onLive(false));
    return () => {
      socket.close();
    };
  }
}
