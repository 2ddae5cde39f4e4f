// The audit page's state: how the auditor is signed in, the data of the last refresh (every 5 s, one pass at a
// time, answers of an older sign-in dropped), re-audits, findings' drafts and explanations, reconciliation. Views
// subscribe to changes; every text is an i18n key with values, translated when shown.
import type { Message } from '../shared/message';
import { type AuthState, fetchAuthState, PROVIDER_LOGOUT } from '../shared/signin';
import { storage } from '../shared/storage';
import {
  type Agreement,
  ApiError,
  callApi,
  type Certificate,
  errorMessage,
  type Finding,
  type FindingState,
  type Head,
  type ReauditResult,
  type StatRow,
} from './api';

export const REFRESH_EVERY_MS = 5000;
const TOKEN_KEY = 'corridor.audit.token';

export interface AuditData {
  heads: Head[];
  findings: Finding[];
  agreements: Agreement[];
  certificates: Certificate[];
  statistics: StatRow[];
}

type SourceKey = keyof AuditData;
const SOURCES: SourceKey[] = ['heads', 'findings', 'agreements', 'certificates', 'statistics'];

export type RefreshState = 'idle' | 'ok' | 'stale' | 'error';
export interface Reaudit {
  pending: boolean;
  result?: ReauditResult;
  error?: Message;
}
export interface Outcome {
  ok: boolean;
  message: Message;
}

export interface AuditStoreDeps {
  fetch?: typeof window.fetch;
  fetchAuth?: () => Promise<AuthState>;
  navigate?: (url: string) => void;
}

function emptyData(): AuditData {
  return { heads: [], findings: [], agreements: [], certificates: [], statistics: [] };
}

/** Who a pasted development token names, for display only: the secretariat is what checks it. */
export function describeToken(token: string): { who: string; roles: string[] } {
  try {
    const part = token.split('.')[1] ?? '';
    const claims = JSON.parse(window.atob(part.replace(/-/g, '+').replace(/_/g, '/'))) as {
      sub?: unknown;
      roles?: unknown;
    };
    return {
      who: typeof claims.sub === 'string' ? claims.sub : '?',
      roles: Array.isArray(claims.roles) ? claims.roles.map(String) : [],
    };
  } catch {
    return { who: '?', roles: [] };
  }
}

/** Gateways with their newest verified head; enrolled gateways without one are listed too (silence is telling). */
export function headRows(data: AuditData): { gateway: string; head: Head | null }[] {
  const byGateway = new Map<string, Head>();
  for (const head of data.heads) {
    byGateway.set(head.gateway, head);
  }
  const gateways = new Set(byGateway.keys());
  for (const cert of data.certificates) {
    if (!cert.revokedAt && cert.country) {
      gateways.add(cert.country);
    }
  }
  return [...gateways].sort().map((gateway) => ({ gateway, head: byGateway.get(gateway) ?? null }));
}

export interface CorridorBar {
  from: string;
  to: string;
  total: number;
  byCategory: Map<string, number>;
}

/** One bar per corridor (all months), largest first, with its split by category. */
export function corridorBars(rows: StatRow[]): { bars: CorridorBar[]; categories: string[]; max: number } {
  const corridors = new Map<string, CorridorBar>();
  const categories = new Set<string>();
  for (const r of rows) {
    const key = `${r.from}→${r.to}`;
    let c = corridors.get(key);
    if (!c) {
      c = { from: r.from, to: r.to, total: 0, byCategory: new Map() };
      corridors.set(key, c);
    }
    const n = Number(r.exchanges) || 0;
    c.total += n;
    c.byCategory.set(r.category, (c.byCategory.get(r.category) ?? 0) + n);
    categories.add(r.category);
  }
  const bars = [...corridors.values()].sort(
    (a, b) => b.total - a.total || (a.from + a.to).localeCompare(b.from + b.to),
  );
  return { bars, categories: [...categories].sort(), max: bars.reduce((m, c) => Math.max(m, c.total), 0) };
}

export function certificateStatus(c: Certificate, now = Date.now()): 'revoked' | 'expired' | 'valid' {
  if (c.revokedAt) {
    return 'revoked';
  }
  const until = new Date(c.notAfter).getTime();
  return Number.isFinite(until) && until < now ? 'expired' : 'valid';
}

