import { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { Logger } from 'pino';
import { corridorValidationPipe, createRootLogger, nestLogger } from '@corridor/platform';
import { SecretariatModule } from './app.module';
import { SecretariatConfig } from './config';

export function secretariatLogger(config: SecretariatConfig): Logger {
  return createRootLogger({ level: config.log.level, base: { secretariat: config.id } });
}

export async function createSecretariat(
  config: SecretariatConfig,
  logger: Logger = secretariatLogger(config),
): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(SecretariatModule.forConfig(config, logger), {
    logger: nestLogger(logger),
    bodyParser: false,
  });
  app.useBodyParser('json', { limit: 256 * 1024 });
  app.useGlobalPipes(corridorValidationPipe());
  app.enableShutdownHooks();
  const doc = new DocumentBuilder()
    .setTitle(`Corridor secretariat ${config.id}`)
    .setDescription(
      'Regional CA, agreement registry and Kafka governance, exchange-log audit (metadata only).',
    )
    .setVersion('1')
    .addBearerAuth()
    .build();
  SwaggerModule.setup('docs', app, () => SwaggerModule.createDocument(app, doc), {
    jsonDocumentUrl: 'docs/openapi.json',
  });
  return app;
}
