/**
 * Paces a batched write: `run` takes everything gathered so far and writes it; Paced calls it at once when nothing
 * was written for `intervalMs`, otherwise when the interval has passed, and never twice at the same time. A lone item
 * goes out without waiting, a steady trickle costs one write per interval instead of one per item. `run` must not
 * throw (it reports its own failures); `waiting` says whether anything is gathered.
 */
export class Paced {
  private inFlight?: Promise<void>;
  private timer?: NodeJS.Timeout;
  private lastRunAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly opts: { intervalMs: number; waiting: () => boolean; run: () => Promise<void> },
  ) {}

  /** Something was gathered: a run now, or when the interval since the last one has passed. */
  kick(): void {
    if (this.inFlight || this.timer || !this.opts.waiting()) {
      return;
    }
    const wait = this.lastRunAt + this.opts.intervalMs - Date.now();
    if (wait > 0) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.kick();
      }, wait);
      this.timer.unref();
      return;
    }
    this.inFlight = this.runOnce();
  }

  /** Runs until nothing is gathered and nothing is in flight, without waiting for the interval (shutdown). */
  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    while (this.inFlight || this.opts.waiting()) {
      this.inFlight ??= this.runOnce();
      await this.inFlight;
    }
  }

  private async runOnce(): Promise<void> {
    this.lastRunAt = Date.now();
    try {
      await this.opts.run();
    } finally {
      this.inFlight = undefined;
    }
    this.kick();
  }
}
