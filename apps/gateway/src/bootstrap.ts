// Builds the gateway application (used by main.ts and by e2e tests that run it in-process).
import { INestApplication } from '@nestjs/common';
import { corridorValidationPipe, nestLogger } from '@corridor/platform';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { Logger } from 'pino';
import { AppModule } from './app.module';
import { GatewayConfig } from './config/config';
import { rootLogger } from './core.module';

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
  app.useGlobalPipes(corridorValidationPipe());
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
