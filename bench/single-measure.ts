/**
 * One measurement of the single-alert benchmark (bench/single.ts), run by `tsx` inside the tree it measures: it starts
 * that tree's own testbed (dist/, bench/lib), so a baseline commit is measured with its own harness. It imports only
 * what bench/lib has had since suite 1 (d879c35): the same file runs in the current tree and in the baseline worktree.
 * - Warm-up: 200 single-alert POST /v1/alerts at the load's rate, all delivered and receipted, then 5 s to settle.
 * - Idle: 5 s with the network up and no alerts (CPU per process group).
 * - Load: BENCH_SINGLE_ALERTS (1,000) ROUTE alerts LY -> IT, one recipient, one per request, at BENCH_SINGLE_RATE
 *   (50/s), counted from the first POST until every alert is in IT's inbox and DELIVERED at LY (IT's receipt back).
 * - Floor (BENCH_SINGLE_FLOOR=1, this tree only): BENCH_SINGLE_FLOOR_ALERTS (500) bare alerts at the same rate through
 *   the same broker and databases, the gateways idle (bench/lib/alert-floor.ts), with the same CPU accounting.
 * Writes its figures as JSON to BENCH_SINGLE_OUT. Run: BENCH_SINGLE_OUT=/tmp/x.json npx tsx bench/single-measure.ts
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import { exchangeTopic } from '@corridor/contracts';
import { runCleanups, onCleanup } from './lib/cleanup';
import { nowMs, progressLog, sleep } from './lib/clock';
import { startCpuCount } from './lib/cpu';
import type { CpuUsage } from './lib/cpu';
import { adminKafka } from './lib/kafka-bare';
import { BenchRun, onTestbed, processGroups, publishAlert, routeAlertBody } from './lib/testbed';
import { setProfiling } from './lib/profiling';
import { startWakeupCount } from './lib/wakeups';

const ALERTS = Number(process.env.BENCH_SINGLE_ALERTS ?? 1000);
const RATE = Number(process.env.BENCH_SINGLE_RATE ?? 50);
const WARMUP_ALERTS = 200;
/** alerts of the floor phase (BENCH_SINGLE_FLOOR=1) */
const FLOOR_ALERTS = Number(process.env.BENCH_SINGLE_FLOOR_ALERTS ?? 500);
const IDLE_MS = 5000;
const DRAIN_TIMEOUT_MS = 120_000;

/** What one measurement reports (read by bench/single.ts). */
export interface SingleMeasurement {
  commit: string;
  /** suite ids seen in the envelopes LY -> IT */
  suites: number[];
  alerts: number;
  accepted: number;
  failures: string[];
  delivered: number;
  receipted: number;
  /** first POST -> last alert receipted at LY */
  seconds: number;
  /** CPU ms per delivered alert above idle, per process group */
  perAlertMs: Record<string, number>;
  /** idle CPU, % of one core, per process group */
  idlePercent: Record<string, number>;
  /** wake-ups (voluntary context switches, all threads) per delivered alert above idle, per process group */
  wakeupsPerAlert: Record<string, number>;
  bodyBytes: number;
  /**
   * With BENCH_SINGLE_FLOOR=1 (bench/single.ts sets it for this tree's rounds only): CPU ms per alert above idle, per
   * process group, of the floor of the same path measured whole (bench/lib/alert-floor.ts), and how many alerts it ran.
   */
  floor?: { perAlertMs: Record<string, number>; alerts: number };
}

/** Reads a protobuf varint at `at`; returns the value and the next offset. */
function varint(buf: Buffer, at: number): [number, number] {
  let value = 0;
  let shift = 0;
  let i = at;
  for (;;) {
    const b = buf[i];
    i += 1;
    value += (b & 0x7f) * 2 ** shift;
    if ((b & 0x80) === 0) {
      return [value, i];
    }
    shift += 7;
  }
}

/** The fields of a protobuf message: field number -> the varint value or the bytes (the other wire types skipped). */
function protoFields(buf: Buffer): Map<number, number | Buffer> {
  const out = new Map<number, number | Buffer>();
  let i = 0;
  while (i < buf.length) {
    const [key, next] = varint(buf, i);
    i = next;
    const field = Math.floor(key / 8);
    switch (key & 7) {
      case 0: {
        const [v, n] = varint(buf, i);
        out.set(field, v);
        i = n;
        break;
      }
      case 2: {
        const [len, n] = varint(buf, i);
        out.set(field, buf.subarray(n, n + len));
        i = n + len;
        break;
      }
      case 1:
        i += 8;
        break;
      case 5:
        i += 4;
        break;
      default:
        return out;
    }
  }
  return out;
}

