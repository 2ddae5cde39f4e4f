// CPU time per process group over a phase, from /proc (Linux): shows who used the 2 shared cores.
import fs from 'node:fs';

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

function processTicks(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0;
  }
}

/** pids of every process whose command name is `name` (e.g. postgres), whoever started it. */
export function pidsNamed(name: string): number[] {
  return fs
    .readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map(Number)
    .filter((pid) => {
      try {
        return fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === name;
      } catch {
        return false;
      }
    });
}

function machineTicks(): { busy: number; total: number } {
  const cpu = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const idle = cpu[3] + (cpu[4] ?? 0);
  const total = cpu.slice(0, 8).reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

export interface CpuUsage {
  /** group -> CPU used, in % of one core, over the phase */
  byGroup: Record<string, number>;
  /** the whole machine, in % of all cores (other users included) */
  machineBusyPercent: number;
  seconds: number;
}

/**
 * Starts counting; call the returned function at the end of the phase. Counted per process: one that started
 * during the phase counts from zero, one that ended during it (a database connection closed by its pool) is left
 * out rather than subtracted.
 */
export function startCpuCount(groups: () => Record<string, number[]>): () => CpuUsage {
  const before = new Map<number, number>();
  for (const pids of Object.values(groups())) {
    for (const pid of pids) {
      before.set(pid, processTicks(pid));
    }
  }
  const machineBefore = machineTicks();
  const started = Date.now();
  return () => {
    const seconds = (Date.now() - started) / 1000;
    const machineAfter = machineTicks();
    const byGroup: Record<string, number> = {};
    for (const [g, pids] of Object.entries(groups())) {
      const ticks = pids.reduce((a, pid) => a + Math.max(0, processTicks(pid) - (before.get(pid) ?? 0)), 0);
      byGroup[g] = (ticks / TICKS_PER_SECOND / seconds) * 100;
    }
    return {
      byGroup,
      machineBusyPercent:
        ((machineAfter.busy - machineBefore.busy) / (machineAfter.total - machineBefore.total)) * 100,
      seconds,
    };
  };
}
