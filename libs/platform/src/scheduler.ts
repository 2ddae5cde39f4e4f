// The lifecycle timers of a process in one place: each job runs every `ms`, never overlapping itself (a slow pass
// skips the ticks it spans), a failure is logged and the next tick tries again, and `stop` clears every timer and
// waits for the passes in flight, so a shutdown never cuts a sweep in the middle.
//
// Housekeeping must not arrive as a burst. With plain intervals started together, every job whose period divides a
// minute (sweeps at 60 s, tree heads at 10 s, register sync at 15 s, receipt timeouts at 5 s, ...) fired in the same
// millisecond once a minute: a dozen transactions at once from each gateway, which held the alerts in flight behind
// them for 100-200 ms (#17's first round at 50/s). So each job starts at a random point of its first period (jobs
// of one process, and processes started together, stay apart), and the jobs of the shared lane run one at a time: a
// job that comes due while another runs waits its turn (once; it is not queued twice). A job whose timing matters
// more than its cost (a backpressure sample every second) takes its own lane.
import type { Logger } from 'pino';

export interface SchedulerOptions {
  /** Where in (0, 1] of its first period a job first runs; random by default (tests pin it). */
  phase?: () => number;
}

export interface JobOptions {
  /**
   * 'shared' (the default): one job of the lane at a time, in the order they came due. 'own': on its own timer beside
   * the lane, for a short job that must not wait behind a long sweep.
   */
  lane?: 'shared' | 'own';
}

interface Job {
  name: string;
  fn: () => Promise<unknown>;
  lane: 'shared' | 'own';
  timer?: NodeJS.Timeout;
  running?: Promise<void>;
}

export class Scheduler {
  private readonly jobs: Job[] = [];
  private readonly waiting: Job[] = [];
  private laneBusy = false;
  private stopped = false;
  private readonly phase: () => number;

  constructor(
    private readonly logger: Logger,
    opts: SchedulerOptions = {},
  ) {
    this.phase = opts.phase ?? (() => 1 - Math.random());
  }

  /** Runs `fn` every `ms` until `stop`, first at a random point of the first period. */
  every(name: string, ms: number, fn: () => Promise<unknown>, opts: JobOptions = {}): void {
    if (this.stopped) {
      return;
    }
    const job: Job = { name, fn, lane: opts.lane ?? 'shared' };
    const first = Math.max(1, Math.round(ms * Math.min(1, Math.max(0, this.phase()))));
    job.timer = setTimeout(() => {
      job.timer = setInterval(() => this.due(job), ms);
      this.due(job);
    }, first);
    this.jobs.push(job);
  }

  /** The names of the jobs, for health and tests. */
  get names(): string[] {
    return this.jobs.map((j) => j.name);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const j of this.jobs) {
      clearTimeout(j.timer); // a timeout or an interval: Node clears either
    }
    this.waiting.length = 0;
    await Promise.all(this.jobs.map((j) => j.running ?? Promise.resolve()));
  }

  private due(job: Job): void {
    if (this.stopped || job.running || this.waiting.includes(job)) {
      return; // the previous pass is still going (or waiting): this tick is skipped, not queued
    }
    if (job.lane === 'own') {
      void this.run(job);
      return;
    }
    if (this.laneBusy) {
      this.waiting.push(job);
      return;
    }
    this.runInLane(job);
  }

  private runInLane(job: Job): void {
    this.laneBusy = true;
    void this.run(job).then(() => {
      this.laneBusy = false;
      const next = this.waiting.shift();
      if (next && !this.stopped) {
        this.runInLane(next);
      }
    });
  }

  private run(job: Job): Promise<void> {
    // A job that throws before returning its promise fails like one whose promise rejects.
    job.running = Promise.resolve()
      .then(job.fn)
      .then(
        () => {
          job.running = undefined;
        },
        (err: unknown) => {
          job.running = undefined;
          this.logger.warn({ job: job.name, err: (err as Error).message }, `${job.name} failed; will retry`);
        },
      );
    return job.running;
  }
}
