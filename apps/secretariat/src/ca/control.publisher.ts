// Publishes control records (root, certificates, revocation lists, agreements) on the compacted control topic.
import { ControlRecord, ControlRecordSchema, create, toBinary } from '@corridor/contracts';
import { KafkaClient } from '@corridor/platform';

export class ControlPublisher {
  constructor(
    private readonly kafka: KafkaClient,
    readonly topic: string,
  ) {}

  async publish(record: Omit<ControlRecord, '$typeName' | 'publishedAtMs'>): Promise<void> {
    const msg = create(ControlRecordSchema, { ...record, publishedAtMs: BigInt(Date.now()) });
    await this.kafka.send(this.topic, [{ key: record.key, value: toBinary(ControlRecordSchema, msg) }]);
  }
}