export class AuditStore {
  view: 'loading' | 'signin' | 'audit' = 'loading';
  auth: AuthState = { signedIn: false, provider: 'not-configured', devTokens: false };
  /** a pasted development token; null: the session cookie (or not signed in) */
  token: string | null = null;
  data: AuditData = emptyData();
  filter: '' | FindingState = '';
  findingsLoading = false;
  lastRefresh: Date | null = null;
  refreshState: RefreshState = 'idle';
  banner: Message | null = null;
  signinError: Message | null = null;
  signinProgress: Message | null = null;
  readonly reaudits = new Map<string, Reaudit>();
  readonly drafts = new Map<string, string>();
  readonly closeTicks = new Map<string, boolean>();
  readonly explaining = new Set<string>();
  readonly explainStatus = new Map<string, Outcome>();
  reconciling = false;
  reconcileStatus: Outcome | null = null;
  /** bumps when the page should move the focus to its first heading (a sign-in the auditor just made) */
  focusRequests = 0;
  focusFinding: string | null = null;
  onAnnounce: (message: Message) => void = () => undefined;

  private generation = 0;
  private timer: number | undefined;
  private inFlight = false;
  private again = false;
  private focusOnShow = false;
  private readonly listeners = new Set<() => void>();
  private readonly fetchImpl?: typeof window.fetch;
  private readonly fetchAuth: () => Promise<AuthState>;
  private readonly navigate: (url: string) => void;

