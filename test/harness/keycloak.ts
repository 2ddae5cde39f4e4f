// The project's Keycloak for e2e tests of sign-in: started (or found running) by the project's own script code,
// realms imported from deploy/keycloak, plus helpers to make a test's own people and fetch machine tokens.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { KeycloakAdmin, KeycloakCredentials, provisionRealms } from '../../scripts/lib/keycloak-admin';
import {
  isKeycloakRunning,
  KeycloakInfo,
  readKeycloakInfo,
  startKeycloak,
  stopKeycloak,
} from '../../scripts/lib/keycloak';
import {
  AUDITOR_CLIENT,
  countryRealm,
  GATEWAY_CLIENT,
  OPERATOR_CLIENT,
} from '../../scripts/lib/keycloak-realms';
import { ADMIN_DATABASE_URL } from './constants';

/** Kept between runs (mode 700): a warm start reuses the database and its realms. */
const DIR =
  process.env.CORRIDOR_TEST_KEYCLOAK_DIR ?? path.join(__dirname, '..', '..', '.corridor', 'keycloak');

export interface TestKeycloak {
  info: KeycloakInfo;
  admin: KeycloakAdmin;
  creds: KeycloakCredentials;
  issuer(country: string): string;
  /** OIDC_* variables of a country's gateway */
  gatewayEnv(country: string): Record<string, string>;
  clientCredentialsToken(country: string, clientId: string): Promise<string>;
  machineToken(country: string, kind: 'operator' | 'auditor'): Promise<string>;
  /** a person of the test's own in a country realm, in a desk group; returns username and password */
  createOfficer(country: string, group: string): Promise<{ username: string; password: string }>;
  stop(): Promise<void>;
}

export async function startTestKeycloak(): Promise<TestKeycloak> {
  const wasRunning = (() => {
    const i = readKeycloakInfo(DIR);
    return i !== undefined && isKeycloakRunning(i);
  })();
  const info = await startKeycloak({
    dir: DIR,
    databaseAdminUrl: ADMIN_DATABASE_URL,
    progress: (l) => console.log(`[keycloak] ${l}`),
  });
  const admin = new KeycloakAdmin(info);
  const creds = await provisionRealms({ admin, dir: DIR });
  const issuer = (country: string): string => admin.issuer(countryRealm(country));
  const tokens = new Map<string, { value: string; until: number }>();
  const clientCredentialsToken = async (country: string, clientId: string): Promise<string> => {
    const key = `${country}/${clientId}`;
    const hit = tokens.get(key);
    if (hit && hit.until > Date.now()) {
      return hit.value;
    }
    const r = await fetch(`${issuer(country)}/protocol/openid-connect/token`, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: clientId,
        client_secret: creds.clients[countryRealm(country)][clientId],
      }),
    });
    if (!r.ok) {
      throw new Error(`client credentials for ${clientId} at ${country}: ${r.status} ${await r.text()}`);
    }
    const body = (await r.json()) as { access_token: string; expires_in: number };
    tokens.set(key, { value: body.access_token, until: Date.now() + (body.expires_in - 30) * 1000 });
    return body.access_token;
  };
  return {
    info,
    admin,
    creds,
    issuer,
    gatewayEnv: (country) => ({
      OIDC_ISSUER_URL: issuer(country),
      OIDC_CLIENT_ID: GATEWAY_CLIENT,
      OIDC_CLIENT_SECRET: creds.clients[countryRealm(country)][GATEWAY_CLIENT],
      OIDC_SESSION_CHECK_MS: '2000',
    }),
    clientCredentialsToken,
    machineToken: (country, kind) =>
      clientCredentialsToken(country, kind === 'operator' ? OPERATOR_CLIENT : AUDITOR_CLIENT),
    createOfficer: async (country, group) => {
      const realm = countryRealm(country);
      const username = `officer.t${randomBytes(4).toString('hex')}`;
      const password = randomBytes(12).toString('base64url');
      await admin.call('POST', `/${realm}/users`, {
        username,
        enabled: true,
        firstName: 'Test',
        lastName: 'Officer',
        email: `${username}@test.corridor.example`,
        emailVerified: true,
        groups: [`/${group}`],
      });
      await admin.setPassword(realm, username, password);
      return { username, password };
    },
    stop: async () => {
      if (!wasRunning) {
        await stopKeycloak(DIR);
      }
    },
  };
}
