import pino from 'pino';
import { Scheduler } from './scheduler';

describe('Scheduler', () => {
  beforeEach(() => jest.useFakeTimers({ now: 0 }));
  afterEach(() => jest.useRealTimers());

  it('runs each job every period, and a slow pass skips the ticks it spans instead of overlapping', async () => {
    const s = new Scheduler(pino({ level: 'silent' }));
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

  it('logs a failed pass and tries again at the next tick', async () => {
    const warnings: string[] = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => warnings.push(line) });
    const s = new Scheduler(logger);
    let calls = 0;
    s.every('sweep', 100, () => {
      calls++;
      return Promise.reject(new Error('database away'));
    });
    await jest.advanceTimersByTimeAsync(200);
    expect(calls).toBe(2);
    expect(warnings.join('')).toMatch(/sweep failed; will retry/);
    await s.stop();
  });

  it('stop waits for the passes in flight and then nothing runs', async () => {
    const s = new Scheduler(pino({ level: 'silent' }));
    let finished = false;
    let calls = 0;
    s.every('purge', 100, async () => {
      calls++;
      await new Promise((r) => setTimeout(r, 50));
      finished = true;
    });
    await jest.advanceTimersByTimeAsync(100);
    const stopping = s.stop();
    await jest.advanceTimersByTimeAsync(50);
    await stopping;
    expect(finished).toBe(true);
    await jest.advanceTimersByTimeAsync(1000);
    expect(calls).toBe(1);
    s.every('late', 10, () => Promise.resolve());
    expect(s.names).toEqual(['purge']);
  });
});
