// npm run keycloak -- start|stop|status|fetch|realms|reset   (the project's OpenID Connect provider, state in
// .corridor/keycloak, data in PostgreSQL database corridor_keycloak)
//   realms   rewrite deploy/keycloak/*.json from scripts/lib/keycloak-realms.ts
import fs from 'node:fs';
import path from 'node:path';
import { KeycloakAdmin, provisionRealms, REALMS_DIR } from './lib/keycloak-admin';
import {
  dropKeycloakDatabase,
  fetchKeycloak,
  buildKeycloak,
  isKeycloakRunning,
  readKeycloakInfo,
  residentKb,
  startKeycloak,
  stopKeycloak,
} from './lib/keycloak';
import { realmFiles } from './lib/keycloak-realms';
import { PrerequisiteError } from './lib/prereqs';

const home = process.env.CORRIDOR_HOME ?? path.join(__dirname, '..', '.corridor');
const dir = process.env.CORRIDOR_KEYCLOAK_DIR ?? path.join(home, 'keycloak');
const ADMIN_DB = process.env.DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const log = (line: string): void => console.log(`[keycloak] ${line}`);

async function main(): Promise<void> {
  const verb = process.argv[2] ?? 'status';
  switch (verb) {
    case 'fetch':
      log(`distribution in ${fetchKeycloak(log)}`);
      buildKeycloak(log);
      return;
    case 'realms':
      for (const [file, rep] of Object.entries(realmFiles())) {
        fs.writeFileSync(path.join(REALMS_DIR, file), `${JSON.stringify(rep, null, 2)}\n`);
        log(`wrote deploy/keycloak/${file}`);
      }
      return;
    case 'start': {
      const info = await startKeycloak({
        dir,
        port: Number(process.env.KEYCLOAK_PORT ?? 8180),
        databaseAdminUrl: ADMIN_DB,
        progress: log,
      });
      const creds = await provisionRealms({ admin: new KeycloakAdmin(info), dir, progress: log });
      log(
        `realms: ${Object.keys(creds.users).join(', ')}; passwords and client secrets in ${dir}/credentials.json`,
      );
      log(`admin console ${info.url}/admin (user ${info.admin.username}, password in ${dir}/keycloak.json)`);
      return;
    }
    case 'stop':
      log((await stopKeycloak(dir)) ? 'stopped' : 'not running');
      return;
    case 'reset':
      await stopKeycloak(dir);
      await dropKeycloakDatabase(ADMIN_DB, readKeycloakInfo(dir)?.database);
      fs.rmSync(dir, { recursive: true, force: true });
      log('stopped, database dropped, state removed; npm run keycloak -- start begins afresh');
      return;
    case 'status': {
      const info = readKeycloakInfo(dir);
      log(
        info && isKeycloakRunning(info)
          ? `running (pid ${info.pid}) on ${info.url}, ${Math.round((residentKb(info.pid) ?? 0) / 1024)} MB resident`
          : 'not running',
      );
      return;
    }
    default:
      throw new PrerequisiteError(`unknown verb "${verb}": use start, stop, status, fetch, realms or reset`);
  }
}

main().catch((err: unknown) => {
  console.error(`[keycloak] error: ${(err as Error).message}`);
  process.exit(1);
});
