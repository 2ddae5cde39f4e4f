// `corridor login`: a person signs in at the identity provider with the device authorization grant (RFC 8628):
// the CLI prints a code and a URL, the person approves in any browser, the CLI receives tokens. They are kept in
// .corridor/login.json (mode 600, directory 700) and used as the bearer token when no --token is given.
import fs from 'node:fs';
import path from 'node:path';
import * as oidc from 'openid-client';
import { CliError, EXIT_FAILURE } from './errors';

export const CLI_CLIENT_ID = 'corridor-cli';

export interface StoredLogin {
  issuer: string;
  clientId: string;
  accessToken: string;
  refreshToken?: string;
  expiresAtMs: number;
  username?: string;
}

export function loginFile(): string {
  return path.join(process.env.CORRIDOR_HOME ?? path.join(process.cwd(), '.corridor'), 'login.json');
}

export function readLogin(): StoredLogin | undefined {
  try {
    return JSON.parse(fs.readFileSync(loginFile(), 'utf8')) as StoredLogin;
  } catch {
    return undefined;
  }
}

function writeLogin(login: StoredLogin): void {
  const file = loginFile();
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  fs.writeFileSync(file, JSON.stringify(login, null, 2), { mode: 0o600 });
  fs.chmodSync(file, 0o600);
}

export function removeLogin(): boolean {
  try {
    fs.rmSync(loginFile());
    return true;
  } catch {
    return false;
  }
}

/** The stored access token while it is valid (10 s margin); undefined otherwise. */
export function storedAccessToken(): string | undefined {
  const l = readLogin();
  return l && l.expiresAtMs - 10_000 > Date.now() ? l.accessToken : undefined;
}

async function configuration(issuer: string, clientId: string): Promise<oidc.Configuration> {
  const url = new URL(issuer);
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
  try {
    return await oidc.discovery(url, clientId, undefined, oidc.None(), {
      execute: loopback && url.protocol === 'http:' ? [oidc.allowInsecureRequests] : [],
      timeout: 10,
    });
  } catch (err) {
    throw new CliError(
      `the identity provider at ${issuer} did not answer (${(err as Error).message}) — check --issuer and that the provider is running`,
      EXIT_FAILURE,
    );
  }
}

function stored(
  issuer: string,
  clientId: string,
  tokens: oidc.TokenEndpointResponse,
  old?: StoredLogin,
): StoredLogin {
  const claims = JSON.parse(
    Buffer.from(tokens.access_token.split('.')[1] ?? '', 'base64url').toString() || '{}',
  ) as {
    preferred_username?: string;
  };
  return {
    issuer,
    clientId,
    accessToken: tokens.access_token,
    refreshToken: tokens.refresh_token ?? old?.refreshToken,
    expiresAtMs: Date.now() + (tokens.expires_in ?? 300) * 1000,
    username: claims.preferred_username ?? old?.username,
  };
}

export async function deviceLogin(opts: {
  issuer: string;
  clientId: string;
  say: (line: string) => void;
}): Promise<StoredLogin> {
  const config = await configuration(opts.issuer, opts.clientId);
  const device = await oidc.initiateDeviceAuthorization(config, { scope: 'openid' });
  opts.say(`To sign in, open ${device.verification_uri} and enter the code ${device.user_code}`);
  if (device.verification_uri_complete) {
    opts.say(`(or open ${device.verification_uri_complete})`);
  }
  opts.say(`waiting for your approval (the code is valid ${Math.round(device.expires_in / 60)} minutes)…`);
  let tokens: oidc.TokenEndpointResponse;
  try {
    tokens = await oidc.pollDeviceAuthorizationGrant(config, device);
  } catch (err) {
    const code = (err as { error?: string }).error;
    throw new CliError(
      code === 'expired_token'
        ? 'the sign-in code expired before it was approved — run corridor login again'
        : code === 'access_denied'
          ? 'the sign-in was denied at the provider — run corridor login again'
          : `sign-in failed (${(err as Error).message}) — run corridor login again`,
      EXIT_FAILURE,
    );
  }
  const login = stored(opts.issuer, opts.clientId, tokens);
  writeLogin(login);
  return login;
}

/** Refreshes a stored login whose access token expires within a minute; quiet when it cannot. */
export async function refreshStoredLogin(): Promise<void> {
  const l = readLogin();
  if (!l?.refreshToken || l.expiresAtMs - 60_000 > Date.now()) {
    return;
  }
  try {
    const config = await configuration(l.issuer, l.clientId);
    writeLogin(stored(l.issuer, l.clientId, await oidc.refreshTokenGrant(config, l.refreshToken), l));
  } catch {
    // the next command says the sign-in has expired and what to run
  }
}
