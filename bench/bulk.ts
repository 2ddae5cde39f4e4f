/**
 * Bulk benchmark: batch publishing A -> B on this machine (two gateways, a real Kafka broker, PostgreSQL).
 * - Warm-up: 2,000 alerts in batches through the whole path, then 5 s to settle, then 5 s idle.
 * - Baselines in the same run: raw suite 2 seal + open of 1 KiB on one core (the envelope crypto ceiling and
 *   its CPU per alert), and the bare kafkajs produce -> consume round trip of an envelope-sized message.
 * - Sustained: 4 concurrent publishers POST /v1/alerts/batch (200 ROUTE alerts each) for 20 s (at most 20,000
 *   alerts); delivered = committed in IT's inbox (LISTEN), receipted = DELIVERED at LY (IT's signed receipt back).
 *   429/503 answers (backpressure) are waited out as Retry-After says and counted.
 * - CPU per alert above idle for each process, and each gateway's RSS sampled every 250 ms throughout.
 * Goals (issue #19): sustained delivery A -> B >= 500 alerts/s with every alert receipted; gateway RSS <= 512 MB.
 * - Document registers (bench/bulk-registers.ts): 100,000 records A -> B, first request -> last record searchable at
 *   B (goal <= 60 s); hit/no-hit p99 against 1,000,000 records, the register table seeded directly (goal <= 5 ms).
 * Run: npm run bench -- bulk  (BENCH_BULK_PARTS=alerts or =registers runs one part only)
 */
import fs from 'node:fs';
import http from 'node:http';
import { Client } from 'pg';
import { exchangeTopic } from '@corridor/contracts';
import { nowMs, progressLog, sleep } from './lib/clock';
import { CpuUsage, startCpuCount } from './lib/cpu';
import { measureSuite2Ceiling } from './lib/crypto-ceiling';
import { bareKafkaRoundTrips, recordSizes } from './lib/kafka-bare';
import { fixed, printTable, summarize, verdict } from './lib/stats';
import { BenchRun, onTestbed, processGroups, routeAlertBody, Testbed } from './lib/testbed';
import { measureRegisters } from './bulk-registers';
import { setProfiling } from './lib/profiling';

const PARTS = (process.env.BENCH_BULK_PARTS ?? 'alerts,registers').split(',');

const BATCH = 200;
const CONCURRENCY = 4;
const SUSTAINED_MS = 20_000;
const MAX_ALERTS = 20_000;
const WARMUP_ALERTS = 2000;
const DRAIN_TIMEOUT_MS = 180_000;
const GOAL_RATE = 500;
const GOAL_RSS_MB = 512;

const keepAlive = new http.Agent({ keepAlive: true, maxSockets: 16, timeout: 4000 });

interface BatchAnswer {
  status: number;
  retryAfter?: number;
  ids: string[];
  detail?: string;
}

