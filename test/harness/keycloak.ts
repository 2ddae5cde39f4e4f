// The project's Keycloak for e2e tests of sign-in: started (or found running) by the project's own script code,
// realms imported from deploy/keycloak, plus helpers to make a test's own people and fetch machine tokens.
import { createHash, randomBytes } from 'node:crypto';
import * as oidc from 'openid-client';
import type { Browser, Page } from 'playwright-core';
import path from 'node:path';
import {
  clientCredentialsTokens,
  KeycloakAdmin,
  KeycloakCredentials,
  provisionRealms,
} from '../../scripts/lib/keycloak-admin';
import {
  isKeycloakRunning,
  KeycloakInfo,
  readKeycloakInfo,
  startKeycloak,
  stopKeycloak,
} from '../../scripts/lib/keycloak';
import {
  AGENCY_PUBLISHER_GROUP,
  CLI_CLIENT,
  countryRealm,
  FORUM_OPERATOR_CLIENT,
  FORUM_REALM,
  GATEWAY_CLIENT,
  machineClientOf,
  SECRETARIAT_CLIENT,
} from '../../scripts/lib/keycloak-realms';
import type { MachineKind } from '../../scripts/lib/network';
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
  machineToken(country: string, kind: MachineKind): Promise<string>;
  /** a person of the test's own in a country realm, in a desk group; returns username and password */
  createOfficer(country: string, group: string): Promise<{ username: string; password: string }>;
  /** an agency person of the test's own in a country realm (the agency publisher group: role publisher) */
  createPublisher(country: string): Promise<{ username: string; password: string }>;
  /** OIDC_* variables of the secretariat at the forum realm */
  secretariatEnv(): Record<string, string>;
  /** the forum operator's token (roles admin and auditor) for the network's own calls at the secretariat */
  forumOperatorToken(): Promise<string>;
  /** a person of the test's own in the forum realm, in the given groups (e.g. auditors) and realm roles */
  createForumPerson(groups: string[], roles?: string[]): Promise<{ username: string; password: string }>;
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
    // One database per checkout: two checkouts on one machine never drop each other's provider.
    database: `corridor_keycloak_${createHash('sha256').update(path.resolve(DIR)).digest('hex').slice(0, 10)}`,
    progress: (l) => console.log(`[keycloak] ${l}`),
  });
  const admin = new KeycloakAdmin(info);
  const creds = await provisionRealms({ admin, dir: DIR });
  const issuer = (country: string): string => admin.issuer(countryRealm(country));
  const tokenOf = clientCredentialsTokens({ admin, creds });
  const createPerson = async (
    realm: string,
    prefix: string,
    groups: string[],
  ): Promise<{ username: string; password: string }> => {
    const username = `${prefix}.t${randomBytes(4).toString('hex')}`;
    const password = randomBytes(12).toString('base64url');
    await admin.call('POST', `/${realm}/users`, {
      username,
      enabled: true,
      firstName: 'Test',
      lastName: 'Person',
      email: `${username}@test.corridor.example`,
      emailVerified: true,
      groups: groups.map((g) => `/${g}`),
    });
    await admin.setPassword(realm, username, password);
    return { username, password };
  };
  const clientCredentialsToken = (country: string, clientId: string): Promise<string> =>
    tokenOf(countryRealm(country), clientId);
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
    machineToken: (country, kind) => clientCredentialsToken(country, machineClientOf(country, kind)),
    createOfficer: (country, group) => createPerson(countryRealm(country), 'officer', [group]),
    createPublisher: (country) => createPerson(countryRealm(country), 'publisher', [AGENCY_PUBLISHER_GROUP]),
    secretariatEnv: () => ({
      OIDC_ISSUER_URL: admin.issuer(FORUM_REALM),
      OIDC_CLIENT_ID: SECRETARIAT_CLIENT,
      OIDC_CLIENT_SECRET: creds.clients[FORUM_REALM][SECRETARIAT_CLIENT],
      OIDC_SESSION_CHECK_MS: '2000',
    }),
    forumOperatorToken: () => tokenOf(FORUM_REALM, FORUM_OPERATOR_CLIENT),
    createForumPerson: async (groups, roles = []) => {
      const person = await createPerson(FORUM_REALM, 'auditor', groups);
      if (roles.length) {
        const id = await admin.userId(FORUM_REALM, person.username);
        const reps = await Promise.all(
          roles.map((r) => admin.call<unknown>('GET', `/${FORUM_REALM}/roles/${r}`)),
        );
        await admin.call('POST', `/${FORUM_REALM}/users/${id}/role-mappings/realm`, reps);
      }
      return person;
    },
    stop: async () => {
      if (!wasRunning) {
        await stopKeycloak(DIR);
      }
    },
  };
}

/** A person's access token by the device authorization grant, the verification page driven in Chromium. */
export async function deviceGrantToken(opts: {
  browser: Browser;
  issuer: string;
  username: string;
  password: string;
}): Promise<string> {
  const config = await oidc.discovery(new URL(opts.issuer), CLI_CLIENT, undefined, oidc.None(), {
    execute: [oidc.allowInsecureRequests],
  });
  const device = await oidc.initiateDeviceAuthorization(config, { scope: 'openid' });
  const page = await opts.browser.newPage();
  try {
    await page.goto(device.verification_uri_complete!);
    await approveOnProviderPage(page, opts.username, opts.password);
    const tokens = await oidc.pollDeviceAuthorizationGrant(config, device);
    return tokens.access_token;
  } finally {
    await page.close();
  }
}

/** Keycloak's login form, then its grant confirmation if it asks for one. */
export async function approveOnProviderPage(page: Page, username: string, password: string): Promise<void> {
  await page.locator('#username').fill(username);
  await page.locator('#password').fill(password);
  await page.locator('#kc-login').click();
  const consent = page.locator('input[name=accept], #kc-login');
  if (
    await consent
      .first()
      .isVisible({ timeout: 3000 })
      .catch(() => false)
  ) {
    await consent.first().click();
  }
}
