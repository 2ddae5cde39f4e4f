// Secretariat configuration, validated once at boot; a bad variable fails start-up naming it.
import path from 'node:path';
import { z } from 'zod';
import {
  ConfigError,
  parseEnvironment,
  requireIdentityProvider,
  signInEnvironment,
  signInSettings,
  type SignInSettings,
} from '@corridor/platform';

export { ConfigError };

const schema = z.object({
  SECRETARIAT_ID: z
    .string()
    .regex(/^[A-Z0-9-]{2,32}$/)
    .default('REGIONAL-FORUM'),
  BIND_HOST: z.string().default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).default(8070),
  // Where browsers reach the secretariat (the provider redirects back to PUBLIC_URL/auth/callback); default the bind.
  PUBLIC_URL: z.string().url().optional(),
  DATABASE_URL: z.string().url().default('postgres://postgres@127.0.0.1:5432/corridor_secretariat'),
  KAFKA_BROKERS: z.string().min(1).default('127.0.0.1:19092'),
  KAFKA_USERNAME: z.string().default('secretariat'),
  KAFKA_PASSWORD: z.string().min(1).optional(),
  KAFKA_PRINCIPAL_FORMAT: z
    .string()
    .regex(
      /^[^{}]*\{name\}[^{}]*(\{country\}[^{}]*)?$/,
      'must contain {name} once (and may contain {country} after it), e.g. {name} or CN={name},OU=Kafka,O=Corridor,C={country}',
    )
    .default('{name}'),
  KAFKA_TOPIC_PREFIX: z
    .string()
    .regex(/^[a-zA-Z0-9._-]+$/)
    .default('corridor'),
  // Migration switch (docs/operations.md): gateways keep WRITE on the shared control topic until all of them publish
  // their record on their own control topic.
  KAFKA_LEGACY_CONTROL_WRITE: z.enum(['true', 'false']).default('false'),
  CA_DIR: z.string().min(1),
  CA_PASSPHRASE: z.string().min(12, 'at least 12 characters'),
  // The forum's identity provider and the secretariat's client registration there; the log level.
  ...signInEnvironment('corridor-secretariat'),
  RECONCILE_BOUND_MS: z.coerce.number().int().min(100).default(60_000),
  RECONCILE_INTERVAL_MS: z.coerce.number().int().min(100).default(5_000),
  CERT_VALIDITY_DAYS: z.coerce.number().int().min(1).default(365),
});

export interface SecretariatConfig {
  id: string;
  http: { host: string; port: number; publicUrl?: string };
  database: { url: string };
  kafka: {
    brokers: string[];
    username: string;
    password?: string;
    topicPrefix: string;
    /** how the broker names a TLS client, `{name}` its certificate's CN (KAFKA_PRINCIPAL_FORMAT) */
    principalFormat: string;
    /** gateways may still write the shared control topic (KAFKA_LEGACY_CONTROL_WRITE) */
    legacyControlWrite: boolean;
    /** the secretariat's transport identity in CA_DIR (kafka-client.pem, its key encrypted with CA_PASSPHRASE) */
    tlsFiles: { certFile: string; keyFile: string; caFile: string };
  };
  ca: { dir: string; passphrase: string; certValidityDays: number };
  auth: SignInSettings;
  log: { level: string };
  audit: { reconcileBoundMs: number; reconcileIntervalMs: number };
}

export function loadSecretariatConfig(env: NodeJS.ProcessEnv = process.env): SecretariatConfig {
  const e = parseEnvironment({
    schema,
    env,
    secrets: [
      'KAFKA_PASSWORD',
      'DATABASE_URL',
      'CA_PASSPHRASE',
      'OIDC_CLIENT_SECRET',
      'AUTH_DEV_TOKEN_SECRET',
    ],
  });
  requireIdentityProvider(e, {
    issuerOf: "the forum's identity provider",
    example: 'http://127.0.0.1:8180/realms/corridor-forum',
    service: "the secretariat's",
  });
  return {
    id: e.SECRETARIAT_ID,
    http: { host: e.BIND_HOST, port: e.PORT, publicUrl: e.PUBLIC_URL?.replace(/\/$/, '') },
    database: { url: e.DATABASE_URL },
    kafka: {
      brokers: e.KAFKA_BROKERS.split(',').map((b) => b.trim()),
      username: e.KAFKA_USERNAME,
      password: e.KAFKA_PASSWORD,
      topicPrefix: e.KAFKA_TOPIC_PREFIX,
      principalFormat: e.KAFKA_PRINCIPAL_FORMAT,
      legacyControlWrite: e.KAFKA_LEGACY_CONTROL_WRITE === 'true',
      tlsFiles: {
        certFile: path.join(e.CA_DIR, 'kafka-client.pem'),
        keyFile: path.join(e.CA_DIR, 'kafka-client.key.pem'),
        caFile: path.join(e.CA_DIR, 'ca.pem'),
      },
    },
    ca: { dir: e.CA_DIR, passphrase: e.CA_PASSPHRASE, certValidityDays: e.CERT_VALIDITY_DAYS },
    auth: signInSettings(e),
    log: { level: e.LOG_LEVEL },
    audit: { reconcileBoundMs: e.RECONCILE_BOUND_MS, reconcileIntervalMs: e.RECONCILE_INTERVAL_MS },
  };
}

export const SECRETARIAT_ENV_KEYS: string[] = [
  ...Object.keys(schema.shape),
  'KAFKA_PASSWORD_FILE',
  'DATABASE_URL_FILE',
  'CA_PASSPHRASE_FILE',
  'OIDC_CLIENT_SECRET_FILE',
  'AUTH_DEV_TOKEN_SECRET_FILE',
];
export const SECRETARIAT_CONFIG = Symbol('SECRETARIAT_CONFIG');
