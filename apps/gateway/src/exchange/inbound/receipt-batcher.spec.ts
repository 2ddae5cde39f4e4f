import { ReceiptBatcher } from './receipt-batcher';

const OPTS = { batchMs: 200, sweepMs: 5000, retryMs: 1000 };

/** A flush whose passes are counted and whose results are scripted; a pass can be held open. */
function scriptedFlush(results: (boolean | Error)[] = []) {
  const calls: number[] = [];
  let release: (() => void) | undefined;
  let hold = false;
  const flush = async (): Promise<boolean> => {
    calls.push(Date.now());
    if (hold) {
      await new Promise<void>((r) => (release = r));
    }
    const next = results.shift() ?? false;
    if (next instanceof Error) {
      throw next;
    }
    return next;
  };
  return {
    flush,
    calls,
    holdNext: () => (hold = true),
    releaseHeld: () => {
      hold = false;
      release?.();
    },
  };
}

/** Lets the promise callbacks of a finished pass run. */
const settle = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) {
    await Promise.resolve();
  }
};

describe('ReceiptBatcher', () => {
  beforeEach(() => jest.useFakeTimers({ now: 0 }));
  afterEach(() => jest.useRealTimers());

  it('sends what a crash left owed at start, then batches requests within batchMs into one pass', async () => {
    const f = scriptedFlush();
    const b = new ReceiptBatcher(f.flush, OPTS, () => undefined);
    b.start();
    await jest.advanceTimersByTimeAsync(0);
    expect(f.calls).toEqual([0]);
    b.requestBatch();
    await jest.advanceTimersByTimeAsync(50);
    b.requestBatch();
    b.requestBatch();
    await jest.advanceTimersByTimeAsync(149);
    expect(f.calls).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(1);
    expect(f.calls).toEqual([0, 200]);
    await b.stop();
  });

  it('serves a request that came during a pass with another pass right after it', async () => {
    const f = scriptedFlush();
    const b = new ReceiptBatcher(f.flush, OPTS, () => undefined);
    b.start();
    await jest.advanceTimersByTimeAsync(0);
    f.holdNext();
    b.requestBatch();
    await jest.advanceTimersByTimeAsync(200);
    expect(f.calls).toHaveLength(2); // the held pass is running
    b.requestBatch(); // arrives during it
    await jest.advanceTimersByTimeAsync(1000);
    expect(f.calls).toHaveLength(2); // nothing else starts while it runs
    f.releaseHeld();
    await settle();
    await jest.advanceTimersByTimeAsync(200);
    expect(f.calls).toHaveLength(3);
    await b.stop();
  });

  it('runs again at once while passes find a full page', async () => {
    const f = scriptedFlush([false, true, true, false]);
    const b = new ReceiptBatcher(f.flush, OPTS, () => undefined);
    b.start();
    await jest.advanceTimersByTimeAsync(0);
    b.requestBatch();
    await jest.advanceTimersByTimeAsync(210);
    // Node runs a 0 ms timer after 1 ms: the follow-up passes come 1 ms apart, not batchMs.
    expect(f.calls).toEqual([0, 200, 201, 202]);
    await b.stop();
  });

  it('reports a failed pass and retries it after retryMs', async () => {
    const errors: string[] = [];
    const f = scriptedFlush([new Error('database away')]);
    const b = new ReceiptBatcher(f.flush, OPTS, (e) => errors.push(e.message));
    b.start();
    await jest.advanceTimersByTimeAsync(0);
    expect(errors).toEqual(['database away']);
    await jest.advanceTimersByTimeAsync(999);
    expect(f.calls).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(1);
    expect(f.calls).toHaveLength(2);
    await b.stop();
  });

  it('sweeps every sweepMs without a request (a lost wake-up costs at most that long)', async () => {
    const f = scriptedFlush();
    const b = new ReceiptBatcher(f.flush, OPTS, () => undefined);
    b.start();
    await jest.advanceTimersByTimeAsync(15_100);
    expect(f.calls).toEqual([0, 5001, 10_001, 15_001]);
    await b.stop();
  });

  it('at stop: lets the running pass finish, sends what is owed once, then stays quiet', async () => {
    const f = scriptedFlush();
    const b = new ReceiptBatcher(f.flush, OPTS, () => undefined);
    b.start();
    await jest.advanceTimersByTimeAsync(0);
    b.requestBatch();
    await b.stop();
    expect(f.calls).toHaveLength(2); // the start pass, and the final one (the scheduled pass was cancelled)
    b.requestBatch();
    await jest.advanceTimersByTimeAsync(60_000);
    expect(f.calls).toHaveLength(2);
  });

  it('does nothing before start', async () => {
    const f = scriptedFlush();
    const b = new ReceiptBatcher(f.flush, OPTS, () => undefined);
    b.requestBatch();
    await jest.advanceTimersByTimeAsync(60_000);
    expect(f.calls).toHaveLength(0);
    await b.stop();
    expect(f.calls).toHaveLength(0);
  });
});
