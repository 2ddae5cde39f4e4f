// The floor of one alert's path measured whole, in the shape of the network it is compared with: three processes, as
// Corridor's path has them. The bench POSTs the alert's JSON to a sender process (node:http, keep-alive), which seals
// it raw, inserts it durably, answers 202 and produces it; a receiver process consumes it, opens it raw, and inserts it
// durably with a notification in the same commit; the bench hears that commit by LISTEN, as it hears Corridor's inbox
// (bench/lib/alert-floor-end.ts). Latency: the start of the POST to the notification heard.
// Against bench/lib/alert-floor.ts (both ends in the bench process, ends at the receiver's own commit), this one pays
// what a gateway cannot avoid either: waking the sender on the POST, waking the receiver on the fetch, and the commit's
// notification travelling to another process. Still left out, so it stays a lower bound: authentication, validation,
// policy, the exchange-log leaves, the receipt back, and everything a gateway runs beside the path.
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { Client } from 'pg';
import { GATEWAY_NODE_FLAGS } from '../../apps/gateway/src/node-flags';
import type { FloorEndOrder, FloorEndReport, FloorStamps } from './alert-floor-end';
import { adminUrlOf, keepAlivePoster, type AlertFloorOptions } from './alert-floor';
import { onCleanup } from './cleanup';
import { nowMs, sleep, waitUntil } from './clock';
import { suite2RawMaterial } from './crypto-ceiling';
import { adminKafka } from './kafka-bare';
import { summarize } from './stats';

const TABLE = 'bench_alert_floor_ends';
/** warm-up alerts, at 100/s: as the gateways get theirs, so the ends' code is optimised before it is measured */
const WARMUP = 200;
/** what an end reported failing after it was ready (a produce that failed); the measurement stops on the first */
const failures: string[] = [];

