// Bare kafkajs, as the baseline: an idempotent producer (acks=all) and a consumer on a fresh topic, with the
// broker's admin certificate (mutual TLS), nothing of Corridor in between. The kafkajs is the one Corridor's processes
// run, with the idle timer loop fixed (libs/platform/src/kafkajs-idle-fix.ts): the fix made the bare round trip
// faster here too (p50 4.6-5.1 against 5.1-6.0 ms, client CPU -1 ms per message, same broker, alternating), so a
// baseline without it would flatter Corridor's ratios.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import {
  AclOperationTypes,
  AclPermissionTypes,
  AclResourceTypes,
  Consumer,
  Kafka,
  logLevel,
  Producer,
  ResourcePatternTypes,
} from 'kafkajs';
import { applyKafkajsIdleFix } from '@corridor/platform';
import { BrokerInfo, clientTls } from '../../scripts/lib/kafka-broker';
import { nowMs, sleep, waitUntil } from './clock';
import { onCleanup } from './cleanup';

export function adminKafka(broker: BrokerInfo, clientId: string): Kafka {
  applyKafkajsIdleFix();
  return new Kafka({
    clientId,
    brokers: broker.brokers,
    ssl: clientTls(broker, 'admin'),
    logLevel: logLevel.NOTHING,
  });
}

/** Sizes of the first `count` records of a topic, read from the beginning (admin is a super user). */
export async function recordSizes({
  broker,
  topic,
  count,
  timeoutMs = 20_000,
  onRecord,
}: {
  broker: BrokerInfo;
  topic: string;
  count: number;
  timeoutMs?: number;
  /** sees each record's value (e.g. to read the envelope suite) */
  onRecord?: (value: Buffer) => void;
}): Promise<number[]> {
  const kafka = adminKafka(broker, 'bench-sizes');
  const consumer = kafka.consumer({ groupId: `bench-sizes-${randomBytes(4).toString('hex')}` });
  const release = onCleanup('size probe consumer', async () => consumer.disconnect());
  const sizes: number[] = [];
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        sizes.push(message.value?.length ?? 0);
        if (message.value) {
          onRecord?.(message.value);
        }
      },
    });
    await waitUntil({ done: () => sizes.length >= count, timeoutMs });
    return sizes.slice(0, count);
  } finally {
    await release();
  }
}

export interface BareRoundTrips {
  /** consume time - send start, per message, ms */
  latencies: number[];
  sent: number;
  sendRatePerSecond: number;
  /** CPU time per message over the measured phase, ms: this process (producer and consumer) and the broker JVM */
  cpuMsPerMessage: { client: number; broker: number };
}

/**
 * How the bare client reaches the broker: mutual TLS 1.3 as the admin principal (what Corridor's processes do), or
 * the benchmark broker's PLAINTEXT listener (no TLS, principal ANONYMOUS, allowed only the bench.plain. topics).
 */
export type BareTransport = 'mtls' | 'plaintext';

const PLAIN_TOPIC_PREFIX = 'bench.plain.';
const PLAIN_GROUP_PREFIX = 'bench-plain-';

function plaintextKafka(broker: BrokerInfo, clientId: string): Kafka {
  applyKafkajsIdleFix();
  const port = broker.nodes[0].plaintextPort;
  if (!port) {
    throw new Error('the benchmark broker has no PLAINTEXT listener (startBroker benchPlaintext)');
  }
  return new Kafka({ clientId, brokers: [`127.0.0.1:${port}`], logLevel: logLevel.NOTHING });
}

/** The plaintext listener's principal (ANONYMOUS) may use the bench.plain. topics and groups, nothing else. */
async function allowPlaintextBaseline(broker: BrokerInfo): Promise<void> {
  const admin = adminKafka(broker, 'bench-plain-acl').admin();
  await admin.connect();
  try {
    const rule = (resourceType: AclResourceTypes, resourceName: string) => ({
      resourceType,
      resourceName,
      resourcePatternType: ResourcePatternTypes.PREFIXED,
      principal: 'User:ANONYMOUS',
      host: '*',
      operation: AclOperationTypes.ALL,
      permissionType: AclPermissionTypes.ALLOW,
    });
    await admin.createAcls({
      acl: [
        rule(AclResourceTypes.TOPIC, PLAIN_TOPIC_PREFIX),
        rule(AclResourceTypes.GROUP, PLAIN_GROUP_PREFIX),
      ],
    });
  } finally {
    await admin.disconnect();
  }
}

function ticks(pid: number | undefined): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) * 10; // USER_HZ 100: ms
  } catch {
    return 0;
  }
}

