/**
 * Exchange benchmark: two gateways on this machine, a real Kafka broker and PostgreSQL.
 * - Warm-up: 400 alerts at 100/s through the whole path (connections, consumer group, V8's compiled code), then
 *   5 s to settle, then 5 s idle to measure what the network costs doing nothing.
 * - Baseline: bare kafkajs produce->consume round trip (idempotent, acks=all) with messages the size of a sealed
 *   Corridor envelope, 500 at 50/s, over mutual TLS 1.3 (as Corridor) and over the benchmark broker's PLAINTEXT
 *   listener: the cost of TLS as a ratio (p50, p99, CPU per message of the client and the broker).
 * - Corridor: POST /v1/alerts at LY -> row committed in IT's inbox (heard via LISTEN corridor_desk), 50 at 5/s
 *   (the path without queueing) then 500 at 50/s, each with a per-stage breakdown from the gateways' rows, and
 *   POST at LY -> the item on one officer's desk at IT (socket.io /desk), goal p99 <= 60 ms at 50/s.
 * - Paired rounds: BENCH_EXCHANGE_PAIRS (2) more pairs of a bare kafkajs round and a Corridor round at 50/s; the p50
 *   goal is judged on the median ratio of all pairs (the first pair is the baseline and 50/s round above), since the
 *   machine's speed moves between rounds; the two p99 goals on the alerts of all rounds at 50/s pooled (1,500: the
 *   p99 of one round of 500 is its fifth slowest alert). The stage breakdown and CPU are the first round's.
 * - Sustained: 8 concurrent publishers for 15 s (at most 4,000 alerts), alerts/s delivered into IT's inbox,
 *   against the envelope crypto ceiling (seal + open on one core, raw node:crypto) measured twice in the same run
 *   (on the quiet network and before the sustained phase), the higher one used.
 * - CPU per process group when idle and in each phase, and the CPU one alert costs above idle: where the two
 *   shared cores go.
 * - Suites: the whole measurement once per suite, each on its own testbed whose gateways open that suite only (suite 2
 *   checked on the wire), against the raw ceiling of that suite's primitives; a table compares them at the end.
 * Goals: p50 <= 3 x bare Kafka p50; p99 <= 50 ms at 50 alerts/s; sustained >= 80 % of the crypto ceiling.
 * Run: npm run bench -- exchange [--suites 2,1]   (default both, suite 2 first)
 * Profiles: BENCH_EXCHANGE_PROFILE=<folder> with CORRIDOR_BENCH_GATEWAY_NODE_OPTIONS="--require <folder>/gateway-profiler.js"
 *   (a copy of bench/lib/gateway-profiler.js): the gateways' CPU profiles of the 50/s round, written to <folder>.
 */
import { io, type Socket } from 'socket.io-client';
import { exchangeTopic } from '@corridor/contracts';
import { peekEnvelopeHeader } from '@corridor/envelope';
import { nowMs, progressLog, sleep, waitUntil } from './lib/clock';
import { CpuUsage, startCpuCount } from './lib/cpu';
import { CommitClock } from './lib/commit-clock';
import { commitRoundTrips } from './lib/commit-round-trip';
import { RuntimeUsage, startRuntimeCount } from './lib/runtime';
import { alertFloor } from './lib/alert-floor';
import { alertFloorAcrossProcesses } from './lib/alert-floor-processes';
import { measureEnvelopeCeiling, measureSuite2Ceiling } from './lib/crypto-ceiling';
import { bareKafkaRoundTrips, recordSizes } from './lib/kafka-bare';
import { fixed, LatencySummary, printTable, summarize, verdict } from './lib/stats';
import { onCleanup } from './lib/cleanup';
import { setProfiling } from './lib/profiling';
import {
  ALL_CATEGORIES,
  alertIdsOfFeed,
  processGroups,
  publishAlert,
  routeAlertBody,
  stageTimes,
  BenchRun,
  onTestbed,
  Testbed,
} from './lib/testbed';

const RATE_PER_SECOND = 50;
const LATENCY_ALERTS = 500;
/** a light load first: the path's own cost without queueing */
const FLOOR_RATE = 5;
const FLOOR_ALERTS = 50;
/**
 * Enough alerts for V8 to compile the hot paths of every process: a gateway runs for days, so the phases measure
 * compiled code, not the interpreter (after 20 warm-up alerts the 5/s phase cost the sender 19-20 ms of CPU
 * per alert, after 400 it costs 9-15 ms).
 */
const WARMUP_ALERTS = 400;
const WARMUP_RATE = 100;
const SIZE_SAMPLE = 20;
const SETTLE_MS = 5000;
const SUSTAINED_CONCURRENCY = 8;
const SUSTAINED_MS = 15_000;
const SUSTAINED_MAX_ALERTS = 8000;
const DRAIN_TIMEOUT_MS = 90_000;
const GOAL_P50_RATIO = 3;
/** Pairs of rounds (bare kafkajs, then Corridor, at 50/s) after the first, for the median p50 ratio. */
const EXTRA_PAIRS = Number(process.env.BENCH_EXCHANGE_PAIRS ?? 2);
const GOAL_P99_MS = 50;
const GOAL_DESK_P99_MS = 60;
const GOAL_CEILING_SHARE = 0.8;

interface Publisher {
  bed: Testbed;
  token: string;
  next: () => number;
}

interface Delivered {
  /** alert id -> (inbox commit - POST sent), ms */
  latencies: Map<string, number>;
  /** alert id -> inbox commit heard, nowMs clock */
  committedAt: Map<string, number>;
  /** alert id -> its desk feed seq at IT */
  seqOf: Map<string, number>;
  lastCommitMs: number;
}

