// npm run demo: a local Corridor network along the Central Mediterranean route — Kafka, PostgreSQL databases,
// the secretariat and the gateways of Niger, Libya and Italy — then a scenario of realistic alerts.
//   --reset               start from nothing (new CA, new broker storage, empty databases)
//   --no-scenario         start the network only (npm start)
//   --exit-after-scenario stop everything after the scenario (for tests)
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import { DEMO_AGREEMENTS, DEMO_COUNTRIES, DEMO_DESKS } from './lib/demo-network';
import { clientCredentialsTokens, KeycloakAdmin, provisionRealms } from './lib/keycloak-admin';
import {
  dropKeycloakDatabase,
  fetchKeycloak,
  readKeycloakInfo,
  startKeycloak,
  stopKeycloak,
} from './lib/keycloak';
import {
  countryRealm,
  FORUM_OPERATOR_CLIENT,
  FORUM_REALM,
  GATEWAY_CLIENT,
  machineClientOf,
  SECRETARIAT_CLIENT,
} from './lib/keycloak-realms';
import { fetchKafka, isAlive, readBrokerInfo, startBroker, stopBroker } from './lib/kafka-broker';
import { Network, regionalCa } from './lib/network';
import {
  PrerequisiteError,
  requireJava,
  requireMaven,
  requirePortFree,
  requirePostgres,
} from './lib/prereqs';
import { runScenario } from './lib/scenario';

const ROOT = path.join(__dirname, '..');
const args = new Set(process.argv.slice(2));
const HOME = process.env.CORRIDOR_HOME ?? path.join(ROOT, '.corridor');
const BASE = Number(process.env.DEMO_BASE_PORT ?? 8070);
const KAFKA_PORT = Number(process.env.KAFKA_PORT ?? 19092);
const KEYCLOAK_PORT = Number(process.env.KEYCLOAK_PORT ?? 8180);
const ADMIN_DB = process.env.DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const DB_PREFIX = process.env.DEMO_DATABASE_PREFIX ?? 'corridor_demo_';
const PORTS = {
  secretariat: BASE,
  gateways: { NE: BASE + 11, LY: BASE + 12, IT: BASE + 13 } as Record<string, number>,
};
const started = Date.now();
let stepNo = 0;
const STEPS = 7;
const step = (line: string): void => console.log(`[demo ${++stepNo}/${STEPS}] ${line}`);
const info = (line: string): void => console.log(`        ${line}`);

async function reset(): Promise<void> {
  const kafkaDir = path.join(HOME, 'kafka');
  if (isAlive(readBrokerInfo(kafkaDir)?.pid)) {
    await stopBroker(kafkaDir);
  }
  const keycloakDir = path.join(HOME, 'keycloak');
  await stopKeycloak(keycloakDir);
  await dropKeycloakDatabase(ADMIN_DB, readKeycloakInfo(keycloakDir)?.database ?? `${DB_PREFIX}keycloak`);
  fs.rmSync(HOME, { recursive: true, force: true });
  const c = new Client({ connectionString: ADMIN_DB });
  await c.connect();
  try {
    const { rows } = await c.query<{ datname: string }>(
      'select datname from pg_database where datname like $1',
      [`${DB_PREFIX}%`],
    );
    for (const r of rows) {
      await c.query(`drop database if exists "${r.datname}" with (force)`);
    }
    const roles = await c.query<{ rolname: string }>('select rolname from pg_roles where rolname like $1', [
      `${DB_PREFIX}%`,
    ]);
    for (const r of roles.rows) {
      await c.query(`drop role if exists "${r.rolname}"`);
    }
  } finally {
    await c.end();
  }
}

