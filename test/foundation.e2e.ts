// The real broker and the real database answer: a record makes a round trip through Kafka under mutual TLS
// with deny-by-default ACLs, and an entity makes a round trip through TypeORM on PostgreSQL.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import {
  AclOperationTypes,
  AclPermissionTypes,
  AclResourceTypes,
  Kafka,
  ResourcePatternTypes,
} from 'kafkajs';
import { Column, DataSource, Entity, PrimaryColumn } from 'typeorm';
import { queryPrepared } from '@corridor/platform';
import { kafkaAs, testBroker, topicPrefix } from './harness/broker';
import { createTestDatabase } from './harness/databases';

@Entity('probe')
class Probe {
  @PrimaryColumn('uuid') id!: string;
  @Column('text') label!: string;
  @Column('bytea') bytes!: Buffer;
}

describe('foundation: real Kafka broker', () => {
  const admin = kafkaAs('admin').admin();
  const topic = `${topicPrefix()}.foundation`;

  beforeAll(async () => {
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
  });
  afterAll(async () => {
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  });

  it('carries a record from a producer to a consumer group and back', async () => {
    const kafka = kafkaAs('admin', 'foundation-rt');
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    const consumer = kafka.consumer({ groupId: `${topic}.g`, maxWaitTimeInMs: 200, sessionTimeout: 6000 });
    await producer.connect();
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const value = randomUUID();
    const got = new Promise<string>((resolve) => {
      void consumer.run({ eachMessage: async ({ message }) => resolve(message.value?.toString() ?? '') });
    });
    await producer.send({ topic, acks: -1, messages: [{ key: 'k', value }] });
    await expect(got).resolves.toBe(value);
    await consumer.disconnect();
    await producer.disconnect();
  });

  it('refuses a principal with no ACL (deny by default), then allows it once an ACL is granted', async () => {
    const principal = 'gw-tn';
    const producer = kafkaAs(principal).producer({ retry: { retries: 0 } });
    await producer.connect();
    await expect(producer.send({ topic, messages: [{ value: 'x' }] })).rejects.toThrow(/authoriz/i);
    await admin.createAcls({
      acl: [
        {
          resourceType: AclResourceTypes.TOPIC,
          resourceName: topic,
          resourcePatternType: ResourcePatternTypes.LITERAL,
          principal: `User:${principal}`,
          host: '*',
          operation: AclOperationTypes.WRITE,
          permissionType: AclPermissionTypes.ALLOW,
        },
      ],
    });
    await expect(producer.send({ topic, messages: [{ value: 'y' }] })).resolves.toBeDefined();
    await producer.disconnect();
  });

  it('refuses a client without a certificate at the TLS handshake', async () => {
    const info = testBroker();
    const kafka = new Kafka({
      clientId: 'bad',
      brokers: info.brokers,
      ssl: { ca: fs.readFileSync(info.tls.caFile, 'utf8'), servername: '' },
      retry: { retries: 0 },
      connectionTimeout: 3000,
      logLevel: 0,
    });
    const admin2 = kafka.admin();
    await expect(admin2.connect()).rejects.toThrow(/certificate|alert|socket|Connection|closed/i);
  });
});

describe('foundation: real PostgreSQL through TypeORM', () => {
  let ds: DataSource;
  beforeAll(async () => {
    ds = new DataSource({
      type: 'postgres',
      url: await createTestDatabase('foundation'),
      entities: [Probe],
      synchronize: true,
    });
    await ds.initialize();
  });
  afterAll(async () => ds.destroy());

  it('writes an entity and reads it back', async () => {
    const id = randomUUID();
    await ds.getRepository(Probe).save({ id, label: 'Agadez', bytes: Buffer.from([0, 1, 255]) });
    const back = await ds.getRepository(Probe).findOneByOrFail({ id });
    expect(back.label).toBe('Agadez');
    expect([...back.bytes]).toEqual([0, 1, 255]);
  });

  it('prepares a hot-path statement once per connection (queryPrepared), in and out of a transaction', async () => {
    // A named statement is in pg_prepared_statements of its session while it runs; an unnamed one never is.
    const ask = (name: string) =>
      `select name, $1::int as n from pg_prepared_statements where name = '${name}'`;
    for (let i = 0; i < 3; i += 1) {
      expect(await queryPrepared(ds, 'corridor_probe', ask('corridor_probe'), [i])).toEqual([
        { name: 'corridor_probe', n: i },
      ]);
    }
    expect(await ds.query(ask('corridor_unnamed'), [1])).toEqual([]);
    const inTransaction = await ds.transaction((em) =>
      queryPrepared(em, 'corridor_probe_tx', ask('corridor_probe_tx'), [7]),
    );
    expect(inTransaction).toEqual([{ name: 'corridor_probe_tx', n: 7 }]);
    await expect(queryPrepared(ds.manager, 'corridor_probe', ask('corridor_probe'), [1])).rejects.toThrow(
      'not one of a transaction',
    );
  });
});