/** Waits until IT's inbox holds every accepted alert (heard since `sinceMs`), then maps feed seqs to alerts. */
async function awaitDelivery({
  bed,
  clock,
  sentAt,
  sinceMs,
  timeoutMs,
  log,
}: {
  bed: Testbed;
  clock: CommitClock;
  sentAt: Map<string, number>;
  sinceMs: number;
  timeoutMs: number;
  log: (line: string) => void;
}): Promise<Delivered> {
  let lastReport = Date.now();
  const complete = await waitUntil({
    timeoutMs,
    done: () => {
      const heard = clock.since(sinceMs).length;
      if (Date.now() - lastReport > 5000) {
        lastReport = Date.now();
        log(`  … ${heard} / ${sentAt.size} in IT's inbox`);
      }
      return heard >= sentAt.size;
    },
  });
  const heard = clock.since(sinceMs);
  if (!complete) {
    log(`  only ${heard.length} / ${sentAt.size} reached IT's inbox within ${timeoutMs / 1000} s`);
  }
  const ids = await alertIdsOfFeed({
    databaseUrl: bed.net.gateways.IT.databaseUrl,
    seqs: heard.map(([seq]) => seq),
  });
  const latencies = new Map<string, number>();
  const committedAt = new Map<string, number>();
  const seqOf = new Map<string, number>();
  let lastCommitMs = Number.NaN;
  for (const [seq, at] of heard) {
    const id = ids.get(seq);
    const sent = id === undefined ? undefined : sentAt.get(id);
    if (id !== undefined && sent !== undefined) {
      latencies.set(id, at - sent);
      committedAt.set(id, at);
      seqOf.set(id, seq);
      lastCommitMs = Number.isNaN(lastCommitMs) ? at : Math.max(lastCommitMs, at);
    }
  }
  return { latencies, committedAt, seqOf, lastCommitMs };
}

/** Where the time goes, per stage, from the gateways' own row times (wall clock; PostgreSQL now()). */
async function stageBreakdown({
  bed,
  sentAt,
  delivered,
}: {
  bed: Testbed;
  sentAt: Map<string, number>;
  delivered: Delivered;
}): Promise<(string | number)[][]> {
  const wallOffset = Date.now() - nowMs();
  const stages = await stageTimes({
    senderDatabaseUrl: bed.net.gateways.LY.databaseUrl,
    recipientDatabaseUrl: bed.net.gateways.IT.databaseUrl,
    alertIds: [...delivered.committedAt.keys()],
  });
  const columns: [string, number[]][] = [
    ['  POST sent -> LY transaction start', []],
    ['  LY queued -> SENT (relay: seal, produce acks=all)', []],
    ['  LY SENT -> IT inbox transaction start', []],
    ['  IT inbox transaction start -> commit heard', []],
  ];
  for (const [id, t] of stages) {
    const post = sentAt.get(id)! + wallOffset;
    const commit = delivered.committedAt.get(id)! + wallOffset;
    columns[0][1].push(t.queuedAtMs - post);
    columns[1][1].push(t.sentAtMs - t.queuedAtMs);
    columns[2][1].push(t.receivedAtMs - t.sentAtMs);
    columns[3][1].push(commit - t.receivedAtMs);
  }
  return columns.map(([label, values]) => {
    const s = summarize(values);
    return [label, String(s.count), '', fixed(s.p50, 1), fixed(s.p99, 1), fixed(s.max, 1)];
  });
}

interface CpuPhase {
  label: string;
  cpu: CpuUsage;
  /** alerts delivered in the phase; 0 for the idle phase */
  alerts: number;
}

/** CPU per process group in each phase, and what one alert costs above idle (ms of CPU per delivered alert). */
function printCpu({ idle, phases }: { idle: CpuUsage; phases: CpuPhase[] }): void {
  const groups = Object.keys(idle.byGroup);
  printTable({
    headers: [
      'CPU, % of one core',
      `idle (${fixed(idle.seconds, 0)} s)`,
      ...phases.map((p) => `${p.label} (${fixed(p.cpu.seconds, 0)} s)`),
    ],
    rows: [
      ...groups.map((g) => [g, fixed(idle.byGroup[g], 0), ...phases.map((p) => fixed(p.cpu.byGroup[g], 0))]),
      [
        'whole machine, % of all cores (other users too)',
        fixed(idle.machineBusyPercent, 0),
        ...phases.map((p) => fixed(p.cpu.machineBusyPercent, 0)),
      ],
    ],
  });
  console.log('');
  const perAlert = (p: CpuPhase, g: string): number =>
    (((p.cpu.byGroup[g] - idle.byGroup[g]) / 100) * p.cpu.seconds * 1000) / p.alerts;
  printTable({
    headers: ['CPU per alert above idle (ms)', ...phases.map((p) => p.label)],
    rows: [
      ...groups.map((g) => [g, ...phases.map((p) => fixed(perAlert(p, g), 2))]),
      [
        'all',
        ...phases.map((p) =>
          fixed(
            groups.reduce((a, g) => a + perAlert(p, g), 0),
            2,
          ),
        ),
      ],
    ],
  });
}

