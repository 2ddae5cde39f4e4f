// Replay protection in memory. The gateway also dedupes by message id in PostgreSQL, which is authoritative.

/** Remembers which (sender, message id) pairs were accepted. */
export interface ReplayGuard {
  seen(messageId: string, sender: string): boolean;
  remember(messageId: string, sender: string, createdAtMs: number, now: number): void;
}

/**
 * Bounded window: an entry can be forgotten once its created-at is older than `windowMs`, because openEnvelope
 * rejects such envelopes as STALE anyway. Use windowMs >= the maxAgeMs given to openEnvelope.
 * Past `maxEntries` the oldest-inserted entries go first (the database dedupe still catches those).
 */
export class InMemoryReplayGuard implements ReplayGuard {
  private readonly entries = new Map<string, number>();
  private readonly windowMs: number;
  private readonly maxEntries: number;
  private lastPruneAt = Number.NEGATIVE_INFINITY;

  constructor(options: { windowMs: number; maxEntries?: number }) {
    this.windowMs = options.windowMs;
    this.maxEntries = options.maxEntries ?? 200_000;
  }

  get size(): number {
    return this.entries.size;
  }

  seen(messageId: string, sender: string): boolean {
    return this.entries.has(InMemoryReplayGuard.key(messageId, sender));
  }

  remember(messageId: string, sender: string, createdAtMs: number, now: number): void {
    this.entries.set(InMemoryReplayGuard.key(messageId, sender), createdAtMs);
    // Pruning scans every entry: do it at most every 1/16 of the window, or when full.
    if (now - this.lastPruneAt >= this.windowMs / 16 || this.entries.size > this.maxEntries) {
      this.prune(now);
    }
  }

  /** Forgets entries whose created-at fell out of the window. */
  prune(now: number): void {
    this.lastPruneAt = now;
    const oldestKept = now - this.windowMs;
    for (const [key, createdAtMs] of this.entries) {
      if (createdAtMs < oldestKept) {
        this.entries.delete(key);
      }
    }
    for (const key of this.entries.keys()) {
      if (this.entries.size <= this.maxEntries) {
        break;
      }
      this.entries.delete(key);
    }
  }

  private static key(messageId: string, sender: string): string {
    return `${sender}\u0000${messageId}`;
  }
}
