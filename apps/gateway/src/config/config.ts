// Configuration validated once at boot into a typed, nested, cached object; a bad variable fails start-up naming it.
import path from 'node:path';
import { z } from 'zod';
import { DEFAULT_GATEWAY_POOL, type GatewayPool } from '../database/pool';
import { DEFAULT_EPOCH_MS, DEFAULT_MAX_AGE_MS, DEFAULT_MAX_SKEW_MS } from '@corridor/envelope';
import {
  ConfigError,
  parseEnvironment,
  requireIdentityProvider,
  signInEnvironment,
  signInSettings,
  type SignInSettings,
} from '@corridor/platform';

export { ConfigError };

const country = z.string().regex(/^[A-Z]{2}$/, 'an ISO 3166-1 alpha-2 code in capitals, e.g. LY');

const schema = z.object({
  GATEWAY_COUNTRY: country,
  GATEWAY_INSTANCE: z
    .string()
    .regex(/^[a-z0-9-]{1,32}$/)
    .default('1'),
  BIND_HOST: z.string().default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  PUBLIC_URL: z.string().url().optional(),
  DATABASE_URL: z.string().url().optional(),
  DATABASE_APP_ROLE: z
    .string()
    .regex(/^[a-z_][a-z0-9_]*$/)
    .optional(),
  // The database connection pool (docs/operations.md): at most MAX, MIN kept open while idle, the rest closed after
  // IDLE_MS of idling.
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(200).default(DEFAULT_GATEWAY_POOL.max),
  DATABASE_POOL_MIN: z.coerce.number().int().min(0).max(200).default(DEFAULT_GATEWAY_POOL.min),
  DATABASE_POOL_IDLE_MS: z.coerce.number().int().min(1000).default(DEFAULT_GATEWAY_POOL.idleTimeoutMillis),
  KAFKA_BROKERS: z.string().min(1).default('127.0.0.1:19092'),
  KAFKA_USERNAME: z.string().min(1).optional(),
  KAFKA_PASSWORD: z.string().min(1).optional(),
  KAFKA_TOPIC_PREFIX: z
    .string()
    .regex(/^[a-zA-Z0-9._-]+$/)
    .default('corridor'),
  KAFKA_CLIENT_ID: z.string().optional(),
  // Migration switch (docs/operations.md): also publish this gateway's record on the shared control topic, for partners
  // that do not read gateway control topics yet (needs KAFKA_LEGACY_CONTROL_WRITE=true at the secretariat).
  CONTROL_LEGACY_PUBLISH: z.enum(['true', 'false']).default('false'),
  // How often the gateway looks for control topics of gateways enrolled since it started.
  CONTROL_TOPICS_REFRESH_MS: z.coerce.number().int().min(100).default(10_000),
  TRUST_DIR: z.string().min(1),
  KEY_PASSPHRASE: z.string().min(12, 'at least 12 characters'),
  // The identity provider and this gateway's client registration there; the log level.
  ...signInEnvironment('corridor-gateway'),
  // How long the provider's answer on a person's bearer token is reused (0: asked on every call).
  OIDC_LIVENESS_CACHE_MS: z.coerce.number().int().min(0).max(60_000).default(2000),
  // 7 tries in the first 32 s, then one every 30 s: 130 attempts hold a row through about an hour of broker outage.
  OUTBOX_MAX_ATTEMPTS: z.coerce.number().int().min(1).default(130),
  OUTBOX_POLL_MS: z.coerce.number().int().min(10).default(200),
  RECEIPT_TIMEOUT_MS: z.coerce.number().int().min(1000).default(120_000),
  RECEIPT_BATCH_MS: z.coerce.number().int().min(0).max(10_000).default(200),
  // As documented (docs/operations.md) and as the envelope library assumes: records may wait in Kafka for the topic
  // retention (7 days) while a gateway is down, and must still be received, not quarantined as STALE.
  REPLAY_WINDOW_MS: z.coerce.number().int().min(1000).default(DEFAULT_MAX_AGE_MS),
  // Crypto suites this gateway opens, strongest first (docs/security.md). Unset: 2,1 when TRUST_DIR holds the P-256
  // identity (ec-key.pem, ec-cert.pem), else 1.
  ENVELOPE_SUITES: z
    .string()
    .regex(/^[12](,[12])?$/, 'a comma list of suite ids, e.g. 2,1')
    .optional(),
  // Suite 2: length of an epoch (a KEM key's validity) and how often the rotation timer checks.
  EPOCH_KEY_MS: z.coerce.number().int().min(60_000).default(DEFAULT_EPOCH_MS),
  EPOCH_KEY_CHECK_MS: z.coerce.number().int().min(100).default(60_000),
  TREE_HEAD_INTERVAL_MS: z.coerce.number().int().min(100).default(10_000),
  RETENTION_SWEEP_MS: z.coerce.number().int().min(100).default(60_000),
  QUARANTINE_RETENTION_DAYS: z.coerce.number().int().min(0).max(3650).default(30),
  MAX_BODY_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(256 * 1024),
  // POST /v1/alerts/batch: at most this many alerts, and this many bytes, in one request (413 beyond, naming the limit).
  MAX_BATCH_ALERTS: z.coerce.number().int().min(1).max(10_000).default(500),
  MAX_BATCH_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(16 * 1024 * 1024),
  // POST /v1/registers/:id/records: at most this many document records in one request (413 beyond); bytes as batches.
  MAX_REGISTER_RECORDS: z.coerce.number().int().min(1).max(100_000).default(10_000),
  // Backpressure (docs/operations.md): publishing answers 429/503 with Retry-After beyond these.
  MAX_PUBLISH_IN_FLIGHT: z.coerce.number().int().min(1).default(2000),
  MAX_RELAY_PENDING: z.coerce.number().int().min(1).default(10_000),
  MAX_OUTBOX_BACKLOG: z.coerce.number().int().min(1).default(100_000),
  // An inbound envelope larger than this is quarantined before any crypto (a legitimate alert is a few KB).
  MAX_ENVELOPE_BYTES: z.coerce
    .number()
    .int()
    .min(4096)
    .default(256 * 1024),
  RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(600),
  GATEWAY_WORKERS: z
    .string()
    .regex(
      /^(relay|consumer)?(,(relay|consumer))*$/,
      'a comma list of relay and consumer, or empty for an API-only instance',
    )
    .default('relay,consumer'),
});

