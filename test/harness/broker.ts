// Connection details of the run's broker, for tests: every client authenticates with a TLS certificate.
import { Kafka, logLevel } from 'kafkajs';
import { BrokerInfo, clientTls, readBrokerInfo, RegionalCaFiles } from '../../scripts/lib/kafka-broker';

export function testBroker(): BrokerInfo {
  const dir = process.env.CORRIDOR_TEST_BROKER_DIR;
  const info = dir ? readBrokerInfo(dir) : undefined;
  if (!info) {
    throw new Error(
      'no test broker: run e2e tests through jest --selectProjects e2e (global setup starts one)',
    );
  }
  return info;
}

/** The run's regional CA: it issued the broker's certificates, and every test network's secretariat uses it. */
export function testCa(): RegionalCaFiles {
  const dir = process.env.CORRIDOR_TEST_CA_DIR;
  const passphrase = process.env.CORRIDOR_TEST_CA_PASSPHRASE;
  if (!dir || !passphrase) {
    throw new Error('no test CA: run e2e tests through jest --selectProjects e2e (global setup makes one)');
  }
  return { dir, passphrase };
}

/** A kafkajs client authenticated as one of the run's principals (admin, gw-ne, …) by its TLS certificate. */
export function kafkaAs(principal: string, clientId = principal, broker: BrokerInfo = testBroker()): Kafka {
  return new Kafka({
    clientId,
    brokers: broker.brokers,
    ssl: clientTls(broker, principal),
    logLevel: logLevel.NOTHING,
  });
}

/** A unique topic prefix for this run, so runs against a shared broker never collide. */
export function topicPrefix(): string {
  return `corridor-${process.env.CORRIDOR_TEST_RUN_ID ?? 'local'}`;
}
