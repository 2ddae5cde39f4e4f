import { SlidingWindowRateLimit } from './rate-limit';

const MINUTE = 60_000;

describe('SlidingWindowRateLimit', () => {
  let t: number;
  let limiter: SlidingWindowRateLimit;
  beforeEach(() => {
    t = 10 * MINUTE; // the start of a window
    limiter = new SlidingWindowRateLimit(() => t);
  });

  it('lets `limit` requests through in a window, refuses the next without counting it, per client', () => {
    for (let i = 1; i <= 5; i += 1) {
      expect(limiter.hit('a', MINUTE, 5)).toMatchObject({ isBlocked: false, totalHits: i });
    }
    const refused = limiter.hit('a', MINUTE, 5);
    expect(refused.isBlocked).toBe(true);
    expect(refused.timeToBlockExpire).toBe(60);
    expect(limiter.hit('a', MINUTE, 5).isBlocked).toBe(true);
    // another client is counted on its own
    expect(limiter.hit('b', MINUTE, 5)).toMatchObject({ isBlocked: false, totalHits: 1 });
  });

  it('slides: the previous window weighs in by its overlap, so a burst at a window edge cannot double the rate', () => {
    t += MINUTE - 1000; // the last second of a window
    for (let i = 0; i < 10; i += 1) {
      expect(limiter.hit('a', MINUTE, 10).isBlocked).toBe(false);
    }
    t += 2000; // one second into the next window: the 10 still count almost fully
    const refused = limiter.hit('a', MINUTE, 10);
    expect(refused.isBlocked).toBe(true);
    // ... until enough of the previous window has slid out: one request's worth is 1/10 of the window
    expect(refused.timeToBlockExpire).toBeGreaterThanOrEqual(5);
    expect(refused.timeToBlockExpire).toBeLessThanOrEqual(7);
    t += 6000;
    expect(limiter.hit('a', MINUTE, 10).isBlocked).toBe(false);
    expect(limiter.hit('a', MINUTE, 10).isBlocked).toBe(true);
    t += 23_000; // 30 s into the window: half of the previous 10 remain, plus the 1 of this window
    expect(limiter.hit('a', MINUTE, 10)).toMatchObject({ isBlocked: false, totalHits: 7 });
  });

  it('forgets a quiet client: after two windows it starts from zero, and memory holds only recent clients', () => {
    for (let i = 0; i < 3; i += 1) {
      limiter.hit(`client-${i}`, MINUTE, 1);
    }
    expect(limiter.hit('client-0', MINUTE, 1).isBlocked).toBe(true);
    t += 2 * MINUTE + 1;
    expect(limiter.hit('client-0', MINUTE, 1)).toMatchObject({ isBlocked: false, totalHits: 1 });
    expect(limiter.size).toBe(1);
  });

  it('keeps one counter per client, not one entry per request: a million a minute is no burden', async () => {
    for (let i = 0; i < 20_000; i += 1) {
      t += 3;
      expect((await limiter.increment('bulk', MINUTE, 1_000_000)).isBlocked).toBe(false);
    }
    expect(limiter.size).toBe(1);
    expect(limiter.hit('bulk', MINUTE, 1_000_000).totalHits).toBeGreaterThan(20_000);
  });
});
