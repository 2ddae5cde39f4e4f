// Environment configuration: validated once at boot; a bad variable fails start-up naming it.
import fs from 'node:fs';
import { z } from 'zod';

export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  readonly retriable = false;
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** VAR or VAR_FILE (a path whose content is the value): secrets come from files in production. */
export function readSecret(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const file = env[`${name}_FILE`];
  if (file) {
    try {
      return fs.readFileSync(file, 'utf8').trim();
    } catch {
      throw new ConfigError(`${name}_FILE: cannot read ${file}`);
    }
  }
  return env[name];
}

/** Parses the environment with a schema, reading the named secrets from VAR or VAR_FILE. */
export function parseEnvironment<S extends z.ZodTypeAny>(opts: {
  schema: S;
  env: NodeJS.ProcessEnv;
  secrets: string[];
}): z.infer<S> {
  const input: Record<string, unknown> = { ...opts.env };
  for (const name of opts.secrets) {
    input[name] = readSecret(opts.env, name);
  }
  const parsed = opts.schema.safeParse(input);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new ConfigError(
      `${first.path.join('.')}: ${first.message} (see docs/operations.md, "Configuration")`,
    );
  }
  return parsed.data as z.infer<S>;
}

/**
 * Sign-in needs an identity provider (OIDC_ISSUER_URL with the service's OIDC_CLIENT_SECRET), unless the
 * development switch (AUTH_DEV_TOKEN_SECRET) is on. `service` names the client ("the gateway's"), `example` an
 * issuer URL for the message.
 */
export function requireIdentityProvider(
  e: { OIDC_ISSUER_URL?: string; OIDC_CLIENT_SECRET?: string; AUTH_DEV_TOKEN_SECRET?: string },
  names: { issuerOf: string; example: string; service: string },
): void {
  if (!e.OIDC_ISSUER_URL && !e.AUTH_DEV_TOKEN_SECRET) {
    throw new ConfigError(
      `OIDC_ISSUER_URL is required: the issuer URL of ${names.issuerOf} (e.g. ${names.example})`,
    );
  }
  if (e.OIDC_ISSUER_URL && !e.OIDC_CLIENT_SECRET) {
    throw new ConfigError(
      `OIDC_CLIENT_SECRET is required with OIDC_ISSUER_URL: ${names.service} client secret at the identity provider`,
    );
  }
}

/**
 * The environment every service with sign-in reads: its identity provider (OpenID Connect) and its client there, how
 * often a page session is checked at the provider, the development token switch, and the log level.
 */
export function signInEnvironment(defaultClientId: string) {
  return {
    OIDC_ISSUER_URL: z.string().url().optional(),
    OIDC_CLIENT_ID: z.string().min(1).default(defaultClientId),
    OIDC_CLIENT_SECRET: z.string().min(1).optional(),
    // How often each page session is checked at the provider (a disabled person is signed out by the next one).
    OIDC_SESSION_CHECK_MS: z.coerce.number().int().min(500).max(60_000).default(5000),
    // Development switch: HS256 tokens made with this secret are accepted too (e2e tests not about sign-in only).
    AUTH_DEV_TOKEN_SECRET: z.string().min(32, 'at least 32 characters').optional(),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  };
}

/** What a service's sign-in settings hold, from the variables of `signInEnvironment`. */
export interface SignInSettings {
  oidc?: { issuer: string; clientId: string; clientSecret: string; sessionCheckMs: number };
  /** development switch: HS256 tokens with this secret are accepted beside the provider's */
  devTokenSecret?: string;
}

/** The sign-in settings from parsed variables (after requireIdentityProvider: an issuer comes with its secret). */
export function signInSettings(e: {
  OIDC_ISSUER_URL?: string;
  OIDC_CLIENT_ID: string;
  OIDC_CLIENT_SECRET?: string;
  OIDC_SESSION_CHECK_MS: number;
  AUTH_DEV_TOKEN_SECRET?: string;
}): SignInSettings {
  return {
    oidc: e.OIDC_ISSUER_URL
      ? {
          issuer: e.OIDC_ISSUER_URL.replace(/\/$/, ''),
          clientId: e.OIDC_CLIENT_ID,
          clientSecret: e.OIDC_CLIENT_SECRET!,
          sessionCheckMs: e.OIDC_SESSION_CHECK_MS,
        }
      : undefined,
    devTokenSecret: e.AUTH_DEV_TOKEN_SECRET,
  };
}
