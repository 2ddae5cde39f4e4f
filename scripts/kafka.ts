// npm run kafka -- start|stop|status|certs|fetch   (the project's own broker, state in .corridor/kafka)
//   KAFKA_NODES=3 npm run kafka -- start   a three-node KRaft cluster (replication factor 3, min.insync.replicas 2)
import path from 'node:path';
import {
  fetchKafka,
  isAlive,
  issueBrokerCertificates,
  readBrokerInfo,
  startBroker,
  stopBroker,
} from './lib/kafka-broker';
import { regionalCa } from './lib/network';
import { PrerequisiteError } from './lib/prereqs';

const home = process.env.CORRIDOR_HOME ?? path.join(__dirname, '..', '.corridor');
const dir = process.env.CORRIDOR_KAFKA_DIR ?? path.join(home, 'kafka');
// The demo's regional CA (the secretariat's): it issues the nodes' and the operator's TLS certificates.
const caHome = path.join(home, 'network');
const log = (line: string): void => console.log(`[kafka] ${line}`);

async function main(): Promise<void> {
  const verb = process.argv[2] ?? 'status';
  switch (verb) {
    case 'fetch':
      log(`jars in ${fetchKafka(log)}`);
      return;
    case 'start': {
      const info = await startBroker({
        dir,
        clientPort: Number(process.env.KAFKA_PORT ?? 19092),
        controllerPort: Number(process.env.KAFKA_CONTROLLER_PORT ?? 19093),
        nodes: Number(process.env.KAFKA_NODES ?? 1),
        ca: await regionalCa(caHome),
        progress: log,
      });
      log(
        `ready: brokers ${info.brokers.join(',')}, controllers ${info.controllers.join(',')} (mutual TLS 1.3; ` +
          `root ${info.tls.caFile}, operator certificate ${info.tls.clients.admin.certFile})`,
      );
      return;
    }
    case 'certs': {
      const info = readBrokerInfo(dir);
      if (!info?.nodes) {
        throw new PrerequisiteError(`no broker in ${dir}: npm run kafka -- start`);
      }
      await issueBrokerCertificates(info, await regionalCa(caHome), { progress: log });
      log(
        'issued new TLS certificates for every node and client of the broker; restart it: npm run kafka -- stop, start',
      );
      return;
    }
    case 'stop':
      log((await stopBroker(dir)) ? 'stopped' : 'not running');
      return;
    case 'status': {
      const info = readBrokerInfo(dir);
      const nodes = info?.nodes ?? [];
      log(
        nodes.length
          ? nodes
              .map(
                (n) =>
                  `node ${n.id} ${isAlive(n.pid) ? `running (pid ${n.pid})` : 'stopped'} on 127.0.0.1:${n.clientPort}`,
              )
              .join('; ')
          : 'not running',
      );
      return;
    }
    default:
      throw new PrerequisiteError(`unknown verb "${verb}": use start, stop, status, certs or fetch`);
  }
}

main().catch((err: unknown) => {
  console.error(`[kafka] error: ${(err as Error).message}`);
  process.exit(1);
});
