import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { ThrottlerGuard, ThrottlerModule } from '@nestjs/throttler';
import type { Logger } from 'pino';
import { AuthGuard, ProblemFilter } from '@corridor/platform';
import { GatewayConfig } from './config/config';
import { CoreModule } from './core.module';
import { ExchangeModule } from './exchange.module';
import { HealthController } from './health/health.controller';

@Module({})
export class AppModule {
  static forConfig(config: GatewayConfig, logger: Logger): DynamicModule {
    return {
      module: AppModule,
      imports: [
        CoreModule.forConfig(config, logger),
        ThrottlerModule.forRoot([{ ttl: 60_000, limit: config.http.rateLimitPerMinute }]),
        ExchangeModule,
      ],
      controllers: [HealthController],
      providers: [
        { provide: APP_GUARD, useClass: AuthGuard },
        { provide: APP_GUARD, useClass: ThrottlerGuard },
        { provide: APP_FILTER, useClass: ProblemFilter },
      ],
    };
  }
}
