// Percentiles, tables and verdicts for the benchmark reports.

export interface LatencySummary {
  count: number;
  p50: number;
  p99: number;
  max: number;
}

/** Nearest-rank percentiles of a sample (milliseconds or anything else). */
export function summarize(samples: number[]): LatencySummary {
  if (samples.length === 0) {
    return { count: 0, p50: Number.NaN, p99: Number.NaN, max: Number.NaN };
  }
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
  return { count: sorted.length, p50: at(0.5), p99: at(0.99), max: sorted[sorted.length - 1] };
}

export function fixed(value: number, digits = 1): string {
  return Number.isFinite(value) ? value.toFixed(digits) : 'n/a';
}

/** Prints rows as aligned columns; numbers are right-aligned, text left-aligned. */
export function printTable({ headers, rows }: { headers: string[]; rows: (string | number)[][] }): void {
  const cells = [headers, ...rows.map((r) => r.map((c) => (typeof c === 'number' ? fixed(c) : c)))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const numeric = headers.map((_, i) => rows.every((r) => typeof r[i] === 'number'));
  const line = (r: string[]): string =>
    r
      .map((c, i) => (numeric[i] ? (c ?? '').padStart(widths[i]) : (c ?? '').padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  console.log(line(cells[0]));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of cells.slice(1)) {
    console.log(line(r));
  }
}

/** One goal line: `PASS`/`MISS`, what was measured, against what. */
export function verdict({ met, text }: { met: boolean; text: string }): string {
  return `${met ? 'PASS' : 'MISS'}  ${text}`;
}
