// Keeps deploy/ honest against the configuration schemas: every variable a deployment sets for a gateway or the
// secretariat is one the service reads, each deployment's environment passes the real loader, and secrets arrive
// only as files (or from a secret store), never as literal values.
//
// Which container is which: the label `app.kubernetes.io/component` with the value `gateway` or `secretariat`,
// on the Compose service (`labels:`) or on the Kubernetes pod template (`spec.template.metadata.labels`, falling
// back to the workload's own labels). Containers without one of these two values are still checked for secrets.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { loadSecretariatConfig, SECRETARIAT_ENV_KEYS } from '../../../secretariat/src/config';
import { KAFKA_PRINCIPAL_MAPPING_RULES } from '@corridor/pki';
import { GATEWAY_NODE_FLAGS } from '../node-flags';
import { GATEWAY_ENV_KEYS, loadGatewayConfig } from './config';

/** SCRAM credentials of a service: none since every Kafka connection is mutual TLS (#14). */
const SCRAM_VARIABLES = ['KAFKA_USERNAME', 'KAFKA_PASSWORD', 'KAFKA_PASSWORD_FILE'];

const REPO_ROOT = path.resolve(__dirname, '..', '..', '..', '..');
const DEPLOY_DIR = path.join(REPO_ROOT, 'deploy');
const COMPONENT_LABEL = 'app.kubernetes.io/component';

type Component = 'gateway' | 'secretariat';

/** A literal value written in deploy/, or a value supplied at run time (secret store, field ref, interpolation). */
type EnvValue = { kind: 'literal'; value: string } | { kind: 'runtime'; from: string };

interface ContainerSpec {
  /** file and workload, for messages */
  where: string;
  platform: 'compose' | 'kubernetes';
  component?: string;
  env: Map<string, EnvValue>;
  /** absolute paths where files are mounted (secrets, volumes, tmpfs) */
  mounts: string[];
  /** ports the container listens on, as declared by the deployment */
  containerPorts: number[];
  /** the command it runs, when the deployment sets one (else the image's CMD) */
  command?: string[];
}

interface ParsedFile {
  file: string;
  docs: unknown[];
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? (value as unknown[]) : [];
}

function asString(value: unknown): string | undefined {
  if (typeof value === 'string') {
    return value;
  }
  return typeof value === 'number' || typeof value === 'boolean' ? String(value) : undefined;
}

function yamlFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) =>
      e.isDirectory()
        ? yamlFiles(path.join(dir, e.name))
        : /\.ya?ml$/.test(e.name)
          ? [path.join(dir, e.name)]
          : [],
    )
    .sort();
}

function parseYaml(file: string, text: string): ParsedFile {
  const docs = parseAllDocuments(text, { merge: true });
  const parsed: unknown[] = [];
  for (const doc of docs) {
    if (doc.errors.length > 0) {
      throw new Error(`${file}: ${doc.errors.map((e) => e.message).join('; ')}`);
    }
    parsed.push(doc.toJS({ maxAliasCount: -1 }) as unknown);
  }
  return { file, docs: parsed };
}

/** `${VAR}` / `${VAR:?message}` in a Compose value: supplied from .env at run time, not written here. */
function composeValue(value: string): EnvValue {
  return /\$\{[A-Za-z_][A-Za-z0-9_]*(?::?[-?+][^}]*)?\}/.test(value)
    ? { kind: 'runtime', from: 'compose interpolation' }
    : { kind: 'literal', value };
}

function composeLabel(service: Record<string, unknown>, name: string): string | undefined {
  const labels = service.labels;
  if (Array.isArray(labels)) {
    for (const entry of labels) {
      const [k, v] = String(entry).split('=', 2);
      if (k === name) {
        return v;
      }
    }
    return undefined;
  }
  return asString(asRecord(labels)?.[name]);
}

