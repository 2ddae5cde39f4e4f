import { setImmediate as turn } from 'node:timers/promises';

/** Items handled between two turns of the event loop by mapInSlices, unless the caller says otherwise. */
export const SLICE_ITEMS = 128;

/**
 * Maps `items` with `fn`, letting the event loop turn after every `slice` items. A pass over thousands of rows (the
 * exchange log's leaves when a tree head is due, a page of them served to the auditor) would otherwise hold every
 * request that arrives meanwhile behind it: one at a time, those requests wait a slice, not the whole pass.
 */
export async function mapInSlices<T, R>(
  items: readonly T[],
  fn: (item: T, index: number) => R,
  slice = SLICE_ITEMS,
): Promise<R[]> {
  if (!Number.isInteger(slice) || slice < 1) {
    throw new RangeError(`slice must be a positive integer, not ${slice}`);
  }
  const out: R[] = new Array<R>(items.length);
  for (let i = 0; i < items.length; i++) {
    if (i > 0 && i % slice === 0) {
      await turn();
    }
    out[i] = fn(items[i], i);
  }
  return out;
}
