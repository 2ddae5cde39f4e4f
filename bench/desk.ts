/**
 * Desk benchmark: 1,000 socket.io clients on IT's /desk namespace; time from the inbox commit to the last
 * client receiving the feed item, beside a bare socket.io broadcast of the same payload to 1,000 clients in the
 * same run. Goal: p99 <= 100 ms. Run: npm run bench -- desk
 */
import http from 'node:http';
import { Server } from 'socket.io';
import { io, Socket } from 'socket.io-client';
import { freePort } from '../scripts/lib/prereqs';
import { nowMs, progressLog, sleep, waitUntil } from './lib/clock';
import { onCleanup } from './lib/cleanup';
import { openFilesLimit } from './lib/machine';
import { fixed, printTable, summarize, verdict } from './lib/stats';
import { ALL_CATEGORIES, BenchRun, publishAlert, routeAlertBody, onTestbed } from './lib/testbed';

const CLIENTS = 1000;
const CONNECT_BATCH = 100;
const ALERTS = 50;
const RATE_PER_SECOND = 5;
const GOAL_P99_MS = 100;
/** our 1,000 client sockets plus PostgreSQL, Kafka and HTTP connections */
const NEEDED_OPEN_FILES = 2500;

interface FeedItem {
  seq: number;
}

/** Per feed seq: how many clients received it, when the first and the last did. */
class Receipts {
  private readonly bySeq = new Map<number, { count: number; first: number; last: number }>();
  sample?: FeedItem;

  record(item: FeedItem): void {
    const at = nowMs();
    this.sample ??= item;
    const r = this.bySeq.get(item.seq);
    if (r) {
      r.count += 1;
      r.last = at;
    } else {
      this.bySeq.set(item.seq, { count: 1, first: at, last: at });
    }
  }

  of(seq: number): { count: number; first: number; last: number } | undefined {
    return this.bySeq.get(seq);
  }

  allReceived(seqs: number[], clients: number): boolean {
    return seqs.every((s) => (this.bySeq.get(s)?.count ?? 0) >= clients);
  }
}

/** Connects `count` independent clients (no multiplexing) in batches; resolves when each saw `readyEvent`. */
async function connectClients({
  url,
  token,
  count,
  readyEvent,
  receipts,
  log,
}: {
  url: string;
  token?: string;
  count: number;
  readyEvent: 'hello' | 'connect';
  receipts: Receipts;
  log: (line: string) => void;
}): Promise<Socket[]> {
  const sockets: Socket[] = [];
  const release = onCleanup(`${count} socket.io clients`, async () => {
    for (const s of sockets) {
      s.disconnect();
    }
  });
  for (let from = 0; from < count; from += CONNECT_BATCH) {
    const batch = Array.from({ length: Math.min(CONNECT_BATCH, count - from) }, () => {
      const socket = io(url, {
        auth: token ? { token } : {},
        transports: ['websocket'],
        forceNew: true,
        reconnection: false,
        timeout: 20_000,
      });
      sockets.push(socket);
      socket.on('feed', (item: FeedItem) => receipts.record(item));
      return new Promise<void>((resolve, reject) => {
        socket.once(readyEvent, () => resolve());
        socket.once('connect_error', (err) =>
          reject(new Error(`desk client could not connect: ${err.message}`)),
        );
      });
    });
    try {
      await Promise.all(batch);
    } catch (err) {
      await release();
      throw err;
    }
    log(`  ${sockets.length} / ${count} clients connected`);
  }
  return sockets;
}

function disconnectAll(sockets: Socket[]): void {
  for (const s of sockets) {
    s.disconnect();
  }
}

export async function run(): Promise<void> {
  const log = progressLog('desk');
  const limit = openFilesLimit();
  if (limit !== undefined && limit < NEEDED_OPEN_FILES) {
    throw new Error(
      `the open-files limit is ${limit}, too low for ${CLIENTS} desk clients: run \`ulimit -n 4096\` in this shell and retry`,
    );
  }
  log(`goal: p99 <= ${GOAL_P99_MS} ms from inbox commit to the last of ${CLIENTS} desk clients`);
  await onTestbed('desk', log, measure);
}

