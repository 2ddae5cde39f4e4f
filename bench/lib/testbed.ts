// A private Corridor network for one benchmark: its own Kafka broker, the secretariat and the LY and IT
// gateways (real processes from dist/), an active LY<->IT agreement; everything released by the cleanup registry.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { BrokerInfo, startBroker, stopBroker } from '../../scripts/lib/kafka-broker';
import { initCa } from '../../apps/cli/src/pki-files';
import { AgreementSpec, Network } from '../../scripts/lib/network';
import { freePort, requirePostgres } from '../../scripts/lib/prereqs';
import { onCleanup } from './cleanup';
import { CommitClock } from './commit-clock';
import { pidsNamed } from './cpu';

export const ADMIN_DATABASE_URL =
  process.env.DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export const ALL_CATEGORIES = [
  'ROUTE',
  'DOCUMENT',
  'SUSPECT',
  'FINANCIAL_FLOW',
  'PROTECTION_REFERRAL',
  'BULLETIN',
];

export interface Testbed {
  dir: string;
  broker: BrokerInfo;
  net: Network;
  topicPrefix: string;
  /** prints the last error line of each process log, for a failed run */
  describeFailure(log: (line: string) => void): void;
}

/** Drops every database whose name starts with `prefix` (connections are closed by force). */
export async function dropDatabases(prefix: string): Promise<string[]> {
  const admin = new Client({ connectionString: ADMIN_DATABASE_URL });
  await admin.connect();
  try {
    const { rows } = await admin.query<{ datname: string }>(
      'select datname from pg_database where left(datname, length($1)) = $1',
      [prefix],
    );
    for (const r of rows) {
      await admin.query(`drop database if exists "${r.datname}" with (force)`);
    }
    return rows.map((r) => r.datname);
  } finally {
    await admin.end();
  }
}

/** LY and IT, every category up to RED both ways: the exchange and desk benchmarks' network. */
const LY_IT: AgreementSpec[] = [
  {
    parties: ['LY', 'IT'],
    purpose: 'benchmark: every category up to RED, both ways',
    directions: [
      { from: 'LY', to: 'IT', categories: ALL_CATEGORIES, maxClassification: 'RED' },
      { from: 'IT', to: 'LY', categories: ALL_CATEGORIES, maxClassification: 'RED' },
    ],
  },
];

export async function startTestbed({
  name,
  log,
  gatewayEnv = {},
  countries = ['LY', 'IT'],
  agreements = LY_IT,
}: {
  name: string;
  log: (line: string) => void;
  gatewayEnv?: Record<string, string>;
  countries?: string[];
  agreements?: AgreementSpec[];
}): Promise<Testbed> {
  await requirePostgres(ADMIN_DATABASE_URL);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `corridor-bench-${name}-`));
  onCleanup(`temporary directory ${dir}`, async () => fs.rmSync(dir, { recursive: true, force: true }));
  const databasePrefix = `corridor_bench_${randomBytes(4).toString('hex')}_`;
  onCleanup(`databases ${databasePrefix}*`, async () => {
    const dropped = await dropDatabases(databasePrefix);
    log(`dropped ${dropped.length} databases ${databasePrefix}*`);
  });
  const brokerDir = path.join(dir, 'kafka');
  onCleanup('Kafka broker', async () => {
    if (await stopBroker(brokerDir)) {
      log('Kafka broker stopped');
    }
  });

  log('starting a private Kafka broker on 127.0.0.1 …');
  // The benchmark's own regional CA: it issues the broker's certificates and every client's (mutual TLS).
  const ca = { dir: path.join(dir, 'ca'), passphrase: randomBytes(24).toString('base64url') };
  await initCa({ dir: ca.dir, passphrase: ca.passphrase });
  const broker = await startBroker({
    dir: brokerDir,
    clientPort: await freePort(),
    controllerPort: await freePort(),
    ca,
    principals: ['secretariat', ...countries.map((c) => `gw-${c.toLowerCase()}`)],
    // the plaintext baseline of the TLS cost (bench/lib/kafka-bare.ts): a PLAINTEXT listener on this broker only
    benchPlaintext: true,
    progress: log,
  });
  const topicPrefix = 'bench';
  const net = new Network({
    dir: path.join(dir, 'network'),
    broker,
    ca,
    topicPrefix,
    databasePrefix,
    databaseAdminUrl: ADMIN_DATABASE_URL,
    countries,
    agreements,
    gatewayEnv: {
      LOG_LEVEL: 'info',
      // The API rate limit protects a gateway from one client; the benchmark is that one client on purpose.
      RATE_LIMIT_PER_MINUTE: '1000000',
      // e.g. "--require /path/to/profiler.js" to profile the gateways during a benchmark
      ...(process.env.CORRIDOR_BENCH_GATEWAY_NODE_OPTIONS
        ? { NODE_OPTIONS: process.env.CORRIDOR_BENCH_GATEWAY_NODE_OPTIONS }
        : {}),
      ...gatewayEnv,
    },
    progress: log,
  });
  onCleanup('Corridor processes', async () => {
    await net.stop().catch(async () => net.kill());
    log('secretariat and gateways stopped');
  });
  await net.start();
  for (const a of agreements) {
    await net.waitForAgreement(a.parties[0], a.parties[1]);
    await net.waitForAgreement(a.parties[1], a.parties[0]);
  }
  log(
    `network ready: secretariat, gateways ${countries.join(', ')}, agreements ${agreements.map((a) => a.parties.join('<->')).join(', ')} active on both sides`,
  );
  return {
    dir,
    broker,
    net,
    topicPrefix,
    describeFailure: (print) => {
      const processes = [net.secretariat, ...Object.values(net.gateways).map((g) => g.process)];
      for (const p of processes.filter((x) => x !== undefined)) {
        print(`${p.name} log: ${p.logTail()}`);
      }
    },
  };
}

