import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { create, EnvelopeHeaderSchema, EnvelopeSchema, MessageKind, toBinary } from '@corridor/contracts';
import { BASELINE, incompatibleDependencies, MEASURE_EXTRAS, satisfies } from './single';
import { envelopeSuite } from './single-measure';

describe('satisfies (the baseline dependency check)', () => {
  it.each([
    ['1.3.1', '^1.3.0', true],
    ['2.0.0', '^1.3.0', false],
    ['1.2.9', '^1.3.0', false],
    ['0.7.3', '^0.7.1', true],
    ['0.8.0', '^0.7.1', false],
    ['5.7.3', '~5.7.2', true],
    ['5.8.0', '~5.7.2', false],
    ['2.2.4', '2.2.4', true],
    ['2.2.5', '2.2.4', false],
    ['v20.20.2', '>=20.19', true],
    ['v20.18.0', '>=20.19', false],
  ])('%s in %s: %s', (version, range, expected) => {
    expect(satisfies(version, range)).toBe(expected);
  });

  it('leaves a range form it does not know unchecked', () => {
    expect(satisfies('1.0.0', '1.x || 2.x')).toBeUndefined();
  });
});

describe('incompatibleDependencies', () => {
  it('names a dependency that is missing and one installed outside its range', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'single-spec-'));
    try {
      fs.mkdirSync(path.join(dir, 'node_modules', 'present'), { recursive: true });
      fs.writeFileSync(path.join(dir, 'node_modules', 'present', 'package.json'), '{"version":"1.4.0"}');
      fs.writeFileSync(
        path.join(dir, 'package.json'),
        JSON.stringify({ dependencies: { present: '^1.2.0', absent: '^1.0.0' }, devDependencies: {} }),
      );
      expect(
        incompatibleDependencies(path.join(dir, 'package.json'), path.join(dir, 'node_modules')),
      ).toEqual(['absent (^1.0.0) is not installed']);
      fs.writeFileSync(path.join(dir, 'node_modules', 'present', 'package.json'), '{"version":"2.0.0"}');
      expect(
        incompatibleDependencies(path.join(dir, 'package.json'), path.join(dir, 'node_modules')),
      ).toEqual(['present 2.0.0 is outside ^1.2.0', 'absent (^1.0.0) is not installed']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('envelopeSuite', () => {
  it.each([1, 2, 300])('reads suite %i from the header of encoded envelope bytes', (suite) => {
    const header = create(EnvelopeHeaderSchema, {
      version: 1,
      suite,
      sender: 'LY',
      recipient: 'IT',
      messageId: '0190a0b0-0000-7000-8000-000000000000',
      createdAtMs: 1735000000000n,
      kind: MessageKind.ALERT,
    });
    const bytes = toBinary(
      EnvelopeSchema,
      create(EnvelopeSchema, {
        header: toBinary(EnvelopeHeaderSchema, header),
        wrappedKey: new Uint8Array(1120).fill(7),
        nonce: new Uint8Array(12),
        ciphertext: new Uint8Array(900).fill(1),
        signature: new Uint8Array(64).fill(2),
      }),
    );
    expect(envelopeSuite(Buffer.from(bytes))).toBe(suite);
  });

  it('is undefined for bytes without a header', () => {
    expect(envelopeSuite(Buffer.alloc(0))).toBeUndefined();
  });
});

describe('the measurement script runs in the baseline tree', () => {
  it('imports only bench/lib files the baseline commit has, or ones copied beside it (node: imports only)', () => {
    const root = path.join(__dirname, '..');
    const source = fs.readFileSync(path.join(root, 'bench', 'single-measure.ts'), 'utf8');
    const local = [...source.matchAll(/from '\.\/(lib\/[\w-]+)'/g)].map((m) =>
      path.join('bench', `${m[1]}.ts`),
    );
    expect(local.length).toBeGreaterThan(0);
    for (const file of local) {
      const inBaseline =
        spawnSync('git', ['cat-file', '-e', `${BASELINE}:${file}`], { cwd: root }).status === 0;
      expect({ file, available: inBaseline || MEASURE_EXTRAS.includes(file) }).toEqual({
        file,
        available: true,
      });
    }
    for (const extra of MEASURE_EXTRAS) {
      const imports = [...fs.readFileSync(path.join(root, extra), 'utf8').matchAll(/from '([^']+)'/g)].map(
        (m) => m[1],
      );
      expect(imports.filter((i) => !i.startsWith('node:'))).toEqual([]);
    }
  });
});
