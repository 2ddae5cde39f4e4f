/**
 * Single-alert benchmark (issue #19): CPU per delivered alert on the single-alert POST path, for each process, on a
 * baseline commit and on this tree, measured in the same run.
 * - The baseline (BENCH_BASELINE_COMMIT, default d879c35: the commit before the #19 work, suite 1) is checked out
 *   into a temporary git worktree that reuses this tree's node_modules (a symlink, after checking that every
 *   dependency the baseline declares is satisfied by what is installed) and gets its own dist/.
 * - Each measurement is bench/single-measure.ts run inside its tree, so each network is started by that tree's own
 *   testbed: its own Kafka broker, secretariat, gateways LY and IT, from that tree's dist/.
 * - Rounds alternate baseline, current (BENCH_SINGLE_ROUNDS pairs, default 2), to show the noise.
 * - The current rounds also measure the path's floor on their network (bench/lib/alert-floor.ts: the same parts with
 *   nothing of Corridor between them), printed against the goal's budget.
 * Goal (issue #19): CPU per delivered alert, all processes, current <= 0.5 x baseline.
 * Run: npm run bench -- single
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { onCleanup } from './lib/cleanup';
import { progressLog } from './lib/clock';
import { fixed, printTable, verdict } from './lib/stats';
import { bareWakeupCpuMs } from './lib/wakeups';
import type { SingleMeasurement } from './single-measure';

const ROOT = path.join(__dirname, '..');
export const BASELINE = process.env.BENCH_BASELINE_COMMIT ?? 'd879c35';
const ROUNDS = Number(process.env.BENCH_SINGLE_ROUNDS ?? 2);
/** alerts per second, as bench/single-measure.ts reads it */
const RATE = Number(process.env.BENCH_SINGLE_RATE ?? 50);
const GOAL_RATIO = 0.5;
const MEASURE_SCRIPT = path.join('bench', 'single-measure.ts');
/** bench/lib files the measurement script imports that the baseline commit does not have. */
export const MEASURE_EXTRAS = [
  path.join('bench', 'lib', 'profiling.ts'),
  path.join('bench', 'lib', 'wakeups.ts'),
];

function git(args: string[], cwd = ROOT): string {
  const r = spawnSync('git', args, { cwd, encoding: 'utf8' });
  if (r.status !== 0) {
    throw new Error(`git ${args.join(' ')} failed: ${r.stderr.trim()}`);
  }
  return r.stdout.trim();
}

interface PackageJson {
  engines?: { node?: string };
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

/** x.y.z as numbers (a pre-release tag ignored). */
function parseVersion(v: string): [number, number, number] | undefined {
  const m = /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?/.exec(v.trim());
  return m ? [Number(m[1]), Number(m[2] ?? 0), Number(m[3] ?? 0)] : undefined;
}

function compare(a: [number, number, number], b: [number, number, number]): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

/**
 * Whether `version` satisfies `range` for the forms package.json uses here (^, ~, >=, exact); undefined for any
 * other form (not checked). semver is not a declared dependency, so this is the small subset the check needs.
 */
export function satisfies(version: string, range: string): boolean | undefined {
  const v = parseVersion(version);
  const m = /^(\^|~|>=)?\s*(\d+(?:\.\d+){0,2})$/.exec(range.trim());
  const r = m ? parseVersion(m[2]) : undefined;
  if (!v || !m || !r) {
    return undefined;
  }
  switch (m[1]) {
    case '>=':
      return compare(v, r) >= 0;
    case '^': {
      // ^1.2.3: <2.0.0; ^0.2.3: <0.3.0; ^0.0.3: exactly 0.0.3
      const upper: [number, number, number] =
        r[0] > 0 ? [r[0] + 1, 0, 0] : r[1] > 0 ? [0, r[1] + 1, 0] : [0, 0, r[2] + 1];
      return compare(v, r) >= 0 && compare(v, upper) < 0;
    }
    case '~':
      return compare(v, r) >= 0 && compare(v, [r[0], r[1] + 1, 0]) < 0;
    default:
      return compare(v, r) === 0;
  }
}

/**
 * Why this tree's node_modules cannot serve the package.json at `pkgPath`: each dependency not installed or
 * installed at a version outside the declared range, and a Node.js outside its engines. Empty when it can.
 */
export function incompatibleDependencies(pkgPath: string, nodeModules: string): string[] {
  const pkg = JSON.parse(fs.readFileSync(pkgPath, 'utf8')) as PackageJson;
  const problems: string[] = [];
  const node = pkg.engines?.node;
  if (node && satisfies(process.version, node) === false) {
    problems.push(`Node.js ${process.version} is outside engines.node ${node}`);
  }
  for (const [name, range] of Object.entries({ ...pkg.dependencies, ...pkg.devDependencies })) {
    const installed = path.join(nodeModules, name, 'package.json');
    if (!fs.existsSync(installed)) {
      problems.push(`${name} (${range}) is not installed`);
      continue;
    }
    const { version } = JSON.parse(fs.readFileSync(installed, 'utf8')) as { version: string };
    if (satisfies(version, range) === false) {
      problems.push(`${name} ${version} is outside ${range}`);
    }
  }
  return problems;
}

/** Checks the baseline out into a temporary worktree with this tree's node_modules and builds its dist/. */
function prepareBaseline(log: (line: string) => void): string {
  const commit = git(['rev-parse', '--verify', `${BASELINE}^{commit}`]);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'corridor-baseline-'));
  log(`baseline ${BASELINE} (${commit.slice(0, 12)}): git worktree in ${dir} …`);
  git(['worktree', 'add', '--detach', dir, commit]);
  onCleanup(`baseline worktree ${dir}`, async () => {
    git(['worktree', 'remove', '--force', dir]);
    git(['worktree', 'prune']);
    fs.rmSync(dir, { recursive: true, force: true });
    log(`baseline worktree ${dir} removed`);
  });
  const problems = incompatibleDependencies(path.join(dir, 'package.json'), path.join(ROOT, 'node_modules'));
  if (problems.length > 0) {
    throw new Error(
      `this tree's node_modules cannot serve the baseline ${BASELINE}: ${problems.join('; ')} (install its own in ${dir})`,
    );
  }
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
  log(
    "baseline: every dependency it declares is satisfied by this tree's node_modules (symlinked); npm run build …",
  );
  const r = spawnSync('npm', ['run', '--silent', 'build'], { cwd: dir, stdio: 'inherit' });
  if (r.status !== 0) {
    throw new Error(`the baseline's build failed (exit ${r.status})`);
  }
  // The same measurement script in both trees: it uses what the baseline's bench/lib already has, plus the files
  // named here (newer than the baseline, and free of imports from the rest of the tree), copied beside it.
  for (const file of [MEASURE_SCRIPT, ...MEASURE_EXTRAS]) {
    fs.copyFileSync(path.join(ROOT, file), path.join(dir, file));
  }
  return dir;
}

