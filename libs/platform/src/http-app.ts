// The Nest HTTP application of a Corridor service (gateway, secretariat), with the settings they share.
import http from 'node:http';
import type { DynamicModule, NestApplicationOptions } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter, NestExpressApplication } from '@nestjs/platform-express';
import type { Express } from 'express';
import type { Logger } from 'pino';
import { nestLogger } from './logging';

/**
 * Nest logs through the service's pino logger; bodies are parsed by the service itself (its own limits and errors);
 * a failing provider (an unusable Kafka TLS certificate, say) reaches main(), which prints one line and exits 1.
 */
export async function createHttpApp(module: DynamicModule, logger: Logger): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(module, new PrototypedExpressAdapter(), {
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

/**
 * Express gives each request and response its own prototypes, with `Object.setPrototypeOf` on every request
 * (express 5, `app.handle`). Measured on node 20: with that change every request, with all it references, survived
 * young-generation collections until the next full one (12 KB promoted to the old generation per request in a
 * minimal Nest app, 10-16 KB in the gateway, /health included, against 0.1 KB without it), so each scavenge copied
 * megabytes and faulted in fresh old-space pages (docs/operations.md, "Garbage collection"). Here the HTTP server
 * constructs requests and responses with Express's prototypes from the start, so Express's `setPrototypeOf` finds
 * them in place and changes nothing. HTTPS servers (not used by Corridor's services) keep Nest's default.
 */
export class PrototypedExpressAdapter extends ExpressAdapter {
  override initHttpServer(options: NestApplicationOptions): void {
    const app = this.getInstance<Express>();
    const IncomingMessage = constructedWith(http.IncomingMessage, app.request);
    const ServerResponse = constructedWith(http.ServerResponse, app.response);
    if (options?.httpsOptions || options?.forceCloseConnections || !IncomingMessage || !ServerResponse) {
      super.initHttpServer(options);
      return;
    }
    this.httpServer = http.createServer({ IncomingMessage, ServerResponse }, app);
  }
}

/**
 * A constructor of `base` instances whose prototype is `prototype` (which inherits from `base.prototype`, as
 * Express's request and response do). `base` runs on the new object as a plain function call, which Node's
 * IncomingMessage and ServerResponse allow; `Reflect.construct` with this constructor as new.target was measured to
 * promote as much as the prototype change it replaces. Undefined where `base` is a class (Nest's server then).
 */
function constructedWith<T extends { prototype: object; name: string }>(
  base: T,
  prototype: object,
): T | undefined {
  if (!Object.prototype.isPrototypeOf.call(base.prototype, prototype)) {
    throw new Error(`constructedWith: the prototype does not inherit from ${base.name}`);
  }
  if (/^class\b/.test(Function.prototype.toString.call(base))) {
    return undefined;
  }
  const init = base as unknown as (this: object, ...args: unknown[]) => void;
  function Constructed(this: object, ...args: unknown[]): void {
    init.apply(this, args);
  }
  Constructed.prototype = prototype;
  return Constructed as unknown as T;
}
