// Process-wide providers: configuration, logger, database, Kafka client, metrics.
import { Global, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import type { Logger } from 'pino';
import {
  createRootLogger,
  KafkaClient,
  connectKafkaOverTls,
  loggerFor,
  ROOT_LOGGER,
} from '@corridor/platform';
import { DataSource } from 'typeorm';
import { GATEWAY_CONFIG, GatewayConfig } from './config/config';
import { openGatewayDatabase } from './database/data-source';
import { GatewayMetrics } from './health/metrics';

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
    return {
      module: CoreModule,
      providers: [
        { provide: GATEWAY_CONFIG, useValue: config },
        { provide: ROOT_LOGGER, useValue: logger },
        {
          provide: DataSource,
          useFactory: async () =>
            openGatewayDatabase(config.database.url, config.database.appRole, config.database.pool),
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
      ],
      exports: [GATEWAY_CONFIG, ROOT_LOGGER, DataSource, KafkaClient, GatewayMetrics],
    };
  }

  constructor(
    private readonly ds: DataSource,
    private readonly kafka: KafkaClient,
    @Inject(ROOT_LOGGER) root: Logger,
  ) {
    this.logger = loggerFor(root, CoreModule);
  }

  private readonly logger: Logger;

  async onApplicationShutdown(): Promise<void> {
    await this.kafka.close();
    await this.ds.destroy().catch(() => undefined);
    this.logger.info('stopped: producer flushed, consumers committed, database closed');
  }
}