export type GatewayEnv = z.infer<typeof schema>;

export interface GatewayConfig {
  country: string;
  instance: string;
  http: {
    host: string;
    port: number;
    publicUrl?: string;
    maxBodyBytes: number;
    /** POST /v1/alerts/batch: most alerts, most bytes */
    maxBatchAlerts: number;
    maxRegisterRecords: number;
    maxBatchBytes: number;
    rateLimitPerMinute: number;
    /** backpressure on publishing (alerts/admission.ts) */
    admission: { maxInFlight: number; maxRelayPending: number; maxBacklog: number };
  };
  database: { url: string; appRole?: string; pool: GatewayPool };
  kafka: {
    brokers: string[];
    /** SCRAM over TLS, for a broker that authenticates this way; the project's broker uses the certificate only */
    username: string;
    password?: string;
    topicPrefix: string;
    clientId: string;
    /** also publish the gateway record on the shared control topic (CONTROL_LEGACY_PUBLISH) */
    legacyControlPublish: boolean;
    controlTopicsRefreshMs: number;
    /** the transport identity in TRUST_DIR (not the envelope-signing key): mutual TLS to the broker */
    tlsFiles: { certFile: string; keyFile: string; caFile: string };
  };
  trust: { dir: string; keyPassphrase: string };
  auth: {
    oidc?: NonNullable<SignInSettings['oidc']> & { livenessCacheMs: number };
    devTokenSecret?: SignInSettings['devTokenSecret'];
  };
  log: { level: GatewayEnv['LOG_LEVEL'] };
  exchange: {
    outboxMaxAttempts: number;
    outboxPollMs: number;
    receiptTimeoutMs: number;
    /** how long a receipt owed to a partner may wait to share a signed message with others */
    receiptBatchMs: number;
    replayWindowMs: number;
    /** inbound envelopes above this size are quarantined before any crypto */
    maxEnvelopeBytes: number;
    relay: boolean;
    consumer: boolean;
    /** suites this gateway opens (ENVELOPE_SUITES); undefined: decided by the identity files present */
    suites?: number[];
    epochKeys: {
      epochMs: number;
      checkMs: number;
      /** how long a private epoch key outlives its validity: the replay window plus the clock skew */
      retainMs: number;
    };
  };
  audit: {
    treeHeadIntervalMs: number;
    retentionSweepMs: number;
    /** how long a quarantined envelope's bytes are kept (its hash, reason and metadata stay) */
    quarantineRetentionDays: number;
  };
}

/** The sign-in settings, with how long the provider's answer on a person's token is reused. */
function gatewaySignIn(e: GatewayEnv): GatewayConfig['auth'] {
  const { oidc, devTokenSecret } = signInSettings(e);
  return { oidc: oidc && { ...oidc, livenessCacheMs: e.OIDC_LIVENESS_CACHE_MS }, devTokenSecret };
}

