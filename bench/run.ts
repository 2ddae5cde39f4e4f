/**
 * Benchmark runner: npm run bench -- <envelope|exchange|desk|audit|adversarial|bulk|auth|webapp|single|validation|all>
 * Builds dist/ first when a benchmark starts Corridor processes (set CORRIDOR_SKIP_BUILD=1 to reuse dist/),
 * prints the machine, runs the benchmarks one after the other and releases what they started, also on Ctrl-C.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { pendingCleanups, runCleanups } from './lib/cleanup';
import { describeMachine } from './lib/machine';
import { loadMlKemAccelerator } from '@corridor/envelope';
import { PrerequisiteError } from '../scripts/lib/prereqs';

interface Benchmark {
  /** starts Corridor processes from dist/ */
  needsBuild: boolean;
  load: () => Promise<{ run: () => Promise<void> }>;
}

const BENCHMARKS: Record<string, Benchmark> = {
  envelope: { needsBuild: false, load: () => import('./envelope') },
  exchange: { needsBuild: true, load: () => import('./exchange') },
  desk: { needsBuild: true, load: () => import('./desk') },
  // The audit benchmark runs the gateway's AuditLog from source (tsx): it needs no dist/.
  audit: { needsBuild: false, load: () => import('./audit') },
  adversarial: { needsBuild: true, load: () => import('./adversarial') },
  bulk: { needsBuild: true, load: () => import('./bulk') },
  auth: { needsBuild: false, load: () => import('./auth') },
  webapp: { needsBuild: true, load: () => import('./webapp') },
  // builds the baseline commit's dist/ in a worktree of its own, and this tree's dist/ as the others do
  single: { needsBuild: true, load: () => import('./single') },
  // class-validator against the compiled request check, in this process: no services, no dist/
  validation: { needsBuild: false, load: () => import('./validation') },
};

const ROOT = path.join(__dirname, '..');

function build(): void {
  if (process.env.CORRIDOR_SKIP_BUILD === '1') {
    console.log('[bench] CORRIDOR_SKIP_BUILD=1: using the existing dist/');
    return;
  }
  console.log('[bench] npm run build …');
  const r = spawnSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`[bench] the build failed (exit ${r.status}); fix it, then run the benchmark again`);
    process.exit(1);
  }
}

/** when the first signal arrived; tsx relays the terminal's Ctrl-C to this process, so it may come twice at once */
let interruptedAt: number | undefined;
function onSignal(signal: NodeJS.Signals): void {
  if (interruptedAt !== undefined) {
    if (Date.now() - interruptedAt < 3000) {
      return;
    }
    console.error(
      `[bench] ${signal} again: exiting without cleanup; left: ${pendingCleanups().join(', ') || 'nothing'}`,
    );
    process.exit(130);
  }
  interruptedAt = Date.now();
  console.error(
    `[bench] ${signal}: stopping what the benchmark started (a second Ctrl-C after 3 s leaves it) …`,
  );
  void runCleanups((line) => console.error(`[bench] ${line}`)).finally(() => process.exit(130));
}

async function main(): Promise<void> {
  const name = process.argv[2] ?? '';
  const names = name === 'all' ? Object.keys(BENCHMARKS) : [name];
  if (!names.every((n) => n in BENCHMARKS)) {
    console.error(`usage: npm run bench -- <${[...Object.keys(BENCHMARKS), 'all'].join('|')}>`);
    process.exit(2);
  }
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  console.log(`[bench] ${describeMachine()}`);
  // Raw ceilings measured in this process use the ML-KEM-768 engine the gateways run (liboqs WebAssembly, or noble
  // where it cannot load), so a ceiling is never the slower library.
  console.log(`[bench] ML-KEM-768 engine for raw ceilings: ${await loadMlKemAccelerator()}`);
  if (names.some((n) => BENCHMARKS[n].needsBuild)) {
    build();
  }
  let failed = 0;
  for (const n of names) {
    console.log(`\n[bench] ===== ${n} =====`);
    const started = Date.now();
    try {
      const { run } = await BENCHMARKS[n].load();
      await run();
    } catch (err) {
      failed += 1;
      console.error(
        `[bench] ${n} failed: ${err instanceof PrerequisiteError ? err.message : ((err as Error).stack ?? String(err))}`,
      );
    } finally {
      await runCleanups((line) => console.log(`[bench] ${line}`));
    }
    console.log(`[bench] ${n} took ${Math.round((Date.now() - started) / 1000)} s`);
  }
  // Sockets and timers of the clients used are closed, but a library may keep a handle: end explicitly.
  process.exit(failed > 0 ? 1 : 0);
}

void main();
