// Size arithmetic without 32-bit bitwise operators, so trees past 2^31 leaves stay correct.

export function isTreeSize(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** Largest power of two strictly smaller than n (n >= 2), the RFC 9162 split point. */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) {
    k *= 2;
  }
  return k;
}

export function isPowerOfTwo(n: number): boolean {
  let p = 1;
  while (p < n) {
    p *= 2;
  }
  return p === n;
}

export function isOdd(n: number): boolean {
  return n % 2 === 1;
}

export function half(n: number): number {
  return Math.floor(n / 2);
}
