/**
 * Validation CPU per alert (#17, #19): a typical route alert body through class-validator after class-transformer, as
 * the code ran before, and through the compiled check (compiledRequest), in the same process, rounds interleaved:
 *   pipe:     POST /v1/alerts at the sending gateway: Nest's ValidationPipe vs the project's (check + instance);
 *   inbound:  the receiving gateway's content check (skipMissingProperties, earlier free text allowed);
 *   request:  requestViolations (CLI, compose page): class-validator vs the compiled check alone.
 * One core, no services. Goal: the fast path at least 5x faster than class-validator. Run: npm run bench -- validation
 */
import os from 'node:os';
import { ValidationPipe, type ArgumentMetadata } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { compiledRequest, FREE_TEXT_BEFORE_CODES, PublishAlertDto } from '@corridor/gateway-api';
import { corridorValidationPipe, validationProblem } from '@corridor/platform';
import { routeAlert } from '../test/factories/alerts';
import { fixed, printTable, verdict } from './lib/stats';

const ROUNDS = 9;
const PER_ROUND = 4000;

/** Microseconds per call of the median round (rounds of the compared paths alternate, so both see the same load). */
async function measure(paths: Record<string, () => unknown>): Promise<Record<string, number>> {
  const rounds: Record<string, number[]> = Object.fromEntries(Object.keys(paths).map((k) => [k, []]));
  for (let r = -1; r < ROUNDS; r++) {
    for (const [name, run] of Object.entries(paths)) {
      const started = process.hrtime.bigint();
      for (let i = 0; i < PER_ROUND; i++) {
        await run();
      }
      const us = Number(process.hrtime.bigint() - started) / 1000 / PER_ROUND;
      if (r >= 0) {
        rounds[name].push(us); // round -1 warms the code up
      }
    }
  }
  return Object.fromEntries(
    Object.entries(rounds).map(([name, us]) => [name, us.sort((a, b) => a - b)[Math.floor(us.length / 2)]]),
  );
}

export async function run(): Promise<void> {
  const body = routeAlert();
  const metadata: ArgumentMetadata = { type: 'body', metatype: PublishAlertDto };
  const nest = new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    exceptionFactory: validationProblem,
  });
  const corridor = corridorValidationPipe();
  const api = compiledRequest(PublishAlertDto)!;
  const received = compiledRequest(PublishAlertDto, {
    skipMissingProperties: true,
    ignoreIsInAt: FREE_TEXT_BEFORE_CODES,
  })!;
  if (!api.accepts(body) || !received.accepts(body)) {
    throw new Error('the compiled check refuses the benchmark body: nothing to compare');
  }
  // The pipes mutate nothing in a valid body, so the same object serves every call.
  const results = {
    pipe: await measure({
      slow: () => nest.transform(body, metadata),
      fast: () => corridor.transform(body, metadata),
    }),
    inbound: await measure({
      slow: () =>
        validateSync(plainToInstance(PublishAlertDto, body), {
          whitelist: true,
          forbidNonWhitelisted: true,
          skipMissingProperties: true,
        }),
      fast: () => received.accepts(body),
    }),
    request: await measure({
      slow: () =>
        validateSync(plainToInstance(PublishAlertDto, body), { whitelist: true, forbidNonWhitelisted: true }),
      fast: () => api.accepts(body),
    }),
  };
  console.log(
    `[validation] load average ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}, ${ROUNDS} rounds of ${PER_ROUND}`,
  );
  printTable({
    headers: ['path', 'class-validator µs', 'compiled µs', 'speed-up'],
    rows: Object.entries(results).map(([name, r]) => [name, r.slow, r.fast, `${fixed(r.slow / r.fast)}x`]),
  });
  for (const [name, r] of Object.entries(results)) {
    console.log(
      verdict({
        met: r.slow / r.fast >= 5,
        text: `${name}: compiled ${fixed(r.slow / r.fast)}x faster (goal 5x)`,
      }),
    );
  }
}
