// A Kafka client as one of the network's principals (gw-ly, ...), with the TLS client certificate the harness
// issued for it from the run's CA: what a partner's gateway holds.
import { Kafka, logLevel } from 'kafkajs';
import { clientTls } from '../../scripts/lib/kafka-broker';
import { Network } from '../../scripts/lib/network';

export function adminKafkaFor(net: Network, principal: string): Kafka {
  return new Kafka({
    clientId: `hostile-${principal}`,
    brokers: net.opts.broker.brokers,
    ssl: clientTls(net.opts.broker, principal),
    logLevel: logLevel.NOTHING,
  });
}
