// Rate limiting for the API: a sliding-window counter per client, O(1) time and memory per request.
// @nestjs/throttler's in-memory storage keeps one timestamp per request in the window and filters the whole list on
// every request (and spreads it into Math.min): its cost grows with the limit, and a client with a high limit
// costs a 10,000-element copy per request (measured in the exchange benchmark: garbage and CPU on every POST).
import type { ThrottlerStorage } from '@nestjs/throttler';

interface Window {
  /** start of the current fixed window, ms */
  start: number;
  current: number;
  previous: number;
}

/**
 * The estimate of a sliding-window counter: the current fixed window's count plus the previous window's count
 * weighted by how much of it still overlaps the sliding window. A request is refused (not counted) when the
 * estimate has reached the limit. Blocked clients get the time until the estimate falls below the limit again.
 */
export class SlidingWindowRateLimit implements ThrottlerStorage {
  private readonly windows = new Map<string, Window>();
  private sweptAt: number;

  constructor(private readonly now: () => number = Date.now) {
    this.sweptAt = now();
  }

  async increment(
    key: string,
    ttl: number,
    limit: number,
  ): Promise<{ totalHits: number; timeToExpire: number; isBlocked: boolean; timeToBlockExpire: number }> {
    return Promise.resolve(this.hit(key, ttl, limit));
  }

  /** The synchronous core of `increment` (ttl in ms; times returned in whole seconds, as the guard expects). */
  hit(
    key: string,
    ttl: number,
    limit: number,
  ): { totalHits: number; timeToExpire: number; isBlocked: boolean; timeToBlockExpire: number } {
    const now = this.now();
    this.sweep(now, ttl);
    const start = Math.floor(now / ttl) * ttl;
    let w = this.windows.get(key);
    if (!w) {
      w = { start, current: 0, previous: 0 };
      this.windows.set(key, w);
    } else if (w.start !== start) {
      // one window on: the current count becomes the previous one; two or more: both are forgotten
      w.previous = start - w.start === ttl ? w.current : 0;
      w.current = 0;
      w.start = start;
    }
    const overlap = 1 - (now - start) / ttl;
    const estimate = w.previous * overlap + w.current;
    const timeToExpire = Math.ceil((start + ttl - now) / 1000);
    if (estimate + 1 > limit) {
      // The estimate falls as the previous window slides out; if the current window alone is full, the next one
      // starts empty but still weighs the current count.
      const excess = estimate + 1 - limit;
      const waitMs =
        w.previous > 0 && excess <= w.previous * overlap ? (excess / w.previous) * ttl : start + ttl - now;
      return {
        totalHits: Math.ceil(estimate) + 1,
        timeToExpire,
        isBlocked: true,
        timeToBlockExpire: Math.max(1, Math.ceil(waitMs / 1000)),
      };
    }
    w.current += 1;
    return { totalHits: Math.ceil(estimate + 1), timeToExpire, isBlocked: false, timeToBlockExpire: 0 };
  }

  /** Clients not seen for two windows are forgotten, so memory is bounded by the clients of the last two windows. */
  private sweep(now: number, ttl: number): void {
    if (now - this.sweptAt < ttl) {
      return;
    }
    this.sweptAt = now;
    const oldest = Math.floor(now / ttl) * ttl - ttl;
    for (const [key, w] of this.windows) {
      if (w.start < oldest) {
        this.windows.delete(key);
      }
    }
  }

  /** Clients currently remembered (for tests and metrics). */
  get size(): number {
    return this.windows.size;
  }
}