async function main(): Promise<void> {
  step('checking the machine: Java, Maven, PostgreSQL, free ports');
  requireJava();
  requireMaven();
  await requirePostgres(ADMIN_DB);
  if (args.has('--reset')) {
    info(`--reset: removing ${HOME} and the ${DB_PREFIX}* databases`);
    await reset();
  }
  const kafkaDir = path.join(HOME, 'kafka');
  const brokerRunning = isAlive(readBrokerInfo(kafkaDir)?.pid);
  for (const [what, port] of [
    ['secretariat', PORTS.secretariat],
    ...Object.entries(PORTS.gateways).map(([c, p]) => [`gateway ${c}`, p] as const),
    ...(brokerRunning
      ? []
      : ([
          ['Kafka', KAFKA_PORT],
          ['Kafka controller', KAFKA_PORT + 1],
        ] as const)),
  ] as const) {
    await requirePortFree(port, `${what}; or choose other ports with DEMO_BASE_PORT / KAFKA_PORT`);
  }

  step('building the apps (tsc) and the web front end (vite)');
  const build = spawnSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, stdio: 'inherit' });
  if (build.status !== 0) {
    throw new PrerequisiteError(
      'the build failed: fix the compile errors above, then run npm run demo again',
    );
  }

  step('starting Apache Kafka (KRaft, SASL/SCRAM, ACLs)');
  fetchKafka(info);
  // The regional CA first: it issues the broker's TLS certificates, then the secretariat's and the gateways'.
  const ca = await regionalCa(path.join(HOME, 'network'));
  const broker = await startBroker({
    dir: kafkaDir,
    clientPort: KAFKA_PORT,
    controllerPort: KAFKA_PORT + 1,
    nodes: Number(process.env.KAFKA_NODES ?? 1),
    ca,
    progress: info,
  });

  step('starting Keycloak, the identity provider (realms per country and the forum, PostgreSQL)');
  fetchKeycloak(info);
  const keycloakDir = path.join(HOME, 'keycloak');
  const keycloak = await startKeycloak({
    dir: keycloakDir,
    port: KEYCLOAK_PORT,
    databaseAdminUrl: ADMIN_DB,
    database: `${DB_PREFIX}keycloak`,
    progress: info,
  });
  const idp = new KeycloakAdmin(keycloak);
  const creds = await provisionRealms({ admin: idp, dir: keycloakDir, progress: info });
  const machineToken = clientCredentialsTokens({ admin: idp, creds });

  step('starting the secretariat and the gateways of Niger, Libya and Italy');
  const net = new Network({
    dir: path.join(HOME, 'network'),
    broker,
    ca,
    topicPrefix: 'corridor',
    databasePrefix: DB_PREFIX,
    databaseAdminUrl: ADMIN_DB,
    countries: DEMO_COUNTRIES,
    agreements: DEMO_AGREEMENTS,
    ports: PORTS,
    // People and agencies sign in at Keycloak; no development token is accepted by the gateways.
    devTokens: false,
    gatewayEnvFor: (c) => ({
      OIDC_ISSUER_URL: idp.issuer(countryRealm(c)),
      OIDC_CLIENT_ID: GATEWAY_CLIENT,
      OIDC_CLIENT_SECRET: creds.clients[countryRealm(c)][GATEWAY_CLIENT],
    }),
    machineToken: (c, kind) => machineToken(countryRealm(c), machineClientOf(c, kind)),
    // Auditors sign in to the audit page at the forum realm; no development token is accepted by the secretariat.
    secretariatEnv: {
      RECONCILE_BOUND_MS: '30000',
      OIDC_ISSUER_URL: idp.issuer(FORUM_REALM),
      OIDC_CLIENT_ID: SECRETARIAT_CLIENT,
      OIDC_CLIENT_SECRET: creds.clients[FORUM_REALM][SECRETARIAT_CLIENT],
    },
    secretariatToken: () => machineToken(FORUM_REALM, FORUM_OPERATOR_CLIENT),
    progress: info,
  });
  let stopping = false;
  const shutdown = async (code: number): Promise<void> => {
    if (stopping) {
      return;
    }
    stopping = true;
    console.log('\n[demo] stopping: gateways and secretariat (graceful), then Kafka and Keycloak…');
    await net.stop();
    await stopBroker(kafkaDir);
    await stopKeycloak(keycloakDir);
    console.log(
      '[demo] stopped. Run npm run demo again to restart (fast), or with -- --reset to start over.',
    );
    process.exit(code);
  };
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));
  try {
    await net.start();
    await idp.registerRelyingParty({
      realm: FORUM_REALM,
      clientId: SECRETARIAT_CLIENT,
      baseUrl: net.secretariat.url,
      callbackPath: '/auth/callback',
      backchannelLogoutPath: '/auth/backchannel-logout',
      postLogoutPath: '/audit/',
    });
    for (const c of DEMO_COUNTRIES) {
      await idp.registerRelyingParty({
        realm: countryRealm(c),
        clientId: GATEWAY_CLIENT,
        baseUrl: net.gateways[c].url,
        callbackPath: '/auth/callback',
        backchannelLogoutPath: '/auth/backchannel-logout',
        postLogoutPath: ['/desk/', '/compose/'],
      });
    }
    for (const a of DEMO_AGREEMENTS) {
      await net.waitForAgreement(a.parties[0], a.parties[1]);
      await net.waitForAgreement(a.parties[1], a.parties[0]);
    }
  } catch (err) {
    console.error(`[demo] ${(err as Error).message}`);
    console.error(`[demo] logs: ${path.join(HOME, 'network', 'logs')}`);
    await shutdown(1);
    return;
  }

  step('ready: sign in to a desk at Keycloak, the API docs and the audit page');
  const credentialsFile = path.join(keycloakDir, 'credentials.json');
  const summary: Record<string, unknown> = {
    identityProvider: { url: keycloak.url, admin: `${keycloak.url}/admin`, credentialsFile },
    secretariat: {
      url: net.secretariat.url,
      auditPage: `${net.secretariat.url}/audit/`,
      issuer: idp.issuer(FORUM_REALM),
      username: 'auditor.forum',
      docs: `${net.secretariat.url}/docs`,
    },
    gateways: {},
  };
  for (const c of DEMO_COUNTRIES) {
    const g = net.gateways[c];
    const d = DEMO_DESKS[c];
    (summary.gateways as Record<string, unknown>)[c] = {
      url: g.url,
      desk: `${g.url}/desk/`,
      issuer: idp.issuer(countryRealm(c)),
      username: d.sub,
      docs: `${g.url}/docs`,
    };
    console.log(`\n  ${c}  desk  ${g.url}/desk/   sign in as ${d.sub}`);
    console.log(
      `      API docs ${g.url}/docs   (agencies: client credentials at ${idp.issuer(countryRealm(c))})`,
    );
  }
  console.log(`\n  Passwords and client secrets: ${credentialsFile} (mode 600, generated at first start)`);
  console.log(
    `  Secretariat audit page  ${net.secretariat.url}/audit/   sign in as auditor.forum (forum realm)`,
  );
  console.log(`  Secretariat API docs    ${net.secretariat.url}/docs\n`);
  fs.writeFileSync(path.join(HOME, 'demo.json'), JSON.stringify(summary, null, 2), { mode: 0o600 });
  info(`network up in ${Math.round((Date.now() - started) / 1000)} s; Ctrl-C stops everything`);

  if (args.has('--no-scenario')) {
    step('scenario skipped (--no-scenario)');
  } else {
    step('scenario: alerts along the route, a few seconds apart');
    await runScenario({ net, delayMs: Number(process.env.DEMO_STEP_MS ?? 3000), log: console.log });
    info('scenario done: watch the desks; the exchange log reaches the secretariat within seconds');
  }
  if (args.has('--exit-after-scenario')) {
    await new Promise((r) => setTimeout(r, Number(process.env.DEMO_LINGER_MS ?? 3000)));
    await shutdown(0);
  }
}

main().catch((err: unknown) => {
  console.error(`[demo] ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
