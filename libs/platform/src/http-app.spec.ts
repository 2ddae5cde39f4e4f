import http from 'node:http';
import { Controller, Get, INestApplication, Module, Req, Res } from '@nestjs/common';
import type { Express, Request, Response } from 'express';
import pino from 'pino';
import request from 'supertest';
import { createHttpApp } from './http-app';

@Controller()
class ProbeController {
  @Get('probe')
  probe(@Req() req: Request, @Res() res: Response): void {
    // Express's own helpers still work on both objects
    res.status(200).json({ host: req.get('host') !== undefined, path: req.path });
  }
}

@Module({ controllers: [ProbeController] })
class ProbeModule {}

describe('createHttpApp: requests built with Express prototypes', () => {
  let app: INestApplication;
  let server: http.Server;
  let express: Express;

  beforeAll(async () => {
    app = await createHttpApp({ module: ProbeModule }, pino({ level: 'silent' }));
    await app.init();
    server = app.getHttpServer() as http.Server;
    express = app.getHttpAdapter().getInstance() as Express;
  });

  afterAll(async () => {
    await app.close();
  });

  it('constructs each request and response with the app prototypes before Express sees them', async () => {
    const seen: { req: object | null; res: object | null }[] = [];
    const onRequest = (req: http.IncomingMessage, res: http.ServerResponse): void => {
      seen.push({ req: Object.getPrototypeOf(req) as object, res: Object.getPrototypeOf(res) as object });
    };
    server.prependListener('request', onRequest);
    try {
      await request(server).get('/probe').expect(200, { host: true, path: '/probe' });
    } finally {
      server.off('request', onRequest);
    }
    expect(seen).toHaveLength(1);
    expect(seen[0].req).toBe(express.request);
    expect(seen[0].res).toBe(express.response);
  });

  it('leaves Express no prototype to change (the change that kept every request until a full collection)', async () => {
    const original = Object.setPrototypeOf;
    const changed: string[] = [];
    const spy = jest
      .spyOn(Object, 'setPrototypeOf')
      .mockImplementation((target: unknown, proto: object | null) => {
        if (
          (target instanceof http.IncomingMessage || target instanceof http.ServerResponse) &&
          Object.getPrototypeOf(target) !== proto
        ) {
          changed.push(target.constructor.name);
        }
        return original(target, proto) as unknown;
      });
    try {
      await request(server).get('/probe').expect(200);
      expect(changed).toEqual([]);
    } finally {
      spy.mockRestore();
    }
  });

  it('still answers as an Express app (404 for an unknown path, no X-Powered-By, no ETag)', async () => {
    const res = await request(server).get('/nowhere').expect(404);
    expect(res.headers['x-powered-by']).toBeUndefined();
    const ok = await request(server).get('/probe').expect(200);
    expect(ok.headers.etag).toBeUndefined();
  });
});
