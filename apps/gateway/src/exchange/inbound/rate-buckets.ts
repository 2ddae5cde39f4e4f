// Token buckets by key (a partner country): at most `burst` at once, refilled at `perSecond`. Bounds what a partner
// can make this gateway send back to it (negative receipts for unreadable envelopes, #19).
export class RateBuckets {
  private readonly buckets = new Map<string, { tokens: number; atMs: number }>();

  constructor(
    private readonly opts: { burst: number; perSecond: number },
    private readonly now: () => number = Date.now,
  ) {}

  /** Takes one token for `key`; false when its bucket is empty. */
  take(key: string): boolean {
    const now = this.now();
    const b = this.buckets.get(key) ?? { tokens: this.opts.burst, atMs: now };
    b.tokens = Math.min(this.opts.burst, b.tokens + ((now - b.atMs) / 1000) * this.opts.perSecond);
    b.atMs = now;
    this.buckets.set(key, b);
    if (b.tokens < 1) {
      return false;
    }
    b.tokens -= 1;
    return true;
  }
}
