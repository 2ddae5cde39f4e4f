// Builds the gateway application (used by main.ts and by e2e tests that run it in-process).
import { INestApplication, LoggerService, ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { Logger } from 'pino';
import { AppModule } from './app.module';
import { GatewayConfig } from './config/config';
import { rootLogger } from './core.module';

/** Nest's own log lines go to pino with the class name as context. */
function nestLogger(logger: Logger): LoggerService {
  const at = (level: 'info' | 'warn' | 'error' | 'debug') => (message: unknown, context?: string) =>
    logger[level]({ context }, typeof message === 'string' ? message : JSON.stringify(message));
  return { log: at('info'), warn: at('warn'), error: at('error'), debug: at('debug'), verbose: at('debug') };
}

export async function createGateway(
  config: GatewayConfig,
  logger: Logger = rootLogger(config),
): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forConfig(config, logger), {
    logger: nestLogger(logger),
    bodyParser: false,
  });
  app.useBodyParser('json', {
    limit: config.http.maxBodyBytes,
    type: ['application/json', 'application/*+json'],
  });
  app.useGlobalPipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }));
  app.enableShutdownHooks();
  const doc = new DocumentBuilder()
    .setTitle(`Corridor gateway ${config.country}`)
    .setDescription(
      'Publishing API for agencies, inbox/outbox for liaison officers, audit proofs for the secretariat.',
    )
    .setVersion('1')
    .addBearerAuth()
    .build();
  SwaggerModule.setup('docs', app, () => SwaggerModule.createDocument(app, doc), {
    jsonDocumentUrl: 'docs/openapi.json',
  });
  return app;
}