function composeContainers(parsed: ParsedFile, compose: Record<string, unknown>): ContainerSpec[] {
  const services = asRecord(compose.services) ?? {};
  return Object.entries(services).map(([name, raw]) => {
    const service = asRecord(raw) ?? {};
    const where = `${path.relative(REPO_ROOT, parsed.file)} service ${name}`;
    if (service.env_file !== undefined) {
      throw new Error(`${where}: env_file is not checked by this spec; use environment:`);
    }
    const env = new Map<string, EnvValue>();
    const environment = service.environment;
    if (Array.isArray(environment)) {
      for (const entry of environment) {
        const text = String(entry);
        const eq = text.indexOf('=');
        env.set(
          eq < 0 ? text : text.slice(0, eq),
          eq < 0 ? { kind: 'runtime', from: 'host environment' } : composeValue(text.slice(eq + 1)),
        );
      }
    } else {
      for (const [key, value] of Object.entries(asRecord(environment) ?? {})) {
        const text = asString(value);
        env.set(key, text === undefined ? { kind: 'runtime', from: 'host environment' } : composeValue(text));
      }
    }
    const mounts: string[] = [];
    for (const secret of asArray(service.secrets)) {
      const long = asRecord(secret);
      const target = long ? (asString(long.target) ?? asString(long.source)) : asString(secret);
      if (target) {
        mounts.push(target.startsWith('/') ? target : `/run/secrets/${target}`);
      }
    }
    for (const volume of asArray(service.volumes)) {
      const long = asRecord(volume);
      const target = long ? asString(long.target) : asString(volume)?.split(':')[1];
      if (target) {
        mounts.push(target);
      }
    }
    for (const tmpfs of asArray(service.tmpfs)) {
      mounts.push(String(tmpfs));
    }
    const containerPorts = asArray(service.ports).map((p) => {
      const long = asRecord(p);
      return Number(long ? long.target : String(p).split(':').pop());
    });
    return {
      where,
      platform: 'compose' as const,
      component: composeLabel(service, COMPONENT_LABEL),
      env,
      mounts,
      containerPorts,
      command: service.command === undefined ? undefined : asArray(service.command).map(String),
    };
  });
}

function kubernetesObjects(files: ParsedFile[]): { file: string; object: Record<string, unknown> }[] {
  return files.flatMap((f) =>
    f.docs.flatMap((d) => {
      const object = asRecord(d);
      return object && typeof object.kind === 'string' ? [{ file: f.file, object }] : [];
    }),
  );
}

function podTemplate(object: Record<string, unknown>): Record<string, unknown> | undefined {
  const spec = asRecord(object.spec);
  switch (object.kind) {
    case 'Pod':
      return { metadata: object.metadata, spec };
    case 'Deployment':
    case 'StatefulSet':
    case 'DaemonSet':
    case 'ReplicaSet':
    case 'Job':
      return asRecord(spec?.template);
    case 'CronJob':
      return asRecord(asRecord(asRecord(spec?.jobTemplate)?.spec)?.template);
    default:
      return undefined;
  }
}

function kubernetesContainers(files: ParsedFile[]): ContainerSpec[] {
  const objects = kubernetesObjects(files);
  const configMaps = new Map<string, Record<string, unknown>>();
  for (const { object } of objects) {
    if (object.kind === 'ConfigMap') {
      configMaps.set(String(asRecord(object.metadata)?.name), asRecord(object.data) ?? {});
    }
  }
  const containers: ContainerSpec[] = [];
  for (const { file, object } of objects) {
    const template = podTemplate(object);
    if (!template) {
      continue;
    }
    const workload = `${String(object.kind)} ${String(asRecord(object.metadata)?.name)}`;
    const labels = {
      ...(asRecord(asRecord(object.metadata)?.labels) ?? {}),
      ...(asRecord(asRecord(template.metadata)?.labels) ?? {}),
    };
    const podSpec = asRecord(template.spec) ?? {};
    for (const raw of [...asArray(podSpec.initContainers), ...asArray(podSpec.containers)]) {
      const container = asRecord(raw) ?? {};
      const where = `${path.relative(REPO_ROOT, file)} ${workload} container ${String(container.name)}`;
      const env = new Map<string, EnvValue>();
      for (const source of asArray(container.envFrom)) {
        const from = asRecord(source) ?? {};
        const prefix = asString(from.prefix) ?? '';
        const configMapName = asString(asRecord(from.configMapRef)?.name);
        const secretName = asString(asRecord(from.secretRef)?.name);
        if (configMapName !== undefined) {
          const data = configMaps.get(configMapName);
          if (!data) {
            throw new Error(`${where}: envFrom ConfigMap ${configMapName} is not defined in deploy/`);
          }
          for (const [key, value] of Object.entries(data)) {
            env.set(prefix + key, { kind: 'literal', value: asString(value) ?? '' });
          }
        } else if (secretName !== undefined) {
          throw new Error(
            `${where}: envFrom Secret ${secretName} hides which variables are set; name each one in env: with secretKeyRef`,
          );
        }
      }
      for (const raw of asArray(container.env)) {
        const entry = asRecord(raw) ?? {};
        const name = String(entry.name);
        const valueFrom = asRecord(entry.valueFrom);
        env.set(
          name,
          valueFrom
            ? { kind: 'runtime', from: Object.keys(valueFrom).join(',') }
            : { kind: 'literal', value: asString(entry.value) ?? '' },
        );
      }
      containers.push({
        where,
        platform: 'kubernetes',
        component: asString(labels[COMPONENT_LABEL]),
        env,
        mounts: asArray(container.volumeMounts).map((m) => String(asRecord(m)?.mountPath)),
        containerPorts: asArray(container.ports).map((p) => Number(asRecord(p)?.containerPort)),
        command: container.command === undefined ? undefined : asArray(container.command).map(String),
      });
    }
  }
  return containers;
}

