// The project's OpenID Connect provider: Keycloak's server distribution from Maven Central, unzipped once into the
// same cache as Kafka's jars, built once for PostgreSQL, started on 127.0.0.1 with its data in the project's
// PostgreSQL (its own database), ready when its master realm's discovery document answers.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import { cacheDir, isAlive } from './kafka-broker';
import { freePort, PrerequisiteError, requireJava, requireMaven, requirePortFree } from './prereqs';

export const KEYCLOAK_VERSION = '26.5.6';
const ARTIFACT = `org.keycloak:keycloak-quarkus-dist:${KEYCLOAK_VERSION}:zip`;
/** Build-time options (kc.sh build): a change means one more build. */
const BUILD_OPTIONS = ['--db=postgres', '--health-enabled=true'];

type Progress = (line: string) => void;

export interface KeycloakInfo {
  dir: string;
  pid?: number;
  port: number;
  managementPort: number;
  /** http://127.0.0.1:<port> */
  url: string;
  database: string;
  /** the bootstrap administrator of the master realm (state file is mode 600) */
  admin: { username: string; password: string };
  /** ms from launch to ready, of the last start, and whether it was the first start on this database */
  lastStart?: { ms: number; firstStart: boolean; rssKb?: number };
}

export function keycloakHome(): string {
  return path.join(cacheDir(), `keycloak-${KEYCLOAK_VERSION}`);
}