  constructor(deps: AuditStoreDeps = {}) {
    this.fetchImpl = deps.fetch;
    this.fetchAuth = deps.fetchAuth ?? fetchAuthState;
    this.navigate = deps.navigate ?? ((url) => window.location.assign(url));
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(): void {
    for (const listener of this.listeners) {
      listener();
    }
  }

  /** Who is signed in, for the header. */
  get principal(): { who: string; roles: string[] } | null {
    if (this.view !== 'audit') {
      return null;
    }
    if (this.token) {
      return describeToken(this.token);
    }
    return this.auth.person ? { who: this.auth.person, roles: this.auth.roles ?? [] } : null;
  }

  /** A page load: the session at the secretariat, else a token this tab kept (development switch), else sign-in. */
  async start(): Promise<void> {
    this.auth = await this.fetchAuth();
    const token = this.auth.devTokens ? storage.get(TOKEN_KEY) : null;
    if (this.auth.signedIn) {
      this.begin(null, false);
    } else if (token) {
      this.begin(token, false);
    } else {
      this.view = 'signin';
      this.changed();
    }
  }

  /** Signs in with a pasted development token. */
  signInWithToken(token: string): void {
    storage.set(TOKEN_KEY, token);
    this.begin(token, true);
  }

  private begin(token: string | null, fromUser: boolean): void {
    this.stopTimer();
    this.generation++;
    this.active = true;
    this.token = token;
    this.focusOnShow = fromUser;
    this.clearData();
    this.signinError = null;
    this.signinProgress = { key: 'audit.signin.checking' };
    this.changed();
    this.refresh();
  }

  signOut(): void {
    this.stopTimer();
    this.generation++;
    this.active = false;
    if (!this.token && this.auth.signedIn) {
      // Ends the secretariat's session and the provider's (RP-initiated logout), then back to this page.
      this.navigate(PROVIDER_LOGOUT);
      return;
    }
    this.token = null;
    storage.remove(TOKEN_KEY);
    this.clearData();
    this.signinError = null;
    this.signinProgress = null;
    this.view = 'signin';
    this.changed();
  }

  /** 401 or 403: the sign-in is over or lacks the auditor role; the page says why and offers sign-in again. */
  private onRefused(error: ApiError): void {
    this.stopTimer();
    this.generation++;
    this.active = false;
    if (this.token) {
      this.token = null;
      storage.remove(TOKEN_KEY);
    } else if (error.info.status === 401) {
      this.auth = { ...this.auth, signedIn: false };
    }
    this.clearData();
    this.signinProgress = null;
    this.signinError = error.toMessage();
    this.view = 'signin';
    this.changed();
  }

  private clearData(): void {
    this.data = emptyData();
    this.reaudits.clear();
    this.drafts.clear();
    this.closeTicks.clear();
    this.explaining.clear();
    this.explainStatus.clear();
    this.reconcileStatus = null;
    this.lastRefresh = null;
    this.refreshState = 'idle';
    this.banner = null;
  }

  /** whether the page reads the audit now: from a sign-in until sign-out or a refusal */
  private active = false;

  private call(method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> {
    return callApi({ method, path, body, token: this.token, fetch: this.fetchImpl });
  }

  private stopTimer(): void {
    window.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private pathOf(source: SourceKey): string {
    switch (source) {
      case 'heads':
        return '/v1/audit/heads';
      case 'findings':
        return `/v1/audit/findings${this.filter ? `?state=${encodeURIComponent(this.filter)}` : ''}`;
      case 'agreements':
        return '/v1/agreements';
      case 'certificates':
        return '/v1/certificates';
      case 'statistics':
        return '/v1/audit/statistics';
    }
  }

  /** Reads everything the page shows; one pass at a time, a request during a pass runs right after it. */
  refresh(): void {
    if (!this.active) {
      return;
    }
    if (this.inFlight) {
      this.again = true;
      return;
    }
    this.stopTimer();
    this.inFlight = true;
    this.again = false;
    const generation = this.generation;
    const filter = this.filter;
    void Promise.allSettled(SOURCES.map((s) => this.call('GET', this.pathOf(s))))
      .then((results) => {
        if (generation === this.generation) {
          this.apply(results, filter);
        }
      })
      .finally(() => {
        this.inFlight = false;
        if (generation !== this.generation) {
          if (this.active) {
            this.refresh();
          }
          return;
        }
        if (this.again) {
          this.refresh();
        } else if (this.active) {
          this.timer = window.setTimeout(() => this.refresh(), REFRESH_EVERY_MS);
        }
      });
  }

  /** Resolves once the pass under way (if any) and the one it queued are done: for tests and the bench. */
  async settled(): Promise<void> {
    while (this.inFlight) {
      await new Promise((resolve) => window.setTimeout(resolve, 5));
    }
  }

  private apply(results: PromiseSettledResult<unknown>[], filter: string): void {
    for (const r of results) {
      if (r.status === 'rejected' && r.reason instanceof ApiError && r.reason.kind === 'refused') {
        this.onRefused(r.reason);
        return;
      }
    }
    const failures: Message[] = [];
    let unreachable: ApiError | null = null;
    let succeeded = 0;
    results.forEach((r, i) => {
      const source = SOURCES[i];
      if (r.status === 'fulfilled') {
        succeeded++;
        if (source === 'findings' && filter !== this.filter) {
          return; // an answer for the previous filter: the pass already queued shows the current one
        }
        (this.data as unknown as Record<string, unknown>)[source] = Array.isArray(r.value) ? r.value : [];
        if (source === 'findings') {
          this.findingsLoading = false;
        }
      } else if (r.reason instanceof ApiError && r.reason.kind === 'unreachable') {
        unreachable = r.reason;
      } else {
        failures.push({
          key: 'audit.error.part',
          values: { part: { key: `audit.source.${source}` }, reason: errorMessage(r.reason) },
        });
      }
    });
    const seconds = REFRESH_EVERY_MS / 1000;
    if (this.view !== 'audit') {
      if (succeeded === 0) {
        this.signinProgress = null;
        const first = (unreachable as ApiError | null)?.toMessage() ?? failures[0];
        this.signinError = { key: 'audit.error.retrying', values: { reason: first, seconds } };
        this.view = 'signin';
        this.changed();
        return;
      }
      this.view = 'audit';
      this.signinProgress = null;
      this.signinError = null;
      if (this.focusOnShow) {
        this.focusOnShow = false;
        this.focusRequests++;
      }
      this.onAnnounce({ key: 'audit.announce.signedIn', values: { seconds } });
    }
    if (unreachable) {
      this.banner = {
        key: 'audit.banner.unreachable',
        values: { reason: (unreachable as ApiError).toMessage(), seconds },
      };
    } else if (failures.length) {
      this.banner = { key: 'audit.banner.partial', values: { reason: failures[0] } };
    } else {
      this.banner = null;
    }
    if (succeeded === SOURCES.length) {
      this.lastRefresh = new Date();
      this.refreshState = 'ok';
    } else {
      this.refreshState = this.lastRefresh ? 'stale' : 'error';
    }
    this.changed();
  }

  setFilter(filter: '' | FindingState): void {
    this.filter = filter;
    this.data.findings = [];
    this.findingsLoading = true;
    this.changed();
    this.refresh();
  }

  setDraft(id: string, text: string): void {
    this.drafts.set(id, text);
  }

  setCloseTick(id: string, close: boolean): void {
    this.closeTicks.set(id, close);
    this.changed();
  }

  async reaudit(gateway: string): Promise<void> {
    const generation = this.generation;
    this.reaudits.set(gateway, { pending: true });
    this.changed();
    let entry: Reaudit;
    try {
      const result = (await this.call(
        'POST',
        `/v1/audit/gateways/${encodeURIComponent(gateway)}/reaudit`,
      )) as ReauditResult;
      entry = { pending: false, result };
    } catch (error) {
      if (generation !== this.generation) {
        return;
      }
      if (error instanceof ApiError && error.kind === 'refused') {
        this.onRefused(error);
        return;
      }
      entry = { pending: false, error: errorMessage(error) };
    }
    if (generation !== this.generation) {
      return;
    }
    this.reaudits.set(gateway, entry);
    this.onAnnounce({
      key: entry.error
        ? 'audit.announce.reauditFailed'
        : entry.result?.ok
          ? 'audit.announce.reauditOk'
          : 'audit.announce.reauditMismatch',
      values: { gateway, reason: entry.error },
    });
    this.changed();
    this.refresh(); // a mismatch opens a finding
  }

  async explain(f: Finding): Promise<void> {
    const id = String(f.id);
    const explanation = (this.drafts.get(id) ?? '').trim();
    const close = this.closeTicks.get(id) === true;
    if (!explanation) {
      this.explainStatus.set(id, { ok: false, message: { key: 'audit.findings.writeFirst' } });
      this.changed();
      return;
    }
    if (this.explaining.has(id)) {
      return;
    }
    const generation = this.generation;
    this.explaining.add(id);
    this.explainStatus.set(id, { ok: true, message: { key: 'audit.findings.saving' } });
    this.changed();
    try {
      const result = (await this.call('POST', `/v1/audit/findings/${encodeURIComponent(id)}/explain`, {
        explanation,
        close,
      })) as { state?: unknown } | null;
      if (generation !== this.generation) {
        return;
      }
      const state = typeof result?.state === 'string' ? result.state : close ? 'CLOSED' : 'EXPLAINED';
      this.drafts.delete(id);
      this.closeTicks.delete(id);
      const stateLabel = { key: `audit.state.${state}`, values: {} };
      this.explainStatus.set(id, {
        ok: true,
        message: { key: 'audit.findings.saved', values: { state: stateLabel } },
      });
      this.onAnnounce({ key: 'audit.announce.findingState', values: { id, state: stateLabel } });
      this.focusFinding = id;
      this.refresh();
    } catch (error) {
      if (generation !== this.generation) {
        return;
      }
      if (error instanceof ApiError && error.kind === 'refused') {
        this.onRefused(error);
        return;
      }
      this.explainStatus.set(id, {
        ok: false,
        message: { key: 'audit.findings.notSaved', values: { reason: errorMessage(error) } },
      });
    } finally {
      this.explaining.delete(id);
      this.changed();
    }
  }

  async reconcile(): Promise<void> {
    if (this.reconciling) {
      return;
    }
    const generation = this.generation;
    this.reconciling = true;
    this.reconcileStatus = { ok: true, message: { key: 'audit.findings.reconciling' } };
    this.changed();
    try {
      const open = await this.call('POST', '/v1/audit/reconcile');
      if (generation !== this.generation) {
        return;
      }
      const count = Array.isArray(open) ? open.length : 0;
      this.reconcileStatus = {
        ok: true,
        message: { key: 'audit.findings.reconciled', values: { at: new Date(), count } },
      };
      this.onAnnounce(this.reconcileStatus.message);
      this.refresh();
    } catch (error) {
      if (generation !== this.generation) {
        return;
      }
      if (error instanceof ApiError && error.kind === 'refused') {
        this.onRefused(error);
        return;
      }
      this.reconcileStatus = {
        ok: false,
        message: { key: 'audit.findings.reconcileFailed', values: { reason: errorMessage(error) } },
      };
    } finally {
      this.reconciling = false;
      this.changed();
    }
  }
}