export function loadGatewayConfig(env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  const e = parseEnvironment({
    schema,
    env,
    secrets: [
      'KAFKA_PASSWORD',
      'DATABASE_URL',
      'KEY_PASSPHRASE',
      'OIDC_CLIENT_SECRET',
      'AUTH_DEV_TOKEN_SECRET',
    ],
  });
  requireIdentityProvider(e, {
    issuerOf: 'the identity provider',
    example: 'http://127.0.0.1:8180/realms/corridor-it',
    service: "the gateway's",
  });
  if (e.DATABASE_POOL_MIN > e.DATABASE_POOL_MAX) {
    throw new ConfigError(
      `DATABASE_POOL_MIN: ${e.DATABASE_POOL_MIN} connections kept open is more than DATABASE_POOL_MAX (${e.DATABASE_POOL_MAX}); lower it or raise the maximum`,
    );
  }
  const cc = e.GATEWAY_COUNTRY.toLowerCase();
  return {
    country: e.GATEWAY_COUNTRY,
    instance: e.GATEWAY_INSTANCE,
    http: {
      host: e.BIND_HOST,
      port: e.PORT,
      publicUrl: e.PUBLIC_URL,
      maxBodyBytes: e.MAX_BODY_BYTES,
      maxBatchAlerts: e.MAX_BATCH_ALERTS,
      maxRegisterRecords: e.MAX_REGISTER_RECORDS,
      maxBatchBytes: e.MAX_BATCH_BYTES,
      admission: {
        maxInFlight: e.MAX_PUBLISH_IN_FLIGHT,
        maxRelayPending: e.MAX_RELAY_PENDING,
        maxBacklog: e.MAX_OUTBOX_BACKLOG,
      },
      rateLimitPerMinute: e.RATE_LIMIT_PER_MINUTE,
    },
    database: {
      url: e.DATABASE_URL ?? `postgres://postgres@127.0.0.1:5432/corridor_gw_${cc}`,
      appRole: e.DATABASE_APP_ROLE,
      pool: {
        max: e.DATABASE_POOL_MAX,
        min: e.DATABASE_POOL_MIN,
        idleTimeoutMillis: e.DATABASE_POOL_IDLE_MS,
      },
    },
    kafka: {
      brokers: e.KAFKA_BROKERS.split(',').map((b) => b.trim()),
      username: e.KAFKA_USERNAME ?? `gw-${cc}`,
      password: e.KAFKA_PASSWORD,
      topicPrefix: e.KAFKA_TOPIC_PREFIX,
      clientId: e.KAFKA_CLIENT_ID ?? `gw-${cc}-${e.GATEWAY_INSTANCE}`,
      legacyControlPublish: e.CONTROL_LEGACY_PUBLISH === 'true',
      controlTopicsRefreshMs: e.CONTROL_TOPICS_REFRESH_MS,
      tlsFiles: {
        certFile: path.join(e.TRUST_DIR, 'kafka-client.pem'),
        keyFile: path.join(e.TRUST_DIR, 'kafka-client.key.pem'),
        caFile: path.join(e.TRUST_DIR, 'ca.pem'),
      },
    },
    trust: { dir: e.TRUST_DIR, keyPassphrase: e.KEY_PASSPHRASE },
    auth: gatewaySignIn(e),
    log: { level: e.LOG_LEVEL },
    exchange: {
      outboxMaxAttempts: e.OUTBOX_MAX_ATTEMPTS,
      outboxPollMs: e.OUTBOX_POLL_MS,
      receiptTimeoutMs: e.RECEIPT_TIMEOUT_MS,
      receiptBatchMs: e.RECEIPT_BATCH_MS,
      replayWindowMs: e.REPLAY_WINDOW_MS,
      maxEnvelopeBytes: e.MAX_ENVELOPE_BYTES,
      relay: e.GATEWAY_WORKERS.split(',').includes('relay'),
      consumer: e.GATEWAY_WORKERS.split(',').includes('consumer'),
      suites: e.ENVELOPE_SUITES ? [...new Set(e.ENVELOPE_SUITES.split(',').map(Number))] : undefined,
      epochKeys: {
        epochMs: e.EPOCH_KEY_MS,
        checkMs: e.EPOCH_KEY_CHECK_MS,
        retainMs: e.REPLAY_WINDOW_MS + DEFAULT_MAX_SKEW_MS,
      },
    },
    audit: {
      treeHeadIntervalMs: e.TREE_HEAD_INTERVAL_MS,
      retentionSweepMs: e.RETENTION_SWEEP_MS,
      quarantineRetentionDays: e.QUARANTINE_RETENTION_DAYS,
    },
  };
}

/** Every variable the gateway reads, for deploy/ consistency checks. */
export const GATEWAY_ENV_KEYS: string[] = [
  ...Object.keys(schema.shape),
  'KAFKA_PASSWORD_FILE',
  'DATABASE_URL_FILE',
  'KEY_PASSPHRASE_FILE',
  'OIDC_CLIENT_SECRET_FILE',
  'AUTH_DEV_TOKEN_SECRET_FILE',
];

export const GATEWAY_CONFIG = Symbol('GATEWAY_CONFIG');
