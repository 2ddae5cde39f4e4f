// A local Corridor network: the secretariat and national gateways as real processes, enrolled with the
// regional CA and bound by activated agreements. Used by `npm run demo`, the e2e tests and the benchmarks.
import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { auditHeadsTopic, controlTopic, secretariatGroupPrefix } from '@corridor/contracts';
import { gatewayAudience, issueToken, Principal, SECRETARIAT_AUDIENCE } from '@corridor/identity';
import { transportIdentityProblem } from '@corridor/platform';
import {
  gatewayCsr,
  gatewayEcCsr,
  hasCertificate,
  initCa,
  installCertificate,
  installEcCertificate,
  installKafkaCertificate,
  issueKafkaIdentity,
  kafkaClientCsr,
  kafkaIdentityFiles,
} from '../../apps/cli/src/pki-files';
import { BrokerInfo, grantSecretariat, RegionalCaFiles } from './kafka-broker';
import { freePort } from './prereqs';
import { GATEWAY_NODE_FLAGS } from '../../apps/gateway/src/node-flags';

const ROOT = path.join(__dirname, '..', '..');

export interface DirectionSpec {
  from: string;
  to: string;
  categories: string[];
  maxClassification: string;
  maxHandling?: string;
  excludedFields?: string[];
  retentionDays?: number;
  onwardSharing?: 'FORBIDDEN' | 'WITH_ORIGINATOR_CONSENT';
}

export interface AgreementSpec {
  parties: [string, string];
  purpose: string;
  directions: DirectionSpec[];
  /** crypto suites allowed on the pair; omitted: any both gateways open */
  suites?: number[];
}

export interface NetworkOptions {
  dir: string;
  broker: BrokerInfo;
  /** the regional CA the broker trusts (copied into the secretariat's CA_DIR); default: one made in `dir` */
  ca?: RegionalCaFiles;
  topicPrefix: string;
  databasePrefix: string;
  databaseAdminUrl?: string;
  countries: string[];
  agreements: AgreementSpec[];
  /** fixed ports for the demo; omitted = free ports */
  ports?: { secretariat: number; gateways: Record<string, number> };
  gatewayEnv?: Record<string, string>;
  /** per country, on top of gatewayEnv (e.g. KAFKA_BROKERS through a proxy for one gateway in the fault tests) */
  gatewayEnvByCountry?: Record<string, Record<string, string>>;
  /** per-country environment, e.g. the country's identity provider (OIDC_ISSUER_URL, OIDC_CLIENT_SECRET) */
  gatewayEnvFor?: (country: string) => Record<string, string>;
  /**
   * Whether the gateways also accept development tokens (AUTH_DEV_TOKEN_SECRET, the handles' token()); default true.
   * The demo and the sign-in tests turn it off.
   */
  devTokens?: boolean;
  /** with devTokens false: tokens from the identity provider for the network's own operator and auditor calls */
  machineToken?: (country: string, kind: MachineKind) => Promise<string>;
  secretariatEnv?: Record<string, string>;
  /**
   * With it, the secretariat takes no development token (its switch is off) and the network's own calls there use
   * this token from the forum's identity provider (a client with roles admin and auditor); secretariatEnv then
   * names the provider (OIDC_ISSUER_URL, OIDC_CLIENT_SECRET).
   */
  secretariatToken?: () => Promise<string>;
  progress?: (line: string) => void;
}

interface Secrets {
  caPassphrase: string;
  secretariatTokenSecret: string;
  gateways: Record<string, { keyPassphrase: string; tokenSecret: string }>;
}

/**
 * The regional CA of a local network in `home` (secretariat/ca, passphrase in secrets.json), created if missing:
 * the broker's and the secretariat's transport certificates come from it before anything else starts.
 */
export async function regionalCa(home: string): Promise<RegionalCaFiles> {
  fs.mkdirSync(home, { recursive: true, mode: 0o700 });
  const secrets = loadSecrets(home, []);
  const dir = path.join(home, 'secretariat', 'ca');
  if (!fs.existsSync(path.join(dir, 'ca.pem'))) {
    await initCa({ dir, passphrase: secrets.caPassphrase });
  }
  return { dir, passphrase: secrets.caPassphrase };
}

