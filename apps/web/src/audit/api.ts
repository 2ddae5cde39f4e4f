// The secretariat's REST API as the audit page reads it: with the session cookie of a sign-in at the forum's
// provider (plus the header that proves the request comes from this page), or, only where the secretariat's
// development switch allows it, a pasted token. Errors arrive as application/problem+json and become messages.
import type { Message } from '../shared/message';

/** Shapes of the secretariat API (apps/secretariat/src/audit and agreements): metadata only, never content. */
export interface Head {
  gateway: string;
  treeSize: string | number;
  rootHash: string;
  timestampMs: string | number;
  receivedAt: string;
}
export type FindingState = 'OPEN' | 'EXPLAINED' | 'CLOSED';
export interface Finding {
  id: number | string;
  kind: string;
  gateway: string;
  peer: string | null;
  messageId: string | null;
  detail: string;
  state: FindingState;
  explanation: string | null;
  openedAt: string;
  closedAt: string | null;
}
export interface Direction {
  from: string;
  to: string;
  categories: string[];
  maxClassification: string;
  maxHandling?: string;
  excludedFields: string[];
  retentionDays: number;
  onwardSharing?: string;
  purpose?: string;
}
export interface Agreement {
  id: string;
  version: number;
  state: string;
  parties: string[];
  validFrom: string;
  validUntil: string;
  purpose: string;
  directions: Direction[];
  signedBy: string[];
  countersigned: boolean;
}
export interface Certificate {
  fingerprint: string;
  country: string;
  serial: string;
  notAfter: string;
  revokedAt: string | null;
}
export interface StatRow {
  from: string;
  to: string;
  category: string;
  month: string;
  exchanges: number;
}
export interface ReauditResult {
  ok: boolean;
  firstBadIndex?: number;
  detail: string;
}

/** The header a request made with the session cookie carries (the secretariat refuses it otherwise: CSRF). */
export const SESSION_HEADER = 'x-corridor-session';
export const REQUEST_TIMEOUT_MS = 10_000;

export type ApiErrorKind = 'refused' | 'unreachable' | 'failed';

export class ApiError extends Error {
  constructor(
    readonly kind: ApiErrorKind,
    readonly info: { status?: number; code?: string; detail?: string; field?: string; reason?: Message },
  ) {
    super(`${kind}: ${info.code ?? ''} ${info.detail ?? ''}`.trim());
    this.name = 'ApiError';
  }

  /** What the reader is told, in their language (the server's detail stays as the server wrote it). */
  toMessage(): Message {
    const { code, detail, field, reason } = this.info;
    switch (this.kind) {
      case 'refused':
        return { key: code ? 'audit.error.refusedCode' : 'audit.error.refused', values: { detail, code } };
      case 'unreachable':
        return {
          key: 'audit.error.unreachable',
          values: { reason: reason ?? { key: 'audit.error.network' } },
        };
      case 'failed':
        return {
          key: field ? 'audit.error.failedField' : code ? 'audit.error.failedCode' : 'audit.error.failed',
          values: { detail, code, field },
        };
    }
  }
}

export function errorMessage(error: unknown): Message {
  if (error instanceof ApiError) {
    return error.toMessage();
  }
  return {
    key: 'audit.error.failed',
    values: { detail: error instanceof Error ? error.message : String(error) },
  };
}

/** One call; `token` null means the session cookie. */
export async function callApi(opts: {
  method: 'GET' | 'POST';
  path: string;
  body?: unknown;
  token: string | null;
  fetch?: typeof window.fetch;
  timeoutMs?: number;
}): Promise<unknown> {
  const doFetch = opts.fetch ?? window.fetch.bind(window);
  const timeoutMs = opts.timeoutMs ?? REQUEST_TIMEOUT_MS;
  const controller = new AbortController();
  const timer = window.setTimeout(() => controller.abort(), timeoutMs);
  const headers: Record<string, string> = { accept: 'application/json, application/problem+json' };
  if (opts.token) {
    headers.authorization = `Bearer ${opts.token}`;
  } else {
    headers[SESSION_HEADER] = '1';
  }
  if (opts.body !== undefined) {
    headers['content-type'] = 'application/json';
  }
  let res: Response;
  let text: string;
  try {
    res = await doFetch(opts.path, {
      method: opts.method,
      headers,
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
      signal: controller.signal,
      cache: 'no-store',
      // The session cookie goes with this page's own requests only; a pasted token needs no cookie.
      credentials: opts.token ? 'omit' : 'same-origin',
    });
    text = await res.text();
  } catch (error) {
    const aborted = (error as Error)?.name === 'AbortError';
    throw new ApiError('unreachable', {
      reason: aborted
        ? { key: 'audit.error.timeout', values: { seconds: timeoutMs / 1000 } }
        : { key: 'audit.error.network' },
    });
  } finally {
    window.clearTimeout(timer);
  }
  let parsed: unknown = null;
  if (text) {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = null;
    }
  }
  if (res.ok) {
    return parsed;
  }
  const problem = (parsed && typeof parsed === 'object' ? parsed : {}) as Record<string, unknown>;
  const code = typeof problem.code === 'string' ? problem.code : '';
  const detail =
    typeof problem.detail === 'string' && problem.detail
      ? problem.detail
      : typeof problem.message === 'string'
        ? problem.message
        : `HTTP ${res.status}`;
  const info = {
    status: res.status,
    code,
    detail,
    field: typeof problem.field === 'string' ? problem.field : '',
  };
  if (res.status === 401 || res.status === 403) {
    throw new ApiError('refused', info);
  }
  if (!code && res.status >= 502 && res.status <= 504) {
    throw new ApiError('unreachable', {
      ...info,
      reason: { key: 'audit.error.httpStatus', values: { status: res.status } },
    });
  }
  throw new ApiError('failed', info);
}