/** Fetches the distribution with mvn and unzips it into the cache once; later calls return at once. */
export function fetchKeycloak(progress: Progress = () => undefined): string {
  const home = keycloakHome();
  const marker = path.join(home, '.complete');
  if (fs.existsSync(marker)) {
    return home;
  }
  requireJava();
  requireMaven();
  progress(`fetching Keycloak ${KEYCLOAK_VERSION} (${ARTIFACT}) from Maven Central (first time only)…`);
  const staging = `${home}.${process.pid}.tmp`;
  fs.rmSync(staging, { recursive: true, force: true });
  fs.mkdirSync(staging, { recursive: true });
  const r = spawnSync(
    'mvn',
    ['-q', '-B', 'dependency:copy', `-Dartifact=${ARTIFACT}`, `-DoutputDirectory=${staging}`],
    { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', cwd: staging },
  );
  const zip = path.join(staging, `keycloak-quarkus-dist-${KEYCLOAK_VERSION}.zip`);
  if (r.status !== 0 || !fs.existsSync(zip)) {
    const tail = `${r.stdout}${r.stderr}`.split('\n').slice(-5).join(' ');
    throw new PrerequisiteError(
      `mvn could not fetch ${ARTIFACT} (${tail.trim()}): check that Maven Central is reachable, then retry`,
    );
  }
  progress('unzipping Keycloak…');
  const u = spawnSync('unzip', ['-q', zip, '-d', staging], { encoding: 'utf8' });
  if (u.status !== 0) {
    throw new PrerequisiteError(`unzip failed (${u.stderr.trim()}): install unzip (apt-get install unzip)`);
  }
  fs.rmSync(zip);
  fs.rmSync(home, { recursive: true, force: true });
  fs.renameSync(path.join(staging, `keycloak-${KEYCLOAK_VERSION}`), home);
  fs.rmSync(staging, { recursive: true, force: true });
  fs.writeFileSync(marker, new Date().toISOString());
  return home;
}

/** `kc.sh build` once with the project's build options, so that every start is an optimized one. */
export function buildKeycloak(progress: Progress = () => undefined): void {
  const home = fetchKeycloak(progress);
  const marker = path.join(home, '.built');
  const wanted = BUILD_OPTIONS.join(' ');
  if (fs.existsSync(marker) && fs.readFileSync(marker, 'utf8') === wanted) {
    return;
  }
  progress(`building Keycloak for PostgreSQL (kc.sh build ${wanted}; once, about a minute)…`);
  const r = spawnSync(path.join(home, 'bin', 'kc.sh'), ['build', ...BUILD_OPTIONS], {
    encoding: 'utf8',
    env: { ...process.env, JAVA_OPTS_KC_HEAP: '-Xmx512m' },
  });
  if (r.status !== 0) {
    const tail = `${r.stdout}${r.stderr}`.split('\n').slice(-5).join(' ');
    throw new PrerequisiteError(`kc.sh build failed (${tail.trim()}): remove ${home} and start again`);
  }
  fs.writeFileSync(marker, wanted);
}

function stateFile(dir: string): string {
  return path.join(dir, 'keycloak.json');
}

export function readKeycloakInfo(dir: string): KeycloakInfo | undefined {
  const f = stateFile(dir);
  return fs.existsSync(f) ? (JSON.parse(fs.readFileSync(f, 'utf8')) as KeycloakInfo) : undefined;
}

function writeKeycloakInfo(info: KeycloakInfo): void {
  fs.writeFileSync(stateFile(info.dir), JSON.stringify(info, null, 2), { mode: 0o600 });
}

async function ensureDatabase(adminUrl: string, database: string): Promise<boolean> {
  const c = new Client({ connectionString: adminUrl });
  await c.connect();
  try {
    const { rowCount } = await c.query('select 1 from pg_database where datname = $1', [database]);
    if (rowCount) {
      return false;
    }
    await c.query(`create database "${database}"`);
    return true;
  } finally {
    await c.end();
  }
}

/** Resident set size of a process and its children (kc.sh runs java as a child), in kB; undefined off Linux. */
export function residentKb(pid: number | undefined): number | undefined {
  if (!pid) {
    return undefined;
  }
  const pids = [pid];
  try {
    const children = fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
    pids.push(...children.split(/\s+/).filter(Boolean).map(Number));
  } catch {
    return undefined;
  }
  let total = 0;
  for (const p of pids) {
    try {
      const m = /VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${p}/status`, 'utf8'));
      total += m ? Number(m[1]) : 0;
    } catch {
      // exited meanwhile
    }
  }
  return total;
}

export interface KeycloakStartOptions {
  dir: string;
  /** 0 or omitted: a free port */
  port?: number;
  /** administrative PostgreSQL URL (creates the database) */
  databaseAdminUrl: string;
  database?: string;
  progress?: Progress;
  timeoutMs?: number;
}

/** Starts Keycloak in the background (or finds it running); resolves when the discovery document answers. */
export async function startKeycloak(opts: KeycloakStartOptions): Promise<KeycloakInfo> {
  const progress = opts.progress ?? (() => undefined);
  fs.mkdirSync(opts.dir, { recursive: true, mode: 0o700 });
  const existing = readKeycloakInfo(opts.dir);
  if (existing && isAlive(existing.pid)) {
    progress(`Keycloak already running (pid ${existing.pid}) on ${existing.url}`);
    await waitKeycloakReady(existing, { timeoutMs: opts.timeoutMs ?? 180_000, progress });
    return existing;
  }
  buildKeycloak(progress);
  const info: KeycloakInfo = existing ?? {
    dir: opts.dir,
    port: opts.port || (await freePort()),
    managementPort: await freePort(),
    url: '',
    database: opts.database ?? 'corridor_keycloak',
    admin: { username: 'corridor-admin', password: randomBytes(18).toString('base64url') },
  };
  info.url = `http://127.0.0.1:${info.port}`;
  await requirePortFree(info.port, 'Keycloak; or choose another with KEYCLOAK_PORT');
  await requirePortFree(info.managementPort, 'Keycloak management').catch(async () => {
    info.managementPort = await freePort();
  });
  if (!existing) {
    // Without its state file (a new checkout, or the file removed) a database of this name belongs to another
    // administrator password, which Keycloak reads only when it creates the master realm: start it afresh.
    await dropKeycloakDatabase(opts.databaseAdminUrl, info.database);
  }
  const firstStart = await ensureDatabase(opts.databaseAdminUrl, info.database);
  const dbUrl = new URL(opts.databaseAdminUrl);
  const logFd = fs.openSync(path.join(opts.dir, 'keycloak.log'), 'a');
  const launched = Date.now();
  const child = spawn(
    path.join(keycloakHome(), 'bin', 'kc.sh'),
    [
      'start',
      '--optimized',
      '--http-enabled=true',
      '--http-host=127.0.0.1',
      `--http-port=${info.port}`,
      `--http-management-port=${info.managementPort}`,
      // Loopback only: the issuer follows the URL the caller used (http://127.0.0.1:<port>).
      '--hostname-strict=false',
      `--db-url=jdbc:postgresql://${dbUrl.hostname}:${dbUrl.port || 5432}/${info.database}`,
      `--db-username=${decodeURIComponent(dbUrl.username) || 'postgres'}`,
      ...(dbUrl.password ? [`--db-password=${decodeURIComponent(dbUrl.password)}`] : []),
      '--db-pool-max-size=8',
    ],
    {
      detached: true,
      stdio: ['ignore', logFd, logFd],
      env: {
        ...process.env,
        // Keycloak's default heap is a share of the machine's memory; a few realms need far less.
        JAVA_OPTS_KC_HEAP: '-Xms64m -Xmx384m',
        // Read on the very first start only (master realm creation); kept in the mode-600 state file.
        KC_BOOTSTRAP_ADMIN_USERNAME: info.admin.username,
        KC_BOOTSTRAP_ADMIN_PASSWORD: info.admin.password,
      },
    },
  );
  fs.closeSync(logFd);
  child.unref();
  info.pid = child.pid;
  writeKeycloakInfo(info);
  progress(
    `Keycloak ${KEYCLOAK_VERSION} launched (pid ${info.pid}) on ${info.url}, data in database ${info.database}`,
  );
  try {
    await waitKeycloakReady(info, { timeoutMs: opts.timeoutMs ?? 300_000, progress });
  } catch (err) {
    // Nothing is left behind when the start fails (the JVM may still be starting).
    await stopKeycloak(opts.dir, 10_000);
    throw err;
  }
  info.lastStart = { ms: Date.now() - launched, firstStart, rssKb: residentKb(info.pid) };
  writeKeycloakInfo(info);
  progress(
    `Keycloak ready in ${(info.lastStart.ms / 1000).toFixed(1)} s (${firstStart ? 'first start, new database' : 'existing database'}` +
      `${info.lastStart.rssKb ? `, ${Math.round(info.lastStart.rssKb / 1024)} MB resident` : ''})`,
  );
  return info;
}

/** Polls the master realm's discovery document; fails at once if the process exits, naming its log. */
export async function waitKeycloakReady(
  info: KeycloakInfo,
  opts: { timeoutMs: number; progress?: Progress },
): Promise<void> {
  const deadline = Date.now() + opts.timeoutMs;
  const started = Date.now();
  let lastNote = Date.now();
  const log = path.join(info.dir, 'keycloak.log');
  for (;;) {
    try {
      const r = await fetch(`${info.url}/realms/master/.well-known/openid-configuration`, {
        signal: AbortSignal.timeout(2000),
      });
      if (r.ok) {
        return;
      }
    } catch {
      // not listening yet
    }
    if (!isAlive(info.pid)) {
      const tail = fs.existsSync(log)
        ? fs
            .readFileSync(log, 'utf8')
            .split('\n')
            .filter((l) => /ERROR|FATAL/.test(l))
            .slice(-1)[0]
        : undefined;
      throw new PrerequisiteError(
        `Keycloak exited during start${tail ? ` (${tail.trim().slice(0, 300)})` : ''}: see ${log}`,
      );
    }
    if (Date.now() > deadline) {
      throw new PrerequisiteError(
        `Keycloak did not answer on ${info.url} within ${opts.timeoutMs / 1000} s: see ${log}`,
      );
    }
    if (Date.now() - lastNote >= 5000) {
      lastNote = Date.now();
      opts.progress?.(`waiting for Keycloak… ${Math.round((Date.now() - started) / 1000)} s`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** SIGTERM to kc.sh (it forwards to the JVM), SIGKILL to the group after a bound. */
export async function stopKeycloak(dir: string, timeoutMs = 30_000): Promise<boolean> {
  const info = readKeycloakInfo(dir);
  const pid = info?.pid;
  if (!pid || !isAlive(pid)) {
    return false;
  }
  try {
    process.kill(-pid, 'SIGTERM');
  } catch {
    process.kill(pid, 'SIGTERM');
  }
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
  }
  if (isAlive(pid)) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  return true;
}

/** Drops Keycloak's database (for --reset); Keycloak must be stopped. */
export async function dropKeycloakDatabase(adminUrl: string, database = 'corridor_keycloak'): Promise<void> {
  const c = new Client({ connectionString: adminUrl });
  await c.connect();
  try {
    await c.query(`drop database if exists "${database}" with (force)`);
  } finally {
    await c.end();
  }
}

export function isKeycloakRunning(info: KeycloakInfo): boolean {
  return isAlive(info.pid);
}