/** Raw seal and open of 1 KiB on one core with the primitives of `suite`, ~2 s each. */
function ceilingMeasurement(
  log: (line: string) => void,
  when: string,
  suite: number,
): ReturnType<typeof measureEnvelopeCeiling> {
  log(`suite ${suite} crypto ceiling ${when}: raw seal and open of 1 KiB, ~2 s each, one core …`);
  const ceiling = (suite === 2 ? measureSuite2Ceiling : measureEnvelopeCeiling)({
    payloadBytes: 1024,
    secondsEach: 2,
  });
  log(
    `  seal ${fixed(ceiling.sealPerSecond, 0)}/s, open ${fixed(ceiling.openPerSecond, 0)}/s -> ` +
      `${fixed(ceiling.perAlertPerSecond, 0)} alerts/s (seal + open)`,
  );
  return ceiling;
}

/** Event-loop delay and GC pauses of each gateway per phase: stalls that lengthen the tail without showing as CPU. */
function printRuntime(phases: { label: string; runtime: RuntimeUsage; cpu: CpuUsage }[]): void {
  const gateways = Object.keys(phases[0].runtime.loopDelayMs);
  const gcPerSecond = (p: (typeof phases)[number], g: string, kinds: string[]): number =>
    kinds.reduce((a, k) => a + (p.runtime.gcMs[g][k] ?? 0), 0) / p.cpu.seconds;
  printTable({
    headers: ['event loop and GC', ...phases.map((p) => p.label)],
    rows: gateways.flatMap((g) => [
      [
        `${g}: event-loop delay p99 / max (ms)`,
        ...phases.map(
          (p) => `${fixed(p.runtime.loopDelayMs[g].p99, 0)} / ${fixed(p.runtime.loopDelayMs[g].max, 0)}`,
        ),
      ],
      [
        `${g}: GC pauses, minor / major+incremental (ms per s)`,
        ...phases.map(
          (p) =>
            `${fixed(gcPerSecond(p, g, ['minor']), 1)} / ${fixed(gcPerSecond(p, g, ['major', 'incremental']), 1)}`,
        ),
      ],
    ]),
  });
}

async function publishOnce({
  publisher,
  sentAt,
  acceptMs,
  failures,
}: {
  publisher: Publisher;
  sentAt: Map<string, number>;
  acceptMs: number[];
  failures: string[];
}): Promise<void> {
  const started = nowMs();
  try {
    const outcome = await publishAlert({
      gatewayUrl: publisher.bed.net.gateways.LY.url,
      token: publisher.token,
      body: routeAlertBody(publisher.next()),
    });
    if (outcome.alertId) {
      sentAt.set(outcome.alertId, started);
      acceptMs.push(nowMs() - started);
    } else {
      failures.push(`${outcome.status} ${outcome.detail ?? ''}`);
    }
  } catch (err) {
    const cause = (err as Error & { cause?: Error }).cause;
    failures.push(`${(err as Error).message}${cause ? ` (${cause.message})` : ''}`);
  }
}

/** `count` POSTs at `ratePerSecond`, open loop (a slow answer does not delay the next request). */
async function publishAtRate({
  publisher,
  count,
  ratePerSecond,
}: {
  publisher: Publisher;
  count: number;
  ratePerSecond: number;
}): Promise<{ sentAt: Map<string, number>; acceptMs: number[]; failures: string[]; ratePerSecond: number }> {
  const sentAt = new Map<string, number>();
  const acceptMs: number[] = [];
  const failures: string[] = [];
  const inFlight: Promise<void>[] = [];
  const start = nowMs();
  for (let i = 0; i < count; i += 1) {
    const wait = start + (i * 1000) / ratePerSecond - nowMs();
    if (wait > 0) {
      await sleep(wait);
    }
    inFlight.push(publishOnce({ publisher, sentAt, acceptMs, failures }));
  }
  const achieved = count / ((nowMs() - start) / 1000);
  await Promise.all(inFlight);
  return { sentAt, acceptMs, failures, ratePerSecond: achieved };
}

/** One officer's desk at IT (socket.io /desk): when each feed item arrived, by seq, nowMs clock. */
interface Desk {
  arrivals: Map<number, number>;
}

/** Connects one desk client to IT, as an officer cleared for everything the benchmark sends. */
async function connectDesk(bed: Testbed): Promise<Desk> {
  const token = bed.net.gateways.IT.token({
    sub: 'officer.bench',
    roles: ['officer'],
    desk: 'bench',
    clearance: 'RED',
    categories: ALL_CATEGORIES,
  });
  const socket: Socket = io(`${bed.net.gateways.IT.url}/desk`, {
    auth: { token },
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
    timeout: 20_000,
  });
  onCleanup('desk client', async () => {
    socket.disconnect();
  });
  const desk: Desk = { arrivals: new Map() };
  socket.on('feed', (item: { seq: number }) => {
    if (!desk.arrivals.has(item.seq)) {
      desk.arrivals.set(item.seq, nowMs());
    }
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('hello', () => resolve());
    socket.once('connect_error', (err) => reject(new Error(`desk client could not connect: ${err.message}`)));
  });
  return desk;
}

interface LatencyRound {
  ratePerSecond: number;
  latency: LatencySummary;
  /** POST at LY -> committed in IT's inbox, each alert (ms) */
  latencies: number[];
  /** POST at LY -> the item on a desk at IT */
  desk: LatencySummary;
  /** the same, each item (ms) */
  deskLatencies: number[];
  accept: LatencySummary;
  breakdown: (string | number)[][];
  cpu: CpuUsage;
  runtime: RuntimeUsage;
}

