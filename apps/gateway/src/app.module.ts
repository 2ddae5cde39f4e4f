import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { ThrottlerGuard, ThrottlerModule } from '@nestjs/throttler';
import type { Logger } from 'pino';
import { gatewayAudience } from '@corridor/identity';
import {
  authCookieNames,
  AuthedRequest,
  AuthGuard,
  BrowserAuthModule,
  ProblemFilter,
  SlidingWindowRateLimit,
} from '@corridor/platform';
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
        // Officers sign in to the desk at the country's provider (authorization code with PKCE, httpOnly cookie).
        BrowserAuthModule.forRoot({
          oidc: config.auth.oidc,
          devTokenSecret: config.auth.devTokenSecret,
          country: config.country,
          audience: gatewayAudience(config.country),
          browser: {
            baseUrl: config.http.publicUrl ?? `http://${config.http.host}:${config.http.port}`,
            page: '/desk/',
            otherPages: ['/compose/'],
            pageName: 'the desk',
            cookies: authCookieNames('corridor'),
            sessionCheckMs: config.auth.oidc?.sessionCheckMs ?? 5000,
            // The desk talks over socket.io with the session. The REST API takes bearer tokens, and the session of a
            // publisher signed in on the compose page (with the x-corridor-session header: CSRF).
            restFromSession: true,
            sessionRoles: ['publisher'],
          },
          logger,
        }),
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
      controllers: [HealthController],
      providers: [
        { provide: APP_GUARD, useClass: AuthGuard },
        { provide: APP_GUARD, useClass: ThrottlerGuard },
        { provide: APP_FILTER, useClass: ProblemFilter },
      ],
    };
  }
}
