import { mapInSlices } from './slices';

describe('mapInSlices', () => {
  it('maps every item in order, with its index', async () => {
    const items = Array.from({ length: 1000 }, (_, i) => i * 3);
    await expect(mapInSlices(items, (v, i) => v + i, 7)).resolves.toEqual(items.map((v, i) => v + i));
  });

  it('lets other callbacks run between slices, not inside one', async () => {
    const events: string[] = [];
    let pending = 0;
    // a callback queued now, as a request arriving during the pass would be
    const queueOther = (): void => {
      pending += 1;
      setImmediate(() => {
        pending -= 1;
        events.push('other');
      });
    };
    queueOther();
    await mapInSlices(
      Array.from({ length: 10 }, (_, i) => i),
      (i) => {
        events.push(`item ${i}`);
        if (i === 5) {
          queueOther();
        }
      },
      4,
    );
    expect(pending).toBe(0);
    expect(events).toEqual([
      'item 0',
      'item 1',
      'item 2',
      'item 3',
      'other',
      'item 4',
      'item 5',
      'item 6',
      'item 7',
      'other',
      'item 8',
      'item 9',
    ]);
  });

  it('holds the loop no longer than one slice: a timer due during a long pass fires between slices', async () => {
    let firedAt = -1;
    let done = 0;
    setTimeout(() => {
      firedAt = done;
    }, 0);
    const busy = (): void => {
      const until = Date.now() + 2;
      while (Date.now() < until) {
        // a leaf's worth of work, 2 ms here so the timer is due before the first slice ends
      }
      done += 1;
    };
    await mapInSlices(Array.from({ length: 12 }), busy, 3);
    expect(firedAt).toBeGreaterThanOrEqual(3);
    expect(firedAt).toBeLessThan(12);
    expect(firedAt % 3).toBe(0);
  });

  it('refuses a slice that is not a positive integer', async () => {
    await expect(mapInSlices([1], (v) => v, 0)).rejects.toThrow(RangeError);
  });
});