/** A ROUTE alert for IT as an agency at LY would publish it (~1 KB of JSON). */
export function routeAlertBody(n: number): Record<string, unknown> {
  const at = (place: string, country: string, lat: number, lon: number) => ({
    place,
    country,
    point: { lat, lon },
  });
  return {
    category: 'ROUTE',
    priority: 'URGENT',
    classification: 'AMBER',
    handling: 'H2',
    recipients: ['IT'],
    title: `Convoy leaving Agadez towards Sabha (bench ${n})`,
    route: {
      originCountry: 'NE',
      origin: at('Agadez', 'NE', 16.97, 7.99),
      transit: [
        at('Dirkou', 'NE', 18.99, 12.89),
        at('Sabha', 'LY', 27.04, 14.43),
        at('Zuwara', 'LY', 32.93, 12.08),
      ],
      destinationCountry: 'IT',
      destination: at('Lampedusa', 'IT', 35.5, 12.6),
      transportMode: 'LAND_THEN_SEA',
      modusOperandi: 'NIGHT_CONVOYS',
      pricePerPersonUsd: 2500,
      estimatedPeople: 120,
      risksToLife: ['DESERT_WITHOUT_WATER', 'OVERCROWDED_BOAT'],
      note: 'pick-ups leave at night in convoys of 5-10 vehicles, then rubber boats',
    },
  };
}

export interface PublishOutcome {
  status: number;
  alertId?: string;
  detail?: string;
}

/**
 * Kept-alive connections for the load generator. node:http costs this process about a third of the CPU per request
 * of fetch (undici) here (0.48 vs 1.52 ms per alert in the sustained phase), and the load generator shares the two
 * cores with what it measures. Idle sockets close after 4 s, before the server's 5 s keep-alive timeout, so a request
 * never goes out on a socket the server is closing.
 */
const keepAlive = new http.Agent({ keepAlive: true, maxSockets: 32, timeout: 4000 });

/** POST /v1/alerts; never throws for an HTTP status, only for a transport error. */
export async function publishAlert({
  gatewayUrl,
  token,
  body,
}: {
  gatewayUrl: string;
  token: string;
  body: Record<string, unknown>;
}): Promise<PublishOutcome> {
  const payload = Buffer.from(JSON.stringify(body));
  const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
    const req = http.request(
      `${gatewayUrl}/v1/alerts`,
      {
        method: 'POST',
        agent: keepAlive,
        headers: {
          'content-type': 'application/json',
          'content-length': payload.length,
          authorization: `Bearer ${token}`,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
  if (status !== 202) {
    return { status, detail: text.slice(0, 200) };
  }
  return { status, alertId: (JSON.parse(text) as { id: string }).id };
}

/** desk_feed seq -> alert id at a gateway, for the given seqs. */
export async function alertIdsOfFeed({
  databaseUrl,
  seqs,
}: {
  databaseUrl: string;
  seqs: number[];
}): Promise<Map<number, string>> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ seq: string; alert_id: string }>(
      'select f.seq, i.alert_id from desk_feed f join inbox i on i.seq = f.inbox_seq where f.seq = any($1::bigint[])',
      [seqs],
    );
    return new Map(rows.map((r) => [Number(r.seq), r.alert_id]));
  } finally {
    await client.end();
  }
}