/** Forks one end with the parent's loader and a gateway's Node.js flags; resolves when it says it is ready. */
async function startEnd(order: FloorEndOrder): Promise<{ child: ChildProcess; port?: number }> {
  const child = fork(path.join(__dirname, 'alert-floor-end.ts'), [], {
    execArgv: [...process.execArgv, ...GATEWAY_NODE_FLAGS],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const ready = await new Promise<{ port?: number }>((resolve, reject) => {
    child.once('message', (r: FloorEndReport) => {
      if ('error' in r) {
        reject(new Error(r.error));
      } else if ('ready' in r) {
        resolve({ port: r.port });
      }
    });
    child.once('error', reject);
    child.once('exit', (code) =>
      reject(new Error(`the floor's ${order.role} exited with ${code} before it was ready`)),
    );
    child.send(order);
  });
  child.removeAllListeners('exit');
  // Later reports are failures (a produce that failed): they end the measurement.
  child.on('message', (r: FloorEndReport) => {
    if ('error' in r) {
      failures.push(r.error);
    }
  });
  return { child, ...ready };
}

/** The moments an end stamped, by alert key. */
async function collectStamps(child: ChildProcess): Promise<Map<string, FloorStamps>> {
  return new Promise((resolve, reject) => {
    const onMessage = (r: FloorEndReport): void => {
      if ('stamps' in r) {
        child.off('message', onMessage);
        resolve(new Map(r.stamps));
      }
    };
    child.on('message', onMessage);
    child.send({ collect: true }, (err) => err && reject(err));
  });
}

/** The steps of the floor's path, each between two moments (the bench's own: `sent`, `heard`). */
const STEPS: [string, string, string][] = [
  ['bench POST -> sender has the request', 'sent', 'request'],
  ['sender: body, raw seal', 'request', 'sealed'],
  ['sender: durable insert, 202 written', 'sealed', 'answered'],
  ['sender: 202 -> produce starts', 'answered', 'produce'],
  ['produce starts -> receiver has the record', 'produce', 'consumed'],
  ['receiver: raw open', 'consumed', 'opened'],
  ['receiver: durable insert + notify, committed', 'opened', 'committed'],
  ['receiver committed -> bench hears it', 'committed', 'heard'],
];

export interface FloorStep {
  step: string;
  p50: number;
}

/**
 * Runs `count` alerts' floor at `ratePerSecond` across three processes; returns each one's time from the start of its
 * POST to the receiver's commit heard (ms).
 */
export async function alertFloorAcrossProcesses(
  options: AlertFloorOptions,
): Promise<{ received: number; latencies: number[]; steps: FloorStep[] }> {
  const { broker, count, ratePerSecond, log, body } = options;
  failures.length = 0;
  const id = randomBytes(4).toString('hex');
  const topic = `bench.floor.${id}`;
  const channel = `bench_floor_${id}`;
  const senderUrl = adminUrlOf(options.senderDatabaseUrl);
  const receiverUrl = adminUrlOf(options.receiverDatabaseUrl);
  const listener = new Client({ connectionString: receiverUrl });
  const admin = adminKafka(broker, `bench-floor-admin-${id}`).admin();
  const children: ChildProcess[] = [];
  let closeClient = (): void => undefined;
  const release = onCleanup('alert floor processes', async () => {
    closeClient();
    for (const child of children) {
      child.kill();
    }
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
    for (const url of [senderUrl, receiverUrl]) {
      const db = new Client({ connectionString: url });
      await db.connect().catch(() => undefined);
      await db.query(`drop table if exists ${TABLE}`).catch(() => undefined);
      await db.end().catch(() => undefined);
    }
    await listener.end().catch(() => undefined);
  });
  try {
    for (const url of [senderUrl, receiverUrl]) {
      const db = new Client({ connectionString: url });
      await db.connect();
      await db.query(`create table ${TABLE} (id bigserial primary key, body bytea not null)`);
      await db.end();
    }
    await admin.connect();
    await admin.createTopics({
      topics: [{ topic, numPartitions: 1, replicationFactor: 1 }],
      waitForLeaders: true,
    });
    const heard = new Map<string, number>();
    await listener.connect();
    listener.on('notification', (n) => heard.set(n.payload ?? '', nowMs()));
    await listener.query(`listen ${channel}`);

    const material = suite2RawMaterial();
    const common = { broker, table: TABLE, topic, channel, groupId: `bench-floor-${id}`, material };
    const receiver = await startEnd({ ...common, role: 'receiver', databaseUrl: receiverUrl });
    children.push(receiver.child);
    const sender = await startEnd({ ...common, role: 'sender', databaseUrl: senderUrl });
    children.push(sender.child);

    if (sender.port === undefined) {
      throw new Error('alert floor across processes: the sender did not say which port it listens on');
    }
    const client = keepAlivePoster(sender.port);
    closeClient = client.close;
    const post = (key: string): Promise<void> => client.post(body, { 'x-floor-key': key });

    for (let i = 0; i < WARMUP; i += 1) {
      await post(`w${i}`);
      await sleep(10);
    }
    if (!(await waitUntil({ done: () => heard.size >= WARMUP || failures.length > 0, timeoutMs: 30_000 }))) {
      throw new Error(
        'alert floor across processes: the warm-up alerts were not heard at the receiver within 30 s',
      );
    }
    log(`alert floor across processes: warm-up done, ${count} alerts at ${ratePerSecond}/s …`);
    const sentAt = new Map<string, number>();
    const posts: Promise<void>[] = [];
    const start = nowMs();
    for (let i = 0; i < count && failures.length === 0; i += 1) {
      const wait = start + (i * 1000) / ratePerSecond - nowMs();
      if (wait > 0) {
        await sleep(wait);
      }
      const key = String(i);
      sentAt.set(key, nowMs());
      posts.push(post(key));
    }
    await Promise.all(posts);
    await waitUntil({
      done: () => failures.length > 0 || [...sentAt.keys()].every((k) => heard.has(k)),
      timeoutMs: 30_000,
    });
    if (failures.length > 0) {
      throw new Error(failures[0]);
    }
    const latencies = [...sentAt].filter(([k]) => heard.has(k)).map(([k, at]) => heard.get(k)! - at);
    if (latencies.length < count) {
      log(`alert floor across processes: ${count - latencies.length} alerts not heard within 30 s`);
    }
    const at = new Map<string, FloorStamps>();
    for (const child of [sender.child, receiver.child]) {
      for (const [key, moments] of await collectStamps(child)) {
        at.set(key, { ...at.get(key), ...moments });
      }
    }
    const steps = STEPS.map(([step, from, to]) => ({
      step,
      p50: summarize(
        [...sentAt.keys()].flatMap((key) => {
          const m: Partial<FloorStamps> = { ...at.get(key), sent: sentAt.get(key), heard: heard.get(key) };
          const a = m[from];
          const b = m[to];
          return a === undefined || b === undefined ? [] : [b - a];
        }),
      ).p50,
    }));
    return { received: latencies.length, latencies, steps };
  } finally {
    await release();
  }
}
