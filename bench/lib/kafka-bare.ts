// Bare kafkajs, as the baseline: an idempotent producer (acks=all) and a consumer on a fresh topic, with the
// broker's admin certificate (mutual TLS), nothing of Corridor in between.
import { randomBytes } from 'node:crypto';
import { Consumer, Kafka, logLevel, Producer } from 'kafkajs';
import { BrokerInfo, clientTls } from '../../scripts/lib/kafka-broker';
import { nowMs, sleep, waitUntil } from './clock';
import { onCleanup } from './cleanup';

export function adminKafka(broker: BrokerInfo, clientId: string): Kafka {
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
}: {
  broker: BrokerInfo;
  topic: string;
  count: number;
  timeoutMs?: number;
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
}

/** `count` messages of `messageBytes` at `ratePerSecond`, open loop; latency = consumed - send start. */
export async function bareKafkaRoundTrips({
  broker,
  messageBytes,
  count,
  ratePerSecond,
  log,
}: {
  broker: BrokerInfo;
  messageBytes: number;
  count: number;
  ratePerSecond: number;
  log: (line: string) => void;
}): Promise<BareRoundTrips> {
  const id = randomBytes(4).toString('hex');
  const topic = `bench.bare.${id}`;
  const kafka = adminKafka(broker, `bench-bare-${id}`);
  const admin = kafka.admin();
  const producer: Producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
  });
  // Same fetch wait as the gateway's consumer.
  const consumer: Consumer = kafka.consumer({ groupId: `bench-bare-${id}`, maxWaitTimeInMs: 250 });
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
      eachMessage: async ({ message }) => {
        received.set(Number(message.key?.toString()), nowMs());
      },
    });
    const payload = randomBytes(messageBytes);
    const send = (index: number): Promise<unknown> =>
      producer.send({ topic, acks: -1, messages: [{ key: String(index), value: payload }] });

    // Warm-up: connections, group join, JIT; not measured.
    const warmup = 20;
    for (let i = 0; i < warmup; i += 1) {
      await send(-1 - i);
      await sleep(20);
    }
    if (!(await waitUntil({ done: () => received.size >= warmup, timeoutMs: 30_000 }))) {
      throw new Error('bare kafkajs warm-up: the consumer did not receive the warm-up messages in 30 s');
    }
    log(`bare kafkajs: warm-up done, sending ${count} messages of ${messageBytes} B at ${ratePerSecond}/s …`);

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
    const latencies = [...sentAt].filter(([i]) => received.has(i)).map(([i, at]) => received.get(i)! - at);
    return { latencies, sent: count, sendRatePerSecond };
  } finally {
    await release();
  }
}
