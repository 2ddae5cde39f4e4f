// Reading a file of many alerts: one per non-blank line of .ndjson (a bad line keeps its index and is reported, not
// sent), or the items of a JSON/YAML array; a single object is not a batch.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readAlerts } from './alert-batch';

describe('readAlerts', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'corridor-cli-batch-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, text: string): string => {
    const p = path.join(dir, name);
    fs.writeFileSync(p, text);
    return p;
  };

  it('reads NDJSON line by line, keeping a malformed line in its place', () => {
    const alerts = readAlerts(file('a.ndjson', '{"title":"a"}\n\n{"title":\n{"title":"c"}\n'), '--file');
    expect(alerts).toEqual([
      { index: 0, value: { title: 'a' } },
      { index: 1, malformed: expect.stringMatching(/^line 2 is not valid JSON/) as unknown },
      { index: 2, value: { title: 'c' } },
    ]);
  });

  it('reads the items of a JSON or YAML array, and leaves a single object to the one-alert path', () => {
    expect(readAlerts(file('b.json', '[{"title":"a"},{"title":"b"}]'), '--file')).toEqual([
      { index: 0, value: { title: 'a' } },
      { index: 1, value: { title: 'b' } },
    ]);
    expect(readAlerts(file('c.yaml', '- title: a\n- title: b\n'), '--file')).toHaveLength(2);
    expect(readAlerts(file('d.json', '{"title":"a"}'), '--file')).toBeUndefined();
  });
});
