// Reading the operator's JSON or YAML files (alerts, agreement terms, audit exports).
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { usageError } from './errors';
import { readTextFile } from './settings';

/** The parsed document of a .json, .yaml or .yml file; a parse failure is a usage error naming the file. */
export function readStructuredFile(file: string, flag: string): unknown {
  const text = readTextFile(file, flag);
  const ext = path.extname(file).toLowerCase();
  try {
    if (ext === '.yaml' || ext === '.yml') {
      return parseYaml(text) as unknown;
    }
    return JSON.parse(text) as unknown;
  } catch (err) {
    const what = ext === '.yaml' || ext === '.yml' ? 'YAML' : 'JSON';
    const why = err instanceof Error ? err.message.split('\n')[0] : 'parse error';
    throw usageError(`${file} is not valid ${what}: ${why}`, `fix the file given to ${flag}`);
  }
}

/** A plain object (not an array or a scalar), as a usage error otherwise. */
export function requireObject(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw usageError(`${what} must hold one object`, 'see the examples in corridor <verb> --help');
  }
  return value as Record<string, unknown>;
}