/** `count` messages of `messageBytes` at `ratePerSecond`, open loop; latency = consumed - send start. */
export async function bareKafkaRoundTrips({
  broker,
  messageBytes,
  count,
  ratePerSecond,
  log,
  transport = 'mtls',
  prepare,
  receive,
  measured,
  commitIntervalMs,
}: {
  broker: BrokerInfo;
  messageBytes: number;
  count: number;
  ratePerSecond: number;
  log: (line: string) => void;
  transport?: BareTransport;
  /** makes each message's value before it is sent (bench/lib/alert-floor.ts: seal, durable insert) */
  prepare?: () => Promise<Buffer>;
  /** handles each value received before it counts as received (open, durable insert) */
  receive?: (value: Buffer) => Promise<void>;
  /** called when the measured messages start (after the warm-up) and when the last one was received */
  measured?: { start: () => void; stop: () => void };
  /** offsets committed at most this often, as Corridor's consumers do; without it, after every fetch (kafkajs) */
  commitIntervalMs?: number;
}): Promise<BareRoundTrips> {
  const id = randomBytes(4).toString('hex');
  const plain = transport === 'plaintext';
  const topic = plain ? `${PLAIN_TOPIC_PREFIX}${id}` : `bench.bare.${id}`;
  if (plain) {
    await allowPlaintextBaseline(broker);
  }
  const kafka = plain
    ? plaintextKafka(broker, `${PLAIN_GROUP_PREFIX}${id}`)
    : adminKafka(broker, `bench-bare-${id}`);
  // Topics are created and removed by the operator (TLS) either way.
  const admin = adminKafka(broker, `bench-bare-admin-${id}`).admin();
  const producer: Producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
  });
  // Same fetch wait as the gateway's consumer.
  const consumer: Consumer = kafka.consumer({
    groupId: plain ? `${PLAIN_GROUP_PREFIX}${id}` : `bench-bare-${id}`,
    maxWaitTimeInMs: 250,
  });
  const release = onCleanup('bare kafkajs clients', async () => {
    await Promise.allSettled([producer.disconnect(), consumer.disconnect()]);
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  });
  try {
    await admin.connect();
    await admin.createTopics({
      topics: [{ topic, numPartitions: 1, replicationFactor: 1 }],
      waitForLeaders: true,
    });
    await producer.connect();
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    const received = new Map<number, number>();
    await consumer.run({
      ...(commitIntervalMs === undefined ? {} : { autoCommitInterval: commitIntervalMs }),
      eachMessage: async ({ message }) => {
        await receive?.(message.value ?? Buffer.alloc(0));
        received.set(Number(message.key?.toString()), nowMs());
      },
    });
    const payload = randomBytes(messageBytes);
    const produce = (index: number, value: Buffer): Promise<unknown> =>
      producer.send({ topic, acks: -1, messages: [{ key: String(index), value }] });
    // Without `prepare`, the send starts at once, as it always has (the exchange bench's baseline).
    const send = (index: number): Promise<unknown> =>
      prepare ? prepare().then((value) => produce(index, value)) : produce(index, payload);

    // Warm-up: connections, group join, JIT; not measured.
    const warmup = 20;
    for (let i = 0; i < warmup; i += 1) {
      await send(-1 - i);
      await sleep(20);
    }
    if (!(await waitUntil({ done: () => received.size >= warmup, timeoutMs: 30_000 }))) {
      throw new Error('bare kafkajs warm-up: the consumer did not receive the warm-up messages in 30 s');
    }
    log(
      `bare kafkajs (${plain ? 'plaintext' : 'mutual TLS 1.3'}): warm-up done, sending ${count} messages of ${messageBytes} B at ${ratePerSecond}/s …`,
    );

    measured?.start();
    const cpuBefore = { client: process.cpuUsage(), broker: ticks(broker.pid) };
    const sentAt = new Map<number, number>();
    const sends: Promise<unknown>[] = [];
    const start = nowMs();
    for (let i = 0; i < count; i += 1) {
      const due = start + (i * 1000) / ratePerSecond;
      const wait = due - nowMs();
      if (wait > 0) {
        await sleep(wait);
      }
      sentAt.set(i, nowMs());
      sends.push(send(i));
    }
    const sendRatePerSecond = count / ((nowMs() - start) / 1000);
    await Promise.all(sends);
    const done = await waitUntil({
      done: () => [...sentAt.keys()].every((i) => received.has(i)),
      timeoutMs: 30_000,
    });
    if (!done) {
      log('bare kafkajs: some messages were not consumed within 30 s; reporting those that were');
    }
    const client = process.cpuUsage(cpuBefore.client);
    measured?.stop();
    const cpuMsPerMessage = {
      client: (client.user + client.system) / 1000 / count,
      broker: (ticks(broker.pid) - cpuBefore.broker) / count,
    };
    const latencies = [...sentAt].filter(([i]) => received.has(i)).map(([i, at]) => received.get(i)! - at);
    return { latencies, sent: count, sendRatePerSecond, cpuMsPerMessage };
  } finally {
    await release();
  }
}
