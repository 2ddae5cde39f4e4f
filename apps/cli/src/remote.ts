// JSON over HTTP to a gateway or the secretariat. Every failure becomes one operator line: unreachable,
// token refused, role missing, or the service's own problem+json (code, detail, field, rule).
import { CliError, EXIT_FAILURE, oneLine } from './errors';
import type { TokenChoice } from './settings';

export interface Problem {
  code?: string;
  title?: string;
  detail?: string;
  field?: string;
  rule?: string;
  status?: number;
  errors?: { field: string; message: string }[];
}

/** A non-2xx answer: the line is ready to print, `problem` lets a verb say something more specific. */
export class RemoteError extends CliError {
  constructor(
    message: string,
    readonly status: number,
    readonly problem: Problem,
  ) {
    super(message, EXIT_FAILURE);
    this.name = 'RemoteError';
  }
}

const TIMEOUT_MS = 20_000;

export class Remote {
  constructor(
    /** "gateway" or "secretariat", as the operator calls it */
    readonly service: string,
    readonly baseUrl: string,
    private readonly credentials?: TokenChoice,
    /** how to point the CLI elsewhere, for the unreachable hint */
    private readonly urlSource = `--${service}`,
  ) {}

  async get<T>(path: string): Promise<T> {
    return this.call<T>({ method: 'GET', path });
  }

  async post<T>(path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
    return this.call<T>({ method: 'POST', path, body: body ?? {}, headers });
  }

  async call<T>(req: {
    method: string;
    path: string;
    body?: unknown;
    headers?: Record<string, string>;
    /** text instead of JSON (metrics) */
    text?: boolean;
  }): Promise<T> {
    const res = await this.send(req);
    const text = await res.text();
    if (!res.ok) {
      throw this.failure(res.status, text);
    }
    if (req.text) {
      return text as T;
    }
    try {
      return (text ? JSON.parse(text) : undefined) as T;
    } catch {
      throw new CliError(
        `the ${this.service} at ${this.baseUrl} answered ${req.method} ${req.path} with something that is not JSON — check that ${this.urlSource} points at a Corridor ${this.service}`,
        EXIT_FAILURE,
      );
    }
  }

  /** The raw response (any status); only the transport failing is an error. */
  async send(req: {
    method: string;
    path: string;
    body?: unknown;
    headers?: Record<string, string>;
  }): Promise<Response> {
    try {
      return await fetch(`${this.baseUrl}${req.path}`, {
        method: req.method,
        headers: {
          accept: 'application/json, application/problem+json, text/plain',
          ...(req.body === undefined ? {} : { 'content-type': 'application/json' }),
          ...(this.credentials ? { authorization: `Bearer ${this.credentials.token}` } : {}),
          ...req.headers,
        },
        body:
          req.body === undefined
            ? undefined
            : typeof req.body === 'string'
              ? req.body
              : JSON.stringify(req.body),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch (err) {
      throw this.unreachable(err);
    }
  }

  private unreachable(err: unknown): CliError {
    const e = err as { name?: string; cause?: { code?: string; message?: string } };
    if (e.name === 'TimeoutError' || e.name === 'AbortError') {
      return new CliError(
        `the ${this.service} at ${this.baseUrl} did not answer within ${TIMEOUT_MS / 1000} s — check that it is running and reachable (${this.urlSource})`,
        EXIT_FAILURE,
      );
    }
    const why = e.cause?.code ?? e.cause?.message ?? (err instanceof Error ? err.message : 'network error');
    return new CliError(
      `cannot reach the ${this.service} at ${this.baseUrl} (${oneLine(why)}) — check ${this.urlSource} and that the ${this.service} is running`,
      EXIT_FAILURE,
    );
  }

  /** The operator's line for a non-2xx answer (with the service's problem+json when it sent one). */
  failure(status: number, text: string): RemoteError {
    let problem: Problem = {};
    try {
      const parsed: unknown = JSON.parse(text);
      if (parsed && typeof parsed === 'object') {
        problem = parsed;
      }
    } catch {
      problem = { detail: text.slice(0, 200) };
    }
    const code = problem.code ?? problem.title ?? `HTTP_${status}`;
    const detail = oneLine(problem.detail ?? problem.title ?? `HTTP ${status}`);
    const field = problem.field && !detail.includes(problem.field) ? ` (field ${problem.field})` : '';
    const what = `the ${this.service} refused: ${detail}${field} [${code}]`;
    let todo: string;
    if (status === 401) {
      todo = `check the token given by ${this.credentials?.source ?? '--token'}: it must be valid, unexpired and issued for this ${this.service}`;
    } else if (status === 403 && code === 'FORBIDDEN_ROLE') {
      todo = 'use a token that carries that role';
    } else if (status === 403) {
      todo = problem.rule
        ? 'the agreement does not allow it: change the request or the agreement'
        : 'not allowed';
    } else if (status === 404) {
      todo = 'check the id';
    } else if (status === 409) {
      todo = 'check the current state first';
    } else if (status === 429) {
      todo = 'slow down and try again in a moment';
    } else if (status >= 500) {
      todo = `try again; if it persists the operator will find the cause in the ${this.service} log`;
    } else {
      todo = 'fix the request and try again';
    }
    return new RemoteError(`${what} — ${todo}`, status, problem);
  }
}
