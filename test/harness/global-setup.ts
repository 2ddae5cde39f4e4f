// Makes the run's regional CA, starts the run's OWN Kafka broker (mutual TLS, certificates from that CA) on free
// ports, and checks PostgreSQL.
import './module-paths';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { initCa } from '../../apps/cli/src/pki-files';
import { startBroker, stopBroker, readBrokerInfo, isAlive } from '../../scripts/lib/kafka-broker';
import { freePort, requirePostgres } from '../../scripts/lib/prereqs';
import { ADMIN_DATABASE_URL, RUN_FILE, TEST_PRINCIPALS } from './constants';

interface RunState {
  runId: string;
  ownerPid: number;
  brokerDir?: string;
}

/**
 * Gateways and secretariats a killed run left running: each writes its stdout to a log file in the run's
 * directory, so /proc tells which ones belong to that run. Returns how many were killed.
 */
function killProcessesLoggingInto(dir: string): number {
  if (!fs.existsSync('/proc')) {
    return 0;
  }
  let killed = 0;
  for (const pid of fs.readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      if (fs.readlinkSync(`/proc/${pid}/fd/1`).startsWith(dir + path.sep)) {
        process.kill(Number(pid), 'SIGKILL');
        killed++;
      }
    } catch {
      // gone meanwhile, or not ours to inspect
    }
  }
  return killed;
}

/** Brokers and processes left by a run that was killed (its jest process is gone) are stopped and removed. */
async function reapStaleRuns(): Promise<void> {
  for (const name of fs.readdirSync(os.tmpdir()).filter((n) => n.startsWith('corridor-test-'))) {
    const dir = path.join(os.tmpdir(), name);
    const statePath = path.join(dir, 'run.json');
    if (!fs.existsSync(statePath)) {
      continue;
    }
    const state = JSON.parse(fs.readFileSync(statePath, 'utf8')) as RunState;
    if (isAlive(state.ownerPid)) {
      continue;
    }
    const orphans = killProcessesLoggingInto(dir);
    if (orphans > 0) {
      process.stdout.write(`\n[harness] killed ${orphans} process(es) left running by an interrupted run`);
    }
    if (state.brokerDir && isAlive(readBrokerInfo(state.brokerDir)?.pid)) {
      await stopBroker(state.brokerDir, 10_000);
    }
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export default async function globalSetup(): Promise<void> {
  // Global teardown checks that nothing made since this moment is left in the system temp directory.
  process.env.CORRIDOR_TEST_RUN_STARTED_MS = String(Date.now());
  await reapStaleRuns();
  // e2e tests run the apps as real processes from dist/: build it (a few seconds) unless the caller just did.
  if (!process.env.CORRIDOR_SKIP_BUILD) {
    process.stdout.write('\n[harness] building dist/ …');
    const r = spawnSync('npm', ['run', '--silent', 'build'], { stdio: 'inherit' });
    if (r.status !== 0) {
      throw new Error('build failed: fix the compile errors above, then rerun the tests');
    }
  }
  await requirePostgres(ADMIN_DATABASE_URL);
  const runId = `t${Date.now().toString(36)}${Math.floor(Math.random() * 1296).toString(36)}`;
  const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'corridor-test-'));
  const state: RunState = { runId, ownerPid: process.pid };
  process.env.CORRIDOR_TEST_RUN_ID = runId;
  process.env.CORRIDOR_TEST_RUN_DIR = runDir;
  const ca = { dir: path.join(runDir, 'ca'), passphrase: randomBytes(24).toString('base64url') };
  // CORRIDOR_TEST_ROOT_KEY=ec runs the whole suite on a P-256 regional root (broker, gateways, CRLs).
  const rootKeyType = process.env.CORRIDOR_TEST_ROOT_KEY === 'ec' ? 'ec' : 'rsa';
  await initCa({ dir: ca.dir, passphrase: ca.passphrase, keyType: rootKeyType });
  process.stdout.write(`\n[harness] regional root: ${rootKeyType === 'ec' ? 'ECDSA P-256' : 'RSA-3072'}`);
  process.env.CORRIDOR_TEST_CA_DIR = ca.dir;
  process.env.CORRIDOR_TEST_CA_PASSPHRASE = ca.passphrase;
  const brokerDir = path.join(runDir, 'kafka');
  state.brokerDir = brokerDir;
  fs.writeFileSync(path.join(runDir, 'run.json'), JSON.stringify(state));
  const started = Date.now();
  const nodes = Number(process.env.CORRIDOR_TEST_KAFKA_NODES ?? 1);
  const info = await startBroker({
    dir: brokerDir,
    clientPort: await freePort(),
    controllerPort: await freePort(),
    nodes,
    ca,
    principals: TEST_PRINCIPALS,
    progress: (l) => process.stdout.write(`\n[harness] ${l}`),
  });
  process.stdout.write(`\n[harness] broker ready in ${Date.now() - started} ms\n`);
  process.env.CORRIDOR_TEST_BROKER_DIR = info.dir;
  fs.writeFileSync(path.join(runDir, 'run.json'), JSON.stringify(state));
  fs.mkdirSync(path.dirname(RUN_FILE), { recursive: true });
  fs.writeFileSync(RUN_FILE, JSON.stringify({ runDir }));
}
