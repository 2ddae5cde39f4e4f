// Builds the gateway application (used by main.ts and by e2e tests that run it in-process).
import { INestApplication } from '@nestjs/common';
import fs from 'node:fs';
import path from 'node:path';
import express from 'express';
import { corridorValidationPipe, createHttpApp, describeRequestBodies, repoRoot } from '@corridor/platform';
import { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import type { Logger } from 'pino';
import { NDJSON } from '@corridor/gateway-api';
import { loadMlKemAccelerator } from '@corridor/envelope';
import { REQUEST_BODIES, REQUEST_NOTES } from './alerts/alert.openapi';
import { Admission } from './alerts/admission';
import { BATCH_PATH } from './alerts/alerts.controller';
import { REGISTER_RECORDS_PATH } from './registers/registers.controller';
import { AppModule } from './app.module';
import { GatewayConfig } from './config/config';
import { gatewayLogger } from './core.module';

export async function createGateway(
  config: GatewayConfig,
  logger: Logger = gatewayLogger(config),
): Promise<INestApplication> {
  // Suite 2's ML-KEM-768 in WebAssembly (about 4x the pure-TypeScript speed); without it suite 2 still works, slower.
  const mlKem = await loadMlKemAccelerator();
  if (mlKem === 'noble') {
    logger.warn({ mlKem }, 'ML-KEM-768 runs in pure TypeScript: the liboqs WebAssembly module did not load');
  } else {
    logger.info({ mlKem }, 'ML-KEM-768 runs in liboqs WebAssembly');
  }
  const app = await createHttpApp(AppModule.forConfig(config, logger), logger);
  const json = express.json({
    limit: config.http.maxBodyBytes,
    type: ['application/json', 'application/*+json'],
  });
  // A batch of alerts is read as text (a JSON array or NDJSON) under its own bound, and split and validated alert by
  // alert by the controller, so one malformed alert fails alone.
  const batchText = express.text({
    limit: config.http.maxBatchBytes,
    type: ['application/json', 'application/*+json', NDJSON],
  });
  const admission = app.get(Admission);
  // Parse errors are answered here, so they never reach Nest's generic 400 mapping.
  app.use((req: express.Request, res: express.Response, next: express.NextFunction) => {
    // Records of a document register are read the same way, record by record.
    const batch = req.path === BATCH_PATH || (req.method === 'POST' && REGISTER_RECORDS_PATH.test(req.path));
    const refused = batch && req.method === 'POST' ? admission.refusal(1) : undefined;
    if (refused) {
      // Backpressure before the body is read (it may be MAX_BATCH_BYTES); the request is not authenticated yet, so
      // the answer says no more than the status and when to come back.
      res
        .status(refused.problem.status)
        .setHeader('Retry-After', String(refused.problem.retryAfter ?? 1))
        .type('application/problem+json')
        .send(
          JSON.stringify({
            type: refused.problem.type,
            title: refused.problem.title,
            status: refused.problem.status,
            code: refused.problem.code,
            detail: 'the gateway is busy: repeat the request after Retry-After (nothing was written)',
            retryAfter: refused.problem.retryAfter,
          }),
        );
      req.resume();
      return;
    }
    const limit = batch ? config.http.maxBatchBytes : config.http.maxBodyBytes;
    (batch ? batchText : json)(req, res, (err?: unknown) =>
      err
        ? bodyErrors(err, req, res, next, { limit, variable: batch ? 'MAX_BATCH_BYTES' : 'MAX_BODY_BYTES' })
        : next(),
    );
  });
  app.useGlobalPipes(corridorValidationPipe());
  app.enableShutdownHooks();
  serveWebPage(app, 'desk');
  serveWebPage(app, 'compose');
  const doc = new DocumentBuilder()
    .setTitle(`Corridor gateway ${config.country}`)
    .setDescription(
      'Publishing API for agencies, inbox/outbox for liaison officers, audit proofs for the secretariat.',
    )
    .setVersion('1')
    .addServer(config.http.publicUrl ?? `http://${config.http.host}:${config.http.port}`)
    .addBearerAuth()
    .build();
  const document = (): OpenAPIObject =>
    describeRequestBodies(SwaggerModule.createDocument(app, doc), REQUEST_BODIES, REQUEST_NOTES);
  SwaggerModule.setup('docs', app, document, {
    jsonDocumentUrl: 'docs/openapi.json',
  });
  return app;
}

/** Body-parser failures become problem+json here, before Nest sees the request. */
function bodyErrors(
  err: unknown,
  _req: express.Request,
  res: express.Response,
  next: express.NextFunction,
  bound: { limit: number; variable: string },
): void {
  const type = (err as { type?: string } | undefined)?.type;
  const send = (status: number, code: string, detail: string, extra: Record<string, unknown> = {}): void => {
    res
      .status(status)
      .type('application/problem+json')
      .send(
        JSON.stringify({
          type: `https://corridor.example/problems/${code.toLowerCase().replace(/_/g, '-')}`,
          title: code,
          status,
          code,
          detail,
          field: 'body',
          ...extra,
        }),
      );
  };
  if (type === 'entity.parse.failed') {
    send(400, 'MALFORMED_JSON', 'request body is not valid JSON: check quotes, commas and brackets');
  } else if (type === 'entity.too.large') {
    send(
      413,
      'PAYLOAD_TOO_LARGE',
      `request body is larger than the limit of ${bound.limit} bytes (${bound.variable}): shorten it or split it`,
      { limit: bound.limit },
    );
  } else if (type) {
    send(400, 'BAD_REQUEST', 'request body could not be read');
  } else {
    next(err);
  }
}

const DESK_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self' ws: wss:",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

/**
 * A page of the web front end (the officers' desk, the agencies' compose page): built by Vite (apps/web,
 * `npm run build`) into dist/web/<page>, with its offline map data, under a strict Content-Security-Policy. The
 * socket.io client comes from the gateway's own /socket.io/socket.io.min.js.
 */
function serveWebPage(app: NestExpressApplication, page: 'desk' | 'compose'): void {
  const built = path.join(repoRoot(), 'dist', 'web', page);
  const base = `/${page}`;
  app.use(base, (req: express.Request, res: express.Response, next: express.NextFunction) => {
    res.setHeader('Content-Security-Policy', DESK_CSP);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    next();
  });
  // File names under assets/ carry a content hash: cache them for good; index.html is always revalidated.
  app.use(`${base}/assets`, express.static(path.join(built, 'assets'), { immutable: true, maxAge: '365d' }));
  app.use(base, express.static(built, { index: 'index.html', redirect: true, maxAge: 0 }));
  app.use(base, (req: express.Request, res: express.Response, next: express.NextFunction) => {
    if (
      req.method === 'GET' &&
      (req.path === '/' || req.path === '') &&
      !fs.existsSync(path.join(built, 'index.html'))
    ) {
      res
        .status(503)
        .type('text/plain')
        .send(
          `The web ${page} page is not built: run \`npm run build\` (it builds dist/web/${page}), then reload.`,
        );
    } else {
      next();
    }
  });
}
