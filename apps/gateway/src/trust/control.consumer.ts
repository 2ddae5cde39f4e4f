// Reads the secretariat's compacted control topic from the beginning into the trust store.
import type { Logger } from 'pino';
import { ControlRecordSchema, fromBinary } from '@corridor/contracts';
import { ConsumerHandle, KafkaClient } from '@corridor/platform';
import { TrustStore } from './trust.store';

export class ControlConsumer {
  private consumer?: ConsumerHandle;

  constructor(
    private readonly kafka: KafkaClient,
    private readonly trust: TrustStore,
    private readonly opts: { topic: string; groupId: string },
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    this.consumer = await this.kafka.consume({
      groupId: this.opts.groupId,
      topics: [this.opts.topic],
      fromBeginning: true,
      handleBatch: async (records) => {
        for (const r of records) {
          let record;
          try {
            record = fromBinary(ControlRecordSchema, r.value);
          } catch {
            this.logger.error({ offset: r.offset }, 'undecodable control record ignored');
            continue;
          }
          await this.trust.apply(record);
        }
      },
    });
  }

  async stop(): Promise<void> {
    if (this.consumer) {
      await this.kafka.stopConsumer(this.consumer);
    }
  }
}
