import { INestApplication } from '@nestjs/common';
import fs from 'node:fs';
import path from 'node:path';
import express from 'express';
import { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import type { Logger } from 'pino';
import {
  corridorValidationPipe,
  createHttpApp,
  createRootLogger,
  describeRequestBodies,
  repoRoot,
} from '@corridor/platform';
import { AGREEMENT_BODIES, AGREEMENT_NOTES } from './agreements/agreement.openapi';
import { SecretariatModule } from './app.module';
import { SecretariatConfig } from './config';

export function secretariatLogger(config: SecretariatConfig): Logger {
  return createRootLogger({ level: config.log.level, base: { secretariat: config.id } });
}

export async function createSecretariat(
  config: SecretariatConfig,
  logger: Logger = secretariatLogger(config),
): Promise<INestApplication> {
  const app = await createHttpApp(SecretariatModule.forConfig(config, logger), logger);
  app.useBodyParser('json', { limit: 256 * 1024 });
  app.useGlobalPipes(corridorValidationPipe());
  app.enableShutdownHooks();
  serveAuditPage(app);
  const doc = new DocumentBuilder()
    .setTitle(`Corridor secretariat ${config.id}`)
    .setDescription(
      'Regional CA, agreement registry and Kafka governance, exchange-log audit (metadata only).',
    )
    .setVersion('1')
    .addBearerAuth()
    .build();
  const document = (): OpenAPIObject =>
    describeRequestBodies(SwaggerModule.createDocument(app, doc), AGREEMENT_BODIES, AGREEMENT_NOTES);
  SwaggerModule.setup('docs', app, document, {
    jsonDocumentUrl: 'docs/openapi.json',
  });
  return app;
}

const AUDIT_PAGE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

/**
 * The forum auditor's web page: the front end built by Vite (apps/web, `npm run build`) into dist/web/audit, under a
 * strict Content-Security-Policy; data comes from /v1 with the auditor's session (signed in at /auth/login).
 */
function serveAuditPage(app: NestExpressApplication): void {
  const built = path.join(repoRoot(), 'dist', 'web', 'audit');
  app.use('/audit', (_req: express.Request, res: express.Response, next: express.NextFunction) => {
    res.setHeader('Content-Security-Policy', AUDIT_PAGE_CSP);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    next();
  });
  // File names under assets/ carry a content hash: cache them for good; index.html is always revalidated.
  app.use('/audit/assets', express.static(path.join(built, 'assets'), { immutable: true, maxAge: '365d' }));
  app.use('/audit', express.static(built, { index: 'index.html', redirect: true, maxAge: 0 }));
  app.use('/audit', (req: express.Request, res: express.Response, next: express.NextFunction) => {
    if (
      req.method === 'GET' &&
      (req.path === '/' || req.path === '') &&
      !fs.existsSync(path.join(built, 'index.html'))
    ) {
      res
        .status(503)
        .type('text/plain')
        .send('The audit page is not built: run `npm run build` (it builds dist/web/audit), then reload.');
    } else {
      next();
    }
  });
}
