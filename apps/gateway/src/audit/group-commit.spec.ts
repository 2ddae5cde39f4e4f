import { GroupCommit, GroupCommitFullError } from './group-commit';

/** A commit function whose transactions the test completes by hand. */
function manualCommits(): {
  commit: (items: number[]) => Promise<void>;
  batches: number[][];
  finish: (err?: Error) => void;
} {
  const batches: number[][] = [];
  const pending: { resolve: () => void; reject: (e: Error) => void }[] = [];
  return {
    batches,
    commit: (items) =>
      new Promise<void>((resolve, reject) => {
        batches.push(items);
        pending.push({ resolve, reject });
      }),
    finish: (err) => {
      const p = pending.shift();
      if (err) {
        p?.reject(err);
      } else {
        p?.resolve();
      }
    },
  };
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('GroupCommit', () => {
  it('commits a lone submission at once, without waiting for company', async () => {
    const c = manualCommits();
    const g = new GroupCommit(c.commit, { maxBatch: 10, maxQueued: 100 });
    const done = g.submit([1]);
    await tick();
    expect(c.batches).toEqual([[1]]);
    c.finish();
    await expect(done).resolves.toBeUndefined();
  });

  it('shares one commit among submissions that arrive while one is in flight, in submission order', async () => {
    const c = manualCommits();
    const g = new GroupCommit(c.commit, { maxBatch: 10, maxQueued: 100 });
    const settled: number[] = [];
    const first = g.submit([1]).then(() => settled.push(1));
    const rest = [g.submit([2, 3]), g.submit([4]), g.submit([5])].map((p, i) =>
      p.then(() => settled.push(i + 2)),
    );
    await tick();
    expect(c.batches).toEqual([[1]]);
    c.finish();
    await first;
    await tick();
    // nobody else resolved before their own transaction committed
    expect(settled).toEqual([1]);
    expect(c.batches).toEqual([[1], [2, 3, 4, 5]]);
    c.finish();
    await Promise.all(rest);
    expect(g.stats).toEqual({ commits: 2, items: 5 });
  });

  it('splits at maxBatch without splitting a submission, and rejects only the callers of a failed commit', async () => {
    const c = manualCommits();
    const g = new GroupCommit(c.commit, { maxBatch: 3, maxQueued: 100 });
    const a = g.submit([1]);
    const b = g.submit([2, 3]);
    const d = g.submit([4, 5]);
    await tick();
    c.finish();
    await a;
    await tick();
    expect(c.batches[1]).toEqual([2, 3]);
    c.finish(new Error('disk full'));
    await expect(b).rejects.toThrow('disk full');
    await tick();
    expect(c.batches[2]).toEqual([4, 5]);
    c.finish();
    await expect(d).resolves.toBeUndefined();
  });

  it('refuses beyond maxQueued waiting items instead of growing without bound', async () => {
    const c = manualCommits();
    const g = new GroupCommit(c.commit, { maxBatch: 10, maxQueued: 3 });
    const inFlight = g.submit([1]);
    await tick();
    const waiting = g.submit([2, 3, 4]);
    await expect(g.submit([5])).rejects.toBeInstanceOf(GroupCommitFullError);
    c.finish();
    await inFlight;
    await tick();
    c.finish();
    await waiting;
    expect(c.batches).toEqual([[1], [2, 3, 4]]);
  });

  it('runs a caller that commits its own items at once when idle, and queues later submissions behind it', async () => {
    const c = manualCommits();
    const g = new GroupCommit(c.commit, { maxBatch: 10, maxQueued: 100 });
    let finishAlone: (v: string) => void = () => undefined;
    const alone = g.alone(1, () => new Promise<string>((r) => (finishAlone = r)));
    expect(alone).toBeDefined();
    await tick();
    // it holds the commit slot: nobody else may run alone, and submissions wait instead of committing beside it
    expect(g.alone(1, () => Promise.resolve('second'))).toBeUndefined();
    const settled: string[] = [];
    const later = [g.submit([2]), g.submit([3])].map((p, i) => p.then(() => settled.push(`submit ${i}`)));
    await tick();
    expect(c.batches).toEqual([]);
    finishAlone('found');
    await expect(alone).resolves.toBe('found');
    await tick();
    expect(c.batches).toEqual([[2, 3]]);
    expect(settled).toEqual([]);
    c.finish();
    await Promise.all(later);
    expect(g.stats).toEqual({ commits: 2, items: 3 });
    // idle again: the next lone caller runs at once
    await expect(g.alone(1, () => Promise.resolve('again'))).resolves.toBe('again');
  });

  it('is not run while a batch is in flight; a failed lone commit rejects only its caller and the queue drains', async () => {
    const c = manualCommits();
    const g = new GroupCommit(c.commit, { maxBatch: 10, maxQueued: 100 });
    const batch = g.submit([1]);
    await tick();
    expect(g.alone(1, () => Promise.resolve('never'))).toBeUndefined();
    c.finish();
    await batch;
    await tick();
    const failed = g.alone(1, () => Promise.reject(new Error('serialization failure')));
    const after = g.submit([2]);
    await expect(failed).rejects.toThrow('serialization failure');
    await tick();
    expect(c.batches).toEqual([[1], [2]]);
    c.finish();
    await expect(after).resolves.toBeUndefined();
    expect(g.stats).toEqual({ commits: 2, items: 2 });
  });
});
