// Tears down what global-setup started, also after failures: the broker, its files, the run's databases.
import './module-paths';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stopBroker } from '../../scripts/lib/kafka-broker';
import { RUN_FILE } from './constants';
import { dropRunDatabases } from './databases';

const ROOT = path.join(__dirname, '..', '..');
/**
 * Temporary folders of e2e tests that sit (or once sat) directly in the system temp directory; none may outlive the
 * run. The run's own corridor-test-* folder is removed above; others belong to other runs.
 */
const TEMP_PREFIXES = ['corridor-cli-', 'corridor-demo-', 'corridor-net-'];

/**
 * Files this run left outside the repository: the results file (`--outputFile`), and folders in the system temp
 * directory made since the run started.
 */
function leftOutsideRepository(outputFile: string | undefined): string[] {
  const left: string[] = [];
  if (outputFile && path.relative(ROOT, path.resolve(outputFile)).startsWith('..')) {
    left.push(outputFile);
  }
  const startedMs = Number(process.env.CORRIDOR_TEST_RUN_STARTED_MS);
  if (!startedMs) {
    return left;
  }
  for (const name of fs.readdirSync(os.tmpdir())) {
    if (!TEMP_PREFIXES.some((prefix) => name.startsWith(prefix))) {
      continue;
    }
    const p = path.join(os.tmpdir(), name);
    try {
      if (fs.statSync(p).mtimeMs >= startedMs) {
        left.push(p);
      }
    } catch {
      // removed meanwhile
    }
  }
  return left;
}

export default async function globalTeardown(globalConfig: { outputFile?: string }): Promise<void> {
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
  fs.rmSync(RUN_FILE, { force: true });
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
  const left = leftOutsideRepository(globalConfig.outputFile);
  if (left.length) {
    throw new Error(
      `the run left files outside the repository: ${left.join(', ')} (results belong in test-artifacts/, ` +
        'temporary folders are removed after their tests)',
    );
  }
}