async function measure({ bed, clock, log }: BenchRun): Promise<void> {
  const it = bed.net.gateways.IT;
  const officer = it.token({
    sub: 'officer.bench',
    roles: ['officer'],
    desk: 'bench',
    clearance: 'RED',
    categories: ALL_CATEGORIES,
  });
  const publisher = bed.net.gateways.LY.token({
    sub: 'agency.bench',
    roles: ['publisher'],
    agency: 'LY-BENCH',
  });
  let counter = 0;
  const publish = async (): Promise<void> => {
    const outcome = await publishAlert({
      gatewayUrl: bed.net.gateways.LY.url,
      token: publisher,
      body: routeAlertBody((counter += 1)),
    });
    if (!outcome.alertId) {
      throw new Error(`publish at LY failed: ${outcome.status} ${outcome.detail ?? ''}`);
    }
  };

  log(`connecting ${CLIENTS} desk clients to IT (${it.url}/desk, websocket, batches of ${CONNECT_BATCH}) …`);
  const corridorReceipts = new Receipts();
  const deskClients = await connectClients({
    url: `${it.url}/desk`,
    token: officer,
    count: CLIENTS,
    readyEvent: 'hello',
    receipts: corridorReceipts,
    log,
  });

  /** Publishes `count` alerts at `rate`/s; returns the desk seqs they got once every client has them. */
  const pushRound = async ({ count, rate }: { count: number; rate: number }): Promise<number[]> => {
    const since = nowMs();
    const posts: Promise<void>[] = [];
    for (let i = 0; i < count; i += 1) {
      const wait = since + (i * 1000) / rate - nowMs();
      if (wait > 0) {
        await sleep(wait);
      }
      posts.push(publish());
    }
    await Promise.all(posts);
    const committed = await waitUntil({ done: () => clock.since(since).length >= count, timeoutMs: 60_000 });
    const seqs = clock.since(since).map(([seq]) => seq);
    if (!committed) {
      log(`  only ${seqs.length} / ${count} alerts reached IT's inbox within 60 s`);
    }
    const received = await waitUntil({
      done: () => corridorReceipts.allReceived(seqs, CLIENTS),
      timeoutMs: 30_000,
    });
    if (!received) {
      const short = seqs.filter((s) => (corridorReceipts.of(s)?.count ?? 0) < CLIENTS).length;
      log(`  ${short} feed items did not reach all ${CLIENTS} clients within 30 s`);
    }
    return seqs;
  };

  log('warm-up: 3 alerts LY -> IT -> desks …');
  await pushRound({ count: 3, rate: 1 });
  log(`Corridor: ${ALERTS} alerts at ${RATE_PER_SECOND}/s, inbox commit -> ${CLIENTS} desk clients …`);
  const seqs = await pushRound({ count: ALERTS, rate: RATE_PER_SECOND });
  const toLast: number[] = [];
  const toFirst: number[] = [];
  for (const seq of seqs) {
    const r = corridorReceipts.of(seq);
    const committed = clock.commits.get(seq);
    if (r && committed !== undefined && r.count >= CLIENTS) {
      toLast.push(r.last - committed);
      toFirst.push(r.first - committed);
    }
  }
  const corridorLast = summarize(toLast);
  const corridorFirst = summarize(toFirst);
  log(`  Corridor p50 ${fixed(corridorLast.p50)} ms, p99 ${fixed(corridorLast.p99)} ms to the last client`);
  const sample = corridorReceipts.sample;
  if (!sample) {
    throw new Error('no desk client received anything');
  }
  const payloadBytes = Buffer.byteLength(JSON.stringify(sample));
  disconnectAll(deskClients);
  await sleep(1000);

  const baseline = await bareBroadcast({ sample, log });

  const p50Ratio = corridorLast.p50 / baseline.p50;
  const p99Ratio = corridorLast.p99 / baseline.p99;
  console.log('');
  console.log(
    `Desk push to ${CLIENTS} clients, feed item of ${payloadBytes} B (JSON), ${ALERTS} items at ${RATE_PER_SECOND}/s; ` +
      'clients run in this process, the gateway in its own',
  );
  const row = (label: string, s: ReturnType<typeof summarize>): string[] => [
    label,
    String(s.count),
    fixed(s.p50, 1),
    fixed(s.p99, 1),
    fixed(s.max, 1),
  ];
  printTable({
    headers: ['latency (ms)', 'n', 'p50', 'p99', 'max'],
    rows: [
      row(`bare socket.io broadcast, emit -> last of ${CLIENTS} clients`, baseline),
      row(`Corridor IT inbox commit -> last of ${CLIENTS} desk clients`, corridorLast),
      row('Corridor IT inbox commit -> first desk client', corridorFirst),
    ],
  });
  console.log('');
  console.log(`ratio Corridor / bare broadcast: p50 ${fixed(p50Ratio, 2)}, p99 ${fixed(p99Ratio, 2)}`);
  console.log(
    verdict({
      met: corridorLast.p99 <= GOAL_P99_MS,
      text: `p99 ${fixed(corridorLast.p99, 1)} ms inbox commit -> last of ${CLIENTS} clients (goal <= ${GOAL_P99_MS} ms)`,
    }),
  );
  console.log(
    'note: the bare server broadcasts one encoded packet from this process; the gateway reads the feed row from ' +
      'PostgreSQL after NOTIFY, checks each officer scope and emits per socket. 2 shared cores.',
  );
}

