// Connection details of the run's broker, for tests.
import { Kafka, logLevel, SASLOptions } from 'kafkajs';
import { BrokerInfo, readBrokerInfo } from '../../scripts/lib/kafka-broker';

export function testBroker(): BrokerInfo {
  if (process.env.KAFKA_BROKERS) {
    return {
      dir: '',
      clientPort: 0,
      controllerPort: 0,
      brokers: process.env.KAFKA_BROKERS.split(','),
      admin: {
        username: process.env.KAFKA_ADMIN_USER ?? 'admin',
        password: process.env.KAFKA_ADMIN_PASSWORD ?? '',
      },
      users: JSON.parse(process.env.KAFKA_TEST_USERS ?? '{}') as Record<string, string>,
    };
  }
  const dir = process.env.CORRIDOR_TEST_BROKER_DIR;
  const info = dir ? readBrokerInfo(dir) : undefined;
  if (!info) {
    throw new Error(
      'no test broker: run e2e tests through jest --selectProjects e2e (global setup starts one)',
    );
  }
  return info;
}

export function saslFor(principal: string): SASLOptions {
  const info = testBroker();
  if (principal === 'admin') {
    return { mechanism: 'scram-sha-512', username: info.admin.username, password: info.admin.password };
  }
  const password = info.users[principal];
  if (!password) {
    throw new Error(`test principal ${principal} was not created by the harness`);
  }
  return { mechanism: 'scram-sha-512', username: principal, password };
}

export function kafkaAs(principal: string, clientId = principal): Kafka {
  return new Kafka({
    clientId,
    brokers: testBroker().brokers,
    sasl: saslFor(principal),
    logLevel: logLevel.NOTHING,
  });
}

/** A unique topic prefix for this run, so runs against a shared broker never collide. */
export function topicPrefix(): string {
  return `corridor-${process.env.CORRIDOR_TEST_RUN_ID ?? 'local'}`;
}
