import { retryAfter } from './retry-policy';

describe('retryAfter', () => {
  it('backs off exponentially from 250 ms, at most 30 s', () => {
    expect(
      [1, 2, 3, 4, 8, 20].map((attempts) => retryAfter({ attempts, maxAttempts: 50, final: false })),
    ).toEqual([250, 500, 1000, 2000, 30_000, 30_000]);
  });

  it('gives up at the attempt bound, and at once on a final failure', () => {
    expect(retryAfter({ attempts: 8, maxAttempts: 8, final: false })).toBeUndefined();
    expect(retryAfter({ attempts: 7, maxAttempts: 8, final: false })).toBe(16_000);
    expect(retryAfter({ attempts: 1, maxAttempts: 8, final: true })).toBeUndefined();
  });
});