/** `count` alerts at `ratePerSecond`: POST at LY -> committed in IT's inbox, with the stage breakdown. */
async function latencyRound({
  bed,
  clock,
  desk,
  publisher,
  count,
  ratePerSecond,
  log,
}: {
  bed: Testbed;
  clock: CommitClock;
  desk: Desk;
  publisher: Publisher;
  count: number;
  ratePerSecond: number;
  log: (line: string) => void;
}): Promise<LatencyRound> {
  log(`Corridor: ${count} alerts at ${ratePerSecond}/s, POST at LY -> committed in IT's inbox …`);
  const since = nowMs();
  const runtime = await startRuntimeCount(bed);
  const cpu = startCpuCount(processGroups(bed));
  const paced = await publishAtRate({ publisher, count, ratePerSecond });
  if (paced.failures.length > 0) {
    log(`  ${paced.failures.length} POSTs failed, first: ${paced.failures[0]}`);
  }
  const delivered = await awaitDelivery({
    bed,
    clock,
    sentAt: paced.sentAt,
    sinceMs: since,
    timeoutMs: 60_000,
    log,
  });
  const cpuUsage = cpu();
  const runtimeUsage = await runtime();
  const latencies = [...delivered.latencies.values()];
  const latency = summarize(latencies);
  log(`  Corridor at ${ratePerSecond}/s: p50 ${fixed(latency.p50, 2)} ms, p99 ${fixed(latency.p99, 2)} ms`);
  await waitUntil({
    timeoutMs: 10_000,
    done: () => [...delivered.seqOf.values()].every((seq) => desk.arrivals.has(seq)),
  });
  const toDesk: number[] = [];
  for (const [id, seq] of delivered.seqOf) {
    const arrived = desk.arrivals.get(seq);
    const sent = paced.sentAt.get(id);
    if (arrived !== undefined && sent !== undefined) {
      toDesk.push(arrived - sent);
    }
  }
  const deskLatency = summarize(toDesk);
  log(
    `  POST -> desk at ${ratePerSecond}/s: p50 ${fixed(deskLatency.p50, 2)} ms, p99 ${fixed(deskLatency.p99, 2)} ms ` +
      `(${toDesk.length} / ${delivered.seqOf.size} items)`,
  );
  return {
    ratePerSecond: paced.ratePerSecond,
    latency,
    latencies,
    desk: deskLatency,
    deskLatencies: toDesk,
    accept: summarize(paced.acceptMs),
    breakdown: await stageBreakdown({ bed, sentAt: paced.sentAt, delivered }),
    cpu: cpuUsage,
    runtime: runtimeUsage,
  };
}

/** What one suite's run reports for the comparison at the end. */
interface SuiteFigures {
  suite: number;
  bareP50: number;
  p50: number;
  /** median over the paired rounds of Corridor p50 / bare kafkajs p50 */
  p50Ratio: number;
  p99: number;
  deskP50: number;
  deskP99: number;
  floorP50: number;
  sustainedPerSecond: number;
  ceilingShare: number;
}

/**
 * The suites to measure, each on a testbed of its own (both gateways opening only that suite): `--suites 2,1` after
 * the benchmark name, or CORRIDOR_BENCH_SUITES; default both, suite 2 first.
 */
function suitesToMeasure(): number[] {
  const flag = process.argv.indexOf('--suites');
  const raw = flag >= 0 ? process.argv[flag + 1] : (process.env.CORRIDOR_BENCH_SUITES ?? '2,1');
  const suites = (raw ?? '').split(',').map(Number);
  if (suites.length === 0 || suites.some((s) => s !== 1 && s !== 2)) {
    throw new Error(`--suites takes a comma list of 1 and 2, not "${raw}"`);
  }
  return [...new Set(suites)];
}

export async function run(): Promise<void> {
  const log = progressLog('exchange');
  log(
    'goal: p50 <= 3 x bare Kafka p50 and p99 <= 50 ms at 50 alerts/s; sustained >= 80 % of the crypto ceiling',
  );
  const figures: SuiteFigures[] = [];
  for (const suite of suitesToMeasure()) {
    log(`===== suite ${suite}: a testbed whose gateways open suite ${suite} only =====`);
    await onTestbed(
      `exchange-suite${suite}`,
      log,
      async (bench) => {
        figures.push(await measure(bench, suite));
      },
      { ENVELOPE_SUITES: String(suite) },
    );
  }
  if (figures.length > 1) {
    console.log('');
    console.log('Suites compared (each against the bare kafkajs baseline of its own testbed, same run)');
    printTable({
      headers: [
        'suite',
        'bare p50',
        'p50 5/s',
        'p50 50/s',
        'p99 50/s (rounds pooled)',
        'p50 / bare (median of pairs)',
        'desk p50 50/s (pooled)',
        'desk p99 50/s (pooled)',
        'sustained/s',
        '% ceiling',
      ],
      rows: figures.map((f) => [
        String(f.suite),
        fixed(f.bareP50, 2),
        fixed(f.floorP50, 2),
        fixed(f.p50, 2),
        fixed(f.p99, 2),
        fixed(f.p50Ratio, 2),
        fixed(f.deskP50, 2),
        fixed(f.deskP99, 2),
        fixed(f.sustainedPerSecond, 1),
        fixed(f.ceilingShare * 100, 1),
      ]),
    });
  }
}

