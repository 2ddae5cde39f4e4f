import { InMemoryReplayGuard } from './replay-guard';

describe('InMemoryReplayGuard', () => {
  const t0 = Date.UTC(2026, 0, 1);

  it('remembers (sender, message id) pairs, not message ids alone', () => {
    const guard = new InMemoryReplayGuard({ windowMs: 60_000 });
    guard.remember('m-1', 'TN', t0, t0);
    expect(guard.seen('m-1', 'TN')).toBe(true);
    expect(guard.seen('m-1', 'IT')).toBe(false);
    expect(guard.seen('m-2', 'TN')).toBe(false);
  });

  it('forgets entries whose created-at left the window (those envelopes are STALE anyway)', () => {
    const guard = new InMemoryReplayGuard({ windowMs: 60_000 });
    guard.remember('old', 'TN', t0, t0);
    guard.remember('recent', 'TN', t0 + 50_000, t0 + 50_000);
    guard.prune(t0 + 60_001);
    expect(guard.seen('old', 'TN')).toBe(false);
    expect(guard.seen('recent', 'TN')).toBe(true);
  });

  it('prunes by itself as time passes, so memory follows the traffic of one window', () => {
    const guard = new InMemoryReplayGuard({ windowMs: 16_000 });
    for (let i = 0; i < 1000; i += 1) {
      const now = t0 + i * 1000;
      guard.remember(`m-${i}`, 'TN', now, now);
    }
    expect(guard.size).toBeLessThanOrEqual(18);
    expect(guard.seen('m-999', 'TN')).toBe(true);
  });

  it('never holds more than maxEntries', () => {
    const guard = new InMemoryReplayGuard({ windowMs: 3_600_000, maxEntries: 100 });
    for (let i = 0; i < 1000; i += 1) {
      guard.remember(`m-${i}`, 'TN', t0, t0);
    }
    expect(guard.size).toBeLessThanOrEqual(100);
    expect(guard.seen('m-999', 'TN')).toBe(true);
    expect(guard.seen('m-0', 'TN')).toBe(false);
  });
});
