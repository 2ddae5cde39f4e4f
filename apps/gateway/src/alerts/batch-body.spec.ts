// The batch body: a JSON array or NDJSON, split and validated alert by alert (a bad one fails alone, by index and
// field); only a body that is no batch at all, or one over the limit, fails as a whole.
import { NDJSON } from '@corridor/gateway-api';
import { ProblemException } from '@corridor/platform';
import { parseBatch } from './batch-body';

const alert = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
  category: 'BULLETIN',
  priority: 'ROUTINE',
  classification: 'GREEN',
  handling: 'H1',
  title: 'Departures from Zuwara',
  bulletin: { title: 't', summary: 's', body: 'b' },
  ...over,
});

function problemOf(f: () => unknown): { status: number; code?: string; limit?: number } {
  try {
    f();
  } catch (err) {
    if (err instanceof ProblemException) {
      return { status: err.problem.status, code: err.problem.code, limit: err.problem.limit };
    }
    throw err;
  }
  throw new Error('expected a problem');
}

describe('parseBatch', () => {
  it('validates each alert of a JSON array on its own, naming the index and the field of a bad one', () => {
    const items = parseBatch(
      JSON.stringify([alert(), alert({ classification: 'PURPLE' }), 'text', alert({ extra: 1 }), alert()]),
      'application/json',
      10,
    );
    expect(items.map((i) => ('dto' in i ? `${i.index}:ok` : `${i.index}:${i.invalid.field}`))).toEqual([
      '0:ok',
      '1:classification',
      '2:',
      '3:extra',
      '4:ok',
    ]);
    const bad = items[1];
    expect('invalid' in bad && bad.invalid).toMatchObject({
      index: 1,
      code: 'VALIDATION_FAILED',
      detail: expect.stringContaining('classification must be one of') as unknown,
    });
    expect('invalid' in items[2] && items[2].invalid.code).toBe('NOT_AN_OBJECT');
  });

  it('reads NDJSON line by line: a line that is not JSON fails alone, blank lines are skipped', () => {
    const body = [
      JSON.stringify(alert()),
      '{"category": "BULLETIN",',
      '',
      JSON.stringify(alert({ title: '' })),
      '',
    ].join('\n');
    const items = parseBatch(body, `${NDJSON}; charset=utf-8`, 10);
    expect(
      items.map((i) => ('dto' in i ? `${i.index}:ok` : `${i.index}:${i.invalid.code}:${i.invalid.field}`)),
    ).toEqual(['0:ok', '1:MALFORMED_JSON:', '2:VALIDATION_FAILED:title']);
  });

  it('refuses more alerts than the limit with 413 naming it, for both forms', () => {
    expect(
      problemOf(() => parseBatch(JSON.stringify([alert(), alert(), alert()]), 'application/json', 2)),
    ).toEqual({
      status: 413,
      code: 'BATCH_TOO_LARGE',
      limit: 2,
    });
    const lines = Array.from({ length: 3 }, () => JSON.stringify(alert())).join('\n');
    expect(problemOf(() => parseBatch(lines, NDJSON, 2))).toMatchObject({ status: 413, limit: 2 });
  });

  it('refuses a body that is no batch: not JSON (400), an object (422), empty (422)', () => {
    expect(problemOf(() => parseBatch('[{', 'application/json', 5))).toMatchObject({
      status: 400,
      code: 'MALFORMED_JSON',
    });
    expect(problemOf(() => parseBatch(JSON.stringify(alert()), 'application/json', 5))).toMatchObject({
      status: 422,
      code: 'NOT_A_BATCH',
    });
    expect(problemOf(() => parseBatch('[]', 'application/json', 5))).toMatchObject({
      status: 422,
      code: 'EMPTY_BATCH',
    });
    expect(problemOf(() => parseBatch('\n\n', NDJSON, 5))).toMatchObject({
      status: 422,
      code: 'EMPTY_BATCH',
    });
  });
});
