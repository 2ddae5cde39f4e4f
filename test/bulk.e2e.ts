// Batch publishing with real processes: LY's agency posts many alerts in one request (NDJSON or a JSON array) to
// LY's gateway; each alert is answered on its own, the accepted ones are committed in one transaction and produced
// together over the run's Kafka broker, and IT receives and receipts every one. The CLI publishes a file of alerts.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BatchPublishResult } from '@corridor/gateway-api';
import type { Network } from '../scripts/lib/network';
import { sql } from './harness/databases';
import { eventually, startTestNetwork } from './harness/network';
import { bulletinAlert, documentAlert } from './factories/alerts';

const ROOT = path.join(__dirname, '..');
const CLI = path.join(ROOT, 'dist', 'apps', 'cli', 'src', 'main.js');
const MAX_ALERTS = 300;
const MAX_BYTES = 2 * 1024 * 1024;

interface Res<T> {
  status: number;
  body: T;
  type: string | null;
  retryAfter: string | null;
}

async function post<T = Record<string, unknown>>(
  url: string,
  token: string,
  body: string,
  contentType: string,
  headers: Record<string, string> = {},
): Promise<Res<T>> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': contentType, authorization: `Bearer ${token}`, ...headers },
    body,
  });
  const text = await res.text();
  return {
    status: res.status,
    body: (text ? JSON.parse(text) : {}) as T,
    type: res.headers.get('content-type'),
    retryAfter: res.headers.get('retry-after'),
  };
}

