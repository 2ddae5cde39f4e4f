// Starts a real Corridor network (secretariat + gateways as processes) on the run's broker and databases.
import fs from 'node:fs';
import path from 'node:path';
import type { BrokerInfo } from '../../scripts/lib/kafka-broker';
import { AgreementSpec, MachineKind, Network } from '../../scripts/lib/network';
import { ADMIN_DATABASE_URL } from './constants';
import { testBroker, testCa, topicPrefix } from './broker';

let counter = 0;

/** A network with its own topic prefix and databases, so several suites can share the run's broker. */
export async function startTestNetwork(opts: {
  label: string;
  countries: string[];
  agreements: AgreementSpec[];
  gatewayEnv?: Record<string, string>;
  gatewayEnvByCountry?: Record<string, Record<string, string>>;
  gatewayEnvFor?: (country: string) => Record<string, string>;
  devTokens?: boolean;
  machineToken?: (country: string, kind: MachineKind) => Promise<string>;
  secretariatEnv?: Record<string, string>;
  secretariatToken?: () => Promise<string>;
  /** a cluster of the test file's own (harness/cluster.ts); default: the run's broker */
  broker?: BrokerInfo;
}): Promise<Network> {
  const runDir = process.env.CORRIDOR_TEST_RUN_DIR ?? fs.mkdtempSync('/tmp/corridor-net-');
  const id = `${opts.label}${counter++}`.toLowerCase().replace(/[^a-z0-9]/g, '');
  const dir = path.join(runDir, `net-${id}`);
  const artifacts = path.join(process.cwd(), 'test-artifacts', 'logs');
  fs.mkdirSync(artifacts, { recursive: true });
  const net = new Network({
    dir,
    broker: opts.broker ?? testBroker(),
    ca: testCa(),
    topicPrefix: `${topicPrefix()}.${id}`,
    databasePrefix: `corridor_${process.env.CORRIDOR_TEST_RUN_ID ?? 'local'}_${id}_`,
    databaseAdminUrl: ADMIN_DATABASE_URL,
    countries: opts.countries,
    agreements: opts.agreements,
    gatewayEnv: {
      TREE_HEAD_INTERVAL_MS: '2000',
      OUTBOX_POLL_MS: '100',
      LOG_LEVEL: 'info',
      ...opts.gatewayEnv,
    },
    gatewayEnvByCountry: opts.gatewayEnvByCountry,
    gatewayEnvFor: opts.gatewayEnvFor,
    devTokens: opts.devTokens,
    machineToken: opts.machineToken,
    secretariatEnv: opts.secretariatEnv,
    secretariatToken: opts.secretariatToken,
  });
  try {
    await net.start();
    for (const a of opts.agreements) {
      await net.waitForAgreement(a.parties[0], a.parties[1]);
      await net.waitForAgreement(a.parties[1], a.parties[0]);
    }
  } catch (err) {
    await net.kill();
    copyLogs(dir, artifacts, id);
    throw err;
  }
  const stop = net.stop.bind(net);
  net.stop = async () => {
    await stop();
    copyLogs(dir, artifacts, id);
  };
  return net;
}

function copyLogs(dir: string, to: string, id: string): void {
  const logs = path.join(dir, 'logs');
  if (fs.existsSync(logs)) {
    for (const f of fs.readdirSync(logs)) {
      fs.copyFileSync(path.join(logs, f), path.join(to, `${id}-${f}`));
    }
  }
}

/** Thrown from an `eventually` check to stop waiting at once (the awaited thing can no longer happen). */
export class GiveUp extends Error {}

/** Polls until `check` returns a value (not undefined), or fails after the bound naming what was awaited. */
export async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs = 20_000,
  everyMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await check();
      if (v !== undefined) {
        return v;
      }
    } catch (err) {
      if (err instanceof GiveUp) {
        throw err;
      }
      last = err;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(
    `timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ''}`,
  );
}

/** Publishes an alert at a gateway as an agency; fails with the problem document unless the answer is 202. */
export async function publishAlert(
  net: Network,
  country: string,
  body: Record<string, unknown>,
): Promise<string> {
  const token = net.gateways[country].token({ roles: ['publisher'] });
  const res = await fetch(`${net.gateways[country].url}/v1/alerts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status !== 202) {
    throw new Error(`publish at ${country} answered ${res.status}: ${text}`);
  }
  return (JSON.parse(text) as { id: string }).id;
}