/** The suite of an Envelope's bytes: Envelope.header (1) is a serialized EnvelopeHeader whose suite is field 2. */
export function envelopeSuite(value: Buffer): number | undefined {
  const header = protoFields(value).get(1);
  if (!Buffer.isBuffer(header)) {
    return undefined;
  }
  const suite = protoFields(header).get(2);
  return typeof suite === 'number' ? suite : undefined;
}

/** Suite ids of the first `count` records on LY -> IT, read from the beginning of the topic. */
async function suitesOnWire({ bed }: BenchRun, count: number): Promise<number[]> {
  const kafka = adminKafka(bed.broker, 'bench-single-suite');
  const consumer = kafka.consumer({ groupId: `bench-single-suite-${Date.now()}` });
  const release = onCleanup('suite probe consumer', async () => consumer.disconnect());
  const seen = new Set<number>();
  let read = 0;
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [exchangeTopic('LY', 'IT', bed.topicPrefix)], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        read += 1;
        const suite = message.value ? envelopeSuite(message.value) : undefined;
        if (suite !== undefined) {
          seen.add(suite);
        }
      },
    });
    const deadline = Date.now() + 20_000;
    while (read < count && Date.now() < deadline) {
      await sleep(100);
    }
    return [...seen].sort();
  } finally {
    await release();
  }
}

async function receiptedAtLy(db: Client, ids: string[]): Promise<number> {
  const { rows } = await db.query<{ n: string }>(
    "select count(*) as n from outbox where kind = 'ALERT' and status = 'DELIVERED' and alert_id = any($1::uuid[])",
    [ids],
  );
  return Number(rows[0].n);
}

/** Publishes `count` alerts one per request at `rate`/s, then waits until IT has them all and LY has every receipt. */
async function publishPaced(
  { bed, clock, log }: BenchRun,
  { token, ly, count, rate, from }: { token: string; ly: Client; count: number; rate: number; from: number },
): Promise<{ ids: string[]; failures: string[]; delivered: number; receipted: number; seconds: number }> {
  const url = bed.net.gateways.LY.url;
  const first = nowMs();
  const failures: string[] = [];
  const ids: string[] = [];
  const pending: Promise<void>[] = [];
  for (let i = 0; i < count; i += 1) {
    const at = first + (i * 1000) / rate;
    const wait = at - nowMs();
    if (wait > 0) {
      await sleep(wait);
    }
    pending.push(
      publishAlert({ gatewayUrl: url, token, body: routeAlertBody(from + i) }).then(
        (o) => {
          if (o.alertId) {
            ids.push(o.alertId);
          } else {
            failures.push(`${o.status} ${o.detail ?? ''}`);
          }
        },
        (err: Error) => {
          failures.push(err.message);
        },
      ),
    );
  }
  await Promise.all(pending);
  const deadline = nowMs() + DRAIN_TIMEOUT_MS;
  let receipted = 0;
  let lastReport = nowMs();
  while (nowMs() < deadline) {
    receipted = await receiptedAtLy(ly, ids);
    if (receipted >= ids.length && clock.since(first).length >= ids.length) {
      break;
    }
    if (nowMs() - lastReport > 5000) {
      lastReport = nowMs();
      log(`  … ${clock.since(first).length} in IT's inbox, ${receipted} / ${ids.length} receipted at LY`);
    }
    await sleep(50);
  }
  return {
    ids,
    failures,
    delivered: clock.since(first).length,
    receipted,
    seconds: (nowMs() - first) / 1000,
  };
}

/**
 * With BENCH_SINGLE_PROFILE=<folder>, the file <folder>/profiling exists during the load: bench/lib/gateway-profiler.js
 * copied to that folder and loaded into the gateways (CORRIDOR_BENCH_GATEWAY_NODE_OPTIONS="--require <folder>/…")
 * profiles them while it exists and writes their profiles there when it goes.
 */
function profiling(on: boolean): void {
  setProfiling(process.env.BENCH_SINGLE_PROFILE, on);
}

/** CPU per alert above idle, per process group: `used` over a phase that handled `alerts`. */
function perAlert(used: CpuUsage, idle: CpuUsage, alerts: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const g of Object.keys(used.byGroup)) {
    out[g] = (((used.byGroup[g] - idle.byGroup[g]) / 100) * used.seconds * 1000) / alerts;
  }
  return out;
}

/**
 * The floor (bench/lib/alert-floor.ts) on this network's broker and databases, the gateways idle, at the load's rate.
 * Loaded only when asked for: the baseline worktree runs this file without that module.
 */