/** POST /v1/alerts/batch (JSON array); never throws for an HTTP status. */
async function postBatch(
  url: string,
  token: string,
  alerts: Record<string, unknown>[],
): Promise<BatchAnswer> {
  const payload = Buffer.from(JSON.stringify(alerts));
  const res = await new Promise<{ status: number; text: string; retryAfter?: string }>((resolve, reject) => {
    const req = http.request(
      `${url}/v1/alerts/batch`,
      {
        method: 'POST',
        agent: keepAlive,
        headers: {
          'content-type': 'application/json',
          'content-length': payload.length,
          authorization: `Bearer ${token}`,
        },
      },
      (r) => {
        const chunks: Buffer[] = [];
        r.on('data', (c: Buffer) => chunks.push(c));
        r.on('end', () =>
          resolve({
            status: r.statusCode ?? 0,
            text: Buffer.concat(chunks).toString(),
            retryAfter: r.headers['retry-after'],
          }),
        );
        r.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
  if (res.status !== 202) {
    return {
      status: res.status,
      retryAfter: Number(res.retryAfter) || undefined,
      ids: [],
      detail: res.text.slice(0, 200),
    };
  }
  const body = JSON.parse(res.text) as { results: { status: string; id?: string }[] };
  return { status: 202, ids: body.results.flatMap((r) => (r.status === 'ACCEPTED' && r.id ? [r.id] : [])) };
}

/** Each gateway's resident set size, sampled every 250 ms: the maximum per gateway since start. */
function startRssSampler(bed: Testbed): { stop: () => Record<string, number> } {
  const max: Record<string, number> = {};
  const sample = (): void => {
    for (const c of ['LY', 'IT']) {
      const pid = bed.net.gateways[c]?.process.child?.pid;
      try {
        const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
        const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
        max[`gateway ${c}`] = Math.max(max[`gateway ${c}`] ?? 0, kb / 1024);
      } catch {
        // the process is gone or restarting: no sample
      }
    }
  };
  sample();
  const timer = setInterval(sample, 250);
  return {
    stop: () => {
      clearInterval(timer);
      sample();
      return max;
    },
  };
}

/** Counts LY's ALERT rows of these alerts that are DELIVERED (IT's signed receipt came back). */
async function deliveredAtLy(db: Client, ids: string[]): Promise<number> {
  const { rows } = await db.query<{ n: string }>(
    "select count(*) as n from outbox where kind = 'ALERT' and status = 'DELIVERED' and alert_id = any($1::uuid[])",
    [ids],
  );
  return Number(rows[0].n);
}

interface Sustained {
  accepted: string[];
  postsMs: number;
  refusals: Record<string, number>;
  failures: string[];
  deliveredCount: number;
  lastInboxCommitMs: number;
  allReceiptedMs: number;
  acceptMs: number[];
}

async function publishFor({
  bed,
  token,
  clock,
  durationMs,
  maxAlerts,
  ly,
  log,
}: BenchRun & {
  token: string;
  durationMs: number;
  maxAlerts: number;
  ly: Client;
}): Promise<Sustained> {
  const url = bed.net.gateways.LY.url;
  const since = nowMs();
  const accepted: string[] = [];
  const refusals: Record<string, number> = {};
  const failures: string[] = [];
  const acceptMs: number[] = [];
  let issued = 0;
  let n = 0;
  const first = nowMs();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (issued < maxAlerts && nowMs() - first < durationMs) {
        issued += BATCH;
        const alerts = Array.from({ length: BATCH }, () => routeAlertBody((n += 1)));
        const started = nowMs();
        try {
          const a = await postBatch(url, token, alerts);
          if (a.status === 202) {
            accepted.push(...a.ids);
            acceptMs.push(nowMs() - started);
          } else if (a.status === 429 || a.status === 503) {
            issued -= BATCH;
            refusals[a.status] = (refusals[a.status] ?? 0) + 1;
            await sleep((a.retryAfter ?? 1) * 1000);
          } else {
            failures.push(`${a.status} ${a.detail ?? ''}`);
          }
        } catch (err) {
          failures.push((err as Error).message);
        }
      }
    }),
  );
  const postsMs = nowMs() - first;
  log(
    `  ${accepted.length} alerts accepted in ${fixed(postsMs / 1000, 1)} s (${fixed(accepted.length / (postsMs / 1000), 0)}/s); ` +
      `waiting for IT's inbox and LY's receipts …`,
  );
  const deadline = nowMs() + DRAIN_TIMEOUT_MS;
  let receipted = 0;
  let lastReport = nowMs();
  while (nowMs() < deadline) {
    receipted = await deliveredAtLy(ly, accepted);
    if (receipted >= accepted.length) {
      break;
    }
    if (nowMs() - lastReport > 5000) {
      lastReport = nowMs();
      log(
        `  … ${clock.since(since).length} in IT's inbox, ${receipted} / ${accepted.length} receipted at LY`,
      );
    }
    await sleep(100);
  }
  const allReceiptedMs = nowMs();
  const heard = clock.since(since);
  return {
    accepted,
    postsMs,
    refusals,
    failures,
    deliveredCount: heard.length,
    lastInboxCommitMs: Math.max(...heard.map(([, at]) => at)),
    allReceiptedMs: receipted >= accepted.length ? allReceiptedMs - first : Number.NaN,
    acceptMs,
  };
}

export async function run(): Promise<void> {
  const log = progressLog('bulk');
  log(
    `goal: batch publishing A -> B >= ${GOAL_RATE} alerts/s, every alert receipted; gateway RSS <= ${GOAL_RSS_MB} MB`,
  );
  await onTestbed('bulk', log, async (runCtx) => {
    if (PARTS.includes('alerts')) {
      await measure(runCtx);
    }
    if (PARTS.includes('registers')) {
      const rss = startRssSampler(runCtx.bed);
      try {
        await measureRegisters(runCtx);
      } finally {
        const maxRss = rss.stop();
        printTable({
          headers: ['RSS during the registers part, max (MB)', 'value'],
          rows: Object.entries(maxRss).map(([g, mb]) => [g, fixed(mb, 0)]),
        });
        const worst = Math.max(...Object.values(maxRss));
        console.log(
          verdict({
            met: worst <= GOAL_RSS_MB,
            text: `gateway RSS at most ${fixed(worst, 0)} MB during the registers part (goal <= ${GOAL_RSS_MB} MB)`,
          }),
        );
      }
    }
  });
}

/**
 * With BENCH_BULK_PROFILE=<folder>, the file <folder>/profiling exists during the sustained phase (and during the
 * one-at-a-time hit/no-hit checks of bulk-registers.ts): the gateways,
 * started with CORRIDOR_BENCH_GATEWAY_NODE_OPTIONS="--require <folder>/gateway-profiler.js" (a copy of
 * bench/lib/gateway-profiler.js), are profiled while it exists and write their profiles there when it goes.
 */
function profiling(on: boolean): void {
  setProfiling(process.env.BENCH_BULK_PROFILE, on);
}

async function measure(runCtx: BenchRun): Promise<void> {
  const { bed, log } = runCtx;
  const token = bed.net.gateways.LY.token({ sub: 'agency.bench', roles: ['publisher'], agency: 'LY-BENCH' });
  const ly = new Client({ connectionString: bed.net.gateways.LY.databaseUrl });
  await ly.connect();
  const rss = startRssSampler(bed);
  try {
    log(`warm-up: ${WARMUP_ALERTS} alerts in batches of ${BATCH} …`);
    const warm = await publishFor({ ...runCtx, token, durationMs: 60_000, maxAlerts: WARMUP_ALERTS, ly });
    if (warm.accepted.length < WARMUP_ALERTS || Number.isNaN(warm.allReceiptedMs)) {
      throw new Error(
        `warm-up: ${warm.accepted.length} accepted, receipted: ${Number.isNaN(warm.allReceiptedMs) ? 'not all' : 'all'}; first failure: ${warm.failures[0] ?? 'none'} — see the gateway logs`,
      );
    }
    await sleep(5000);
    log('idle: the network up, no alerts, 5 s …');
    const idleCount = startCpuCount(processGroups(bed));
    await sleep(5000);
    const idle = idleCount();

    // The network seals with suite 2 (P-256 identities, X-Wing epoch keys), so its ceiling is suite 2's primitives.
    log('baseline: raw suite 2 seal and open of 1 KiB (P-256, X-Wing, AES-256-GCM), ~2 s each, one core …');
    const ceiling = measureSuite2Ceiling({ payloadBytes: 1024, secondsEach: 2 });
    const cryptoMsPerAlert = 1000 / ceiling.sealPerSecond + 1000 / ceiling.openPerSecond;
    const sizes = await recordSizes({
      broker: bed.broker,
      topic: exchangeTopic('LY', 'IT', bed.topicPrefix),
      count: 20,
    });
    const envelopeBytes = Math.round(summarize(sizes).p50);
    log(`baseline: bare kafkajs round trips, 300 x ${envelopeBytes} B at 100/s …`);
    const bare = summarize(
      (
        await bareKafkaRoundTrips({
          broker: bed.broker,
          messageBytes: envelopeBytes,
          count: 300,
          ratePerSecond: 100,
          log,
        })
      ).latencies,
    );
    await sleep(1000);

    log(
      `sustained: ${CONCURRENCY} publishers x batches of ${BATCH} for ${SUSTAINED_MS / 1000} s (at most ${MAX_ALERTS}) …`,
    );
    profiling(true);
    const cpuCount = startCpuCount(processGroups(bed));
    const s = await publishFor({ ...runCtx, token, durationMs: SUSTAINED_MS, maxAlerts: MAX_ALERTS, ly });
    const cpu = cpuCount();
    profiling(false);
    const maxRss = rss.stop();

    const receiptedRate = s.accepted.length / (s.allReceiptedMs / 1000);
    const accept = summarize(s.acceptMs);
    console.log('');
    console.log(
      `Batch publishing LY -> IT, ${BATCH} ROUTE alerts per request, ${envelopeBytes} B envelopes; both gateways, the ` +
        'secretariat, Kafka, PostgreSQL and the load generator share this machine',
    );
    printTable({
      headers: ['sustained', 'value'],
      rows: [
        ['alerts accepted (202)', String(s.accepted.length)],
        ['  accepted per second while posting', fixed(s.accepted.length / (s.postsMs / 1000), 1)],
        [
          '  refused for backpressure (429 / 503 batches)',
          `${s.refusals[429] ?? 0} / ${s.refusals[503] ?? 0}`,
        ],
        ['  failed requests', String(s.failures.length)],
        ['alerts in IT inbox', String(s.deliveredCount)],
        ['first POST -> every alert receipted at LY (s)', fixed(s.allReceiptedMs / 1000, 1)],
        ['receipted per second, first POST -> last receipt', fixed(receiptedRate, 1)],
        ['POST batch -> 202 p50 / p99 (ms)', `${fixed(accept.p50, 0)} / ${fixed(accept.p99, 0)}`],
        ['baseline: bare kafkajs round trip p50 / p99 (ms)', `${fixed(bare.p50, 2)} / ${fixed(bare.p99, 2)}`],
        [
          'baseline: raw crypto ceiling seal + open per alert, one core (/s)',
          fixed(ceiling.perAlertPerSecond, 1),
        ],
        [
          'ratio receipted rate / raw crypto ceiling',
          `${fixed((receiptedRate / ceiling.perAlertPerSecond) * 100, 1)} %`,
        ],
      ],
    });
    console.log('');
    const perAlert = (c: CpuUsage, g: string): number =>
      (((c.byGroup[g] - idle.byGroup[g]) / 100) * c.seconds * 1000) / s.accepted.length;
    const groups = Object.keys(idle.byGroup);
    const total = groups.reduce((a, g) => a + perAlert(cpu, g), 0);
    printTable({
      headers: ['CPU per alert above idle (ms)', 'sustained', 'ratio to raw seal + open'],
      rows: [
        ...groups.map((g) => [g, fixed(perAlert(cpu, g), 2), fixed(perAlert(cpu, g) / cryptoMsPerAlert, 2)]),
        ['all', fixed(total, 2), fixed(total / cryptoMsPerAlert, 2)],
        ['baseline: raw suite 2 seal + open of 1 KiB', fixed(cryptoMsPerAlert, 2), '1.00'],
      ],
    });
    console.log('');
    printTable({
      headers: ['RSS, max over the whole run (MB)', 'value'],
      rows: Object.entries(maxRss).map(([g, mb]) => [g, fixed(mb, 0)]),
    });
    console.log('');
    console.log(
      verdict({
        met: receiptedRate >= GOAL_RATE && s.failures.length === 0,
        text: `sustained ${fixed(receiptedRate, 0)} alerts/s delivered and receipted (goal >= ${GOAL_RATE}/s)`,
      }),
    );
    const worst = Math.max(...Object.values(maxRss));
    console.log(
      verdict({
        met: worst <= GOAL_RSS_MB,
        text: `gateway RSS at most ${fixed(worst, 0)} MB (goal <= ${GOAL_RSS_MB} MB)`,
      }),
    );
  } finally {
    rss.stop();
    await ly.end();
  }
}
