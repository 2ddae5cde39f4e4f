// Reads the secretariat's compacted control topic and every gateway's own control topic from the beginning into the
// trust store. A gateway control topic carries only that gateway's record: anything else found there is ignored.
import type { Logger } from 'pino';
import { controlTopic, ControlRecordSchema, fromBinary, parseGatewayControlTopic } from '@corridor/contracts';
import { BusRecord, ConsumerHandle, KafkaClient } from '@corridor/platform';
import { TrustStore } from './trust.store';

export class ControlConsumer {
  private consumer?: ConsumerHandle;
  private subscribed: string[] = [];

  constructor(
    private readonly kafka: KafkaClient,
    private readonly trust: TrustStore,
    private readonly opts: { topicPrefix: string; groupId: string },
    private readonly logger: Logger,
  ) {}

  /** The secretariat's control topic, then every gateway control topic the broker shows this gateway. */
  private async topicsNow(): Promise<string[]> {
    const gateways = (await this.kafka.administration.topics())
      .filter((t) => parseGatewayControlTopic(t, this.opts.topicPrefix) !== undefined)
      .sort();
    return [controlTopic(this.opts.topicPrefix), ...gateways];
  }

  async start(): Promise<void> {
    this.subscribed = await this.topicsNow();
    this.consumer = await this.subscribe(this.subscribed);
  }

  /**
   * Picks up the control topic of a gateway enrolled since (kafkajs matches topics only when it subscribes): the
   * consumer restarts with it, resuming the others at their committed offsets and reading the new one from the start.
   */
  async refresh(): Promise<void> {
    if (!this.consumer) {
      return;
    }
    const topics = await this.topicsNow();
    if (topics.length === this.subscribed.length && topics.every((t, i) => t === this.subscribed[i])) {
      return;
    }
    await this.kafka.stopConsumer(this.consumer);
    this.consumer = undefined;
    this.consumer = await this.subscribe(topics);
    this.logger.info(
      { added: topics.filter((t) => !this.subscribed.includes(t)) },
      'control topics subscribed',
    );
    this.subscribed = topics;
  }

  private subscribe(topics: string[]): Promise<ConsumerHandle> {
    return this.kafka.consume({
      groupId: this.opts.groupId,
      topics,
      fromBeginning: true,
      handleBatch: (records) => this.handle(records),
    });
  }

  private async handle(records: BusRecord[]): Promise<void> {
    for (const r of records) {
      let record;
      try {
        record = fromBinary(ControlRecordSchema, r.value);
      } catch {
        this.logger.error({ topic: r.topic, offset: r.offset }, 'undecodable control record ignored');
        continue;
      }
      const country = parseGatewayControlTopic(r.topic, this.opts.topicPrefix);
      if (
        country !== undefined &&
        (record.record.case !== 'gateway' || record.key !== `gateway/${country}`)
      ) {
        this.logger.warn(
          { topic: r.topic, offset: r.offset, key: record.key },
          'control record out of place ignored: a gateway control topic carries only its own gateway record',
        );
        continue;
      }
      await this.trust.apply(record);
    }
  }

  async stop(): Promise<void> {
    if (this.consumer) {
      await this.kafka.stopConsumer(this.consumer);
    }
  }
}
