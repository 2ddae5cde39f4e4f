// The only place that knows kafkajs: a small interface so another client could replace it.
import { Admin, Consumer, Kafka, logLevel, Partitioners, Producer } from 'kafkajs';
import type { Logger } from 'pino';
import { KafkaAdmin } from './kafka-admin';
import { applyKafkajsIdleFix } from './kafkajs-idle-fix';
import { Paced } from './paced';
import { KafkaTls, KafkaTlsFiles, kafkaTlsOptions, loadKafkaTls, probeKafkaTls } from './kafka-tls';

export interface BusRecord {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: Buffer;
}

export interface KafkaConnection {
  brokers: string[];
  clientId: string;
  /** mutual TLS with a transport certificate from the regional CA: the broker maps its subject to the principal */
  tls?: KafkaTls;
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

/**
 * At most one offset commit per consumer this often. A commit costs the broker about what a produce costs; at a
 * steady trickle (one record per fetch) committing each record doubled the broker's work per alert. A crash can
 * only cost records handled in the last interval: they are delivered again and ignored as duplicates.
 */
export const COMMIT_INTERVAL_MS = 250;

/**
 * Offset commits of one consumer, off its fetch loop: at most one commit in flight and one per COMMIT_INTERVAL_MS;
 * offsets handled meanwhile go out together (the newest offset per partition).
 */
export class OffsetCommits {
  private readonly waiting = new Map<string, { topic: string; partition: number; offset: string }>();
  private readonly paced = new Paced({
    intervalMs: COMMIT_INTERVAL_MS,
    waiting: () => this.waiting.size > 0,
    run: () => this.commit(),
  });
  /** the batch being handled, if any */
  private handling?: Promise<void>;
  /** set at shutdown: no new batch is started */
  closing = false;

  constructor(
    private readonly consumer: Consumer,
    private readonly logger: Logger,
  ) {}

  /** `offset` is the next one to read: every record before it was handled. */
  add(topic: string, partition: number, offset: string): void {
    this.waiting.set(`${partition}:${topic}`, { topic, partition, offset });
    this.paced.kick();
  }

  /** Remembers the batch being handled, so that a shutdown can wait for it. */
  async handle(batch: Promise<void>): Promise<void> {
    this.handling = batch;
    try {
      await batch;
    } finally {
      this.handling = undefined;
    }
  }

  /** Shutdown: lets the batch in hand finish, then commits everything handled. */
  async close(): Promise<void> {
    this.closing = true;
    await this.handling?.catch(() => undefined);
    await this.flush();
  }

  /** Commits every offset added so far now (or logs the failure), without waiting for the interval. */
  flush(): Promise<void> {
    return this.paced.flush();
  }

  private async commit(): Promise<void> {
    const offsets = [...this.waiting.values()];
    this.waiting.clear();
    try {
      await this.consumer.commitOffsets(offsets);
    } catch (err) {
      this.logger.warn(
        { err: (err as Error).message },
        'offset commit failed: these records will be delivered again and ignored as duplicates',
      );
    }
  }
}

/**
 * A running consumer, as the apps hold it: only to give it back to `stopConsumer`. The apps never import kafkajs
 * (docs/architecture.md): this file is the one place that does.
 */
export type ConsumerHandle = Consumer;

/** A produce that takes longer is treated as failed (kafkajs retries inside this bound first). */
const SEND_TIMEOUT_MS = 60_000;

export class KafkaClient {
  private readonly kafka: Kafka;
  private producer?: Producer;
  private admin?: Admin;
  private readonly consumers = new Map<Consumer, OffsetCommits>();

  constructor(
    private readonly conn: KafkaConnection,
    private readonly logger: Logger,
  ) {
    applyKafkajsIdleFix();
    this.kafka = new Kafka({
      clientId: conn.clientId,
      brokers: conn.brokers,
      ssl: conn.tls ? kafkaTlsOptions(conn.tls) : undefined,
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
   * Consumes topics in batches; an offset is committed only after `handleBatch` resolved for its records, so a
   * crash before that re-delivers them (handlers are idempotent by message id). The commit runs beside the
   * consumer, not in its loop: the next fetch does not wait for a broker round trip, and the offsets handled
   * meanwhile go out together, at most every COMMIT_INTERVAL_MS. A commit lost in a crash only means records
   * delivered again, and ignored again.
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
    const commits = new OffsetCommits(consumer, this.logger);
    this.consumers.set(consumer, commits);
    const maxBatch = opts.maxBatch ?? 200;
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
        for (let from = 0; from < batch.messages.length; from += maxBatch) {
          if (!isRunning() || isStale() || commits.closing) {
            return;
          }
          const slice = batch.messages.slice(from, from + maxBatch);
          await commits.handle(
            opts.handleBatch(
              slice.map((m) => ({
                topic: batch.topic,
                partition: batch.partition,
                offset: m.offset,
                key: m.key?.toString() ?? null,
                value: m.value ?? Buffer.alloc(0),
              })),
            ),
          );
          const last = slice[slice.length - 1].offset;
          resolveOffset(last);
          commits.add(batch.topic, batch.partition, (BigInt(last) + 1n).toString());
          await heartbeat();
        }
      },
    });
    return consumer;
  }

  /** Commits what was handled, then leaves the group. */
  async stopConsumer(consumer: Consumer): Promise<void> {
    const commits = this.consumers.get(consumer);
    this.consumers.delete(consumer);
    await commits?.close();
    await consumer.disconnect();
  }

  /** Topics and ACL rules, in the project's own terms (the secretariat's governance). */
  get administration(): KafkaAdmin {
    return new KafkaAdmin(() => this.adminReady());
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
    for (const c of [...this.consumers.keys()]) {
      await this.stopConsumer(c).catch(() => undefined);
    }
    await this.producer?.disconnect().catch(() => undefined);
    await this.admin?.disconnect().catch(() => undefined);
  }
}

/**
 * The Kafka client of a process over mutual TLS: its identity loaded (one line naming the file and `issueCommand`
 * when it cannot be used), one handshake with each broker at start, then the client.
 */
export async function connectKafkaOverTls(opts: {
  brokers: string[];
  clientId: string;
  files: Omit<KafkaTlsFiles, 'passphrase'>;
  passphrase: string;
  issueCommand: string;
  logger: Logger;
}): Promise<KafkaClient> {
  const tls = loadKafkaTls({ ...opts.files, passphrase: opts.passphrase, issueCommand: opts.issueCommand });
  await probeKafkaTls({ brokers: opts.brokers, tls, files: opts.files, issueCommand: opts.issueCommand });
  return new KafkaClient({ brokers: opts.brokers, clientId: opts.clientId, tls }, opts.logger);
}
