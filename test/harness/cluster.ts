// A Kafka cluster of a test file's own: the run's broker (global setup, one node unless
// CORRIDOR_TEST_KAFKA_NODES=3) serves every other file; a file that needs three nodes, or proxies in front of the
// nodes, starts one here in beforeAll and stops it in afterAll. Same regional CA, same client principals.
import path from 'node:path';
import { BrokerInfo, readBrokerInfo, startBroker, stopBroker } from '../../scripts/lib/kafka-broker';
import { freePort } from '../../scripts/lib/prereqs';
import { TEST_PRINCIPALS } from './constants';
import { testCa } from './broker';
import { TcpProxy } from './proxy';

export interface TestCluster {
  info: BrokerInfo;
  /** one proxy per node, in node order (empty unless asked for): clients given info.viaBrokers go through them */
  proxies: TcpProxy[];
  /** the broker state as written now (pids change when nodes restart) */
  current(): BrokerInfo;
  stop(): Promise<void>;
}

let count = 0;

export async function startTestCluster(opts: {
  label: string;
  nodes: 1 | 3;
  /** put a TCP proxy in front of every node, on the advertised path of a second client listener */
  proxies?: boolean;
}): Promise<TestCluster> {
  const runDir = process.env.CORRIDOR_TEST_RUN_DIR;
  if (!runDir) {
    throw new Error('no test run: run e2e tests through jest --selectProjects e2e (global setup makes one)');
  }
  const dir = path.join(runDir, `kafka-${opts.label}-${count++}`);
  const proxyPorts = opts.proxies
    ? await Promise.all(Array.from({ length: opts.nodes }, () => freePort()))
    : undefined;
  const ports = await Promise.all(
    Array.from({ length: opts.nodes }, async () => ({
      clientPort: await freePort(),
      controllerPort: await freePort(),
    })),
  );
  let info: BrokerInfo;
  try {
    info = await startBroker({
      dir,
      clientPort: ports[0].clientPort,
      controllerPort: ports[0].controllerPort,
      ports,
      nodes: opts.nodes,
      ca: testCa(),
      principals: TEST_PRINCIPALS,
      proxyPorts,
      progress: (l) => process.stdout.write(`[cluster ${opts.label}] ${l}\n`),
      timeoutMs: 180_000,
    });
  } catch (err) {
    await stopBroker(dir, 10_000);
    throw err;
  }
  const proxies = (proxyPorts ?? []).map(
    (p, i) => new TcpProxy(p, { host: '127.0.0.1', port: info.nodes[i].via!.port }),
  );
  for (const p of proxies) {
    await p.start();
  }
  return {
    info,
    proxies,
    current: () => readBrokerInfo(dir)!,
    stop: async () => {
      await Promise.all(proxies.map((p) => p.stop()));
      await stopBroker(dir, 15_000);
    },
  };
}
