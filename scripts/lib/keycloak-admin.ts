// Keycloak's admin REST API as the project uses it: import the realm files, switch on the second factors, set the
// generated passwords and client secrets (kept in a mode-600 file), register a relying party's URLs.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { KeycloakInfo } from './keycloak';
import { PrerequisiteError } from './prereqs';

type Json = Record<string, unknown>;
type Progress = (line: string) => void;

/** Passwords and client secrets generated at first start, by realm (file mode 600). */
export interface KeycloakCredentials {
  users: Record<string, Record<string, string>>;
  clients: Record<string, Record<string, string>>;
}

export class KeycloakAdmin {
  private token?: { value: string; until: number };

  constructor(private readonly info: Pick<KeycloakInfo, 'url' | 'admin'>) {}

  get url(): string {
    return this.info.url;
  }

  issuer(realm: string): string {
    return `${this.info.url}/realms/${realm}`;
  }

  private async accessToken(): Promise<string> {
    if (this.token && Date.now() < this.token.until) {
      return this.token.value;
    }
    const r = await fetch(`${this.info.url}/realms/master/protocol/openid-connect/token`, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'password',
        client_id: 'admin-cli',
        username: this.info.admin.username,
        password: this.info.admin.password,
      }),
    });
    if (!r.ok) {
      throw new PrerequisiteError(
        `Keycloak refused the project's administrator (${r.status}): its database predates this state file; ` +
          'reset it (npm run keycloak -- reset)',
      );
    }
    const body = (await r.json()) as { access_token: string; expires_in: number };
    this.token = { value: body.access_token, until: Date.now() + (body.expires_in - 10) * 1000 };
    return body.access_token;
  }

  /** One admin API call; a body is sent as JSON. Resolves to the parsed answer (undefined when empty). */
  async call<T = unknown>(method: string, apiPath: string, body?: unknown): Promise<T> {
    const r = await this.raw(method, apiPath, body);
    if (!r.ok) {
      throw new Error(`Keycloak admin ${method} ${apiPath}: ${r.status} ${await r.text()}`);
    }
    const text = await r.text();
    return (text ? JSON.parse(text) : undefined) as T;
  }

  async raw(method: string, apiPath: string, body?: unknown): Promise<Response> {
    return await fetch(`${this.info.url}/admin/realms${apiPath}`, {
      method,
      headers: {
        authorization: `Bearer ${await this.accessToken()}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  }

  async realmExists(realm: string): Promise<boolean> {
    const r = await this.raw('GET', `/${realm}`);
    return r.ok;
  }

  async clientUuid(realm: string, clientId: string): Promise<string> {
    const found = await this.call<Array<{ id: string }>>(
      'GET',
      `/${realm}/clients?clientId=${encodeURIComponent(clientId)}`,
    );
    if (!found[0]) {
      throw new Error(`no client ${clientId} in realm ${realm}`);
    }
    return found[0].id;
  }

  async userId(realm: string, username: string): Promise<string> {
    const found = await this.call<Array<{ id: string }>>(
      'GET',
      `/${realm}/users?exact=true&username=${encodeURIComponent(username)}`,
    );
    if (!found[0]) {
      throw new Error(`no user ${username} in realm ${realm}`);
    }
    return found[0].id;
  }

  async setPassword(realm: string, username: string, password: string): Promise<void> {
    await this.call('PUT', `/${realm}/users/${await this.userId(realm, username)}/reset-password`, {
      type: 'password',
      value: password,
      temporary: false,
    });
  }

  async setUserEnabled(realm: string, username: string, enabled: boolean): Promise<void> {
    const id = await this.userId(realm, username);
    const user = await this.call<Json>('GET', `/${realm}/users/${id}`);
    await this.call('PUT', `/${realm}/users/${id}`, { ...user, enabled });
  }

  /** A new secret for a confidential client, returned once. */
  async rotateClientSecret(realm: string, clientId: string): Promise<string> {
    const id = await this.clientUuid(realm, clientId);
    const r = await this.call<{ value: string }>('POST', `/${realm}/clients/${id}/client-secret`);
    return r.value;
  }

  /**
   * A relying party at `baseUrl` (a gateway or the secretariat): its redirect URI, where to go after logout, and
   * its back-channel logout endpoint. Several instances of one service register each of their URLs.
   */
  async registerRelyingParty(opts: {
    realm: string;
    clientId: string;
    baseUrl: string;
    callbackPath: string;
    backchannelLogoutPath: string;
    /** one page, or several (the gateway's desk and compose page) */
    postLogoutPath: string | string[];
  }): Promise<void> {
    const id = await this.clientUuid(opts.realm, opts.clientId);
    const client = await this.call<Json & { redirectUris?: string[]; attributes?: Record<string, string> }>(
      'GET',
      `/${opts.realm}/clients/${id}`,
    );
    const redirect = `${opts.baseUrl}${opts.callbackPath}`;
    const postLogout = [opts.postLogoutPath].flat().map((p) => `${opts.baseUrl}${p}`);
    const existingPostLogout = (client.attributes?.['post.logout.redirect.uris'] ?? '')
      .split('##')
      .filter(Boolean);
    await this.call('PUT', `/${opts.realm}/clients/${id}`, {
      ...client,
      redirectUris: [...new Set([...(client.redirectUris ?? []), redirect])],
      attributes: {
        ...client.attributes,
        'post.logout.redirect.uris': [...new Set([...existingPostLogout, ...postLogout])].join('##'),
        'backchannel.logout.url': `${opts.baseUrl}${opts.backchannelLogoutPath}`,
        'backchannel.logout.session.required': 'true',
      },
    });
  }

  /**
   * Second factors offered in every realm: the browser flow asks a user who has set up a one-time-code app or a
   * security key (WebAuthn) for it; both can be set up from the account console or as a required action.
   */
  async offerSecondFactors(realm: string): Promise<void> {
    // A realm imported before passkeys were offered: Keycloak applies the passwordless policy only as a whole.
    const rep = await this.call<Json>('GET', `/${realm}`);
    if (rep.webAuthnPolicyPasswordlessPasskeysEnabled !== true) {
      await this.call('PUT', `/${realm}`, { ...rep, webAuthnPolicyPasswordlessPasskeysEnabled: true });
    }
    const executions = await this.call<Array<{ providerId?: string; requirement: string } & Json>>(
      'GET',
      `/${realm}/authentication/flows/browser/executions`,
    );
    for (const e of executions) {
      if (
        (e.providerId === 'webauthn-authenticator' || e.providerId === 'auth-otp-form') &&
        e.requirement === 'DISABLED'
      ) {
        await this.call('PUT', `/${realm}/authentication/flows/browser/executions`, {
          ...e,
          requirement: 'ALTERNATIVE',
        });
      }
    }
    const actions = await this.call<Array<{ alias: string; enabled: boolean } & Json>>(
      'GET',
      `/${realm}/authentication/required-actions`,
    );
    for (const a of actions) {
      if (
        ['CONFIGURE_TOTP', 'webauthn-register', 'webauthn-register-passwordless'].includes(a.alias) &&
        !a.enabled
      ) {
        await this.call('PUT', `/${realm}/authentication/required-actions/${a.alias}`, {
          ...a,
          enabled: true,
        });
      }
    }
  }
}

export const REALMS_DIR = path.join(__dirname, '..', '..', 'deploy', 'keycloak');

function credentialsFile(dir: string): string {
  return path.join(dir, 'credentials.json');
}

export function readCredentials(dir: string): KeycloakCredentials {
  const f = credentialsFile(dir);
  return fs.existsSync(f)
    ? (JSON.parse(fs.readFileSync(f, 'utf8')) as KeycloakCredentials)
    : { users: {}, clients: {} };
}

/**
 * Imports every realm file not yet in Keycloak, offers the second factors, and gives each person a password and
 * each confidential client a secret the first time (kept in <dir>/credentials.json, mode 600).
 */
export async function provisionRealms(opts: {
  admin: KeycloakAdmin;
  dir: string;
  realmsDir?: string;
  progress?: Progress;
}): Promise<KeycloakCredentials> {
  const progress = opts.progress ?? (() => undefined);
  const realmsDir = opts.realmsDir ?? REALMS_DIR;
  const creds = readCredentials(opts.dir);
  const save = (): void =>
    fs.writeFileSync(credentialsFile(opts.dir), JSON.stringify(creds, null, 2), { mode: 0o600 });
  for (const file of fs
    .readdirSync(realmsDir)
    .filter((f) => f.endsWith('.json'))
    .sort()) {
    const rep = JSON.parse(fs.readFileSync(path.join(realmsDir, file), 'utf8')) as RealmFileParts & {
      realm: string;
      users?: Array<{ username: string; serviceAccountClientId?: string }>;
      clients?: Array<{ clientId: string; publicClient?: boolean }>;
    };
    const realm = rep.realm;
    if (!(await opts.admin.realmExists(realm))) {
      progress(`importing realm ${realm} from ${path.relative(process.cwd(), path.join(realmsDir, file))}`);
      await opts.admin.call('POST', '', rep);
      delete creds.users[realm];
      delete creds.clients[realm];
    } else {
      await addMissingParts({ admin: opts.admin, realm, rep, progress });
    }
    await opts.admin.offerSecondFactors(realm);
    creds.users[realm] ??= {};
    creds.clients[realm] ??= {};
    for (const u of rep.users ?? []) {
      if (!u.serviceAccountClientId && !creds.users[realm][u.username]) {
        const password = randomBytes(12).toString('base64url');
        await opts.admin.setPassword(realm, u.username, password);
        creds.users[realm][u.username] = password;
        save();
      }
    }
    for (const c of rep.clients ?? []) {
      if (!c.publicClient && !creds.clients[realm][c.clientId]) {
        creds.clients[realm][c.clientId] = await opts.admin.rotateClientSecret(realm, c.clientId);
        save();
      }
    }
  }
  save();
  return creds;
}

interface RealmFileParts {
  groups?: Array<{ name: string; attributes?: Record<string, string[]>; realmRoles?: string[] }>;
  users?: Array<{
    username: string;
    serviceAccountClientId?: string;
    realmRoles?: string[];
    groups?: string[];
  }>;
  clients?: Array<{ clientId: string; protocolMappers?: Array<{ name: string }> }>;
}

async function realmRoles(admin: KeycloakAdmin, realm: string, roles: string[]): Promise<unknown[]> {
  return await Promise.all(roles.map((r) => admin.call<unknown>('GET', `/${realm}/roles/${r}`)));
}

/**
 * A realm imported before its file gained a client, a claim mapper, a group or a person (a kept Keycloak, an
 * upgrade) gets them as the file describes them, with their realm roles. Nothing already there is changed.
 */
async function addMissingParts(opts: {
  admin: KeycloakAdmin;
  realm: string;
  rep: RealmFileParts;
  progress: Progress;
}): Promise<void> {
  const { admin, realm } = opts;
  for (const client of opts.rep.clients ?? []) {
    const found = await admin.call<Array<{ id: string }>>(
      'GET',
      `/${realm}/clients?clientId=${encodeURIComponent(client.clientId)}`,
    );
    if (found.length > 0) {
      const models = `/${realm}/clients/${found[0].id}/protocol-mappers/models`;
      const have = new Set((await admin.call<Array<{ name: string }>>('GET', models)).map((m) => m.name));
      for (const m of client.protocolMappers ?? []) {
        if (!have.has(m.name)) {
          opts.progress(`adding claim ${m.name} to client ${client.clientId} of realm ${realm}`);
          await admin.call('POST', models, m);
        }
      }
      continue;
    }
    opts.progress(`adding client ${client.clientId} to realm ${realm}`);
    await admin.call('POST', `/${realm}/clients`, client);
    const roles = opts.rep.users?.find((u) => u.serviceAccountClientId === client.clientId)?.realmRoles ?? [];
    if (roles.length) {
      const id = await admin.clientUuid(realm, client.clientId);
      const user = await admin.call<{ id: string }>('GET', `/${realm}/clients/${id}/service-account-user`);
      await admin.call(
        'POST',
        `/${realm}/users/${user.id}/role-mappings/realm`,
        await realmRoles(admin, realm, roles),
      );
    }
  }
  const groups = await admin.call<Array<{ name: string }>>(
    'GET',
    `/${realm}/groups?briefRepresentation=true`,
  );
  for (const group of opts.rep.groups ?? []) {
    if (groups.some((g) => g.name === group.name)) {
      continue;
    }
    opts.progress(`adding group ${group.name} to realm ${realm}`);
    await admin.call('POST', `/${realm}/groups`, { name: group.name, attributes: group.attributes ?? {} });
    const made = await admin.call<Array<{ id: string; name: string }>>(
      'GET',
      `/${realm}/groups?search=${encodeURIComponent(group.name)}&exact=true`,
    );
    const id = made.find((g) => g.name === group.name)?.id;
    if (id && group.realmRoles?.length) {
      await admin.call(
        'POST',
        `/${realm}/groups/${id}/role-mappings/realm`,
        await realmRoles(admin, realm, group.realmRoles),
      );
    }
  }
  for (const user of opts.rep.users ?? []) {
    if (user.serviceAccountClientId) {
      continue;
    }
    const found = await admin.call<unknown[]>(
      'GET',
      `/${realm}/users?exact=true&username=${encodeURIComponent(user.username)}`,
    );
    if (found.length === 0) {
      opts.progress(`adding person ${user.username} to realm ${realm}`);
      await admin.call('POST', `/${realm}/users`, user);
    }
  }
}

/** Client-credentials tokens of a realm's confidential clients, cached until shortly before they expire. */
export function clientCredentialsTokens(opts: {
  admin: KeycloakAdmin;
  creds: KeycloakCredentials;
}): (realm: string, clientId: string) => Promise<string> {
  const cache = new Map<string, { value: string; until: number }>();
  return async (realm, clientId) => {
    const key = `${realm}/${clientId}`;
    const hit = cache.get(key);
    if (hit && hit.until > Date.now()) {
      return hit.value;
    }
    const secret = opts.creds.clients[realm]?.[clientId];
    if (!secret) {
      throw new PrerequisiteError(
        `no secret for client ${clientId} of realm ${realm}: npm run keycloak -- start`,
      );
    }
    const r = await fetch(`${opts.admin.issuer(realm)}/protocol/openid-connect/token`, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: clientId,
        client_secret: secret,
      }),
    });
    if (!r.ok) {
      throw new Error(`client credentials for ${clientId} in ${realm}: ${r.status} ${await r.text()}`);
    }
    const body = (await r.json()) as { access_token: string; expires_in: number };
    cache.set(key, {
      value: body.access_token,
      until: Date.now() + Math.max(5, body.expires_in - 30) * 1000,
    });
    return body.access_token;
  };
}