/** A bare socket.io server on 127.0.0.1 in this process broadcasting `sample`-sized items to 1,000 clients. */
async function bareBroadcast({
  sample,
  log,
}: {
  sample: FeedItem;
  log: (line: string) => void;
}): Promise<ReturnType<typeof summarize>> {
  const port = await freePort();
  const httpServer = http.createServer();
  const server = new Server(httpServer, { transports: ['websocket'] });
  const namespace = server.of('/desk');
  const releaseServer = onCleanup('bare socket.io server', async () => {
    await new Promise<void>((resolve) => {
      void server.close(() => resolve());
    });
  });
  await new Promise<void>((resolve) => httpServer.listen(port, '127.0.0.1', resolve));
  log(`baseline: bare socket.io server on 127.0.0.1:${port}, connecting ${CLIENTS} clients …`);
  const receipts = new Receipts();
  const sockets = await connectClients({
    url: `http://127.0.0.1:${port}/desk`,
    count: CLIENTS,
    readyEvent: 'connect',
    receipts,
    log,
  });
  await waitUntil({ done: () => namespace.sockets.size >= CLIENTS, timeoutMs: 10_000 });
  const emitAt = new Map<number, number>();
  const broadcast = async ({ count, firstSeq }: { count: number; firstSeq: number }): Promise<number[]> => {
    const seqs: number[] = [];
    const start = nowMs();
    for (let i = 0; i < count; i += 1) {
      const wait = start + (i * 1000) / RATE_PER_SECOND - nowMs();
      if (wait > 0) {
        await sleep(wait);
      }
      const seq = firstSeq + i;
      seqs.push(seq);
      emitAt.set(seq, nowMs());
      namespace.emit('feed', { ...sample, seq });
    }
    await waitUntil({ done: () => receipts.allReceived(seqs, CLIENTS), timeoutMs: 30_000 });
    return seqs;
  };
  await broadcast({ count: 3, firstSeq: 1_000_000 });
  log(`baseline: ${ALERTS} broadcasts at ${RATE_PER_SECOND}/s …`);
  const seqs = await broadcast({ count: ALERTS, firstSeq: 2_000_000 });
  const latencies = seqs
    .filter((s) => (receipts.of(s)?.count ?? 0) >= CLIENTS)
    .map((s) => receipts.of(s)!.last - emitAt.get(s)!);
  const summary = summarize(latencies);
  log(`  bare broadcast p50 ${fixed(summary.p50)} ms, p99 ${fixed(summary.p99)} ms to the last client`);
  disconnectAll(sockets);
  await releaseServer();
  return summary;
}