/** Runs bench/single-measure.ts inside `tree` and returns what it wrote. */
async function measureIn(
  tree: string,
  label: string,
  log: (line: string) => void,
): Promise<SingleMeasurement> {
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'corridor-single-')), 'result.json');
  log(`${label}: measuring in ${tree} …`);
  const child = spawn(path.join(ROOT, 'node_modules', '.bin', 'tsx'), [MEASURE_SCRIPT], {
    cwd: tree,
    // The floor is this machine's, not a tree's: measured in this tree's rounds only.
    env: { ...process.env, BENCH_SINGLE_OUT: out, BENCH_SINGLE_FLOOR: tree === ROOT ? '1' : '0' },
    stdio: 'inherit',
  });
  // On Ctrl-C the child releases its own network; this waits for it.
  const release = onCleanup(`${label} measurement`, async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    }
  });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  await release();
  if (code !== 0 || !fs.existsSync(out)) {
    throw new Error(`${label}: the measurement failed (exit ${code})`);
  }
  const result = JSON.parse(fs.readFileSync(out, 'utf8')) as SingleMeasurement;
  fs.rmSync(path.dirname(out), { recursive: true, force: true });
  return result;
}

/** CPU ms per alert, all process groups together (a round's, or a floor's). */
function total(m: Pick<SingleMeasurement, 'perAlertMs'>): number {
  return Object.values(m.perAlertMs).reduce((a, b) => a + b, 0);
}

