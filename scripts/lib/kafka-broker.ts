// A real Apache Kafka cluster from Apache's jars on Maven Central: one node (default) or three, each a combined
// KRaft controller+broker. Every listener (clients, replication, controller quorum) is TLS 1.3 with client
// certificates from the regional CA; the StandardAuthorizer denies by default, so ACLs are real.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type tls from 'node:tls';
import {
  AclOperationTypes,
  AclPermissionTypes,
  AclResourceTypes,
  Kafka,
  logLevel,
  ResourcePatternTypes,
} from 'kafkajs';
import { decryptPrivateKey, KAFKA_PRINCIPAL_MAPPING_RULES } from '@corridor/pki';
import { applyKafkajsIdleFix, transportIdentityProblem } from '@corridor/platform';
import { issueKafkaIdentity, writePkcs12Keystore } from '../../apps/cli/src/pki-files';
import { freePort, PrerequisiteError, requireJava, requireMaven, requirePortFree } from './prereqs';

export const KAFKA_VERSION = '4.1.1';
const POM = path.join(__dirname, '..', 'kafka', 'pom.xml');

/** A client identity on the broker: a transport certificate and its encrypted key (passphrase in broker.json). */
export interface TlsIdentity {
  certFile: string;
  keyFile: string;
}

export interface BrokerNode {
  id: number;
  clientPort: number;
  controllerPort: number;
  /**
   * A second client listener (VIA) for clients that reach this node through a TCP proxy (the fault tests' cut and
   * delayed links): it listens on `port` and advertises `advertisedPort`, the proxy's, so that clients which
   * bootstrap through the proxy also reconnect through it after metadata.
   */
  via?: { port: number; advertisedPort: number };
  /**
   * Benchmark only (bench/lib/testbed.ts): an unauthenticated PLAINTEXT listener, so that the TLS cost can be
   * measured against a bare plaintext round trip on the same broker. Never set by the demo, the tests or deploy/.
   */
  plaintextPort?: number;
  pid?: number;
}

export interface BrokerInfo {
  dir: string;
  /** the client port of node 1 (the single node's) */
  clientPort: number;
  controllerPort: number;
  /** bootstrap servers: every node's client listener */
  brokers: string[];
  /** every node's controller listener (Kafka's --bootstrap-controller) */
  controllers: string[];
  /** bootstrap servers through the proxies (the VIA listeners' advertised addresses), when the nodes have them */
  viaBrokers?: string[];
  nodes: BrokerNode[];
  /** pid of node 1 */
  pid?: number;
  tls: {
    /** the regional root: every listener's truststore, every client's CA */
    caFile: string;
    /** passphrase of every key the script wrote into this directory (mode 600 file) */
    keyPassphrase: string;
    /** client identities by principal: admin (the operator), the nodes, and principals asked for */
    clients: Record<string, TlsIdentity>;
  };
}

/** The regional CA that issues the broker's and its clients' transport certificates. */
export interface RegionalCaFiles {
  dir: string;
  passphrase: string;
}

type Progress = (line: string) => void;

const TLS_PROTOCOL = 'TLSv1.3';
const CERT_COMMAND = 'npm run kafka -- certs';

export function cacheDir(): string {
  return process.env.CORRIDOR_CACHE ?? path.join(os.homedir(), '.cache', 'corridor');
}

export function jarsDir(): string {
  return path.join(cacheDir(), `kafka-${KAFKA_VERSION}`, 'libs');
}