/** The CMD of the image Compose builds (deploy/compose/Dockerfile), in its JSON form. */
function dockerfileCmd(): string[] {
  const text = fs.readFileSync(path.join(DEPLOY_DIR, 'compose', 'Dockerfile'), 'utf8');
  const cmd = /^CMD\s+(\[.*\])\s*$/m.exec(text);
  if (!cmd) {
    throw new Error('deploy/compose/Dockerfile has no CMD in JSON form');
  }
  return JSON.parse(cmd[1]) as string[];
}

function composeDocument(parsed: ParsedFile): Record<string, unknown> | undefined {
  const first = asRecord(parsed.docs[0]);
  return parsed.docs.length === 1 && first && first.kind === undefined && asRecord(first.services)
    ? first
    : undefined;
}

function collectContainers(files: ParsedFile[]): ContainerSpec[] {
  const composed = files.flatMap((f) => {
    const compose = composeDocument(f);
    return compose ? composeContainers(f, compose) : [];
  });
  return [...composed, ...kubernetesContainers(files.filter((f) => !composeDocument(f)))];
}

const KNOWN_KEYS: Record<Component, ReadonlySet<string>> = {
  gateway: new Set(GATEWAY_ENV_KEYS),
  secretariat: new Set(SECRETARIAT_ENV_KEYS),
};

/** Variables set for a gateway or secretariat container that its configuration schema does not read. */
function unknownVariables(containers: ContainerSpec[]): string[] {
  return containers.flatMap((c) => {
    const known =
      c.component === 'gateway' || c.component === 'secretariat' ? KNOWN_KEYS[c.component] : undefined;
    return known ? [...c.env.keys()].filter((k) => !known.has(k)).map((k) => `${c.where}: ${k}`) : [];
  });
}

const SECRET_NAME = /(^|_)(PASSWORD|PASSWD|PASSPHRASE|SECRET|TOKEN|CREDENTIALS?|PRIVATE_KEY|API_KEY)(_|$)/i;
/** user:password@ in a URL, unless the password is a ${...} interpolation */
const URL_WITH_PASSWORD = /^[a-z][a-z0-9+.-]*:\/\/[^:/@\s]+:(?!\$\{)[^@\s]+@/i;

/** Literal secrets: a secret-looking variable not ending in _FILE with a value, or a URL with an inline password. */
function literalSecrets(containers: ContainerSpec[]): string[] {
  return containers.flatMap((c) =>
    [...c.env.entries()].flatMap(([name, value]) => {
      if (value.kind !== 'literal') {
        return [];
      }
      if (SECRET_NAME.test(name) && !name.endsWith('_FILE') && value.value !== '') {
        return [`${c.where}: ${name} has a literal value; mount a file and set ${name}_FILE`];
      }
      return URL_WITH_PASSWORD.test(value.value) ? [`${c.where}: ${name} carries a password in its URL`] : [];
    }),
  );
}

/** Variable names in the first column of the table under "### <heading>" in a Markdown document. */
function documentedVariables(markdown: string, heading: string): string[] {
  const marker = `\n### ${heading}\n`;
  const start = markdown.indexOf(marker);
  if (start < 0) {
    throw new Error(`no "### ${heading}" section`);
  }
  const rest = markdown.slice(start + marker.length);
  const end = rest.search(/\n#{1,3} /);
  return (end < 0 ? rest : rest.slice(0, end))
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .flatMap((line) => [...line.split('|')[1].matchAll(/`([A-Z][A-Z0-9_]*)`/g)].map((m) => m[1]));
}

const allFiles = yamlFiles(DEPLOY_DIR).map((file) => parseYaml(file, fs.readFileSync(file, 'utf8')));
const containers = collectContainers(allFiles);
const gateways = containers.filter((c) => c.component === 'gateway');
const secretariats = containers.filter((c) => c.component === 'secretariat');

/** What a deployment supplies at run time, in a form the loader accepts. */
const RUNTIME_STAND_INS: Record<string, string> = {
  DATABASE_URL: 'postgres://corridor:stand-in@db.example.org:5432/corridor',
  GATEWAY_INSTANCE: 'gw-ne-5d8f7c9b6d-x2x7q',
};

let secretDir: string;

/** The container's environment as the process would see it: *_FILE paths replaced by readable stand-in files. */
function runtimeEnvironment(c: ContainerSpec): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of c.env) {
    if (name.endsWith('_FILE')) {
      const file = path.join(secretDir, `${c.where.replace(/[^a-z0-9]+/gi, '_')}_${name}`);
      fs.writeFileSync(file, 'stand-in-secret-value-'.repeat(3), { mode: 0o600 });
      env[name] = file;
    } else if (value.kind === 'literal') {
      env[name] = value.value;
    } else {
      const standIn = RUNTIME_STAND_INS[name];
      if (standIn === undefined) {
        throw new Error(`${c.where}: ${name} comes from ${value.from}; add a stand-in to RUNTIME_STAND_INS`);
      }
      env[name] = standIn;
    }
  }
  return env;
}