async function measure({ bed, clock, log }: BenchRun, suite: number): Promise<SuiteFigures> {
  let counter = 0;
  const publisher: Publisher = {
    bed,
    token: bed.net.gateways.LY.token({ sub: 'agency.bench', roles: ['publisher'], agency: 'LY-BENCH' }),
    next: () => (counter += 1),
  };

  // Warm-up through the whole path (connections, JIT, consumer group); not measured.
  log(`warm-up: ${WARMUP_ALERTS} alerts LY -> IT at ${WARMUP_RATE}/s …`);
  let since = nowMs();
  const warm = await publishAtRate({ publisher, count: WARMUP_ALERTS, ratePerSecond: WARMUP_RATE });
  if (warm.failures.length > 0) {
    throw new Error(`warm-up publish failed: ${warm.failures[0]}`);
  }
  const warmDelivered = await awaitDelivery({
    bed,
    clock,
    sentAt: warm.sentAt,
    sinceMs: since,
    timeoutMs: 60_000,
    log,
  });
  if (warmDelivered.latencies.size < WARMUP_ALERTS) {
    throw new Error('warm-up alerts did not all reach IT: the exchange does not work, see the gateway logs');
  }

  // What the network costs doing nothing (polling consumers, heartbeats, the audit monitor): a fixed share of the
  // two cores that the loaded phases cannot use.
  // The warm-up's tail (receipts, log heads, the secretariat's audit monitor catching up) settles first.
  await sleep(SETTLE_MS);
  log('idle: the network up, no alerts, 5 s …');
  const idleCpu = startCpuCount(processGroups(bed));
  await sleep(5000);
  const idle = idleCpu();
  // The crypto ceiling moves with the machine (other tenants, turbo): measured twice — here on a quiet network and
  // again right before the sustained phase — and the higher one is used, which can only make the ratio harsher.
  const quietCeiling = ceilingMeasurement(log, 'on the quiet network', suite);

  const suitesSeen = new Set<number>();
  const sizes = await recordSizes({
    broker: bed.broker,
    topic: exchangeTopic('LY', 'IT', bed.topicPrefix),
    count: SIZE_SAMPLE,
    onRecord: (value) => suitesSeen.add(peekEnvelopeHeader(value).suite),
  });
  if (suitesSeen.size !== 1 || !suitesSeen.has(suite)) {
    throw new Error(`expected suite ${suite} envelopes on the wire, saw suites ${[...suitesSeen].join(',')}`);
  }
  const envelopeBytes = Math.round(summarize(sizes).p50);
  log(`a sealed ROUTE alert envelope on the wire: ${envelopeBytes} B (median of ${sizes.length})`);

  log(`baseline: bare kafkajs round trips, ${LATENCY_ALERTS} x ${envelopeBytes} B at ${RATE_PER_SECOND}/s …`);
  const bare = await bareKafkaRoundTrips({
    broker: bed.broker,
    messageBytes: envelopeBytes,
    count: LATENCY_ALERTS,
    ratePerSecond: RATE_PER_SECOND,
    log,
  });
  const bareSummary = summarize(bare.latencies);
  log(`  bare kafkajs p50 ${fixed(bareSummary.p50, 2)} ms, p99 ${fixed(bareSummary.p99, 2)} ms`);
  log(`baseline: the same over the broker's PLAINTEXT listener (bench only), the cost of TLS …`);
  const plain = await bareKafkaRoundTrips({
    broker: bed.broker,
    messageBytes: envelopeBytes,
    count: LATENCY_ALERTS,
    ratePerSecond: RATE_PER_SECOND,
    log,
    transport: 'plaintext',
  });
  const plainSummary = summarize(plain.latencies);
  log(`  bare kafkajs plaintext p50 ${fixed(plainSummary.p50, 2)} ms, p99 ${fixed(plainSummary.p99, 2)} ms`);
  log('baseline: one synchronous PostgreSQL commit (one-row insert), 200 in a row …');
  const commit = summarize(await commitRoundTrips({ databaseUrl: bed.net.gateways.IT.databaseUrl }));
  log(`  synchronous commit p50 ${fixed(commit.p50, 2)} ms, p99 ${fixed(commit.p99, 2)} ms`);
  log(
    `baseline: the path's parts measured whole, ${LATENCY_ALERTS} at ${RATE_PER_SECOND}/s (bench/lib/alert-floor.ts) …`,
  );
  const floorOptions = {
    broker: bed.broker,
    senderDatabaseUrl: bed.net.gateways.LY.databaseUrl,
    receiverDatabaseUrl: bed.net.gateways.IT.databaseUrl,
    count: LATENCY_ALERTS,
    ratePerSecond: RATE_PER_SECOND,
    log,
    body: Buffer.from(JSON.stringify(routeAlertBody(1))),
  };
  const wholeFloor = summarize((await alertFloor(floorOptions)).latencies);
  log(`  parts measured whole: p50 ${fixed(wholeFloor.p50, 2)} ms, p99 ${fixed(wholeFloor.p99, 2)} ms`);
  /** The same parts in three processes, as Corridor's path crosses them (bench/lib/alert-floor-processes.ts). */
  const floorAcrossProcesses = async (): Promise<number> => {
    const { latencies, steps } = await alertFloorAcrossProcesses(floorOptions);
    const sum = summarize(latencies);
    log(`  floor across three processes: p50 ${fixed(sum.p50, 2)} ms, p99 ${fixed(sum.p99, 2)} ms`);
    log(`    its steps, p50 of each (ms): ${steps.map((st) => `${st.step} ${fixed(st.p50, 2)}`).join('; ')}`);
    return sum.p50;
  };
  log(
    `baseline: the same parts across three processes, bench -> sender -> Kafka -> receiver -> LISTEN, ${LATENCY_ALERTS} at ${RATE_PER_SECOND}/s …`,
  );
  const firstFloorP50 = await floorAcrossProcesses();

  const desk = await connectDesk(bed);
  const floor = await latencyRound({
    bed,
    clock,
    desk,
    publisher,
    count: FLOOR_ALERTS,
    ratePerSecond: FLOOR_RATE,
    log,
  });
  // BENCH_EXCHANGE_PROFILE=<folder>: the gateways' CPU profiles of this round (bench/lib/profiling.ts).
  setProfiling(process.env.BENCH_EXCHANGE_PROFILE, true);
  /** One Corridor round at the goal's rate (the first one, and each paired round after it). */
  const goalRound = (): Promise<LatencyRound> =>
    latencyRound({ bed, clock, desk, publisher, count: LATENCY_ALERTS, ratePerSecond: RATE_PER_SECOND, log });
  const loaded = await goalRound();
  setProfiling(process.env.BENCH_EXCHANGE_PROFILE, false);
  const corridor = loaded.latency;
  // The p50 ratio moves with the machine between rounds (another tenant, a busy core): more pairs of rounds, each a
  // bare round right before a Corridor round, and the goal is judged on the median ratio of all pairs.
  const pairs: { bareP50: number; floorP50: number; corridorP50: number }[] = [
    { bareP50: bareSummary.p50, floorP50: firstFloorP50, corridorP50: corridor.p50 },
  ];
  // The p99 goals are judged on every round at the goal's rate pooled: the p99 of one round of 500 is its fifth
  // slowest alert, so one stall decides it; pooled, it rests on fifteen.
  const goalRounds: LatencyRound[] = [loaded];
  for (let i = 0; i < EXTRA_PAIRS; i++) {
    log(
      `paired round ${i + 2} of ${EXTRA_PAIRS + 1}: bare kafkajs, the floor across three processes, then Corridor, ` +
        `${LATENCY_ALERTS} at ${RATE_PER_SECOND}/s …`,
    );
    const again = await bareKafkaRoundTrips({
      broker: bed.broker,
      messageBytes: envelopeBytes,
      count: LATENCY_ALERTS,
      ratePerSecond: RATE_PER_SECOND,
      log,
    });
    const floorP50 = await floorAcrossProcesses();
    const round = await goalRound();
    goalRounds.push(round);
    pairs.push({ bareP50: summarize(again.latencies).p50, floorP50, corridorP50: round.latency.p50 });
  }

  const pooled = summarize(goalRounds.flatMap((r) => r.latencies));
  const pooledDesk = summarize(goalRounds.flatMap((r) => r.deskLatencies));

  const lateCeiling = ceilingMeasurement(log, 'before the sustained phase', suite);
  const ceiling =
    lateCeiling.perAlertPerSecond >= quietCeiling.perAlertPerSecond ? lateCeiling : quietCeiling;
  // The measurement held the event loop: let pending socket events (keep-alive closes) land before new requests.
  await sleep(1000);

  log(
    `sustained: ${SUSTAINED_CONCURRENCY} concurrent publishers for ${SUSTAINED_MS / 1000} s ` +
      `(at most ${SUSTAINED_MAX_ALERTS} alerts) …`,
  );
  since = nowMs();
  const sentAt = new Map<string, number>();
  const acceptMs: number[] = [];
  const failures: string[] = [];
  let issued = 0;
  const sustainedRuntime = await startRuntimeCount(bed);
  const sustainedCpu = startCpuCount(processGroups(bed));
  const firstPostMs = nowMs();
  await Promise.all(
    Array.from({ length: SUSTAINED_CONCURRENCY }, async () => {
      while (issued < SUSTAINED_MAX_ALERTS && nowMs() - firstPostMs < SUSTAINED_MS) {
        issued += 1;
        await publishOnce({ publisher, sentAt, acceptMs, failures });
      }
    }),
  );
  const postsMs = nowMs() - firstPostMs;
  log(
    `  ${sentAt.size} alerts accepted in ${fixed(postsMs / 1000, 1)} s (${fixed(sentAt.size / (postsMs / 1000), 0)}/s), ` +
      `${failures.length} failed${failures.length ? ` (first: ${failures[0]})` : ''}; waiting for IT's inbox …`,
  );
  const sustained = await awaitDelivery({
    bed,
    clock,
    sentAt,
    sinceMs: since,
    timeoutMs: DRAIN_TIMEOUT_MS,
    log,
  });
  const sustainedCpuUsage = sustainedCpu();
  const sustainedRuntimeUsage = await sustainedRuntime();
  const deliveredPerSecond = sustained.latencies.size / ((sustained.lastCommitMs - firstPostMs) / 1000);

  // ---- report ----
  const pairRatios = pairs.map((pr) => pr.corridorP50 / pr.bareP50);
  const p50Ratio = summarize(pairRatios).p50; // nearest-rank median
  const floorRatio = floor.latency.p50 / bareSummary.p50;
  const ceilingShare = deliveredPerSecond / ceiling.perAlertPerSecond;
  console.log('');
  console.log(
    `Exchange LY -> IT under suite ${suite}, ${envelopeBytes} B envelopes; both gateways, the secretariat, Kafka, PostgreSQL and the ` +
      'load generator share this machine',
  );
  printTable({
    headers: ['latency (ms)', 'n', 'rate/s', 'p50', 'p99', 'max'],
    rows: [
      [
        'bare kafkajs produce -> consume',
        String(bareSummary.count),
        fixed(bare.sendRatePerSecond, 1),
        fixed(bareSummary.p50, 2),
        fixed(bareSummary.p99, 2),
        fixed(bareSummary.max, 2),
      ],
      [
        'one synchronous PostgreSQL commit (1-row insert)',
        String(commit.count),
        '',
        fixed(commit.p50, 2),
        fixed(commit.p99, 2),
        fixed(commit.max, 2),
      ],
      ...[floor, loaded].flatMap((round) => [
        [
          `Corridor POST at LY -> IT inbox commit, ${fixed(round.ratePerSecond, 0)}/s`,
          String(round.latency.count),
          fixed(round.ratePerSecond, 1),
          fixed(round.latency.p50, 2),
          fixed(round.latency.p99, 2),
          fixed(round.latency.max, 2),
        ],
        [
          '  of which POST -> 202 Accepted at LY',
          String(round.accept.count),
          '',
          fixed(round.accept.p50, 2),
          fixed(round.accept.p99, 2),
          fixed(round.accept.max, 2),
        ],
        [
          `Corridor POST at LY -> item on a desk at IT, ${fixed(round.ratePerSecond, 0)}/s`,
          String(round.desk.count),
          '',
          fixed(round.desk.p50, 2),
          fixed(round.desk.p99, 2),
          fixed(round.desk.max, 2),
        ],
        ...round.breakdown,
      ]),
      [
        `Corridor POST at LY -> IT inbox commit, ${RATE_PER_SECOND}/s, all ${goalRounds.length} rounds pooled`,
        String(pooled.count),
        '',
        fixed(pooled.p50, 2),
        fixed(pooled.p99, 2),
        fixed(pooled.max, 2),
      ],
      [
        `Corridor POST at LY -> item on a desk at IT, ${RATE_PER_SECOND}/s, all ${goalRounds.length} rounds pooled`,
        String(pooledDesk.count),
        '',
        fixed(pooledDesk.p50, 2),
        fixed(pooledDesk.p99, 2),
        fixed(pooledDesk.max, 2),
      ],
    ],
  });
  console.log(
    `p99 of each round at ${RATE_PER_SECOND}/s, inbox / desk (ms): ` +
      goalRounds.map((r) => `${fixed(r.latency.p99, 1)} / ${fixed(r.desk.p99, 1)}`).join('; '),
  );
  console.log('');
  printTable({
    headers: ['throughput', 'per second'],
    rows: [
      [
        `Corridor sustained, delivered into IT's inbox (${sustained.latencies.size} alerts)`,
        fixed(deliveredPerSecond, 1),
      ],
      [
        `  accepted by POST at LY (${SUSTAINED_CONCURRENCY} concurrent)`,
        fixed(sentAt.size / (postsMs / 1000), 1),
      ],
      ['raw crypto ceiling: seal (sign + wrap + encrypt 1 KiB)', fixed(ceiling.sealPerSecond, 1)],
      ['raw crypto ceiling: open (verify + unwrap + decrypt 1 KiB)', fixed(ceiling.openPerSecond, 1)],
      ['raw crypto ceiling per alert: 1 / (1/seal + 1/open), one core', fixed(ceiling.perAlertPerSecond, 1)],
      [
        '  (the higher of two measurements, quiet network / before sustained)',
        `${fixed(quietCeiling.perAlertPerSecond, 1)} / ${fixed(lateCeiling.perAlertPerSecond, 1)}`,
      ],
    ],
  });
  console.log('');
  printCpu({
    idle,
    phases: [
      { label: `${FLOOR_RATE}/s`, cpu: floor.cpu, alerts: floor.latency.count },
      { label: `${RATE_PER_SECOND}/s`, cpu: loaded.cpu, alerts: loaded.latency.count },
      { label: 'sustained', cpu: sustainedCpuUsage, alerts: sustained.latencies.size },
    ],
  });
  console.log('');
  printRuntime([
    { label: `${FLOOR_RATE}/s`, runtime: floor.runtime, cpu: floor.cpu },
    { label: `${RATE_PER_SECOND}/s`, runtime: loaded.runtime, cpu: loaded.cpu },
    { label: 'sustained', runtime: sustainedRuntimeUsage, cpu: sustainedCpuUsage },
  ]);
  console.log('');
  console.log('The cost of mutual TLS 1.3: bare kafkajs produce -> consume, same broker, same run');
  printTable({
    headers: ['bare kafkajs', 'n', 'p50 ms', 'p99 ms', 'client CPU ms/msg', 'broker CPU ms/msg'],
    rows: [
      ['plaintext (bench listener)', plainSummary, plain] as const,
      ['mutual TLS 1.3 (what Corridor uses)', bareSummary, bare] as const,
    ].map(([label, sum, run]) => [
      label,
      String(sum.count),
      fixed(sum.p50, 2),
      fixed(sum.p99, 2),
      fixed(run.cpuMsPerMessage.client, 3),
      fixed(run.cpuMsPerMessage.broker, 3),
    ]),
  });
  console.log(
    `ratio mTLS / plaintext: p50 ${fixed(bareSummary.p50 / plainSummary.p50, 2)}, p99 ` +
      `${fixed(bareSummary.p99 / plainSummary.p99, 2)}, client CPU ` +
      `${fixed(bare.cpuMsPerMessage.client / plain.cpuMsPerMessage.client, 2)}, broker CPU ` +
      `${fixed(bare.cpuMsPerMessage.broker / Math.max(plain.cpuMsPerMessage.broker, 1e-9), 2)}`,
  );
  console.log(
    `ratio Corridor p50 / bare Kafka p50 (mutual TLS), median of ${pairs.length} paired rounds: ${fixed(p50Ratio, 2)} ` +
      `(${pairs.map((pr, i) => `${fixed(pr.corridorP50, 2)} / ${fixed(pr.bareP50, 2)} = ${fixed(pairRatios[i], 2)}`).join('; ')})`,
  );
  console.log(
    `ratio Corridor p50 / bare Kafka p50 over plaintext: ${fixed(corridor.p50 / plainSummary.p50, 2)}`,
  );
  console.log(
    `ratio Corridor p50 at ${FLOOR_RATE}/s / bare Kafka p50: ${fixed(floorRatio, 2)} (no queueing)`,
  );
  console.log(`ratio sustained / crypto ceiling:   ${fixed(ceilingShare * 100, 1)} %`);
  // What the path cannot do without, measured in this run: one seal at LY and one open at IT (raw node:crypto) plus
  // the bare Kafka hop — before any HTTP request or durable commit. Its ratio is the lowest p50 ratio possible here.
  const floorMs = 1000 / ceiling.sealPerSecond + 1000 / ceiling.openPerSecond + bareSummary.p50;
  console.log(
    `floor: raw seal + raw open + bare Kafka p50 = ${fixed(floorMs, 2)} ms = ` +
      `${fixed(floorMs / bareSummary.p50, 2)} x bare Kafka p50 (no HTTP, no commit)`,
  );
  // The issue requires two durable commits on the path (the publish before 202, the inbox before the offset commit).
  const durableFloorMs = floorMs + 2 * commit.p50;
  console.log(
    `floor with the two synchronous commits the path requires (+ 2 x ${fixed(commit.p50, 2)} ms) = ` +
      `${fixed(durableFloorMs, 2)} ms = ${fixed(durableFloorMs / bareSummary.p50, 2)} x bare Kafka p50 (no HTTP)`,
  );
  // The same parts run as one path, so the waits between them count too (bench/lib/alert-floor.ts).
  console.log(
    `floor measured whole (bare HTTP POST, raw seal, durable insert, bare kafkajs, raw open, durable insert, at ` +
      `${RATE_PER_SECOND}/s): p50 ${fixed(wholeFloor.p50, 2)} ms = ${fixed(wholeFloor.p50 / bareSummary.p50, 2)} x ` +
      `bare Kafka p50, p99 ${fixed(wholeFloor.p99, 2)} ms`,
  );
  // The same parts in the path's three processes, measured in every pair (bench/lib/alert-floor-processes.ts).
  const floorRatios = pairs.map((pr) => pr.floorP50 / pr.bareP50);
  const aboveFloor = pairs.map((pr) => (pr.corridorP50 - pr.floorP50) / pr.bareP50);
  console.log(
    `floor across three processes (bench -> sender: HTTP, raw seal, durable insert, 202, produce -> receiver: raw ` +
      `open, durable insert + notify -> LISTEN), median of ${pairs.length} paired rounds: ` +
      `${fixed(summarize(floorRatios).p50, 2)} x bare Kafka p50 (` +
      `${pairs.map((pr, i) => `${fixed(pr.floorP50, 2)} / ${fixed(pr.bareP50, 2)} = ${fixed(floorRatios[i], 2)}`).join('; ')})`,
  );
  console.log(
    `Corridor above that floor, median of the pairs: ${fixed(summarize(aboveFloor).p50, 2)} x bare Kafka p50 ` +
      `(the goal leaves ${fixed(GOAL_P50_RATIO - summarize(floorRatios).p50, 2)} x for authentication, validation, ` +
      `policy, the log leaves and the receipts)`,
  );
  console.log(
    verdict({
      met: p50Ratio <= GOAL_P50_RATIO,
      text: `p50 ${fixed(p50Ratio, 2)} x bare Kafka, median of ${pairs.length} paired rounds (goal <= ${GOAL_P50_RATIO} x)`,
    }),
  );
  console.log(
    verdict({
      met: pooled.p99 <= GOAL_P99_MS,
      text: `p99 ${fixed(pooled.p99, 1)} ms at 50 alerts/s, ${pooled.count} alerts of ${goalRounds.length} rounds (goal <= ${GOAL_P99_MS} ms)`,
    }),
  );
  console.log(
    verdict({
      met: pooledDesk.p99 <= GOAL_DESK_P99_MS,
      text: `POST -> desk p99 ${fixed(pooledDesk.p99, 1)} ms at 50 alerts/s, ${pooledDesk.count} items of ${goalRounds.length} rounds (goal <= ${GOAL_DESK_P99_MS} ms)`,
    }),
  );
  console.log(
    verdict({
      met: ceilingShare >= GOAL_CEILING_SHARE,
      text: `sustained ${fixed(ceilingShare * 100, 1)} % of the crypto ceiling (goal >= ${GOAL_CEILING_SHARE * 100} %)`,
    }),
  );
  console.log(
    'note: 2 shared cores run both gateways, Kafka, PostgreSQL, the secretariat and this load generator; ' +
      'receipts IT -> LY (one sealed message per RECEIPT_BATCH_MS and partner) are not counted in the ceiling.',
  );
  return {
    suite,
    bareP50: bareSummary.p50,
    p50: corridor.p50,
    p50Ratio,
    p99: pooled.p99,
    deskP50: pooledDesk.p50,
    deskP99: pooledDesk.p99,
    floorP50: floor.latency.p50,
    sustainedPerSecond: deliveredPerSecond,
    ceilingShare,
  };
}