async function measureFloor(
  { bed, log }: BenchRun,
  idle: CpuUsage,
): Promise<{ perAlertMs: Record<string, number>; alerts: number }> {
  const { alertFloor } = await import('./lib/alert-floor');
  log(
    `floor: ${FLOOR_ALERTS} bare alerts at ${RATE}/s (HTTP POST, raw seal, durable insert, kafkajs, raw open, durable insert) …`,
  );
  let count: (() => CpuUsage) | undefined;
  let used: CpuUsage | undefined;
  const { received } = await alertFloor({
    broker: bed.broker,
    senderDatabaseUrl: bed.net.gateways.LY.databaseUrl,
    receiverDatabaseUrl: bed.net.gateways.IT.databaseUrl,
    count: FLOOR_ALERTS,
    ratePerSecond: RATE,
    log,
    body: Buffer.from(JSON.stringify(routeAlertBody(1))),
    measured: {
      start: () => {
        count = startCpuCount(processGroups(bed));
      },
      stop: () => {
        used = count?.();
      },
    },
  });
  if (!used) {
    throw new Error('floor: the measured phase did not run');
  }
  return { perAlertMs: perAlert(used, idle, received), alerts: received };
}

async function measure(runCtx: BenchRun, out: string): Promise<void> {
  const { bed, log } = runCtx;
  const token = bed.net.gateways.LY.token({ sub: 'agency.bench', roles: ['publisher'], agency: 'LY-BENCH' });
  const ly = new Client({ connectionString: bed.net.gateways.LY.databaseUrl });
  await ly.connect();
  try {
    log(`warm-up: ${WARMUP_ALERTS} single-alert POSTs at ${RATE}/s …`);
    const warm = await publishPaced(runCtx, { token, ly, count: WARMUP_ALERTS, rate: RATE, from: 0 });
    if (warm.receipted < WARMUP_ALERTS) {
      throw new Error(
        `warm-up: ${warm.ids.length} accepted, ${warm.receipted} receipted; first failure: ${warm.failures[0] ?? 'none'}`,
      );
    }
    await sleep(5000);
    log(`idle: ${IDLE_MS / 1000} s, no alerts …`);
    const idleCount = startCpuCount(processGroups(bed));
    const idleWakeups = startWakeupCount(processGroups(bed));
    await sleep(IDLE_MS);
    const idle = idleCount();
    const idleWoke = idleWakeups();

    log(`load: ${ALERTS} single-alert POSTs at ${RATE}/s, then until all are delivered and receipted …`);
    profiling(true);
    const count = startCpuCount(processGroups(bed));
    const wakeups = startWakeupCount(processGroups(bed));
    const load = await publishPaced(runCtx, { token, ly, count: ALERTS, rate: RATE, from: WARMUP_ALERTS });
    const cpu = count();
    const woke = wakeups();
    profiling(false);
    log(
      `  ${load.ids.length} accepted, ${load.delivered} in IT's inbox, ${load.receipted} receipted in ${load.seconds.toFixed(1)} s`,
    );
    const perAlertMs = perAlert(cpu, idle, load.delivered);
    const wakeupsPerAlert: Record<string, number> = {};
    for (const g of Object.keys(woke.byGroup)) {
      const idleRate = idleWoke.byGroup[g] / idleWoke.seconds;
      wakeupsPerAlert[g] = (woke.byGroup[g] - idleRate * woke.seconds) / load.delivered;
    }
    const floor = process.env.BENCH_SINGLE_FLOOR === '1' ? await measureFloor(runCtx, idle) : undefined;
    const result: SingleMeasurement = {
      commit: execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: path.join(__dirname, '..') })
        .toString()
        .trim(),
      suites: await suitesOnWire(runCtx, 20),
      alerts: ALERTS,
      accepted: load.ids.length,
      failures: load.failures.slice(0, 5),
      delivered: load.delivered,
      receipted: load.receipted,
      seconds: load.seconds,
      perAlertMs,
      idlePercent: idle.byGroup,
      wakeupsPerAlert,
      bodyBytes: Buffer.byteLength(JSON.stringify(routeAlertBody(1))),
      floor,
    };
    fs.writeFileSync(out, JSON.stringify(result));
  } finally {
    await ly.end();
  }
}

async function main(): Promise<void> {
  const out = process.env.BENCH_SINGLE_OUT;
  if (!out) {
    throw new Error('BENCH_SINGLE_OUT names the JSON file this measurement writes');
  }
  const log = progressLog('single');
  const stop = (): void => {
    void runCleanups(log).finally(() => process.exit(130));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  try {
    await onTestbed('single', log, (runCtx) => measure(runCtx, out));
  } finally {
    await runCleanups(log);
  }
}

if (require.main === module) {
  main().then(
    () => process.exit(0),
    (err: Error) => {
      console.error(err.stack ?? String(err));
      process.exit(1);
    },
  );
}