describe('deploy/ is consistent with the configuration schemas', () => {
  beforeAll(() => {
    secretDir = fs.mkdtempSync(path.join(os.tmpdir(), 'corridor-deploy-spec-'));
  });

  afterAll(() => {
    fs.rmSync(secretDir, { recursive: true, force: true });
  });

  it('finds the YAML files, the gateways and the secretariat of both Compose and Kubernetes', () => {
    const relative = allFiles.map((f) => path.relative(DEPLOY_DIR, f.file));
    expect(relative).toEqual(expect.arrayContaining(['compose/compose.yaml', 'k8s/secretariat.yaml']));
    for (const platform of ['compose', 'kubernetes'] as const) {
      expect(gateways.filter((c) => c.platform === platform)).toHaveLength(3);
      expect(secretariats.filter((c) => c.platform === platform)).toHaveLength(1);
    }
    // Enough variables that the checks below cannot pass on an empty environment.
    const gatewayVariables = gateways.reduce((n, c) => n + c.env.size, 0);
    const secretariatVariables = secretariats.reduce((n, c) => n + c.env.size, 0);
    expect(gatewayVariables).toBeGreaterThanOrEqual(60);
    expect(secretariatVariables).toBeGreaterThanOrEqual(20);
    const sparse = [...gateways, ...secretariats].filter((c) => c.env.size < 10).map((c) => c.where);
    expect(sparse).toEqual([]);
  });

  it('starts every gateway with the Node.js flags it needs (GATEWAY_NODE_FLAGS)', () => {
    const expected = ['node', ...GATEWAY_NODE_FLAGS, 'dist/apps/gateway/src/main.js'];
    expect(GATEWAY_NODE_FLAGS.length).toBeGreaterThan(0);
    for (const c of gateways) {
      // Compose gateways run the image's CMD; Kubernetes sets the command on the container.
      const command = c.command ?? (c.platform === 'compose' ? dockerfileCmd() : undefined);
      expect({ where: c.where, command }).toEqual({ where: c.where, command: expected });
    }
  });

  it('sets for a gateway only variables in GATEWAY_ENV_KEYS, for the secretariat only SECRETARIAT_ENV_KEYS', () => {
    expect(unknownVariables(containers)).toEqual([]);
  });

  it('reports a variable the schema does not know (the check above is not vacuous)', () => {
    const compose = parseYaml(
      path.join(REPO_ROOT, 'synthetic.yaml'),
      [
        'services:',
        '  gateway-xx:',
        '    labels: { app.kubernetes.io/component: gateway }',
        '    environment: [GATEWAY_COUNTRY=XX, GATEWAY_COLOUR=blue]',
        '  secretariat:',
        '    labels: [app.kubernetes.io/component=secretariat]',
        '    environment: { CA_DIR: /ca, TRUST_DIR: /trust }',
      ].join('\n'),
    );
    expect(unknownVariables(collectContainers([compose]))).toEqual([
      'synthetic.yaml service gateway-xx: GATEWAY_COLOUR',
      'synthetic.yaml service secretariat: TRUST_DIR',
    ]);
  });

  it("passes each gateway's environment through loadGatewayConfig", () => {
    for (const c of gateways) {
      const config = loadGatewayConfig(runtimeEnvironment(c));
      // Inside a container the service must listen beyond loopback, on the port the deployment routes to.
      expect({ where: c.where, host: config.http.host }).toEqual({ where: c.where, host: '0.0.0.0' });
      expect(c.containerPorts).toContain(config.http.port);
      for (const name of ['KEY_PASSPHRASE_FILE', 'OIDC_CLIENT_SECRET_FILE']) {
        expect({ where: c.where, name, set: c.env.has(name) }).toEqual({ where: c.where, name, set: true });
      }
      // Kafka is mutual TLS with TRUST_DIR/kafka-client.pem: no SCRAM credential for a service.
      for (const name of SCRAM_VARIABLES) {
        expect({ where: c.where, name, set: c.env.has(name) }).toEqual({ where: c.where, name, set: false });
      }
    }
    const countries = (platform: ContainerSpec['platform']) =>
      gateways
        .filter((c) => c.platform === platform)
        .map((c) => loadGatewayConfig(runtimeEnvironment(c)).country)
        .sort();
    expect(countries('compose')).toEqual(['IT', 'LY', 'NE']);
    expect(countries('kubernetes')).toEqual(['IT', 'LY', 'NE']);
  });

  it("passes the secretariat's environment through loadSecretariatConfig", () => {
    for (const c of secretariats) {
      const config = loadSecretariatConfig(runtimeEnvironment(c));
      expect({ where: c.where, host: config.http.host }).toEqual({ where: c.where, host: '0.0.0.0' });
      expect(c.containerPorts).toContain(config.http.port);
      for (const name of ['CA_PASSPHRASE_FILE', 'OIDC_CLIENT_SECRET_FILE']) {
        expect({ where: c.where, name, set: c.env.has(name) }).toEqual({ where: c.where, name, set: true });
      }
      for (const name of SCRAM_VARIABLES) {
        expect({ where: c.where, name, set: c.env.has(name) }).toEqual({ where: c.where, name, set: false });
      }
    }
  });

  it('holds no literal secret: secret-looking variables are *_FILE, URLs carry no inline password', () => {
    expect(literalSecrets(containers)).toEqual([]);
    const objects = kubernetesObjects(allFiles.filter((f) => !composeDocument(f)));
    const secretsWithValues = objects
      .filter(
        ({ object }) =>
          object.kind === 'Secret' && (object.data !== undefined || object.stringData !== undefined),
      )
      .map(
        ({ file, object }) => `${path.relative(REPO_ROOT, file)}: ${String(asRecord(object.metadata)?.name)}`,
      );
    expect(secretsWithValues).toEqual([]);
    const secretLookingConfig = objects
      .filter(({ object }) => object.kind === 'ConfigMap')
      .flatMap(({ object }) =>
        Object.keys(asRecord(object.data) ?? {}).filter((k) => SECRET_NAME.test(k) && !k.endsWith('_FILE')),
      );
    expect(secretLookingConfig).toEqual([]);
  });

  it('reports a literal secret and a password inside a URL (the check above is not vacuous)', () => {
    const compose = parseYaml(
      path.join(REPO_ROOT, 'synthetic.yaml'),
      [
        'services:',
        '  gateway-xx:',
        '    environment:',
        '      KEY_PASSPHRASE: correct-horse-battery',
        '      KEY_PASSPHRASE_FILE: /run/secrets/key',
        '      DATABASE_URL: postgres://gw:hunter2hunter2@db:5432/gw',
        '      OTHER_URL: postgres://gw:${DB_PASSWORD}@db:5432/gw',
      ].join('\n'),
    );
    expect(literalSecrets(collectContainers([compose]))).toEqual([
      'synthetic.yaml service gateway-xx: KEY_PASSPHRASE has a literal value; mount a file and set KEY_PASSPHRASE_FILE',
      'synthetic.yaml service gateway-xx: DATABASE_URL carries a password in its URL',
    ]);
  });

  it('points every *_FILE variable at a file mounted into the same container', () => {
    const unmounted = containers.flatMap((c) =>
      [...c.env.entries()]
        .filter(([name]) => name.endsWith('_FILE'))
        .flatMap(([name, value]) => {
          const file = value.kind === 'literal' ? value.value : '';
          const mounted = c.mounts.some((m) => file === m || file.startsWith(`${m.replace(/\/$/, '')}/`));
          return mounted ? [] : [`${c.where}: ${name}=${file}`];
        }),
    );
    expect(unmounted).toEqual([]);
  });

  it('publishes Compose ports on 127.0.0.1 only and reads Compose secrets from ./secrets files', () => {
    for (const f of allFiles) {
      const compose = composeDocument(f);
      if (!compose) {
        continue;
      }
      for (const [name, raw] of Object.entries(asRecord(compose.services) ?? {})) {
        for (const port of asArray(asRecord(raw)?.ports)) {
          const long = asRecord(port);
          const hostIp = long ? asString(long.host_ip) : String(port).split(':')[0];
          expect({ service: name, port, hostIp }).toEqual({ service: name, port, hostIp: '127.0.0.1' });
        }
      }
      for (const [name, raw] of Object.entries(asRecord(compose.secrets) ?? {})) {
        expect({ secret: name, file: asString(asRecord(raw)?.file) }).toEqual({
          secret: name,
          file: `./secrets/${name}`,
        });
      }
    }
  });

  it('gives every Kubernetes service a TLS-authenticated KafkaUser; SCRAM only for the admin', () => {
    const kafkaUsers = new Map(
      kubernetesObjects(allFiles)
        .filter(({ object }) => object.kind === 'KafkaUser')
        .map(({ object }) => [
          String(asRecord(object.metadata)?.name),
          String(asRecord(asRecord(object.spec)?.authentication)?.type),
        ]),
    );
    const principals = [...gateways, ...secretariats]
      .filter((c) => c.platform === 'kubernetes')
      .map((c) => {
        const country = c.env.get('GATEWAY_COUNTRY');
        return c.component === 'secretariat'
          ? 'secretariat'
          : country?.kind === 'literal'
            ? `gw-${country.value.toLowerCase()}`
            : `${c.where}: GATEWAY_COUNTRY not set`;
      });
    expect(principals).toHaveLength(4);
    expect(principals.map((p) => [p, kafkaUsers.get(p)])).toEqual(principals.map((p) => [p, 'tls-external']));
    const scram = [...kafkaUsers].filter(([, type]) => type.startsWith('scram')).map(([name]) => name);
    expect(scram).toEqual(['corridor-admin']);
  });

  it('puts every Kafka listener on TLS with client certificates (Compose) or TLS (Strimzi)', () => {
    const props = new Map(
      fs
        .readFileSync(path.join(DEPLOY_DIR, 'compose', 'kafka', 'server.properties'), 'utf8')
        .split('\n')
        .filter((l) => l.trim() && !l.startsWith('#'))
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)] as const),
    );
    const protocols = (props.get('listener.security.protocol.map') ?? '')
      .split(',')
      .map((e) => e.split(':')[1]);
    expect(protocols.length).toBeGreaterThanOrEqual(3);
    expect(protocols.every((p) => p === 'SSL')).toBe(true);
    expect(props.get('ssl.client.auth')).toBe('required');
    expect(props.get('ssl.enabled.protocols')).toBe('TLSv1.3');
    expect(props.get('ssl.principal.mapping.rules')).toBe(KAFKA_PRINCIPAL_MAPPING_RULES);
    expect(props.get('super.users')).not.toMatch(/ANONYMOUS/);
    expect([...props.keys()].filter((k) => k.startsWith('sasl.'))).toEqual([]);
    const kafka = kubernetesObjects(allFiles).find(({ object }) => object.kind === 'Kafka')!.object;
    const listeners = asArray(asRecord(asRecord(kafka.spec)?.kafka)?.listeners).map((l) => asRecord(l)!);
    expect(listeners.length).toBeGreaterThan(0);
    expect(listeners.map((l) => [l.name, l.tls])).toEqual(listeners.map((l) => [l.name, true]));
    const clientListeners = listeners.filter((l) => asRecord(l.authentication)?.type === 'tls');
    expect(clientListeners).toHaveLength(1);
  });

  it('documents every variable of both schemas in docs/operations.md, and no other', () => {
    const markdown = fs.readFileSync(path.join(REPO_ROOT, 'docs', 'operations.md'), 'utf8');
    expect(documentedVariables(markdown, 'Gateway variables').sort()).toEqual([...GATEWAY_ENV_KEYS].sort());
    expect(documentedVariables(markdown, 'Secretariat variables').sort()).toEqual(
      [...SECRETARIAT_ENV_KEYS].sort(),
    );
  });
});