/** Fetches the broker jars with mvn into the cache once; later calls return at once. */
export function fetchKafka(progress: Progress = () => undefined): string {
  const dir = jarsDir();
  const marker = path.join(dir, '.complete');
  if (fs.existsSync(marker)) {
    return dir;
  }
  requireJava();
  requireMaven();
  progress(`fetching Apache Kafka ${KAFKA_VERSION} jars from Maven Central into ${dir} (first time only)…`);
  fs.mkdirSync(dir, { recursive: true });
  const r = spawnSync(
    'mvn',
    [
      '-q',
      '-B',
      '-f',
      POM,
      'dependency:copy-dependencies',
      '-DincludeScope=runtime',
      `-DoutputDirectory=${dir}`,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' },
  );
  if (r.status !== 0) {
    const tail = `${r.stdout}${r.stderr}`.split('\n').slice(-5).join(' ');
    throw new PrerequisiteError(
      `mvn could not fetch the Kafka jars (${tail.trim()}): check that Maven Central is reachable, then retry`,
    );
  }
  fs.writeFileSync(marker, new Date().toISOString());
  progress(`fetched ${fs.readdirSync(dir).length - 1} jars`);
  return dir;
}

function java(args: string[], opts: { cwd: string }): { status: number | null; output: string } {
  const r = spawnSync('java', ['-Xmx256m', '-cp', `${jarsDir()}/*`, ...args], {
    cwd: opts.cwd,
    encoding: 'utf8',
  });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

export function nodePrincipal(id: number): string {
  return `kafka-node-${id}`;
}

function nodeDir(info: BrokerInfo, id: number): string {
  return path.join(info.dir, `node-${id}`);
}

function keystoreFile(info: BrokerInfo, id: number): string {
  return path.join(nodeDir(info, id), 'keystore.p12');
}

function serverProperties(info: BrokerInfo, node: BrokerNode): string {
  const n = info.nodes.length;
  const voters = info.nodes.map((x) => `${x.id}@127.0.0.1:${x.controllerPort}`).join(',');
  const isr = n > 1 ? 2 : 1;
  const extra = (name: string, port: number | undefined) => (port ? `,${name}://127.0.0.1:${port}` : '');
  return [
    'process.roles=broker,controller',
    `node.id=${node.id}`,
    `controller.quorum.voters=${voters}`,
    `listeners=CLIENT://127.0.0.1:${node.clientPort},CONTROLLER://127.0.0.1:${node.controllerPort}` +
      extra('VIA', node.via?.port) +
      extra('BENCHPLAIN', node.plaintextPort),
    `advertised.listeners=CLIENT://127.0.0.1:${node.clientPort}` +
      extra('VIA', node.via?.advertisedPort) +
      extra('BENCHPLAIN', node.plaintextPort),
    // Every listener is TLS with a client certificate required: clients, replication between the nodes (CLIENT is
    // also the inter-broker listener), the controller quorum, and the proxied client listener of the fault tests.
    `listener.security.protocol.map=CLIENT:SSL,CONTROLLER:SSL${node.via ? ',VIA:SSL' : ''}` +
      (node.plaintextPort ? ',BENCHPLAIN:PLAINTEXT' : ''),
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=CLIENT',
    'ssl.keystore.type=PKCS12',
    `ssl.keystore.location=${keystoreFile(info, node.id)}`,
    `ssl.keystore.password=${info.tls.keyPassphrase}`,
    `ssl.key.password=${info.tls.keyPassphrase}`,
    'ssl.truststore.type=PEM',
    `ssl.truststore.location=${info.tls.caFile}`,
    'ssl.client.auth=required',
    `ssl.protocol=${TLS_PROTOCOL}`,
    `ssl.enabled.protocols=${TLS_PROTOCOL}`,
    'ssl.endpoint.identification.algorithm=https',
    `ssl.principal.mapping.rules=${KAFKA_PRINCIPAL_MAPPING_RULES}`,
    'authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer',
    'allow.everyone.if.no.acl.found=false',
    // Only the nodes themselves; the operator (User:admin) gets its rights as ACLs, and ANONYMOUS nothing.
    `super.users=${info.nodes.map((x) => `User:${nodePrincipal(x.id)}`).join(';')}`,
    `log.dirs=${path.join(nodeDir(info, node.id), 'data')}`,
    'auto.create.topics.enable=false',
    'num.partitions=1',
    `default.replication.factor=${n}`,
    `min.insync.replicas=${isr}`,
    'unclean.leader.election.enable=false',
    `offsets.topic.replication.factor=${n}`,
    'offsets.topic.num.partitions=3',
    `transaction.state.log.replication.factor=${n}`,
    `transaction.state.log.min.isr=${isr}`,
    'transaction.state.log.num.partitions=3',
    `share.coordinator.state.topic.replication.factor=${n}`,
    `share.coordinator.state.topic.min.isr=${isr}`,
    'group.initial.rebalance.delay.ms=0',
    'log.retention.hours=168',
    'delete.topic.enable=true',
  ].join('\n');
}

const LOG4J = [
  'status = warn',
  'appender.out.type = Console',
  'appender.out.name = OUT',
  'appender.out.layout.type = PatternLayout',
  'appender.out.layout.pattern = [%d] %p %m (%c)%n',
  'rootLogger.level = WARN',
  'rootLogger.appenderRef.out.ref = OUT',
  'logger.server.name = kafka.server.KafkaRaftServer',
  'logger.server.level = INFO',
].join('\n');

function infoFile(dir: string): string {
  return path.join(dir, 'broker.json');
}

export function readBrokerInfo(dir: string): BrokerInfo | undefined {
  try {
    return JSON.parse(fs.readFileSync(infoFile(dir), 'utf8')) as BrokerInfo;
  } catch {
    return undefined;
  }
}

function writeBrokerInfo(info: BrokerInfo): void {
  fs.writeFileSync(infoFile(info.dir), JSON.stringify(info, null, 2), { mode: 0o600 });
}

export function isAlive(pid: number | undefined): boolean {
  if (!pid) {
    return false;
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export interface StartOptions {
  dir: string;
  clientPort: number;
  controllerPort: number;
  /** 1 (default) or 3: combined controller+broker nodes; ports of nodes 2.. are taken free unless given */
  nodes?: number;
  /** client and controller ports of every node, when the caller picked them (overrides clientPort/controllerPort) */
  ports?: { clientPort: number; controllerPort: number }[];
  /** the regional CA: issues the nodes' and the clients' transport certificates when they are missing */
  ca?: RegionalCaFiles;
  /** client principals to issue transport certificates for (e.g. secretariat, gw-ne, for tests) */
  principals?: string[];
  /**
   * Per node, the port a TCP proxy in front of it listens on: each node gets a VIA listener on a free port that
   * advertises the proxy's port (test harness only; see BrokerNode.via).
   */
  proxyPorts?: number[];
  /** benchmark only: node 1 also gets an unauthenticated PLAINTEXT listener (see BrokerNode.plaintextPort) */
  benchPlaintext?: boolean;
  progress?: Progress;
  timeoutMs?: number;
}

// ------------------------------------------------------------------ transport certificates

function nodeIdentity(info: BrokerInfo, id: number): TlsIdentity {
  return {
    certFile: path.join(nodeDir(info, id), `${nodePrincipal(id)}.pem`),
    keyFile: path.join(nodeDir(info, id), `${nodePrincipal(id)}.key.pem`),
  };
}

/** Issues from the regional CA every node and client certificate of this broker (replacing what is there). */
export async function issueBrokerCertificates(
  info: BrokerInfo,
  ca: RegionalCaFiles,
  opts: { only?: (identity: TlsIdentity) => boolean; progress?: Progress } = {},
): Promise<void> {
  const only = opts.only ?? (() => true);
  fs.copyFileSync(path.join(ca.dir, 'ca.pem'), info.tls.caFile);
  for (const node of info.nodes) {
    const id = nodeIdentity(info, node.id);
    if (!only(id)) {
      continue;
    }
    opts.progress?.(`issuing the TLS certificate of Kafka node ${node.id} from the regional CA…`);
    const files = await issueKafkaIdentity({
      caDir: ca.dir,
      caPassphrase: ca.passphrase,
      outDir: nodeDir(info, node.id),
      name: nodePrincipal(node.id),
      principal: nodePrincipal(node.id),
      role: 'broker',
      hosts: ['127.0.0.1', 'localhost'],
      keyPassphrase: info.tls.keyPassphrase,
    });
    info.tls.clients[nodePrincipal(node.id)] = id;
    writePkcs12Keystore(
      keystoreFile(info, node.id),
      decryptPrivateKey({
        encryptedPem: fs.readFileSync(files.keyFile, 'utf8'),
        passphrase: info.tls.keyPassphrase,
      }),
      files.certPem,
      info.tls.keyPassphrase,
    );
  }
  for (const [principal, identity] of Object.entries(info.tls.clients)) {
    if (principal.startsWith('kafka-node-') || !only(identity)) {
      continue;
    }
    await issueKafkaIdentity({
      caDir: ca.dir,
      caPassphrase: ca.passphrase,
      outDir: path.dirname(identity.certFile),
      name: principal,
      principal,
      role: 'client',
      keyPassphrase: info.tls.keyPassphrase,
    });
  }
  writeBrokerInfo(info);
}

/** Every certificate the broker needs is usable, or one line naming the file and the command that issues it. */
export function requireBrokerCertificates(info: BrokerInfo): void {
  for (const [principal, identity] of Object.entries(info.tls.clients)) {
    const problem = transportIdentityProblem({
      ...identity,
      caFile: info.tls.caFile,
      passphrase: info.tls.keyPassphrase,
    });
    if (problem) {
      throw new PrerequisiteError(
        `Kafka TLS certificate of ${principal}: ${problem}; issue new ones from the regional CA with "${CERT_COMMAND}"`,
      );
    }
  }
}

const decryptedKeys = new Map<string, string>();

/** kafkajs `ssl` options for one of the broker's client identities: mutual TLS 1.3 against the regional root. */
export function clientTls(info: BrokerInfo, principal: string): tls.ConnectionOptions {
  const identity = info.tls.clients[principal];
  if (!identity) {
    throw new Error(`the broker in ${info.dir} holds no transport certificate for ${principal}`);
  }
  let key = decryptedKeys.get(identity.keyFile);
  if (!key) {
    key = decryptPrivateKey({
      encryptedPem: fs.readFileSync(identity.keyFile, 'utf8'),
      passphrase: info.tls.keyPassphrase,
    });
    decryptedKeys.set(identity.keyFile, key);
  }
  return {
    ca: fs.readFileSync(info.tls.caFile, 'utf8'),
    cert: fs.readFileSync(identity.certFile, 'utf8'),
    key,
    minVersion: TLS_PROTOCOL,
    // no SNI: an IP address may not be a server name (RFC 6066); the address is still checked against the SAN
    servername: '',
  };
}

// ------------------------------------------------------------------ processes

function nodeLog(info: BrokerInfo, id: number): string {
  return path.join(nodeDir(info, id), 'kafka.log');
}

/** Starts one node's JVM in the background (its storage is formatted). */
export function spawnNode(info: BrokerInfo, id: number): number {
  const node = info.nodes.find((n) => n.id === id)!;
  const dir = nodeDir(info, id);
  const props = path.join(dir, 'server.properties');
  fs.writeFileSync(props, serverProperties(info, node), { mode: 0o600 });
  const logFd = fs.openSync(nodeLog(info, id), 'a');
  const child = spawn(
    'java',
    [
      info.nodes.length > 1 ? '-Xmx384m' : '-Xmx512m',
      '-Xms128m',
      '-XX:+UseSerialGC',
      '-XX:TieredStopAtLevel=1',
      '-Djava.awt.headless=true',
      `-Dlog4j2.configurationFile=${path.join(info.dir, 'log4j2.properties')}`,
      '-cp',
      `${jarsDir()}/*`,
      'kafka.Kafka',
      props,
    ],
    { cwd: dir, detached: true, stdio: ['ignore', logFd, logFd] },
  );
  fs.closeSync(logFd);
  child.unref();
  node.pid = child.pid;
  if (id === info.nodes[0].id) {
    info.pid = child.pid;
  }
  writeBrokerInfo(info);
  return child.pid!;
}

/** Formats (once) and starts the broker's nodes in the background; resolves when every node answers over mTLS. */
export async function startBroker(opts: StartOptions): Promise<BrokerInfo> {
  const progress = opts.progress ?? (() => undefined);
  const existing = readBrokerInfo(opts.dir);
  if (existing && !existing.nodes) {
    throw new PrerequisiteError(
      `the broker state in ${opts.dir} predates TLS (SASL/SCRAM): remove it (npm run demo -- --reset) and start again`,
    );
  }
  if (existing && existing.nodes.every((n) => isAlive(n.pid))) {
    progress(`Kafka already running (pid ${existing.pid}) on ${existing.brokers.join(',')}`);
    await waitReady(existing, opts.timeoutMs ?? 60_000);
    return existing;
  }
  fetchKafka(progress);
  requireJava();
  fs.mkdirSync(opts.dir, { recursive: true, mode: 0o700 });
  let info: BrokerInfo;
  if (existing) {
    info = existing;
  } else {
    const count = opts.nodes ?? 1;
    const ports =
      opts.ports ??
      [{ clientPort: opts.clientPort, controllerPort: opts.controllerPort }].concat(
        await Promise.all(
          Array.from({ length: count - 1 }, async () => ({
            clientPort: await freePort(),
            controllerPort: await freePort(),
          })),
        ),
      );
    const nodes: BrokerNode[] = ports.slice(0, count).map((p, i) => ({ id: i + 1, ...p }));
    if (opts.benchPlaintext) {
      nodes[0].plaintextPort = await freePort();
    }
    if (opts.proxyPorts) {
      for (const [i, n] of nodes.entries()) {
        n.via = { port: await freePort(), advertisedPort: opts.proxyPorts[i] };
      }
    }
    info = {
      dir: opts.dir,
      clientPort: nodes[0].clientPort,
      controllerPort: nodes[0].controllerPort,
      brokers: nodes.map((n) => `127.0.0.1:${n.clientPort}`),
      controllers: nodes.map((n) => `127.0.0.1:${n.controllerPort}`),
      viaBrokers: opts.proxyPorts ? nodes.map((n) => `127.0.0.1:${n.via!.advertisedPort}`) : undefined,
      nodes,
      tls: {
        caFile: path.join(opts.dir, 'ca.pem'),
        keyPassphrase: randomBytes(18).toString('base64url'),
        clients: {},
      },
    };
  }
  for (const n of info.nodes) {
    fs.mkdirSync(nodeDir(info, n.id), { recursive: true, mode: 0o700 });
    if (!isAlive(n.pid)) {
      await requirePortFree(n.clientPort, `Kafka client listener of node ${n.id}`);
      await requirePortFree(n.controllerPort, `Kafka controller listener of node ${n.id}`);
      if (n.via) {
        await requirePortFree(n.via.port, `Kafka proxied client listener of node ${n.id}`);
      }
    }
  }
  const clientsDir = path.join(opts.dir, 'clients');
  const missing = ['admin', ...(opts.principals ?? [])].filter((p) => !info.tls.clients[p]);
  for (const p of missing) {
    info.tls.clients[p] = {
      certFile: path.join(clientsDir, `${p}.pem`),
      keyFile: path.join(clientsDir, `${p}.key.pem`),
    };
  }
  const fresh = !existing || !fs.existsSync(info.tls.caFile);
  if (fresh || missing.length > 0) {
    if (!opts.ca) {
      throw new PrerequisiteError(
        `no regional CA to issue the Kafka TLS certificates of ${opts.dir}: issue them with "${CERT_COMMAND}"`,
      );
    }
    await issueBrokerCertificates(info, opts.ca, {
      only: fresh ? undefined : (id) => !fs.existsSync(id.certFile),
      progress,
    });
  }
  requireBrokerCertificates(info);
  fs.writeFileSync(path.join(opts.dir, 'log4j2.properties'), LOG4J);

  const clusterId = Buffer.from(randomUUID().replace(/-/g, ''), 'hex').toString('base64url');
  for (const n of info.nodes) {
    const dir = nodeDir(info, n.id);
    if (fs.existsSync(path.join(dir, 'data', 'meta.properties'))) {
      continue;
    }
    progress(`formatting Kafka storage of node ${n.id} (KRaft)…`);
    const props = path.join(dir, 'server.properties');
    fs.writeFileSync(props, serverProperties(info, n), { mode: 0o600 });
    const r = java(
      ['kafka.tools.StorageTool', 'format', `--cluster-id=${clusterId}`, '-c', props, '--ignore-formatted'],
      { cwd: dir },
    );
    if (r.status !== 0) {
      throw new PrerequisiteError(
        `Kafka storage format failed: ${r.output.trim().split('\n').slice(-3).join(' ')}`,
      );
    }
  }

  progress(
    `starting Kafka ${KAFKA_VERSION} (${info.nodes.length} node${info.nodes.length > 1 ? 's' : ''}, mutual TLS) on ${info.brokers.join(',')}…`,
  );
  for (const n of info.nodes) {
    if (!isAlive(n.pid)) {
      spawnNode(info, n.id);
    }
  }
  try {
    await waitReady(info, opts.timeoutMs ?? 90_000);
    await grantOperator(info);
  } catch (err) {
    await stopBroker(opts.dir);
    throw err;
  }
  return info;
}

/** Polls with a metadata request (as node 1) until every node is in the cluster; fails early if a node died. */
export async function waitReady(
  info: BrokerInfo,
  timeoutMs: number,
  /** the nodes that must be up (default: all); others may be down on purpose (fault tests) */
  only: number[] = info.nodes.map((n) => n.id),
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError = '';
  while (Date.now() < deadline) {
    const dead = info.nodes.find((n) => only.includes(n.id) && n.pid && !isAlive(n.pid));
    if (dead) {
      throw new PrerequisiteError(
        `Kafka node ${dead.id} exited during start-up: ${logTail(nodeLog(info, dead.id))} (see ${nodeLog(info, dead.id)})`,
      );
    }
    const admin = kafkaAs(info, nodePrincipal(only[0]), 'corridor-ready', [
      ...info.nodes.filter((n) => only.includes(n.id)).map((n) => `127.0.0.1:${n.clientPort}`),
    ]).admin();
    try {
      await admin.connect();
      const cluster = await admin.describeCluster();
      if (cluster.brokers.length >= info.nodes.filter((n) => isAlive(n.pid)).length) {
        return;
      }
      lastError = `${cluster.brokers.length} of ${info.nodes.length} nodes registered`;
    } catch (err) {
      lastError = (err as Error).message;
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new PrerequisiteError(
    `Kafka did not answer within ${timeoutMs} ms (${lastError}); see ${nodeLog(info, info.nodes[0].id)}`,
  );
}

function logTail(file: string): string {
  try {
    const lines = fs.readFileSync(file, 'utf8').trim().split('\n');
    return (
      lines
        .filter((l) => /ERROR|Exception|error/.test(l))
        .slice(-2)
        .join(' ') || lines.slice(-2).join(' ')
    );
  } catch {
    return 'no log';
  }
}

/** A kafkajs client as one of the broker's client identities (admin, a node, or a principal it issued). */
export function kafkaAs(
  info: BrokerInfo,
  principal: string,
  clientId = principal,
  brokers = info.brokers,
): Kafka {
  applyKafkajsIdleFix(); // the kafkajs Corridor's processes run (libs/platform/src/kafkajs-idle-fix.ts)
  return new Kafka({
    clientId,
    brokers,
    ssl: clientTls(info, principal),
    logLevel: logLevel.NOTHING,
    retry: { retries: 0 },
    connectionTimeout: 3000,
  });
}

/** The operator's client (User:admin): ACLs on everything, granted by the nodes (only they are super users). */
export function adminClient(info: BrokerInfo, clientId = 'corridor-admin'): Kafka {
  return kafkaAs(info, 'admin', clientId);
}

/** The operator's rights, as ACLs created by node 1 (idempotent). */
async function grantOperator(info: BrokerInfo): Promise<void> {
  const [Op, R, P] = [AclOperationTypes, AclResourceTypes, ResourcePatternTypes];
  const entry = (resourceType: number, resourceName: string) => ({
    resourceType,
    resourceName,
    resourcePatternType: P.LITERAL,
    principal: 'User:admin',
    host: '*',
    operation: Op.ALL,
    permissionType: AclPermissionTypes.ALLOW,
  });
  const admin = kafkaAs(info, nodePrincipal(info.nodes[0].id), 'corridor-bootstrap').admin();
  await admin.connect();
  try {
    await admin.createAcls({
      acl: [
        entry(R.CLUSTER, 'kafka-cluster'),
        entry(R.TOPIC, '*'),
        entry(R.GROUP, '*'),
        entry(R.TRANSACTIONAL_ID, '*'),
      ],
    });
  } finally {
    await admin.disconnect();
  }
}

/** SIGKILL one node (a crash: no controlled shutdown). */
export function killNode(info: BrokerInfo, id: number): void {
  const node = info.nodes.find((n) => n.id === id);
  if (node?.pid && isAlive(node.pid)) {
    process.kill(node.pid, 'SIGKILL');
  }
}

async function stopPid(pid: number | undefined, timeoutMs: number): Promise<boolean> {
  if (!pid || !isAlive(pid)) {
    return false;
  }
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return false;
  }
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
  }
  if (isAlive(pid)) {
    process.kill(pid, 'SIGKILL');
  }
  return true;
}

/** Stops every node: SIGTERM (controlled shutdown), then SIGKILL after a bound. */
export async function stopBroker(dir: string, timeoutMs = 30_000): Promise<boolean> {
  const info = readBrokerInfo(dir);
  if (!info) {
    return false;
  }
  const pids = info.nodes ? info.nodes.map((n) => n.pid) : [info.pid];
  const stopped = await Promise.all(pids.map((pid) => stopPid(pid, timeoutMs)));
  return stopped.some(Boolean);
}

/** Starts a stopped or killed node again; resolves when every running node is registered in the cluster. */
export async function restartNode(info: BrokerInfo, id: number, timeoutMs = 90_000): Promise<void> {
  const node = info.nodes.find((n) => n.id === id);
  if (!node) {
    throw new Error(`the broker in ${info.dir} has no node ${id}`);
  }
  if (!isAlive(node.pid)) {
    spawnNode(info, id);
  }
  await waitReady(
    info,
    timeoutMs,
    info.nodes.filter((n) => isAlive(n.pid)).map((n) => n.id),
  );
}

/** Stops one node gracefully. */
export async function stopNode(info: BrokerInfo, id: number, timeoutMs = 30_000): Promise<void> {
  await stopPid(info.nodes.find((n) => n.id === id)?.pid, timeoutMs);
}

/**
 * The broker operator's one-time grant to the secretariat: manage topics and ACLs under the prefix
 * (cluster CREATE/ALTER/DESCRIBE), publish control records, read tree heads. Nothing on exchange content.
 */
/**
 * The secretariat's ACLs. The names come from the caller (built with libs/contracts' functions): this file is also
 * loaded by the test harness's global setup, where the @corridor/* aliases do not resolve.
 */
export async function grantSecretariat(opts: {
  info: BrokerInfo;
  prefix: string;
  controlTopic: string;
  auditHeadsTopic: string;
  groupPrefix: string;
  principal?: string;
}): Promise<void> {
  const [Op, R, P] = [AclOperationTypes, AclResourceTypes, ResourcePatternTypes];
  const principal = `User:${opts.principal ?? 'secretariat'}`;
  const entry = (
    resourceType: number,
    resourceName: string,
    operation: number,
    pattern: number = P.LITERAL,
  ) => ({
    resourceType,
    resourceName,
    resourcePatternType: pattern,
    principal,
    host: '*',
    operation,
    permissionType: AclPermissionTypes.ALLOW,
  });
  const admin = adminClient(opts.info).admin();
  await admin.connect();
  try {
    await admin.createAcls({
      acl: [
        entry(R.CLUSTER, 'kafka-cluster', Op.CREATE),
        entry(R.CLUSTER, 'kafka-cluster', Op.ALTER),
        entry(R.CLUSTER, 'kafka-cluster', Op.DESCRIBE),
        entry(R.TOPIC, `${opts.prefix}.`, Op.CREATE, P.PREFIXED),
        entry(R.TOPIC, `${opts.prefix}.`, Op.DESCRIBE, P.PREFIXED),
        entry(R.TOPIC, `${opts.prefix}.`, Op.DESCRIBE_CONFIGS, P.PREFIXED),
        entry(R.TOPIC, opts.controlTopic, Op.WRITE),
        entry(R.TOPIC, opts.auditHeadsTopic, Op.READ),
        entry(R.GROUP, opts.groupPrefix, Op.READ, P.PREFIXED),
      ],
    });
  } finally {
    await admin.disconnect();
  }
}
