// Where the CLI finds its service URLs, tokens and passphrases: flags first, then the environment.
// A passphrase is never accepted as a flag value (it would land in shell history and `ps`).
import fs from 'node:fs';
import { usageError } from './errors';
import { storedAccessToken } from './login';

export const ENV = {
  gatewayUrl: 'CORRIDOR_GATEWAY_URL',
  secretariatUrl: 'CORRIDOR_SECRETARIAT_URL',
  token: 'CORRIDOR_TOKEN',
  secretariatToken: 'CORRIDOR_SECRETARIAT_TOKEN',
  passphrase: 'CORRIDOR_PASSPHRASE',
} as const;

function fromEnv(name: string): string | undefined {
  const v = process.env[name];
  return v === undefined || v.trim() === '' ? undefined : v.trim();
}

/** A base URL without trailing slash; `flag` names where it came from in the error line. */
export function parseServiceUrl(value: string, flag: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw usageError(`${flag} is not a URL: ${JSON.stringify(value)}`, `give it as http://host:port`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw usageError(`${flag} must be an http or https URL`, 'give it as http://host:port');
  }
  return url.toString().replace(/\/+$/, '');
}

export function gatewayUrl(opts: { gateway?: string }): string {
  const value = opts.gateway ?? fromEnv(ENV.gatewayUrl);
  if (!value) {
    throw usageError('no gateway URL', `pass --gateway URL or set ${ENV.gatewayUrl}`);
  }
  return parseServiceUrl(value, opts.gateway ? '--gateway' : ENV.gatewayUrl);
}

export function secretariatUrl(opts: { secretariat?: string }): string {
  const value = opts.secretariat ?? fromEnv(ENV.secretariatUrl);
  if (!value) {
    throw usageError('no secretariat URL', `pass --secretariat URL or set ${ENV.secretariatUrl}`);
  }
  return parseServiceUrl(value, opts.secretariat ? '--secretariat' : ENV.secretariatUrl);
}

export interface TokenChoice {
  token: string;
  /** where it came from, for the hint when the service refuses it */
  source: string;
}

/** The first token given among flags and environment variables, in order; undefined when none is. */
export function pickToken(
  candidates: { value: string | undefined; source: string }[],
): TokenChoice | undefined {
  for (const c of candidates) {
    const v = c.value?.trim();
    if (v) {
      return { token: v, source: c.source };
    }
  }
  return undefined;
}

export function requireToken(choice: TokenChoice | undefined, what: string, sources: string): TokenChoice {
  if (!choice) {
    throw usageError(`no ${what} token`, `pass ${sources}`);
  }
  return choice;
}

/** The gateway bearer token: --token, then CORRIDOR_TOKEN. */
export function gatewayToken(opts: { token?: string }): TokenChoice {
  return requireToken(
    pickToken([
      { value: opts.token, source: '--token' },
      { value: fromEnv(ENV.token), source: ENV.token },
      { value: storedAccessToken(), source: 'corridor login' },
    ]),
    'gateway',
    `--token, set ${ENV.token}, or sign in with corridor login --issuer <your realm's issuer URL>`,
  );
}

/** The secretariat bearer token: --token, then CORRIDOR_SECRETARIAT_TOKEN. */
export function secretariatToken(opts: { token?: string }): TokenChoice {
  return requireToken(
    pickToken([
      { value: opts.token, source: '--token' },
      { value: fromEnv(ENV.secretariatToken), source: ENV.secretariatToken },
    ]),
    'secretariat',
    `--token or set ${ENV.secretariatToken}`,
  );
}

/** Reads a small text file the operator named, as a usage error when it is missing or unreadable. */
export function readTextFile(file: string, flag: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EACCES'
          ? 'permission denied'
          : code === 'EISDIR'
            ? 'it is a directory'
            : 'cannot read it';
    throw usageError(`${flag} ${file}: ${why}`, `check the path given to ${flag}`);
  }
}

/** The passphrase from --passphrase-file (first line) or CORRIDOR_PASSPHRASE; never from a flag value. */
export function passphrase(opts: { passphraseFile?: string; passphrase?: unknown }): string {
  if (opts.passphrase !== undefined) {
    throw usageError(
      'a passphrase is never taken as a command-line value',
      `use --passphrase-file FILE or set ${ENV.passphrase}`,
    );
  }
  let value: string | undefined;
  if (opts.passphraseFile) {
    value = readTextFile(opts.passphraseFile, '--passphrase-file').replace(/\r?\n$/, '');
    if (!value) {
      throw usageError(`--passphrase-file ${opts.passphraseFile} is empty`, 'write the passphrase in it');
    }
  } else {
    value = process.env[ENV.passphrase];
  }
  if (!value) {
    throw usageError(
      'no passphrase for the private key',
      `use --passphrase-file FILE or set ${ENV.passphrase}`,
    );
  }
  return value;
}
