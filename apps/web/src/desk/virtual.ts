// A virtualised list of rows of one fixed height: only the rows in view (and a few around them) are in the DOM, so
// a feed of 10,000 items scrolls and updates without long tasks. Pure arithmetic, no DOM.

export interface ListWindow {
  /** index of the first row rendered */
  first: number;
  /** one past the last row rendered */
  last: number;
  /** height of the space standing for the rows above and below */
  before: number;
  after: number;
}

export function windowOf(opts: {
  scrollTop: number;
  viewport: number;
  rowHeight: number;
  count: number;
  overscan: number;
}): ListWindow {
  const { scrollTop, viewport, rowHeight, count, overscan } = opts;
  const first = Math.max(0, Math.min(count, Math.floor(scrollTop / rowHeight) - overscan));
  const last = Math.max(first, Math.min(count, Math.ceil((scrollTop + viewport) / rowHeight) + overscan));
  return { first, last, before: first * rowHeight, after: (count - last) * rowHeight };
}

/** The scroll position that brings row `index` fully into view, changing it as little as possible. */
export function scrollToShow(opts: {
  index: number;
  scrollTop: number;
  viewport: number;
  rowHeight: number;
}): number {
  const { index, scrollTop, viewport, rowHeight } = opts;
  const top = index * rowHeight;
  if (top < scrollTop) {
    return top;
  }
  if (top + rowHeight > scrollTop + viewport) {
    return top + rowHeight - viewport;
  }
  return scrollTop;
}