export interface StageTimes {
  /** LY: the alert's transaction (alert row, outbox row, log leaf) started */
  queuedAtMs: number;
  /** LY: the relay marked the outbox row SENT (after the broker acknowledged) */
  sentAtMs: number;
  /** IT: the inbox transaction started (envelope opened and checked) */
  receivedAtMs: number;
}

/** Wall-clock stage times of delivered alerts, from the two gateways' own rows (PostgreSQL now()). */
export async function stageTimes({
  senderDatabaseUrl,
  recipientDatabaseUrl,
  alertIds,
}: {
  senderDatabaseUrl: string;
  recipientDatabaseUrl: string;
  alertIds: string[];
}): Promise<Map<string, StageTimes>> {
  const query = async <T>(url: string, text: string): Promise<T[]> => {
    const client = new Client({ connectionString: url });
    await client.connect();
    try {
      return (await client.query(text, [alertIds])).rows as T[];
    } finally {
      await client.end();
    }
  };
  const sent = await query<{ alert_id: string; queued_at: Date; sent_at: Date | null }>(
    senderDatabaseUrl,
    "select alert_id, queued_at, sent_at from outbox where kind = 'ALERT' and alert_id = any($1::uuid[])",
  );
  const received = await query<{ alert_id: string; received_at: Date }>(
    recipientDatabaseUrl,
    "select alert_id, received_at from inbox where kind = 'ALERT' and alert_id = any($1::uuid[])",
  );
  const receivedAt = new Map(received.map((r) => [r.alert_id, r.received_at.getTime()]));
  const out = new Map<string, StageTimes>();
  for (const r of sent) {
    const at = receivedAt.get(r.alert_id);
    if (r.sent_at && at !== undefined) {
      out.set(r.alert_id, {
        queuedAtMs: r.queued_at.getTime(),
        sentAtMs: r.sent_at.getTime(),
        receivedAtMs: at,
      });
    }
  }
  return out;
}

/** The processes of a testbed by role, for CPU accounting (PostgreSQL: every backend on the machine). */
export function processGroups(bed: Testbed): () => Record<string, number[]> {
  const pid = (p: { child?: { pid?: number } } | undefined): number[] => (p?.child?.pid ? [p.child.pid] : []);
  return () => ({
    'gateway LY': pid(bed.net.gateways.LY?.process),
    'gateway IT': pid(bed.net.gateways.IT?.process),
    secretariat: pid(bed.net.secretariat),
    Kafka: bed.broker.pid ? [bed.broker.pid] : [],
    'PostgreSQL (all backends)': pidsNamed('postgres'),
    'bench process (load, clients)': [process.pid],
  });
}

/** What a benchmark measures with: the testbed, the clock of IT's inbox commits, its progress log. */
export interface BenchRun {
  bed: Testbed;
  clock: CommitClock;
  log: (line: string) => void;
}

/**
 * Starts the testbed and a clock of IT's inbox commits (LISTEN on the desk channel), runs `measure`, and on a
 * failure prints the processes' last log lines. Both are released by the cleanup steps.
 */
export async function onTestbed(
  name: string,
  log: (line: string) => void,
  measure: (run: BenchRun) => Promise<void>,
  gatewayEnv: Record<string, string> = {},
): Promise<void> {
  const bed = await startTestbed({ name, log, gatewayEnv });
  try {
    const clock = await CommitClock.start({
      databaseUrl: bed.net.gateways.IT.databaseUrl,
      channel: 'corridor_desk',
    });
    onCleanup('LISTEN worker', () => clock.stop());
    await measure({ bed, clock, log });
  } catch (err) {
    bed.describeFailure(log);
    throw err;
  }
}
