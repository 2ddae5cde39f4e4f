// Whether a person's bearer token is still live at the provider (token introspection), remembered for a short while
// per token: a disabled or logged-out person's REST calls fail within that while, not when the token expires.
// A provider that cannot be asked does not stop the API: the token was verified against the provider's keys and
// its expiry still bounds it (docs/security.md, "Losing access").
import { createHash } from 'node:crypto';

export interface TokenLivenessOptions {
  /** the provider's introspection: true while the token, its user and its session are valid */
  introspect: (token: string) => Promise<boolean>;
  /** how long an answer is reused, ms; 0 asks every time */
  cacheMs: number;
  /** most tokens remembered at once (oldest forgotten first) */
  maxEntries?: number;
  now?: () => number;
  /** called when the provider could not be asked (the token is then accepted) */
  onUnreachable?: (err: Error) => void;
}

interface Entry {
  live: boolean;
  atMs: number;
}

export class TokenLiveness {
  private readonly answers = new Map<string, Entry>();
  private readonly inFlight = new Map<string, Promise<boolean>>();
  private readonly now: () => number;

  constructor(private readonly opts: TokenLivenessOptions) {
    this.now = opts.now ?? Date.now;
  }

  async isLive(token: string): Promise<boolean> {
    // A digest, so the map never holds a usable token.
    const key = createHash('sha256').update(token).digest('base64url');
    const known = this.answers.get(key);
    if (known && this.now() - known.atMs < this.opts.cacheMs) {
      return known.live;
    }
    let pending = this.inFlight.get(key);
    if (!pending) {
      pending = this.ask(key, token);
      this.inFlight.set(key, pending);
    }
    return await pending;
  }

  private async ask(key: string, token: string): Promise<boolean> {
    try {
      const live = await this.opts.introspect(token);
      this.remember(key, { live, atMs: this.now() });
      return live;
    } catch (err) {
      this.opts.onUnreachable?.(err as Error);
      return true;
    } finally {
      this.inFlight.delete(key);
    }
  }

  private remember(key: string, entry: Entry): void {
    this.answers.delete(key);
    this.answers.set(key, entry);
    const max = this.opts.maxEntries ?? 10_000;
    while (this.answers.size > max) {
      const oldest = this.answers.keys().next().value as string;
      this.answers.delete(oldest);
    }
  }
}
