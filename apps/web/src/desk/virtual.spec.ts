import { describe, expect, it } from 'vitest';
import { scrollToShow, windowOf } from './virtual';

describe('virtualised list', () => {
  it('renders the rows in view and the overscan only, standing in for the others with space', () => {
    const w = windowOf({ scrollTop: 100_000, viewport: 600, rowHeight: 100, count: 10_000, overscan: 5 });
    expect(w).toEqual({ first: 995, last: 1011, before: 99_500, after: (10_000 - 1011) * 100 });
    expect(w.before + (w.last - w.first) * 100 + w.after).toBe(10_000 * 100);
  });

  it('clamps at both ends and with no rows', () => {
    expect(windowOf({ scrollTop: 0, viewport: 600, rowHeight: 100, count: 3, overscan: 5 })).toEqual({
      first: 0,
      last: 3,
      before: 0,
      after: 0,
    });
    expect(windowOf({ scrollTop: 0, viewport: 600, rowHeight: 100, count: 0, overscan: 5 }).last).toBe(0);
  });

  it('scrolls as little as needed to show a row', () => {
    expect(scrollToShow({ index: 2, scrollTop: 500, viewport: 400, rowHeight: 100 })).toBe(200);
    expect(scrollToShow({ index: 12, scrollTop: 500, viewport: 400, rowHeight: 100 })).toBe(900);
    expect(scrollToShow({ index: 6, scrollTop: 500, viewport: 400, rowHeight: 100 })).toBe(500);
  });
});
