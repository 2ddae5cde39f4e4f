import { RateBuckets } from './rate-buckets';

describe('RateBuckets', () => {
  it('allows a burst, then refills at the rate, per key', () => {
    let now = 0;
    const b = new RateBuckets({ burst: 3, perSecond: 2 }, () => now);
    expect([b.take('LY'), b.take('LY'), b.take('LY'), b.take('LY')]).toEqual([true, true, true, false]);
    expect(b.take('NE')).toBe(true);
    now = 500;
    expect([b.take('LY'), b.take('LY')]).toEqual([true, false]);
    now = 60_000;
    expect([b.take('LY'), b.take('LY'), b.take('LY'), b.take('LY')]).toEqual([true, true, true, false]);
  });
});
