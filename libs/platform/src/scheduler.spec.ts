import pino from 'pino';
import { Scheduler } from './scheduler';

const silent = pino({ level: 'silent' });
/** Every job first runs at the end of its first period, as a plain interval would. */
const atPeriodEnd = { phase: () => 1 };

describe('Scheduler', () => {
  beforeEach(() => jest.useFakeTimers({ now: 0 }));
  afterEach(() => {
    jest.useRealTimers();
    jest.restoreAllMocks();
  });

  it('runs each job every period, and a slow pass skips the ticks it spans instead of overlapping', async () => {
    const s = new Scheduler(silent, atPeriodEnd);
    const starts: number[] = [];
    let release: (() => void) | undefined;
    s.every('slow', 100, () => {
      starts.push(Date.now());
      return new Promise<void>((r) => (release = r));
    });
    await jest.advanceTimersByTimeAsync(350);
    expect(starts).toEqual([100]); // 200 and 300 were skipped: the first pass is still running
    release?.();
    await jest.advanceTimersByTimeAsync(100);
    expect(starts).toEqual([100, 400]);
    release?.();
    await s.stop();
  });

  it('logs a failed pass (a rejection or a throw) and tries again at the next tick', async () => {
    const warnings: string[] = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => warnings.push(line) });
    const s = new Scheduler(logger, atPeriodEnd);
    let calls = 0;
    s.every('sweep', 100, () => {
      calls++;
      return Promise.reject(new Error('database away'));
    });
    s.every('sync', 100, () => {
      throw new Error('not a promise');
    });
    await jest.advanceTimersByTimeAsync(200);
    expect(calls).toBe(2);
    expect(warnings.join('')).toMatch(/sweep failed; will retry/);
    expect(warnings.join('')).toMatch(/"err":"not a promise","msg":"sync failed; will retry"/);
    await s.stop();
  });

  it('starts each job at its own point of the first period, so jobs of one period do not fire together', async () => {
    const phases = [0.25, 0.75, 0.5];
    const s = new Scheduler(silent, { phase: () => phases.shift()! });
    const starts: Record<string, number[]> = { a: [], b: [], c: [] };
    for (const name of ['a', 'b', 'c']) {
      s.every(name, 100, () => {
        starts[name].push(Date.now());
        return Promise.resolve();
      });
    }
    await jest.advanceTimersByTimeAsync(300);
    expect(starts).toEqual({ a: [25, 125, 225], b: [75, 175, 275], c: [50, 150, 250] });
    await s.stop();
  });

  it('draws the first point at random by default, never later than one period', async () => {
    jest.spyOn(Math, 'random').mockReturnValue(0.3);
    const s = new Scheduler(silent);
    const starts: number[] = [];
    s.every('heads', 1000, () => {
      starts.push(Date.now());
      return Promise.resolve();
    });
    await jest.advanceTimersByTimeAsync(2000);
    expect(starts).toEqual([700, 1700]);
    await s.stop();
  });

  it('runs the jobs of the shared lane one at a time, in the order they came due, each once', async () => {
    const s = new Scheduler(silent, atPeriodEnd);
    const log: string[] = [];
    const job = (name: string, ms: number) => async () => {
      log.push(`${name}+${Date.now()}`);
      await new Promise((r) => setTimeout(r, ms));
      log.push(`${name}-${Date.now()}`);
    };
    s.every('purge', 100, job('purge', 150)); // runs past its own next tick and past the others' ticks
    s.every('heads', 100, job('heads', 10));
    s.every('expiry', 100, job('expiry', 10));
    await jest.advanceTimersByTimeAsync(290);
    // 100: purge starts, heads and expiry wait; 200: all three due again, each already running or waiting: skipped
    expect(log).toEqual(['purge+100', 'purge-250', 'heads+250', 'heads-260', 'expiry+260', 'expiry-270']);
    await s.stop();
  });

  it("runs a job of its own lane beside the shared lane's job", async () => {
    const s = new Scheduler(silent, atPeriodEnd);
    const starts: string[] = [];
    s.every('purge', 100, async () => {
      starts.push(`purge@${Date.now()}`);
      await new Promise((r) => setTimeout(r, 150));
    });
    s.every(
      'backlog sample',
      50,
      () => {
        starts.push(`sample@${Date.now()}`);
        return Promise.resolve();
      },
      { lane: 'own' },
    );
    await jest.advanceTimersByTimeAsync(200);
    expect(starts).toEqual(['sample@50', 'purge@100', 'sample@100', 'sample@150', 'sample@200']);
    const stopping = s.stop();
    await jest.advanceTimersByTimeAsync(100);
    await stopping;
  });

  it('stop waits for the passes in flight, drops the waiting ones, and then nothing runs', async () => {
    const s = new Scheduler(silent, atPeriodEnd);
    let finished = false;
    const calls: string[] = [];
    s.every('purge', 100, async () => {
      calls.push('purge');
      await new Promise((r) => setTimeout(r, 50));
      finished = true;
    });
    s.every('heads', 100, () => {
      calls.push('heads');
      return Promise.resolve();
    });
    await jest.advanceTimersByTimeAsync(100);
    const stopping = s.stop();
    await jest.advanceTimersByTimeAsync(50);
    await stopping;
    expect(finished).toBe(true);
    await jest.advanceTimersByTimeAsync(1000);
    expect(calls).toEqual(['purge']); // heads was waiting for the lane when the stop came
    s.every('late', 10, () => Promise.resolve());
    expect(s.names).toEqual(['purge', 'heads']);
  });
});
