// Why applying an inbound envelope failed decides what happens to it: a transient failure is retried (nothing is
// skipped), a failure caused by the envelope's content quarantines that envelope (nothing can halt intake). Pure.

export type ApplyFailureKind = 'transient' | 'content' | 'unknown';

/**
 * PostgreSQL SQLSTATE classes (Appendix A of its manual): 22 data exception (for example NUL in text, 22021) and 23
 * integrity constraint violation come from what was written; the others (08 connection, 40 rollback, 53 resources,
 * 57 operator intervention, 42 a statement this gateway got wrong...) are retried: a bug of ours must stop intake
 * visibly, not quarantine every envelope.
 */
const CONTENT_CLASSES = new Set(['22', '23']);

function codeOf(err: unknown): unknown {
  if (!err || typeof err !== 'object') {
    return undefined;
  }
  const e = err as { code?: unknown; driverError?: { code?: unknown } };
  return e.code ?? e.driverError?.code;
}

/**
 * transient: retry; content: quarantine the envelope; unknown: an error without a database code (for example a
 * TypeError from code handling what the envelope holds), transient only if the database cannot be reached (the
 * caller checks).
 */
export function applyFailureKind(err: unknown): ApplyFailureKind {
  const code = codeOf(err);
  if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) {
    return CONTENT_CLASSES.has(code.slice(0, 2)) ? 'content' : 'transient';
  }
  if (typeof code === 'string') {
    return 'transient'; // a system error of the connection: ECONNREFUSED, ECONNRESET, ETIMEDOUT...
  }
  return 'unknown';
}
