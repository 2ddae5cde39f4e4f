// When the receipts owed to partners go out: a small state machine around one flush function. A request waits up to
// `batchMs` so that several receipts share one signed message; a request that comes while a pass runs is served by
// another pass right after it (no receipt waits for the next inbound message); a pass that found a full page runs
// again at once; a failed pass is retried after `retryMs`; a slow sweep every `sweepMs` is the safety net for a lost
// wake-up (a crash between commit and schedule costs at most that long).

export interface ReceiptBatcherOptions {
  /** how long a receipt may wait to share a signed message with others */
  batchMs: number;
  /** the safety-net sweep */
  sweepMs: number;
  /** the pause after a failed pass */
  retryMs: number;
}

export class ReceiptBatcher {
  private timer?: NodeJS.Timeout;
  /** the pass in progress, if any */
  private running?: Promise<void>;
  private again = false;
  /** set while started: receipts owed are looked for every `sweepMs` */
  private sweep?: NodeJS.Timeout;

  constructor(
    /** one pass over the receipts owed; true when more may be waiting (a full page) */
    private readonly flush: () => Promise<boolean>,
    private readonly opts: ReceiptBatcherOptions,
    private readonly onError: (err: Error) => void,
  ) {}

  get started(): boolean {
    return this.sweep !== undefined;
  }

  /** Starts the sweep; receipts a crash left owed go first. Idempotent. */
  start(): void {
    if (this.sweep) {
      return;
    }
    this.sweep = setInterval(() => this.request(0), this.opts.sweepMs);
    this.request(0);
  }

  /** Receipts were recorded: send them within the batch delay. */
  requestBatch(): void {
    this.request(this.opts.batchMs);
  }

  private request(ms: number): void {
    if (!this.sweep) {
      return;
    }
    if (this.running) {
      this.again = true;
      return;
    }
    if (this.timer) {
      return; // the pass already scheduled will see these rows: they committed before this call
    }
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.running = this.flush().then(
        (more) => {
          this.running = undefined;
          const again = this.again;
          this.again = false;
          if (more || again) {
            this.request(more ? 0 : this.opts.batchMs);
          }
        },
        (err: Error) => {
          this.running = undefined;
          this.again = false;
          this.onError(err);
          this.request(this.opts.retryMs);
        },
      );
    }, ms);
  }

  /** Stops the timers, lets a running pass finish, then sends what is still owed once (an error is reported). */
  async stop(): Promise<void> {
    if (!this.sweep) {
      return;
    }
    clearInterval(this.sweep);
    this.sweep = undefined;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
    await this.flush().then(
      () => undefined,
      (err: Error) => this.onError(err),
    );
  }
}
