// Event-loop delay and garbage collection of the gateways over a phase, read from their own /metrics (prom-client
// default metrics): where a latency tail comes from when it is not CPU or I/O. prom-client resets its event-loop
// delay histogram at every scrape, so a scrape at the start of a phase opens a fresh window; GC time is a counter.
import { EVENT_LOOP_SAMPLE_MS } from '../../apps/gateway/src/health/metrics';
import type { Testbed } from './testbed';

export interface RuntimeUsage {
  /**
   * gateway -> event-loop delay over the phase: p99 and max, ms. The gateways sample it every EVENT_LOOP_SAMPLE_MS
   * (100 ms) and record the interval between samples: the interval is subtracted, leaving how late a sample ran.
   */
  loopDelayMs: Record<string, { p99: number; max: number }>;
  /** gateway -> GC pause time over the phase by kind (minor, major, incremental, weakcb), ms */
  gcMs: Record<string, Record<string, number>>;
}

interface Scrape {
  loopP99: number;
  loopMax: number;
  gcSeconds: Record<string, number>;
}

function parse(text: string): Scrape {
  const value = (name: string): number => {
    const line = text.split('\n').find((l) => l.startsWith(`${name} `));
    return line ? Number(line.split(' ')[1]) : Number.NaN;
  };
  const gcSeconds: Record<string, number> = {};
  for (const m of text.matchAll(
    /^corridor_process_nodejs_gc_duration_seconds_sum\{kind="(\w+)"\} (\S+)$/gm,
  )) {
    gcSeconds[m[1]] = Number(m[2]);
  }
  return {
    loopP99: value('corridor_process_nodejs_eventloop_lag_p99_seconds'),
    loopMax: value('corridor_process_nodejs_eventloop_lag_max_seconds'),
    gcSeconds,
  };
}

async function scrape(bed: Testbed, country: 'LY' | 'IT'): Promise<Scrape> {
  const g = bed.net.gateways[country];
  const res = await fetch(`${g.url}/metrics`, {
    headers: { authorization: `Bearer ${g.token({ sub: 'bench-metrics', roles: ['admin'] })}` },
  });
  if (!res.ok) {
    throw new Error(`GET /metrics at ${country}: HTTP ${res.status}`);
  }
  return parse(await res.text());
}

const GATEWAYS = ['LY', 'IT'] as const;

/** Opens a window (resets the event-loop histograms); call the returned function at the end of the phase. */
export async function startRuntimeCount(bed: Testbed): Promise<() => Promise<RuntimeUsage>> {
  const before = await Promise.all(GATEWAYS.map((c) => scrape(bed, c)));
  return async () => {
    const after = await Promise.all(GATEWAYS.map((c) => scrape(bed, c)));
    const usage: RuntimeUsage = { loopDelayMs: {}, gcMs: {} };
    GATEWAYS.forEach((country, i) => {
      const name = `gateway ${country}`;
      usage.loopDelayMs[name] = {
        p99: Math.max(0, after[i].loopP99 * 1000 - EVENT_LOOP_SAMPLE_MS),
        max: Math.max(0, after[i].loopMax * 1000 - EVENT_LOOP_SAMPLE_MS),
      };
      usage.gcMs[name] = Object.fromEntries(
        Object.entries(after[i].gcSeconds).map(([kind, s]) => [
          kind,
          (s - (before[i].gcSeconds[kind] ?? 0)) * 1000,
        ]),
      );
    });
    return usage;
  };
}
