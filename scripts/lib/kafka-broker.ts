// A real single-node Apache Kafka broker (KRaft, combined broker+controller) from Apache's jars on Maven Central.
// SASL/SCRAM-SHA-512 on the client listener and StandardAuthorizer with deny-by-default, so ACLs are real.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  AclOperationTypes,
  AclPermissionTypes,
  AclResourceTypes,
  Kafka,
  logLevel,
  ResourcePatternTypes,
} from 'kafkajs';
import { PrerequisiteError, requireJava, requireMaven, requirePortFree } from './prereqs';

export const KAFKA_VERSION = '4.1.1';
const POM = path.join(__dirname, '..', 'kafka', 'pom.xml');

export interface BrokerCredentials {
  username: string;
  password: string;
}

export interface BrokerInfo {
  dir: string;
  clientPort: number;
  controllerPort: number;
  brokers: string[];
  pid?: number;
  admin: BrokerCredentials;
  /** SCRAM users created at format time, by name. */
  users: Record<string, string>;
}

type Progress = (line: string) => void;

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

function serverProperties(info: BrokerInfo): string {
  const { clientPort, controllerPort, admin } = info;
  return [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
    `listeners=CLIENT://127.0.0.1:${clientPort},CONTROLLER://127.0.0.1:${controllerPort}`,
    `advertised.listeners=CLIENT://127.0.0.1:${clientPort}`,
    'listener.security.protocol.map=CLIENT:SASL_PLAINTEXT,CONTROLLER:PLAINTEXT',
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=CLIENT',
    'sasl.enabled.mechanisms=SCRAM-SHA-512',
    'sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512',
    `listener.name.client.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="${admin.username}" password="${admin.password}";`,
    'authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer',
    'allow.everyone.if.no.acl.found=false',
    // The controller listener is PLAINTEXT on loopback only; its principal is ANONYMOUS.
    `super.users=User:${admin.username};User:ANONYMOUS`,
    `log.dirs=${path.join(info.dir, 'data')}`,
    'auto.create.topics.enable=false',
    'num.partitions=1',
    'offsets.topic.replication.factor=1',
    'offsets.topic.num.partitions=3',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'transaction.state.log.num.partitions=3',
    'share.coordinator.state.topic.replication.factor=1',
    'share.coordinator.state.topic.min.isr=1',
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
  /** SCRAM principals to create when the storage is formatted (e.g. secretariat, gw-ne). */
  principals?: string[];
  progress?: Progress;
  timeoutMs?: number;
}

/** Formats (once) and starts the broker in the background; resolves when a metadata request succeeds. */
export async function startBroker(opts: StartOptions): Promise<BrokerInfo> {
  const progress = opts.progress ?? (() => undefined);
  const existing = readBrokerInfo(opts.dir);
  if (existing && isAlive(existing.pid)) {
    progress(`Kafka already running (pid ${existing.pid}) on 127.0.0.1:${existing.clientPort}`);
    await waitReady(existing, opts.timeoutMs ?? 60_000);
    return existing;
  }
  fetchKafka(progress);
  requireJava();
  fs.mkdirSync(opts.dir, { recursive: true, mode: 0o700 });
  const clientPort = existing?.clientPort ?? opts.clientPort;
  const controllerPort = existing?.controllerPort ?? opts.controllerPort;
  await requirePortFree(clientPort, 'Kafka client listener');
  await requirePortFree(controllerPort, 'Kafka controller listener');

  const info: BrokerInfo = existing ?? {
    dir: opts.dir,
    clientPort,
    controllerPort,
    brokers: [`127.0.0.1:${clientPort}`],
    admin: { username: 'admin', password: randomBytes(18).toString('base64url') },
    users: {},
  };
  for (const p of opts.principals ?? []) {
    info.users[p] ??= randomBytes(18).toString('base64url');
  }
  const props = path.join(opts.dir, 'server.properties');
  fs.writeFileSync(props, serverProperties(info), { mode: 0o600 });
  fs.writeFileSync(path.join(opts.dir, 'log4j2.properties'), LOG4J);

  if (!fs.existsSync(path.join(opts.dir, 'data', 'meta.properties'))) {
    progress('formatting Kafka storage (KRaft)…');
    const scram = [
      info.admin,
      ...Object.entries(info.users).map(([username, password]) => ({ username, password })),
    ].flatMap((u) => ['--add-scram', `SCRAM-SHA-512=[name=${u.username},password=${u.password}]`]);
    const clusterId = Buffer.from(randomUUID().replace(/-/g, ''), 'hex').toString('base64url');
    const r = java(
      [
        'kafka.tools.StorageTool',
        'format',
        `--cluster-id=${clusterId}`,
        '-c',
        props,
        '--ignore-formatted',
        ...scram,
      ],
      {
        cwd: opts.dir,
      },
    );
    if (r.status !== 0) {
      throw new PrerequisiteError(
        `Kafka storage format failed: ${r.output.trim().split('\n').slice(-3).join(' ')}`,
      );
    }
    writeCreatedUsers(opts.dir, Object.keys(info.users));
  }

  progress(`starting Kafka ${KAFKA_VERSION} on 127.0.0.1:${clientPort}…`);
  const logFd = fs.openSync(path.join(opts.dir, 'kafka.log'), 'a');
  const child = spawn(
    'java',
    [
      '-Xmx512m',
      '-Xms128m',
      '-XX:+UseSerialGC',
      '-XX:TieredStopAtLevel=1',
      '-Djava.awt.headless=true',
      `-Dlog4j2.configurationFile=${path.join(opts.dir, 'log4j2.properties')}`,
      '-cp',
      `${jarsDir()}/*`,
      'kafka.Kafka',
      props,
    ],
    { cwd: opts.dir, detached: true, stdio: ['ignore', logFd, logFd] },
  );
  fs.closeSync(logFd);
  child.unref();
  info.pid = child.pid;
  writeBrokerInfo(info);
  try {
    await waitReady(info, opts.timeoutMs ?? 90_000);
  } catch (err) {
    await stopBroker(opts.dir);
    throw err;
  }
  await ensureScramUsers(info, progress);
  return info;
}

/** Polls the broker with a metadata request until it answers; fails early if the process died. */
export async function waitReady(info: BrokerInfo, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError = '';
  while (Date.now() < deadline) {
    if (info.pid && !isAlive(info.pid)) {
      throw new PrerequisiteError(
        `Kafka exited during start-up: ${logTail(info.dir)} (see ${path.join(info.dir, 'kafka.log')})`,
      );
    }
    const admin = adminClient(info).admin();
    try {
      await admin.connect();
      const cluster = await admin.describeCluster();
      if (cluster.brokers.length > 0) {
        return;
      }
    } catch (err) {
      lastError = (err as Error).message;
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new PrerequisiteError(
    `Kafka did not answer within ${timeoutMs} ms (${lastError}); see ${path.join(info.dir, 'kafka.log')}`,
  );
}

function logTail(dir: string): string {
  try {
    const lines = fs.readFileSync(path.join(dir, 'kafka.log'), 'utf8').trim().split('\n');
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

export function adminClient(info: BrokerInfo, clientId = 'corridor-admin'): Kafka {
  return new Kafka({
    clientId,
    brokers: info.brokers,
    sasl: { mechanism: 'scram-sha-512', username: info.admin.username, password: info.admin.password },
    logLevel: logLevel.NOTHING,
    retry: { retries: 0 },
    connectionTimeout: 2000,
  });
}

/** Creates SCRAM users the storage format did not create (ConfigCommand, since kafkajs cannot). */
export async function ensureScramUsers(
  info: BrokerInfo,
  progress: Progress = () => undefined,
): Promise<void> {
  const created = new Set(readCreatedUsers(info.dir));
  const missing = Object.keys(info.users).filter((u) => !created.has(u));
  if (missing.length === 0) {
    return;
  }
  await addScramUsers(info, missing, progress);
}

export async function addScramUsers(
  info: BrokerInfo,
  names: string[],
  progress: Progress = () => undefined,
): Promise<void> {
  for (const name of names) {
    info.users[name] ??= randomBytes(18).toString('base64url');
  }
  writeBrokerInfo(info);
  const cmdConfig = path.join(info.dir, 'admin-client.properties');
  fs.writeFileSync(
    cmdConfig,
    [
      'security.protocol=SASL_PLAINTEXT',
      'sasl.mechanism=SCRAM-SHA-512',
      `sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="${info.admin.username}" password="${info.admin.password}";`,
    ].join('\n'),
    { mode: 0o600 },
  );
  for (const name of names) {
    progress(`creating Kafka SCRAM principal ${name}…`);
    const r = java(
      [
        'kafka.admin.ConfigCommand',
        '--bootstrap-server',
        info.brokers[0],
        '--command-config',
        cmdConfig,
        '--alter',
        '--add-config',
        `SCRAM-SHA-512=[password=${info.users[name]}]`,
        '--entity-type',
        'users',
        '--entity-name',
        name,
      ],
      { cwd: info.dir },
    );
    if (r.status !== 0) {
      throw new PrerequisiteError(
        `could not create Kafka principal ${name}: ${r.output.trim().split('\n').slice(-2).join(' ')}`,
      );
    }
  }
  writeCreatedUsers(info.dir, [...new Set([...readCreatedUsers(info.dir), ...names])]);
}

function readCreatedUsers(dir: string): string[] {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, 'users-created.json'), 'utf8')) as string[];
  } catch {
    return [];
  }
}

function writeCreatedUsers(dir: string, users: string[]): void {
  fs.writeFileSync(path.join(dir, 'users-created.json'), JSON.stringify(users));
}

/** Stops the broker: SIGTERM (controlled shutdown), then SIGKILL after a bound. */
export async function stopBroker(dir: string, timeoutMs = 30_000): Promise<boolean> {
  const info = readBrokerInfo(dir);
  if (!info?.pid || !isAlive(info.pid)) {
    return false;
  }
  try {
    process.kill(info.pid, 'SIGTERM');
  } catch {
    return false;
  }
  const deadline = Date.now() + timeoutMs;
  while (isAlive(info.pid) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
  }
  if (isAlive(info.pid)) {
    process.kill(info.pid, 'SIGKILL');
  }
  return true;
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
