// npm test: the whole suite, as CI runs it. Static checks, unit tests, then e2e tests against the run's own
// Kafka broker, the machine's PostgreSQL and Debian's Chromium. Ends with one line "tests: N passed, N failed".
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ensureChromium } from './lib/chromium';
import { fetchKafka } from './lib/kafka-broker';
import { PrerequisiteError, requireJava, requireMaven, requirePostgres } from './lib/prereqs';

const root = path.join(__dirname, '..');
const bin = path.join(root, 'node_modules', '.bin');
const started = Date.now();
const log = (line: string): void =>
  console.log(`[test +${Math.round((Date.now() - started) / 1000)}s] ${line}`);

function run(step: string, command: string, args: string[]): boolean {
  log(`${step}…`);
  const r = spawnSync(command, args, {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}` },
  });
  if (r.status !== 0) {
    log(`${step} FAILED (exit ${r.status})`);
    return false;
  }
  return true;
}

interface JestSummary {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numTotalTestSuites: number;
  numFailedTestSuites: number;
  numRuntimeErrorTestSuites: number;
}

function jest(project: string, extra: string[]): { ok: boolean; summary?: JestSummary } {
  // Jest's results stay in the repository's ignored test-artifacts/, beside the logs and screenshots of the run.
  const out = path.join(root, 'test-artifacts', `jest-${project}.json`);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.rmSync(out, { force: true });
  const ok = run(`${project} tests`, 'jest', [
    '--selectProjects',
    project,
    '--json',
    `--outputFile=${out}`,
    ...extra,
  ]);
  const summary = fs.existsSync(out) ? (JSON.parse(fs.readFileSync(out, 'utf8')) as JestSummary) : undefined;
  return { ok, summary };
}

/** The web front end's specs (apps/web, Vitest with happy-dom); its JSON report has Jest's summary fields. */
function vitest(): { ok: boolean; summary?: JestSummary } {
  const out = path.join(root, 'test-artifacts', 'vitest-web.json');
  fs.rmSync(out, { force: true });
  const ok = run('web front-end unit tests', 'vitest', [
    'run',
    '--config',
    'apps/web/vite.config.mts',
    '--reporter=default',
    '--reporter=json',
    `--outputFile.json=${out}`,
  ]);
  const summary = fs.existsSync(out) ? (JSON.parse(fs.readFileSync(out, 'utf8')) as JestSummary) : undefined;
  return { ok, summary };
}

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  try {
    requireJava();
    requireMaven();
    await requirePostgres(process.env.DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
    fetchKafka(log);
    ensureChromium(log);
  } catch (err) {
    if (err instanceof PrerequisiteError) {
      console.error(`[test] ${err.message}`);
      process.exit(1);
    }
    throw err;
  }
  const failures: string[] = [];
  if (only.length === 0) {
    for (const [step, cmd, args] of [
      ['proto lint and generated code check', 'tsx', ['scripts/proto.ts', 'check']],
      ['type check', 'tsc', ['-p', 'tsconfig.json', '--noEmit']],
      ['type check of the web front end', 'tsc', ['-p', 'apps/web/tsconfig.json']],
      ['lint', 'eslint', ['.', '--max-warnings', '0']],
      ['format check', 'prettier', ['--check', '.', '--log-level', 'warn']],
      ['build', 'npm', ['run', '--silent', 'build']],
    ] as const) {
      if (!run(step, cmd, [...args])) {
        failures.push(step);
      }
    }
  }
  // A run of named files: those are usually e2e files, and no unit test matching them is not a failure.
  const unit = jest('unit', only.length ? ['--passWithNoTests', ...only] : only);
  const web = only.length === 0 ? vitest() : { ok: true };
  process.env.CORRIDOR_SKIP_BUILD = only.length === 0 && !failures.includes('build') ? '1' : '';
  const e2e = jest('e2e', ['--runInBand', ...only]);
  const passed =
    (unit.summary?.numPassedTests ?? 0) +
    (web.summary?.numPassedTests ?? 0) +
    (e2e.summary?.numPassedTests ?? 0);
  let failed =
    (unit.summary?.numFailedTests ?? 0) +
    (web.summary?.numFailedTests ?? 0) +
    (e2e.summary?.numFailedTests ?? 0);
  failed += (unit.summary?.numRuntimeErrorTestSuites ?? 0) + (e2e.summary?.numRuntimeErrorTestSuites ?? 0);
  if (!unit.ok) {
    failures.push('unit tests');
  }
  if (!web.ok) {
    failures.push('web front-end unit tests');
  }
  if (!e2e.ok) {
    failures.push('e2e tests');
  }
  log(
    `done in ${Math.round((Date.now() - started) / 1000)} s${failures.length ? `; failed: ${failures.join(', ')}` : ''}`,
  );
  if (failures.length && failed === 0) {
    failed = failures.length;
  }
  console.log(`tests: ${passed} passed, ${failed} failed`);
  process.exit(failures.length ? 1 : 0);
}

void main();
