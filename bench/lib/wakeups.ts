// Wake-ups per process group (voluntary context switches of all its threads, from /proc), and what one wake-up of a
// bare Node.js process costs on this machine. On these VMs a process that sleeps between events pays for every wake-up
// (measured: ~0.35 ms of CPU per wake-up at 5 ms sleeps, ~0.9 ms at 20 ms), so at 50 alerts/s the CPU per alert
// depends on how many times each alert wakes a process as much as on the work it does.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';

/** Voluntary context switches of all threads of `pid` (0 once it has gone). */
function voluntarySwitches(pid: number): number {
  try {
    return fs
      .readdirSync(`/proc/${pid}/task`)
      .map((tid) =>
        /voluntary_ctxt_switches:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/task/${tid}/status`, 'utf8')),
      )
      .reduce((a, m) => a + (m ? Number(m[1]) : 0), 0);
  } catch {
    return 0;
  }
}

/** Starts counting wake-ups per group; the returned function gives the counts since and the seconds elapsed. */
export function startWakeupCount(
  groups: () => Record<string, number[]>,
): () => { byGroup: Record<string, number>; seconds: number } {
  const before = new Map<number, number>();
  for (const pids of Object.values(groups())) {
    for (const pid of pids) {
      before.set(pid, voluntarySwitches(pid));
    }
  }
  const started = Date.now();
  return () => {
    const byGroup: Record<string, number> = {};
    for (const [g, pids] of Object.entries(groups())) {
      byGroup[g] = pids.reduce(
        (a, pid) => a + Math.max(0, voluntarySwitches(pid) - (before.get(pid) ?? 0)),
        0,
      );
    }
    return { byGroup, seconds: (Date.now() - started) / 1000 };
  };
}

/**
 * CPU (ms, from the scheduler's own run time of every thread) that a bare Node.js process spends per wake-up when
 * it sleeps `intervalMs` between `count` timer callbacks that do nothing: the price of one wake-up here.
 */
export function bareWakeupCpuMs({ intervalMs, count }: { intervalMs: number; count: number }): number {
  const script = `
    const fs = require('node:fs');
    const run = () => fs.readdirSync('/proc/self/task').reduce(
      (a, t) => a + Number(fs.readFileSync('/proc/self/task/' + t + '/schedstat', 'utf8').split(' ')[0]), 0);
    (async () => {
      for (let i = 0; i < 20; i++) await new Promise((r) => setTimeout(r, ${intervalMs}));
      const before = run();
      for (let i = 0; i < ${count}; i++) await new Promise((r) => setTimeout(r, ${intervalMs}));
      process.stdout.write(String((run() - before) / 1e6 / ${count}));
    })();`;
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
  const value = Number(r.stdout);
  if (r.status !== 0 || !Number.isFinite(value)) {
    throw new Error(`the wake-up probe failed (exit ${r.status}): ${r.stderr.trim()}`);
  }
  return value;
}
