import { freshRandomBytes, RANDOM_POOL_BYTES } from './random';

describe('freshRandomBytes (the seal randomness pool)', () => {
  it('gives the size asked; a pooled draw is a copy in memory of its own, not a view of the pool', () => {
    for (const size of [0, 1, 12, 32, 256, 257, 5000]) {
      expect(freshRandomBytes(size).length).toBe(size);
    }
    for (const size of [1, 12, 32, 256]) {
      const b = freshRandomBytes(size);
      expect(b.byteOffset).toBe(0);
      expect(b.buffer.byteLength).toBe(size);
    }
  });

  it('never hands the same bytes out twice, across refills of the pool', () => {
    const seen = new Set<string>();
    // 32-byte draws across more than three refills: a repeat would mean a reused or unwiped region
    for (let i = 0; i < (3 * RANDOM_POOL_BYTES) / 32 + 10; i++) {
      const hex = freshRandomBytes(32).toString('hex');
      expect(seen.has(hex)).toBe(false);
      seen.add(hex);
    }
  });

  it('looks random: about half the bits set over many draws, no all-zero draw', () => {
    let ones = 0;
    let bits = 0;
    for (let i = 0; i < 2000; i++) {
      const b = freshRandomBytes(12);
      expect(b.equals(Buffer.alloc(12))).toBe(false);
      for (const byte of b) {
        ones += byte.toString(2).replace(/0/g, '').length;
        bits += 8;
      }
    }
    expect(ones / bits).toBeGreaterThan(0.48);
    expect(ones / bits).toBeLessThan(0.52);
  });

  it('refuses a size that is not a non-negative integer', () => {
    expect(() => freshRandomBytes(-1)).toThrow(RangeError);
    expect(() => freshRandomBytes(1.5)).toThrow(RangeError);
  });
});
