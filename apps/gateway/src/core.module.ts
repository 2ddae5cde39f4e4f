// Process-wide providers: configuration, logger, database, Kafka client, metrics.
import { Global, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import type { Logger } from 'pino';
import { gatewayAudience } from '@corridor/identity';
import {
  AUTHENTICATOR,
  BearerAuthenticator,
  createRootLogger,
  OidcRelyingParty,
  KafkaClient,
  connectKafkaOverTls,
  loggerFor,
  ROOT_LOGGER,
  TokenLiveness,
} from '@corridor/platform';
import { DataSource } from 'typeorm';
import { GATEWAY_CONFIG, GatewayConfig } from './config/config';
import { openGatewayDatabase } from './database/data-source';
import { GatewayMetrics } from './health/metrics';
import { SessionStore } from './auth/session.store';

/** The gateway's relying party at its identity provider, or null in development-token mode. */
export const OIDC_RP = Symbol('OIDC_RP');

export function gatewayLogger(config: GatewayConfig): Logger {
  return createRootLogger({
    level: config.log.level,
    base: { gateway: config.country, instance: config.instance },
  });
}

@Global()
@Module({})
export class CoreModule implements OnApplicationShutdown {
  static forConfig(config: GatewayConfig, logger: Logger) {
    const sessions = new SessionStore();
    const rp = config.auth.oidc
      ? new OidcRelyingParty(
          {
            issuer: config.auth.oidc.issuer,
            clientId: config.auth.oidc.clientId,
            clientSecret: config.auth.oidc.clientSecret,
            audience: gatewayAudience(config.country),
            country: config.country,
          },
          loggerFor(logger, OidcRelyingParty),
        )
      : undefined;
    // Discovery runs in the background: a provider that is down never holds up the exchange.
    rp?.start();
    const livenessLogger = loggerFor(logger, TokenLiveness);
    return {
      module: CoreModule,
      providers: [
        { provide: GATEWAY_CONFIG, useValue: config },
        { provide: ROOT_LOGGER, useValue: logger },
        {
          provide: DataSource,
          useFactory: async () => openGatewayDatabase(config.database.url, config.database.appRole),
        },
        {
          provide: KafkaClient,
          useFactory: () =>
            connectKafkaOverTls({
              brokers: config.kafka.brokers,
              clientId: config.kafka.clientId,
              files: config.kafka.tlsFiles,
              passphrase: config.trust.keyPassphrase,
              issueCommand: `corridor pki issue --renew --country ${config.country} --dir ${config.trust.dir}`,
              logger: loggerFor(logger, KafkaClient),
            }),
        },
        GatewayMetrics,
        { provide: SessionStore, useValue: sessions },
        { provide: OIDC_RP, useValue: rp ?? null },
        {
          provide: AUTHENTICATOR,
          useValue: new BearerAuthenticator({
            oidc: rp,
            devTokenSecret: config.auth.devTokenSecret,
            country: config.country,
            audience: gatewayAudience(config.country),
            isRevoked: (t) => sessions.isRevoked({ sessionId: t.sessionId, subject: t.subject }),
            liveness:
              rp && config.auth.oidc
                ? new TokenLiveness({
                    introspect: (token) => rp.isActive(token),
                    cacheMs: config.auth.oidc.livenessCacheMs,
                    onUnreachable: (err) =>
                      livenessLogger.warn(
                        { err: err.message },
                        "the provider could not be asked whether a person's token is live; accepted on its signature",
                      ),
                  })
                : undefined,
          }),
        },
      ],
      exports: [
        GATEWAY_CONFIG,
        ROOT_LOGGER,
        DataSource,
        KafkaClient,
        GatewayMetrics,
        AUTHENTICATOR,
        SessionStore,
        OIDC_RP,
      ],
    };
  }

  constructor(
    private readonly ds: DataSource,
    private readonly kafka: KafkaClient,
    @Inject(OIDC_RP) private readonly rp: OidcRelyingParty | null,
    @Inject(ROOT_LOGGER) root: Logger,
  ) {
    this.logger = loggerFor(root, CoreModule);
  }

  private readonly logger: Logger;

  async onApplicationShutdown(): Promise<void> {
    this.rp?.stop();
    await this.kafka.close();
    await this.ds.destroy().catch(() => undefined);
    this.logger.info('stopped: producer flushed, consumers committed, database closed');
  }
}
