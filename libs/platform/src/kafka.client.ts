// The only place that knows kafkajs: a small interface so another client could replace it.
import { Admin, Consumer, Kafka, logLevel, Partitioners, Producer } from 'kafkajs';
import type { Logger } from 'pino';

export interface BusRecord {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: Buffer;
}

export interface KafkaConnection {
  brokers: string[];
  username: string;
  password?: string;
  clientId: string;
}

/** kafkajs log lines go to pino at the same level, as fields. */
function pinoLogCreator(logger: Logger) {
  return () =>
    ({ level, log }: { level: logLevel; log: { message: string } & Record<string, unknown> }) => {
      const { message, ...rest } = log;
      const fields = { kafka: rest };
      if (level <= logLevel.ERROR) {
        logger.error(fields, message);
      } else if (level === logLevel.WARN) {
        logger.warn(fields, message);
      } else {
        logger.debug(fields, message);
      }
    };
}

export class KafkaClient {
  private readonly kafka: Kafka;
  private producer?: Producer;
  private admin?: Admin;
  private readonly consumers = new Set<Consumer>();

  constructor(
    private readonly conn: KafkaConnection,
    private readonly logger: Logger,
  ) {
    this.kafka = new Kafka({
      clientId: conn.clientId,
      brokers: conn.brokers,
      sasl: conn.password
        ? { mechanism: 'scram-sha-512', username: conn.username, password: conn.password }
        : undefined,
      logLevel: logLevel.WARN,
      logCreator: pinoLogCreator(logger),
      connectionTimeout: 3000,
      retry: { initialRetryTime: 200, retries: 8, maxRetryTime: 5000 },
    });
  }

  async producerReady(): Promise<Producer> {
    if (!this.producer) {
      const p = this.kafka.producer({
        idempotent: true,
        maxInFlightRequests: 1,
        allowAutoTopicCreation: false,
        createPartitioner: Partitioners.DefaultPartitioner,
      });
      await p.connect();
      this.producer = p;
    }
    return this.producer;
  }

  /** Produces with acks=all; resolves only when the broker has the records. */
  async send(topic: string, messages: { key: string; value: Uint8Array }[]): Promise<void> {
    const p = await this.producerReady();
    await p.send({
      topic,
      acks: -1,
      messages: messages.map((m) => ({ key: m.key, value: Buffer.from(m.value) })),
    });
  }

  /**
   * Consumes topics one record at a time; the offset is committed only after `handle` resolves,
   * so a crash before that re-delivers the record (handlers are idempotent by message id).
   */
  async consume(opts: {
    groupId: string;
    topics: (string | RegExp)[];
    fromBeginning: boolean;
    handle: (r: BusRecord) => Promise<void>;
  }): Promise<Consumer> {
    const consumer = this.kafka.consumer({
      groupId: opts.groupId,
      maxWaitTimeInMs: 250,
      sessionTimeout: 10_000,
      heartbeatInterval: 1000,
      allowAutoTopicCreation: false,
    });
    await consumer.connect();
    await consumer.subscribe({ topics: opts.topics, fromBeginning: opts.fromBeginning });
    this.consumers.add(consumer);
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ topic, partition, message }) => {
        await opts.handle({
          topic,
          partition,
          offset: message.offset,
          key: message.key?.toString() ?? null,
          value: message.value ?? Buffer.alloc(0),
        });
        await consumer.commitOffsets([
          { topic, partition, offset: (BigInt(message.offset) + 1n).toString() },
        ]);
      },
    });
    return consumer;
  }

  async stopConsumer(consumer: Consumer): Promise<void> {
    this.consumers.delete(consumer);
    await consumer.disconnect();
  }

  async adminReady(): Promise<Admin> {
    if (!this.admin) {
      const a = this.kafka.admin();
      await a.connect();
      this.admin = a;
    }
    return this.admin;
  }

  /** True when the broker answers a metadata request. */
  async ping(): Promise<boolean> {
    try {
      const a = await this.adminReady();
      const c = await a.describeCluster();
      return c.brokers.length > 0;
    } catch {
      return false;
    }
  }

  /** Consumer lag per partition of a group, summed. */
  async lag(groupId: string, topics: string[]): Promise<number> {
    const a = await this.adminReady();
    let total = 0;
    for (const topic of topics) {
      const [ends, committed] = await Promise.all([
        a.fetchTopicOffsets(topic),
        a.fetchOffsets({ groupId, topics: [topic] }),
      ]);
      for (const e of ends) {
        const c = committed[0]?.partitions.find((p) => p.partition === e.partition);
        const done = c && Number(c.offset) >= 0 ? Number(c.offset) : Number(e.low);
        total += Math.max(0, Number(e.high) - done);
      }
    }
    return total;
  }

  /** Stops consumers (they finish the record in hand and commit), then flushes and closes the producer. */
  async close(): Promise<void> {
    for (const c of [...this.consumers]) {
      await this.stopConsumer(c).catch(() => undefined);
    }
    await this.producer?.disconnect().catch(() => undefined);
    await this.admin?.disconnect().catch(() => undefined);
  }
}
