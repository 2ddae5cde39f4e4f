// Tears down what global-setup started, also after failures: the broker, its files, the run's databases.
import fs from 'node:fs';
import { stopBroker } from '../../scripts/lib/kafka-broker';
import { dropRunDatabases } from './databases';

export default async function globalTeardown(): Promise<void> {
  const runDir = process.env.CORRIDOR_TEST_RUN_DIR;
  if (process.env.CORRIDOR_TEST_BROKER_DIR) {
    await stopBroker(process.env.CORRIDOR_TEST_BROKER_DIR);
  }
  if (process.env.CORRIDOR_TEST_RUN_ID) {
    await dropRunDatabases(process.env.CORRIDOR_TEST_RUN_ID);
  }
  if (runDir && !process.env.CORRIDOR_KEEP_TEST_FILES) {
    fs.rmSync(runDir, { recursive: true, force: true });
  }
}
