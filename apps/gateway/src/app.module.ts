import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { ThrottlerGuard, ThrottlerModule } from '@nestjs/throttler';
import type { Logger } from 'pino';
import { AuthedRequest, AuthGuard, ProblemFilter, SlidingWindowRateLimit } from '@corridor/platform';
import { GatewayConfig } from './config/config';
import { CoreModule } from './core.module';
import { ExchangeModule } from './exchange.module';
import { HealthController } from './health/health.controller';
import { AuthController } from './auth/auth.controller';
import { SessionMonitor } from './auth/session.monitor';

@Module({})
export class AppModule {
  static forConfig(config: GatewayConfig, logger: Logger): DynamicModule {
    return {
      module: AppModule,
      imports: [
        CoreModule.forConfig(config, logger),
        ThrottlerModule.forRoot({
          throttlers: [{ ttl: 60_000, limit: config.http.rateLimitPerMinute }],
          storage: new SlidingWindowRateLimit(),
          // A client is the authenticated principal (the AuthGuard runs first), so agencies behind one address
          // do not share a limit; routes without authentication (health, docs) count by address.
          getTracker: (req: Partial<AuthedRequest>) =>
            req.principal ? `principal:${req.principal.sub}` : `address:${req.ip ?? ''}`,
        }),
        ExchangeModule,
      ],
      controllers: [HealthController, AuthController],
      providers: [
        SessionMonitor,
        { provide: APP_GUARD, useClass: AuthGuard },
        { provide: APP_GUARD, useClass: ThrottlerGuard },
        { provide: APP_FILTER, useClass: ProblemFilter },
      ],
    };
  }
}
