// Group commit: appends that arrive while a commit is in flight wait for it, then share the next transaction. A lone
// append commits at once (no timer on the sequential path); under concurrency one durable commit serves many callers.
// Each caller's promise settles only when the transaction holding its items has committed (or failed). Items keep
// their submission order within and across batches, since one batch is in flight at a time. A caller whose own
// statement commits its items (alone()) takes the place of a batch when nothing is in flight, so it keeps that order too.

/** The queue is full: the caller should retry later (mapped to 503 with Retry-After at the edge). */
export class GroupCommitFullError extends Error {
  readonly code = 'AUDIT_QUEUE_FULL';
  readonly retriable = true;
  constructor(readonly limit: number) {
    super(`more than ${limit} log leaves are waiting for a commit`);
  }
}

interface Waiting<T> {
  items: T[];
  resolve: () => void;
  reject: (err: unknown) => void;
}

export interface GroupCommitOptions {
  /** at most this many items per transaction */
  maxBatch: number;
  /** at most this many items waiting (not yet in flight); beyond it submit() rejects at once */
  maxQueued: number;
  /** extra time a batch waits for company after the previous one commits (0: none) */
  windowMs?: number;
}

export class GroupCommit<T> {
  private queue: Waiting<T>[] = [];
  private queued = 0;
  private flushing = false;
  /** transactions committed and items they carried, for tests and metrics */
  readonly stats = { commits: 0, items: 0 };

  constructor(
    private readonly commit: (items: T[]) => Promise<void>,
    private readonly opts: GroupCommitOptions,
  ) {}

  /** Resolves once `items` are durably committed, in order after every item submitted before them. */
  submit(items: T[]): Promise<void> {
    if (items.length === 0) {
      return Promise.resolve();
    }
    if (this.queued + items.length > this.opts.maxQueued) {
      return Promise.reject(new GroupCommitFullError(this.opts.maxQueued));
    }
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ items, resolve, reject });
      this.queued += items.length;
      if (!this.flushing) {
        this.flushing = true;
        void this.drain();
      }
    });
  }

  /**
   * Runs `work`, which commits `items` items of its own in its own transaction, as the next commit if none is in flight
   * or waiting: submissions that arrive meanwhile queue behind it as behind a batch, and are drained once it settles.
   * Undefined when a commit is in flight: the caller then submits its items like anyone else. For a lone caller this
   * saves a round trip (its statement does its work and the append at once) without a second writer beside the queue.
   */
  alone<R>(items: number, work: () => Promise<R>): Promise<R> | undefined {
    if (this.flushing) {
      return undefined;
    }
    this.flushing = true;
    const run = Promise.resolve().then(work);
    void run
      .then(
        () => {
          this.stats.commits += 1;
          this.stats.items += items;
        },
        () => undefined,
      )
      .then(() => this.drain());
    return run;
  }

  get waiting(): number {
    return this.queued;
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const batch = this.take();
        const items = batch.flatMap((w) => w.items);
        this.queued -= items.length;
        try {
          await this.commit(items);
          this.stats.commits += 1;
          this.stats.items += items.length;
          for (const w of batch) {
            w.resolve();
          }
        } catch (err) {
          for (const w of batch) {
            w.reject(err);
          }
        }
        if (this.opts.windowMs && this.queue.length > 0) {
          await new Promise((r) => setTimeout(r, this.opts.windowMs));
        }
      }
    } finally {
      this.flushing = false;
    }
  }

  /** Whole submissions from the head of the queue up to maxBatch items (always at least one submission). */
  private take(): Waiting<T>[] {
    const batch: Waiting<T>[] = [];
    let n = 0;
    while (this.queue.length > 0) {
      const next = this.queue[0];
      if (batch.length > 0 && n + next.items.length > this.opts.maxBatch) {
        break;
      }
      batch.push(next);
      n += next.items.length;
      this.queue.shift();
    }
    return batch;
  }
}
