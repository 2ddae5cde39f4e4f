// npm run kafka -- start|stop|status|fetch   (the project's own broker, state in .corridor/kafka)
import path from 'node:path';
import { fetchKafka, isAlive, readBrokerInfo, startBroker, stopBroker } from './lib/kafka-broker';
import { PrerequisiteError } from './lib/prereqs';

const dir = process.env.CORRIDOR_KAFKA_DIR ?? path.join(__dirname, '..', '.corridor', 'kafka');
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
        principals: ['secretariat'],
        progress: log,
      });
      log(
        `ready: brokers ${info.brokers.join(',')} (pid ${info.pid}); credentials in ${path.join(dir, 'broker.json')} (mode 600)`,
      );
      return;
    }
    case 'stop':
      log((await stopBroker(dir)) ? 'stopped' : 'not running');
      return;
    case 'status': {
      const info = readBrokerInfo(dir);
      log(
        info && isAlive(info.pid) ? `running (pid ${info.pid}) on ${info.brokers.join(',')}` : 'not running',
      );
      return;
    }
    default:
      throw new PrerequisiteError(`unknown verb "${verb}": use start, stop, status or fetch`);
  }
}

main().catch((err: unknown) => {
  console.error(`[kafka] error: ${(err as Error).message}`);
  process.exit(1);
});
