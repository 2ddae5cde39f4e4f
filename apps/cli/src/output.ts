// What a verb prints on stdout: human lines, or one JSON document with the global --json.
import type { Command } from 'commander';

export interface Output {
  json: boolean;
  /** Human lines, or (with --json) the JSON document, never both. */
  result(human: string | string[], json: unknown): void;
  /** A line only for humans (skipped with --json). */
  line(text: string): void;
}

export function outputFor(command: Command): Output {
  const json = Boolean(command.optsWithGlobals<{ json?: boolean }>().json);
  return {
    json,
    result(human, doc) {
      if (json) {
        process.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
      } else {
        const lines = Array.isArray(human) ? human : [human];
        if (lines.length) {
          process.stdout.write(`${lines.join('\n')}\n`);
        }
      }
    },
    line(text) {
      if (!json) {
        process.stdout.write(`${text}\n`);
      }
    },
  };
}

/** A plain-text table with a header row; columns padded to their widest cell. */
export function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const fmt = (cells: string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [fmt(header), ...rows.map(fmt)];
}