function loadSecrets(dir: string, countries: string[]): Secrets {
  const file = path.join(dir, 'secrets.json');
  const rnd = (): string => randomBytes(24).toString('base64url');
  const s: Secrets = fs.existsSync(file)
    ? (JSON.parse(fs.readFileSync(file, 'utf8')) as Secrets)
    : { caPassphrase: rnd(), secretariatTokenSecret: rnd() + rnd(), gateways: {} };
  for (const c of countries) {
    s.gateways[c] ??= { keyPassphrase: rnd(), tokenSecret: rnd() + rnd() };
  }
  fs.writeFileSync(file, JSON.stringify(s, null, 2), { mode: 0o600 });
  return s;
}

export class ManagedProcess {
  child?: ChildProcess;
  private exited?: Promise<number | null>;

  constructor(
    readonly name: string,
    readonly script: string,
    readonly env: Record<string, string>,
    readonly logFile: string,
    readonly url: string,
    /** Node.js flags the service runs with (a gateway's: GATEWAY_NODE_FLAGS) */
    readonly nodeFlags: readonly string[] = [],
  ) {}

  start(): void {
    const fd = fs.openSync(this.logFile, 'a');
    this.child = spawn(
      process.execPath,
      ['--enable-source-maps', ...this.nodeFlags, path.join(ROOT, this.script)],
      {
        cwd: ROOT,
        env: { PATH: process.env.PATH ?? '', NODE_ENV: 'production', ...this.env },
        stdio: ['ignore', fd, fd],
      },
    );
    fs.closeSync(fd);
    const child = this.child;
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  get running(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Resolves when GET /health answers 200; fails at once if the process exits, naming the log line. */
  async ready(timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!this.running) {
        throw new Error(`${this.name} exited during start-up: ${this.logTail()} (full log: ${this.logFile})`);
      }
      try {
        const res = await fetch(`${this.url}/health`);
        if (res.status === 200) {
          return;
        }
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(
      `${this.name} did not become healthy within ${timeoutMs} ms: ${this.logTail()} (log: ${this.logFile})`,
    );
  }

  logTail(): string {
    try {
      const lines = fs.readFileSync(this.logFile, 'utf8').trim().split('\n');
      const errors = lines.filter((l) => /"level":(50|60)|error|Error/.test(l));
      return (errors.at(-1) ?? lines.at(-1) ?? '').slice(0, 400);
    } catch {
      return 'no log';
    }
  }

  /** SIGTERM (graceful) and wait; SIGKILL after the bound. */
  async stop(timeoutMs = 15_000): Promise<void> {
    if (!this.running) {
      return;
    }
    this.child!.kill('SIGTERM');
    const timer = setTimeout(() => this.child?.kill('SIGKILL'), timeoutMs);
    await this.exited;
    clearTimeout(timer);
  }

  /** kill -9: no shutdown hook runs. */
  async kill(): Promise<void> {
    if (!this.running) {
      return;
    }
    this.child!.kill('SIGKILL');
    await this.exited;
  }
}

/** Who the network's own calls act as: the operator (admin), the secretariat's auditor, an agency (publisher). */
export type MachineKind = 'operator' | 'auditor' | 'publisher';

export interface GatewayHandle {
  country: string;
  url: string;
  process: ManagedProcess;
  trustDir: string;
  databaseUrl: string;
  tokenSecret: string;
  token(p: Partial<Principal> & { roles: Principal['roles'] }, ttlSeconds?: number): string;
}

export class Network {
  secretariat!: ManagedProcess;
  secretariatAdminToken = '';
  secretariatDatabaseUrl = '';
  readonly gateways: Record<string, GatewayHandle> = {};
  private secrets!: Secrets;

  constructor(readonly opts: NetworkOptions) {}

  private log(line: string): void {
    this.opts.progress?.(line);
  }

  private dbUrl(name: string): string {
    const u = new URL(this.opts.databaseAdminUrl ?? 'postgres://postgres@127.0.0.1:5432/postgres');
    u.pathname = `/${this.opts.databasePrefix}${name}`;
    return u.toString();
  }

  async start(): Promise<void> {
    const { dir } = this.opts;
    fs.mkdirSync(path.join(dir, 'logs'), { recursive: true, mode: 0o700 });
    this.secrets = loadSecrets(dir, this.opts.countries);
    const caDir = path.join(dir, 'secretariat', 'ca');
    const ca = this.opts.ca;
    if (ca && path.resolve(ca.dir) !== path.resolve(caDir)) {
      fs.mkdirSync(caDir, { recursive: true, mode: 0o700 });
      for (const f of ['ca.pem', 'ca.key.pem']) {
        if (!fs.existsSync(path.join(caDir, f))) {
          fs.copyFileSync(path.join(ca.dir, f), path.join(caDir, f));
        }
      }
    }
    if (ca && this.secrets.caPassphrase !== ca.passphrase) {
      this.secrets.caPassphrase = ca.passphrase;
      fs.writeFileSync(path.join(dir, 'secrets.json'), JSON.stringify(this.secrets, null, 2), {
        mode: 0o600,
      });
    }
    if (!fs.existsSync(path.join(caDir, 'ca.pem'))) {
      this.log('creating the regional root CA (RSA-3072)…');
      await initCa({ dir: caDir, passphrase: this.secrets.caPassphrase });
    }
    // The secretariat's own TLS client certificate for Kafka, issued offline from the CA (it needs the broker
    // before it can serve enrolments).
    if (transportIdentityProblem({ ...kafkaIdentityFiles(caDir), passphrase: this.secrets.caPassphrase })) {
      this.log("issuing the secretariat's Kafka TLS client certificate…");
      await issueKafkaIdentity({
        caDir,
        caPassphrase: this.secrets.caPassphrase,
        outDir: caDir,
        name: 'kafka-client',
        principal: 'secretariat',
        role: 'client',
        keyPassphrase: this.secrets.caPassphrase,
      });
    }
    const prefix = this.opts.topicPrefix;
    await grantSecretariat({
      info: this.opts.broker,
      prefix,
      controlTopic: controlTopic(prefix),
      auditHeadsTopic: auditHeadsTopic(prefix),
      groupPrefix: secretariatGroupPrefix(prefix),
    });
    const sPort = this.opts.ports?.secretariat ?? (await freePort());
    this.secretariatDatabaseUrl = this.dbUrl('secretariat');
    this.secretariat = new ManagedProcess(
      'secretariat',
      'dist/apps/secretariat/src/main.js',
      {
        PORT: String(sPort),
        DATABASE_URL: this.secretariatDatabaseUrl,
        KAFKA_BROKERS: this.opts.broker.brokers.join(','),
        KAFKA_TOPIC_PREFIX: this.opts.topicPrefix,
        CA_DIR: caDir,
        CA_PASSPHRASE: this.secrets.caPassphrase,
        ...(this.opts.secretariatToken ? {} : { AUTH_DEV_TOKEN_SECRET: this.secrets.secretariatTokenSecret }),
        RECONCILE_BOUND_MS: '20000',
        RECONCILE_INTERVAL_MS: '2000',
        LOG_LEVEL: 'info',
        ...this.opts.secretariatEnv,
      },
      path.join(dir, 'logs', 'secretariat.log'),
      `http://127.0.0.1:${sPort}`,
    );
    this.secretariatAdminToken = issueToken({
      principal: { sub: 'forum-operator', country: 'ZZ', roles: ['admin', 'auditor'] },
      secret: this.secrets.secretariatTokenSecret,
      ttlSeconds: 7 * 86400,
      audience: SECRETARIAT_AUDIENCE,
    });
    this.log(`starting the secretariat on ${this.secretariat.url}…`);
    this.secretariat.start();
    await this.secretariat.ready();
    for (const c of this.opts.countries) {
      await this.enrol(c);
    }
    for (const c of this.opts.countries) {
      this.log(`starting gateway ${c} on ${this.gateways[c].url}…`);
      this.gateways[c].process.start();
    }
    for (const c of this.opts.countries) {
      await this.gateways[c].process.ready();
    }
    for (const c of this.opts.countries) {
      // The secretariat audits each gateway with an auditor token issued by that gateway's operator.
      const g = this.gateways[c];
      await this.secretariatCall('PUT', `/v1/gateways/${c}/endpoint`, {
        url: g.url,
        auditorToken: await this.bearer(c, 'auditor'),
      });
    }
    for (const a of this.opts.agreements) {
      await this.ensureAgreement(a);
    }
  }

  /** A member that joins the running network: its secrets, enrolment (topics and ACLs), gateway process, endpoint. */
  async join(country: string): Promise<GatewayHandle> {
    this.secrets = loadSecrets(this.opts.dir, [...Object.keys(this.secrets.gateways), country]);
    await this.enrol(country);
    const g = this.gateways[country];
    this.log(`starting gateway ${country} on ${g.url}…`);
    g.process.start();
    await g.process.ready();
    await this.secretariatCall('PUT', `/v1/gateways/${country}/endpoint`, {
      url: g.url,
      auditorToken: await this.bearer(country, 'auditor'),
    });
    return g;
  }

  private async enrol(country: string): Promise<void> {
    const cc = country.toLowerCase();
    const trustDir = path.join(this.opts.dir, `gw-${cc}`, 'trust');
    const sec = this.secrets.gateways[country];
    if (!hasCertificate(trustDir) || !fs.existsSync(kafkaIdentityFiles(trustDir).certFile)) {
      this.log(
        `enrolling gateway ${country}: signing and Kafka TLS keys, CSRs, certificates from the regional CA…`,
      );
      const csrPem = await gatewayCsr({ dir: trustDir, passphrase: sec.keyPassphrase, country });
      const kafkaCsrPem = await kafkaClientCsr({
        dir: trustDir,
        passphrase: sec.keyPassphrase,
        principal: `gw-${cc}`,
      });
      const ecCsrPem = await gatewayEcCsr({ dir: trustDir, passphrase: sec.keyPassphrase, country });
      const res = await this.secretariatCall<{
        certPem: string;
        caPem: string;
        kafkaCertPem: string;
        ecCertPem: string;
      }>('POST', '/v1/gateways', { country, csrPem, kafkaCsrPem, ecCsrPem });
      installCertificate({ dir: trustDir, certPem: res.certPem, caPem: res.caPem });
      installEcCertificate({ dir: trustDir, certPem: res.ecCertPem });
      installKafkaCertificate({ dir: trustDir, certPem: res.kafkaCertPem, caPem: res.caPem });
    }
    const port = this.opts.ports?.gateways[country] ?? (await freePort());
    const databaseUrl = this.dbUrl(`gw_${cc}`);
    const url = `http://127.0.0.1:${port}`;
    this.gateways[country] = {
      country,
      url,
      trustDir,
      databaseUrl,
      tokenSecret: sec.tokenSecret,
      process: new ManagedProcess(
        `gateway ${country}`,
        'dist/apps/gateway/src/main.js',
        {
          GATEWAY_COUNTRY: country,
          PORT: String(port),
          DATABASE_URL: databaseUrl,
          // The service runs as its own role: it can append to the exchange log but never rewrite it.
          DATABASE_APP_ROLE: `${this.opts.databasePrefix}gw_${cc}_app`.slice(0, 63),
          KAFKA_BROKERS: this.opts.broker.brokers.join(','),
          KAFKA_TOPIC_PREFIX: this.opts.topicPrefix,
          TRUST_DIR: trustDir,
          KEY_PASSPHRASE: sec.keyPassphrase,
          ...(this.opts.devTokens === false ? {} : { AUTH_DEV_TOKEN_SECRET: sec.tokenSecret }),
          TREE_HEAD_INTERVAL_MS: '5000',
          LOG_LEVEL: 'info',
          ...this.opts.gatewayEnv,
          ...this.opts.gatewayEnvByCountry?.[country],
          ...this.opts.gatewayEnvFor?.(country),
        },
        path.join(this.opts.dir, 'logs', `gw-${cc}.log`),
        url,
        GATEWAY_NODE_FLAGS,
      ),
      token: (p, ttlSeconds = 12 * 3600) =>
        issueToken({
          principal: { sub: 'operator', ...p, country },
          secret: sec.tokenSecret,
          ttlSeconds,
          audience: gatewayAudience(country),
        }),
    };
  }

  /** Starts another instance of a country's gateway (same database, same consumer group). */
  addInstance(
    country: string,
    instance: string,
    port: number,
    env: Record<string, string> = {},
  ): ManagedProcess {
    const g = this.gateways[country];
    const p = new ManagedProcess(
      `gateway ${country}#${instance}`,
      g.process.script,
      { ...g.process.env, PORT: String(port), GATEWAY_INSTANCE: instance, ...env },
      path.join(this.opts.dir, 'logs', `gw-${country.toLowerCase()}-${instance}.log`),
      `http://127.0.0.1:${port}`,
      g.process.nodeFlags,
    );
    p.start();
    return p;
  }

  async secretariatCall<T>(method: string, route: string, body?: unknown): Promise<T> {
    const token = this.opts.secretariatToken
      ? await this.opts.secretariatToken()
      : this.secretariatAdminToken;
    return call<T>(`${this.secretariat.url}${route}`, method, token, body);
  }

  /** A bearer token for the network's own calls at a country's gateway: the provider's, or a development token. */
  async bearer(country: string, kind: MachineKind): Promise<string> {
    if (this.opts.machineToken) {
      return await this.opts.machineToken(country, kind);
    }
    const g = this.gateways[country];
    switch (kind) {
      case 'operator':
        return g.token({ roles: ['admin'] });
      case 'auditor':
        return g.token({ sub: 'secretariat-auditor', roles: ['auditor'] }, 30 * 86400);
      case 'publisher':
        return g.token({
          sub: `agency.${country.toLowerCase()}`,
          roles: ['publisher'],
          agency: `${country}-NATIONAL-POLICE`,
        });
    }
  }

  async gatewayCall<T>(
    country: string,
    method: string,
    route: string,
    body?: unknown,
    token?: string,
  ): Promise<T> {
    const g = this.gateways[country];
    return call<T>(`${g.url}${route}`, method, token ?? (await this.bearer(country, 'operator')), body);
  }

  /** Proposes, has both parties sign with their gateway keys, and activates, unless it is already active. */
  async ensureAgreement(a: AgreementSpec): Promise<string> {
    const parties = [...a.parties].sort();
    const existing = (
      await this.secretariatCall<{ id: string; state: string; parties: string[] }[]>('GET', '/v1/agreements')
    ).find((x) => x.state === 'ACTIVE' && x.parties.join() === parties.join());
    if (existing) {
      return existing.id;
    }
    this.log(`agreement ${parties.join('↔')}: propose, sign by both parties, countersign and activate…`);
    const now = Date.now();
    const proposed = await this.secretariatCall<{ id: string; termsBase64: string }>(
      'POST',
      '/v1/agreements',
      {
        parties,
        validFrom: new Date(now - 86400_000).toISOString(),
        validUntil: new Date(now + 2 * 365 * 86400_000).toISOString(),
        purpose: a.purpose,
        ...(a.suites ? { suites: a.suites } : {}),
        directions: a.directions.map((d) => ({
          maxHandling: 'H3',
          excludedFields: [],
          retentionDays: 30,
          onwardSharing: 'FORBIDDEN',
          ...d,
        })),
      },
    );
    for (const party of parties) {
      const sig = await this.gatewayCall<{ signer: string; signature: string; certFingerprint: string }>(
        party,
        'POST',
        '/v1/agreements/sign',
        {
          termsBase64: proposed.termsBase64,
        },
      );
      await this.secretariatCall('POST', `/v1/agreements/${proposed.id}/signatures`, {
        signer: sig.signer,
        signature: sig.signature,
        certFingerprint: sig.certFingerprint,
      });
    }
    await this.secretariatCall('POST', `/v1/agreements/${proposed.id}/activate`);
    return proposed.id;
  }

  /** Waits until a gateway's registry shows an agreement with a partner in a given state. */
  async waitForAgreement(
    country: string,
    partner: string,
    state = 'ACTIVE',
    timeoutMs = 30_000,
  ): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const list = await this.gatewayCall<{ partner: string; state: string }[]>(
        country,
        'GET',
        '/v1/agreements',
      );
      if (list.some((x) => x.partner === partner && x.state === state)) {
        return;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(
      `gateway ${country} did not see an ${state} agreement with ${partner} within ${timeoutMs} ms`,
    );
  }

  async stop(): Promise<void> {
    await Promise.all(Object.values(this.gateways).map((g) => g.process.stop()));
    await this.secretariat?.stop();
  }

  async kill(): Promise<void> {
    await Promise.all(Object.values(this.gateways).map((g) => g.process.kill()));
    await this.secretariat?.kill();
  }
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    message: string,
  ) {
    super(message);
  }
}

export async function call<T>(
  url: string,
  method: string,
  token: string | undefined,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<T> {
  const res = await fetch(url, {
    method,
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...headers,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  const parsed: unknown = text ? JSON.parse(text) : undefined;
  if (!res.ok) {
    const p = parsed as { detail?: string; code?: string } | undefined;
    throw new HttpError(
      res.status,
      parsed,
      `${method} ${url} → ${res.status} ${p?.code ?? ''}: ${p?.detail ?? text.slice(0, 200)}`,
    );
  }
  return parsed as T;
}
