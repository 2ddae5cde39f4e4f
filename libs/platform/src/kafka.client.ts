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

/** A produce that takes longer is treated as failed (kafkajs retries inside this bound first). */
const SEND_TIMEOUT_MS = 60_000;

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

  /**
   * Produces with acks=all; resolves only when the broker has the records. A send that neither succeeds nor fails
   * within SEND_TIMEOUT_MS (a producer wedged by a broker restart) fails, and the next send uses a new producer:
   * the caller's retry then goes out, and the partner's message-id dedupe absorbs a copy that did arrive.
   */
  async send(topic: string, messages: { key: string; value: Uint8Array }[]): Promise<void> {
    const p = await this.producerReady();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no answer from Kafka within ${SEND_TIMEOUT_MS} ms`)),
        SEND_TIMEOUT_MS,
      );
    });
    try {
      await Promise.race([
        p.send({
          topic,
          acks: -1,
          messages: messages.map((m) => ({ key: m.key, value: Buffer.from(m.value) })),
        }),
        timedOut,
      ]);
    } catch (err) {
      if (this.producer === p && (err as Error).message.startsWith('no answer from Kafka')) {
        this.producer = undefined;
        p.disconnect().catch(() => undefined);
        this.logger.warn(
          { topic },
          'Kafka send timed out; the producer is replaced and the send will be retried',
        );
      }
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Consumes topics one record at a time; the offset is committed only after `handle` resolves,
   * so a crash before that re-delivers the record (handlers are idempotent by message id).
   */
  /**
   * Consumes topics in batches; offsets are committed only after `handleBatch` resolves for the batch, so a
   * crash before that re-delivers the records (handlers are idempotent by message id). One transaction and
   * one commit per batch is what lets a gateway keep up with a busy partner.
   */
  async consume(opts: {
    groupId: string;
    topics: (string | RegExp)[];
    fromBeginning: boolean;
    handleBatch: (records: BusRecord[]) => Promise<void>;
    maxBatch?: number;
  }): Promise<Consumer> {
    const consumer = this.kafka.consumer({
      groupId: opts.groupId,
      // A fetch returns as soon as a record arrives (minBytes 1): the wait bounds only idle polling, which costs
      // broker and client CPU on every consumer of every process.
      maxWaitTimeInMs: 500,
      sessionTimeout: 10_000,
      heartbeatInterval: 1000,
      allowAutoTopicCreation: false,
    });
    await consumer.connect();
    await consumer.subscribe({ topics: opts.topics, fromBeginning: opts.fromBeginning });
    this.consumers.add(consumer);
    const maxBatch = opts.maxBatch ?? 200;
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
        for (let from = 0; from < batch.messages.length; from += maxBatch) {
          if (!isRunning() || isStale()) {
            return;
          }
          const slice = batch.messages.slice(from, from + maxBatch);
          await opts.handleBatch(
            slice.map((m) => ({
              topic: batch.topic,
              partition: batch.partition,
              offset: m.offset,
              key: m.key?.toString() ?? null,
              value: m.value ?? Buffer.alloc(0),
            })),
          );
          const last = slice[slice.length - 1].offset;
          resolveOffset(last);
          await consumer.commitOffsets([
            { topic: batch.topic, partition: batch.partition, offset: (BigInt(last) + 1n).toString() },
          ]);
          await heartbeat();
        }
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
