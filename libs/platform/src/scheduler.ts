// The lifecycle timers of a process in one place: each job runs every `ms`, never overlapping itself (a slow pass
// skips the ticks it spans), a failure is logged and the next tick tries again, and `stop` clears every timer and
// waits for the passes in flight, so a shutdown never cuts a sweep in the middle.
import type { Logger } from 'pino';

interface Job {
  name: string;
  timer: NodeJS.Timeout;
  running?: Promise<void>;
}

export class Scheduler {
  private readonly jobs: Job[] = [];
  private stopped = false;

  constructor(private readonly logger: Logger) {}

  /** Runs `fn` every `ms` until `stop`. */
  every(name: string, ms: number, fn: () => Promise<unknown>): void {
    if (this.stopped) {
      return;
    }
    const job: Job = {
      name,
      timer: setInterval(() => {
        if (job.running || this.stopped) {
          return; // the previous pass is still going: this tick is skipped, not queued
        }
        job.running = fn().then(
          () => {
            job.running = undefined;
          },
          (err: unknown) => {
            job.running = undefined;
            this.logger.warn({ job: name, err: (err as Error).message }, `${name} failed; will retry`);
          },
        );
      }, ms),
    };
    this.jobs.push(job);
  }

  /** The names of the jobs, for health and tests. */
  get names(): string[] {
    return this.jobs.map((j) => j.name);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const j of this.jobs) {
      clearInterval(j.timer);
    }
    await Promise.all(this.jobs.map((j) => j.running ?? Promise.resolve()));
  }
}
