// The switch of bench/lib/gateway-profiler.js: gateways started with it (CORRIDOR_BENCH_GATEWAY_NODE_OPTIONS=
// "--require <folder>/gateway-profiler.js") are profiled while <folder>/profiling exists, and write their profiles
// into <folder> when it goes.
import fs from 'node:fs';
import path from 'node:path';

/** Turns profiling on or off in `dir` (the benchmark's BENCH_*_PROFILE folder); nothing without one. */
export function setProfiling(dir: string | undefined, on: boolean): void {
  if (!dir) {
    return;
  }
  if (on) {
    fs.writeFileSync(path.join(dir, 'profiling'), '');
  } else {
    fs.rmSync(path.join(dir, 'profiling'), { force: true });
  }
}
