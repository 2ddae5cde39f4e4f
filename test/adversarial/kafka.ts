// A Kafka client as one of the network's principals (gw-ly, ...), with the SCRAM credentials the broker was
// formatted with: what a partner's gateway holds.
import { Kafka, logLevel } from 'kafkajs';
import { Network } from '../../scripts/lib/network';

export function adminKafkaFor(net: Network, principal: string): Kafka {
  const password = net.opts.broker.users[principal];
  if (!password) {
    throw new Error(`no SCRAM user ${principal} on this broker: start it with that principal`);
  }
  return new Kafka({
    clientId: `hostile-${principal}`,
    brokers: net.opts.broker.brokers,
    sasl: { mechanism: 'scram-sha-512', username: principal, password },
    logLevel: logLevel.NOTHING,
  });
}
