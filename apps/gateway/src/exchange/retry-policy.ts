// When a failed send is tried again: exponential backoff from 250 ms, at most 30 s apart, until the attempt bound;
// a final failure (the envelope cannot be sealed) is not retried. Pure.

/** The backoff before the next attempt, or undefined when the row is to be given up (FAILED). */
export function retryAfter(r: { attempts: number; maxAttempts: number; final: boolean }): number | undefined {
  if (r.final || r.attempts >= r.maxAttempts) {
    return undefined;
  }
  return Math.min(30_000, 250 * 2 ** Math.max(0, r.attempts - 1));
}