function runCli(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: os.tmpdir(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

describe('batch publishing (real processes)', () => {
  let net: Network;
  let publisher: string;
  const ly = () => net.gateways.LY;
  const it_ = () => net.gateways.IT;
  const batchUrl = () => `${ly().url}/v1/alerts/batch`;

  beforeAll(async () => {
    net = await startTestNetwork({
      label: 'bulk',
      countries: ['LY', 'IT', 'NE'],
      gatewayEnv: { MAX_BATCH_ALERTS: String(MAX_ALERTS), MAX_BATCH_BYTES: String(MAX_BYTES) },
      agreements: [
        {
          parties: ['LY', 'IT'],
          purpose: 'test',
          directions: [
            { from: 'LY', to: 'IT', categories: ['BULLETIN', 'DOCUMENT'], maxClassification: 'AMBER' },
            { from: 'IT', to: 'LY', categories: ['BULLETIN', 'DOCUMENT'], maxClassification: 'AMBER' },
          ],
        },
        {
          parties: ['LY', 'NE'],
          purpose: 'test',
          directions: [
            { from: 'LY', to: 'NE', categories: ['ROUTE'], maxClassification: 'GREEN' },
            { from: 'NE', to: 'LY', categories: ['ROUTE'], maxClassification: 'GREEN' },
          ],
        },
      ],
    });
    publisher = ly().token({ roles: ['publisher'], agency: 'LY-COASTGUARD' });
  }, 180_000);

  afterAll(async () => {
    await net?.stop();
  });

  const deliveredAtLy = (ids: string[]) =>
    eventually(
      `all ${ids.length} alerts DELIVERED at LY`,
      async () => {
        const rows = await sql<{ status: string }>(
          ly().databaseUrl,
          "select status from outbox where alert_id = any($1) and kind = 'ALERT'",
          [ids],
        );
        return rows.length === ids.length && rows.every((r) => r.status === 'DELIVERED') ? rows : undefined;
      },
      90_000,
    );

  it('answers each alert of an NDJSON batch on its own; the good ones go through in one transaction and one produce, and IT receipts every one', async () => {
    const n = 250;
    const lines = Array.from({ length: n }, (_, i) =>
      JSON.stringify(bulletinAlert({ recipients: ['IT'], title: `batch ${i}` })),
    );
    lines[7] = '{"category": "BULLETIN", "title": ';
    lines[13] = JSON.stringify(bulletinAlert({ recipients: ['IT'], classification: 'PURPLE' }));
    lines[21] = JSON.stringify(bulletinAlert({ recipients: ['NE'] }));
    lines[34] = JSON.stringify(
      documentAlert({
        recipients: ['IT'],
        document: { ...(documentAlert().document as object), number: 'X0000000' },
      }),
    );
    const res = await post<BatchPublishResult>(
      batchUrl(),
      publisher,
      `${lines.join('\n')}\n`,
      'application/x-ndjson',
    );
    expect(res.status).toBe(202);
    expect({ accepted: res.body.accepted, refused: res.body.refused, invalid: res.body.invalid }).toEqual({
      accepted: n - 4,
      refused: 1,
      invalid: 3,
    });
    expect(res.body.results.map((r) => r.index)).toEqual(Array.from({ length: n }, (_, i) => i));
    expect(res.body.results[7]).toMatchObject({ status: 'INVALID', code: 'MALFORMED_JSON' });
    expect(res.body.results[13]).toMatchObject({
      status: 'INVALID',
      code: 'VALIDATION_FAILED',
      field: 'classification',
    });
    expect(res.body.results[21]).toMatchObject({
      status: 'REFUSED',
      recipients: [{ country: 'NE', status: 'REFUSED', reason: 'CATEGORY_NOT_GRANTED' }],
    });
    expect(res.body.results[34]).toMatchObject({
      status: 'INVALID',
      code: 'MRZ_NUMBER_MISMATCH',
      field: 'document.number',
    });
    const ids = res.body.results.flatMap((r) => (r.status === 'ACCEPTED' ? [r.id] : []));
    expect(ids).toHaveLength(n - 4);
    // One transaction: every alert row carries the same transaction time.
    const created = await sql<{ t: string; n: string }>(
      ly().databaseUrl,
      'select created_at::text as t, count(*) as n from alerts where id = any($1) group by 1',
      [ids],
    );
    expect(created).toEqual([{ t: expect.any(String) as unknown, n: String(n - 4) }]);
    // Every accepted alert is logged as QUEUED, the refusal as REFUSED, in the same transaction; the invalid ones
    // leave nothing.
    const leaves = await sql<{ event: string; n: string }>(
      ly().databaseUrl,
      'select event, count(*) as n from audit_leaves where created_at = (select created_at from alerts where id = $1) group by 1 order by 1',
      [ids[0]],
    );
    expect(leaves).toEqual([
      { event: 'QUEUED', n: String(n - 4) },
      { event: 'REFUSED', n: '1' },
    ]);
    await deliveredAtLy(ids);
    // One produce: the relay marked the whole batch SENT in one statement after one send.
    const sent = await sql<{ t: string }>(
      ly().databaseUrl,
      "select distinct sent_at::text as t from outbox where alert_id = any($1) and kind = 'ALERT'",
      [ids],
    );
    expect(sent).toHaveLength(1);
    const [{ received }] = await sql<{ received: string }>(
      it_().databaseUrl,
      'select count(*) as received from inbox where alert_id = any($1)',
      [ids],
    );
    expect(Number(received)).toBe(n - 4);
  });

  it('takes a JSON array too, and answers a repeat under the same Idempotency-Key without queueing twice', async () => {
    const batch = JSON.stringify(
      Array.from({ length: 5 }, (_, i) => bulletinAlert({ recipients: ['IT'], title: `array ${i}` })),
    );
    const first = await post<BatchPublishResult>(batchUrl(), publisher, batch, 'application/json', {
      'idempotency-key': 'bulk-array-1',
    });
    expect(first.status).toBe(202);
    expect(first.body.accepted).toBe(5);
    const again = await post<BatchPublishResult>(batchUrl(), publisher, batch, 'application/json', {
      'idempotency-key': 'bulk-array-1',
    });
    expect(again.status).toBe(202);
    expect(again.body).toEqual(first.body);
    const ids = first.body.results.flatMap((r) => (r.status === 'ACCEPTED' ? [r.id] : []));
    const [{ rows }] = await sql<{ rows: string }>(
      ly().databaseUrl,
      "select count(*) as rows from outbox where kind = 'ALERT' and alert_id in (select id from alerts where idempotency_key like 'bulk-array-1#%')",
    );
    expect(Number(rows)).toBe(5);
    await deliveredAtLy(ids);
  });

  it('refuses an oversized batch with 413 problem+json naming the limit, in alerts and in bytes; other media types with 415', async () => {
    const many = JSON.stringify(
      Array.from({ length: MAX_ALERTS + 1 }, () => bulletinAlert({ recipients: ['IT'] })),
    );
    const tooMany = await post<Record<string, unknown>>(batchUrl(), publisher, many, 'application/json');
    expect(tooMany.status).toBe(413);
    expect(tooMany.type).toMatch(/application\/problem\+json/);
    expect(tooMany.body).toMatchObject({ code: 'BATCH_TOO_LARGE', limit: MAX_ALERTS, field: 'body' });
    const big = JSON.stringify([
      bulletinAlert({
        recipients: ['IT'],
        bulletin: { title: 't', summary: 's', body: 'x'.repeat(MAX_BYTES) },
      }),
    ]);
    const tooBig = await post<Record<string, unknown>>(batchUrl(), publisher, big, 'application/json');
    expect(tooBig.status).toBe(413);
    expect(tooBig.body).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', limit: MAX_BYTES });
    const text = await post<Record<string, unknown>>(batchUrl(), publisher, '[]', 'text/plain');
    expect(text.status).toBe(415);
    expect(text.body).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE', field: 'Content-Type' });
    const notArray = await post<Record<string, unknown>>(
      batchUrl(),
      publisher,
      JSON.stringify(bulletinAlert()),
      'application/json',
    );
    expect(notArray.status).toBe(422);
    expect(notArray.body).toMatchObject({ code: 'NOT_A_BATCH' });
    // A single alert keeps its own bound.
    const single = await post<Record<string, unknown>>(
      `${ly().url}/v1/alerts`,
      publisher,
      big,
      'application/json',
    );
    expect(single.status).toBe(413);
  });

  it('needs the publisher role', async () => {
    const officer = ly().token({ roles: ['officer'] });
    const res = await post(batchUrl(), officer, '[]', 'application/json');
    expect(res.status).toBe(403);
  });

  it('documents the batch in OpenAPI: both media types, an array of the alert schema', async () => {
    const doc = (await (await fetch(`${ly().url}/docs/openapi.json`)).json()) as {
      paths: Record<
        string,
        {
          post?: {
            requestBody?: { content: Record<string, { schema: unknown }> };
            responses: Record<string, unknown>;
          };
        }
      >;
    };
    const op = doc.paths['/v1/alerts/batch']?.post;
    expect(Object.keys(op?.requestBody?.content ?? {}).sort()).toEqual([
      'application/json',
      'application/x-ndjson',
    ]);
    expect(op?.requestBody?.content['application/json'].schema).toEqual({
      type: 'array',
      items: { $ref: '#/components/schemas/PublishAlertDto' },
    });
    expect(Object.keys(op?.responses ?? {})).toEqual(expect.arrayContaining(['202', '413']));
  });

  it('corridor alert publish --file alerts.ndjson: sends them in batches, lists the ones not accepted by index, exit 1', async () => {
    const dir = fs.mkdtempSync(path.join(process.env.CORRIDOR_TEST_RUN_DIR ?? os.tmpdir(), 'corridor-bulk-'));
    const file = path.join(dir, 'alerts.ndjson');
    const lines = Array.from({ length: 45 }, (_, i) =>
      JSON.stringify(bulletinAlert({ recipients: ['IT'], title: `cli ${i}` })),
    );
    lines[30] = JSON.stringify(bulletinAlert({ recipients: ['IT'], title: '' }));
    fs.writeFileSync(file, `${lines.join('\n')}\n`);
    const env = {
      CORRIDOR_GATEWAY_URL: ly().url,
      CORRIDOR_TOKEN: ly().token({ roles: ['publisher'], sub: 'ly-coastguard' }),
    };
    const r = await runCli(['alert', 'publish', '--file', file, '--batch-size', '20'], env);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^published 44 of 45 alerts \(refused 0, invalid 1\)$/m);
    expect(r.stdout).toMatch(/#30 +INVALID +title: title must be longer/);
    const json = await runCli(
      ['--json', 'alert', 'publish', '--file', file, '--batch-size', '20', '--idempotency-key', 'cli-bulk-1'],
      env,
    );
    const doc = JSON.parse(json.stdout) as BatchPublishResult;
    expect({ accepted: doc.accepted, invalid: doc.invalid, n: doc.results.length }).toEqual({
      accepted: 44,
      invalid: 1,
      n: 45,
    });
    const ids = doc.results.flatMap((x) => (x.status === 'ACCEPTED' ? [x.id] : []));
    await deliveredAtLy(ids);
    // Repeated with the same key: nothing queued twice.
    const again = JSON.parse(
      (
        await runCli(
          [
            '--json',
            'alert',
            'publish',
            '--file',
            file,
            '--batch-size',
            '20',
            '--idempotency-key',
            'cli-bulk-1',
          ],
          env,
        )
      ).stdout,
    ) as BatchPublishResult;
    expect(again.results.flatMap((x) => (x.status === 'ACCEPTED' ? [x.id] : []))).toEqual(ids);
  });
});
