// The Nest HTTP application of a Corridor service (gateway, secretariat), with the settings they share.
import type { DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Logger } from 'pino';
import { nestLogger } from './logging';

/**
 * Nest logs through the service's pino logger; bodies are parsed by the service itself (its own limits and errors);
 * a failing provider (an unusable Kafka TLS certificate, say) reaches main(), which prints one line and exits 1.
 */
export async function createHttpApp(module: DynamicModule, logger: Logger): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(module, {
    logger: nestLogger(logger),
    bodyParser: false,
    abortOnError: false,
  });
  // No "X-Powered-By: Express" banner for probes to fingerprint; API answers carry no ETag (nothing revalidates
  // them, and hashing every body cost CPU). Static pages keep their own caching headers.
  app.disable('x-powered-by');
  app.set('etag', false);
  return app;
}