function mean(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

export async function run(): Promise<void> {
  const log = progressLog('single');
  log(
    `goal: CPU per delivered alert on the single-alert path, all processes, current <= ${GOAL_RATIO} x baseline ${BASELINE}`,
  );
  const baselineTree = prepareBaseline(log);
  const runs: { label: 'baseline' | 'current'; m: SingleMeasurement }[] = [];
  for (let round = 1; round <= ROUNDS; round += 1) {
    for (const [label, tree] of [
      ['baseline', baselineTree],
      ['current', ROOT],
    ] as const) {
      const m = await measureIn(tree, `round ${round} ${label}`, log);
      log(
        `round ${round} ${label} (${m.commit}, suite ${m.suites.join('+')}): ${fixed(total(m), 2)} ms CPU per delivered alert`,
      );
      runs.push({ label, m });
    }
  }
  const of = (label: string) => runs.filter((r) => r.label === label).map((r) => r.m);
  const base = of('baseline');
  const curr = of('current');
  const groups = Object.keys(base[0].perAlertMs);
  /** the mean, and each round's value when there are several */
  const meanOf = (vals: number[]): string =>
    `${fixed(mean(vals), 2)}${vals.length > 1 ? ` (${vals.map((v) => fixed(v, 2)).join(', ')})` : ''}`;
  const cell = (ms: SingleMeasurement[], g: string | undefined): string =>
    meanOf(ms.map((m) => (g === undefined ? total(m) : m.perAlertMs[g])));
  const ratio = (g: string | undefined): string => {
    const b = mean(base.map((m) => (g === undefined ? total(m) : m.perAlertMs[g])));
    const c = mean(curr.map((m) => (g === undefined ? total(m) : m.perAlertMs[g])));
    return fixed(c / b, 2);
  };
  console.log('');
  console.log(
    `Single-alert POST /v1/alerts LY -> IT, ${base[0].alerts} ROUTE alerts at ${RATE}/s, ` +
      `one recipient; each network its own broker, secretariat and two gateways on this machine; ${ROUNDS} rounds, ` +
      'baseline first in each',
  );
  printTable({
    headers: ['', 'baseline', 'current'],
    rows: [
      ['commit', base[0].commit, curr[0].commit],
      [
        'suite on the wire LY -> IT',
        base.map((m) => m.suites.join('+')).join(', '),
        curr.map((m) => m.suites.join('+')).join(', '),
      ],
      ['request body (B)', String(base[0].bodyBytes), String(curr[0].bodyBytes)],
      [
        'accepted / delivered / receipted',
        base.map((m) => `${m.accepted}/${m.delivered}/${m.receipted}`).join(', '),
        curr.map((m) => `${m.accepted}/${m.delivered}/${m.receipted}`).join(', '),
      ],
      [
        'first POST -> last receipt (s)',
        base.map((m) => fixed(m.seconds, 1)).join(', '),
        curr.map((m) => fixed(m.seconds, 1)).join(', '),
      ],
    ],
  });
  console.log('');
  printTable({
    headers: [
      'CPU ms per delivered alert above idle: mean (each round)',
      'baseline',
      'current',
      'current / baseline',
    ],
    rows: [
      ...groups.map((g) => [g, cell(base, g), cell(curr, g), ratio(g)]),
      ['all processes', cell(base, undefined), cell(curr, undefined), ratio(undefined)],
    ],
  });
  // Where the CPU goes at 50/s on these VMs: how often each alert wakes a process, and what a wake-up costs here.
  const wakeCell = (ms: SingleMeasurement[], g: string | undefined): string =>
    fixed(
      mean(
        ms.map((m) =>
          g === undefined
            ? Object.values(m.wakeupsPerAlert).reduce((a, b) => a + b, 0)
            : (m.wakeupsPerAlert[g] ?? NaN),
        ),
      ),
      1,
    );
  console.log('');
  printTable({
    headers: [
      'wake-ups per delivered alert above idle (voluntary context switches, all threads)',
      'baseline',
      'current',
    ],
    rows: [
      ...groups.map((g) => [g, wakeCell(base, g), wakeCell(curr, g)]),
      ['all processes', wakeCell(base, undefined), wakeCell(curr, undefined)],
    ],
  });
  const interval = 1000 / RATE;
  const perWakeup = bareWakeupCpuMs({ intervalMs: interval, count: 200 });
  console.log(
    `a bare Node.js process waking every ${fixed(interval, 0)} ms and doing nothing, this run: ` +
      `${fixed(perWakeup, 3)} ms of CPU per wake-up (its threads' scheduler run time)`,
  );
  const floors = curr.flatMap((m) => (m.floor ? [m.floor] : []));
  if (floors.length > 0) {
    // What no implementation of this path avoids on this machine, measured whole in the current rounds, against the
    // goal's budget: everything Corridor adds (HTTP, receipts, log leaves, policy, validation, the framework) must
    // fit between the two.
    const floorTotals = floors.map(total);
    const floorTotal = mean(floorTotals);
    const baseTotal = mean(base.map(total));
    const budget = GOAL_RATIO * baseTotal;
    console.log('');
    console.log(
      `floor, measured whole in the current rounds: ${floors[0].alerts} bare alerts at ${RATE}/s through the same ` +
        'broker and databases, the gateways idle: a bare HTTP POST, a raw suite 2 seal, a durable insert, a bare ' +
        'kafkajs produce and consume, a raw open, a durable insert (bench/lib/alert-floor.ts; no receipt, no log leaves)',
    );
    printTable({
      headers: ['floor: CPU ms per alert above idle: mean (each round)', 'floor'],
      rows: [
        ...groups.map((g) => [g, meanOf(floors.map((f) => f.perAlertMs[g]))]),
        ['all processes', meanOf(floorTotals)],
      ],
    });
    console.log(
      `floor = ${fixed(floorTotal / baseTotal, 2)} x baseline; the goal (${GOAL_RATIO} x baseline = ${fixed(budget, 2)} ms) ` +
        `leaves ${fixed(budget - floorTotal, 2)} ms per alert above the floor for everything else; current uses ` +
        `${fixed(mean(curr.map(total)) - floorTotal, 2)} ms above it`,
    );
  }
  const failures = [...base, ...curr].flatMap((m) => m.failures);
  const incomplete = [...base, ...curr].some((m) => m.receipted < m.alerts || m.delivered < m.alerts);
  console.log('');
  const r = mean(curr.map(total)) / mean(base.map(total));
  console.log(
    verdict({
      met: r <= GOAL_RATIO && failures.length === 0 && !incomplete,
      text:
        `CPU per delivered alert, all processes: current / baseline = ${fixed(r, 2)} (goal <= ${GOAL_RATIO})` +
        (failures.length > 0 ? `; failed requests, e.g. ${failures[0]}` : '') +
        (incomplete ? '; not every alert was delivered and receipted' : ''),
    }),
  );
}
