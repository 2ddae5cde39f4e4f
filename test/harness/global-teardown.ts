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
  // Jest sometimes reports that it "did not exit one second after the test run has completed". If this process is
  // still alive a moment after teardown, name what keeps it alive (resource types, socket peers), for the next reader.
  setTimeout(() => {
    const handles = (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles();
    const peers = handles
      .filter((h): h is { remoteAddress: string; remotePort: number; localPort: number } => {
        return typeof (h as { remotePort?: unknown }).remotePort === 'number';
      })
      .map((h) => `${h.localPort}->${h.remoteAddress}:${h.remotePort}`);
    process.stdout.write(
      `\n[harness] still running after teardown; active resources: ${process.getActiveResourcesInfo().join(', ')}` +
        `${peers.length ? `; sockets: ${peers.join(', ')}` : ''}\n`,
    );
  }, 800).unref();
}
