// Document registers with real processes (#19): LY's agency shares a register of document records with IT (whose
// agreement grants DOCUMENT) over the run's Kafka broker, in chunks of 500 envelopes; NE (ROUTE only) gets nothing.
// IT's officers check numbers (one document, a number inside a series, an MRZ) against it; records are updated and
// withdrawn one by one and as a whole list; a chunk IT refuses fails alone and LY sees which one, even when IT could
// not read it (a negative receipt by the envelope's hash); NE, whose agreement grants DOCUMENT only later, then
// receives the register as it stands.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { v7 as uuidv7 } from 'uuid';
import {
  AuditLeafSchema,
  create,
  DocumentRecordSchema,
  DocumentStatus,
  ExchangeMessageSchema,
  fromBinary,
  RegisterChunkSchema,
  RegisterOperation,
  toBinary,
} from '@corridor/contracts';
import type {
  DocumentCheckResult,
  RegisterChunkDelivery,
  RegisterPublishResult,
  RegisterSummary,
} from '@corridor/gateway-api';
import type { Network } from '../scripts/lib/network';
import { sql } from './harness/databases';
import { eventually } from './harness/network';
import { startTestNetwork } from './harness/network';

const ROOT = path.join(__dirname, '..');
const CLI = path.join(ROOT, 'dist', 'apps', 'cli', 'src', 'main.js');
const MAX_RECORDS = 1500;
const SPECIMEN = (
  JSON.parse(fs.readFileSync(path.join(ROOT, '..', 'shared', 'data', 'corridors.json'), 'utf8')) as {
    documents: { icao_specimen_td3: string[] };
  }
).documents.icao_specimen_td3;

interface Res<T> {
  status: number;
  body: T;
  type: string | null;
}

async function call<T = Record<string, unknown>>(
  method: string,
  url: string,
  token: string,
  body?: string,
  contentType = 'application/json',
): Promise<Res<T>> {
  const res = await fetch(url, {
    method,
    headers: { 'content-type': contentType, authorization: `Bearer ${token}` },
    ...(body !== undefined ? { body } : {}),
  });
  const text = await res.text();
  return {
    status: res.status,
    body: (text ? JSON.parse(text) : {}) as T,
    type: res.headers.get('content-type'),
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

const passport = (number: string, over: Record<string, unknown> = {}) => ({
  documentType: 'PASSPORT',
  issuingState: 'UTO',
  number,
  status: 'COUNTERFEIT',
  ...over,
});

describe('document registers (real processes)', () => {
  let net: Network;
  let publisher: string;
  let officer: string;
  let registerId: string;
  const ly = () => net.gateways.LY;
  const it_ = () => net.gateways.IT;

  beforeAll(async () => {
    net = await startTestNetwork({
      label: 'registers',
      countries: ['LY', 'IT', 'NE'],
      gatewayEnv: { MAX_REGISTER_RECORDS: String(MAX_RECORDS) },
      agreements: [
        {
          parties: ['LY', 'IT'],
          purpose: 'test',
          directions: [
            { from: 'LY', to: 'IT', categories: ['DOCUMENT'], maxClassification: 'AMBER' },
            { from: 'IT', to: 'LY', categories: ['DOCUMENT'], maxClassification: 'AMBER' },
          ],
        },
        {
          parties: ['LY', 'NE'],
          purpose: 'test',
          directions: [
            { from: 'LY', to: 'NE', categories: ['ROUTE'], maxClassification: 'AMBER' },
            { from: 'NE', to: 'LY', categories: ['ROUTE'], maxClassification: 'AMBER' },
          ],
        },
      ],
    });
    publisher = ly().token({ roles: ['publisher'], agency: 'LY-PASSPORTS' });
    officer = it_().token({ roles: ['officer'], categories: ['DOCUMENT'], clearance: 'AMBER' });
  }, 180_000);

  afterAll(async () => {
    await net?.stop();
  });

  const check = async (q: { number?: string; mrz?: string[] }) => {
    const res = await call<DocumentCheckResult>(
      'POST',
      `${it_().url}/v1/documents/check`,
      officer,
      JSON.stringify(q),
    );
    expect(res.status).toBe(200);
    return res.body;
  };
  const heldAtIt = async (id: string): Promise<number> => {
    const [{ n }] = await sql<{ n: string }>(
      it_().databaseUrl,
      'select count(*) as n from register_records where register_id = $1',
      [id],
    );
    return Number(n);
  };
  const registerAtLy = async (id: string) =>
    (
      await call<RegisterSummary & { chunks: RegisterChunkDelivery[] }>(
        'GET',
        `${ly().url}/v1/registers/${id}`,
        publisher,
      )
    ).body;

  it('shares a register with IT only: records checked one by one, a malformed record fails alone, a series is one record', async () => {
    const created = await call<RegisterSummary>(
      'POST',
      `${ly().url}/v1/registers`,
      publisher,
      JSON.stringify({ name: 'Counterfeit series 2026', classification: 'AMBER' }),
    );
    expect(created.status).toBe(201);
    registerId = created.body.id;
    expect(created.body.recipients).toEqual(
      expect.arrayContaining([
        { country: 'IT', status: 'QUEUED' },
        expect.objectContaining({ country: 'NE', status: 'REFUSED', reason: 'CATEGORY_NOT_GRANTED' }),
      ]),
    );
    const n = 1200;
    const lines = Array.from({ length: n }, (_, i) =>
      JSON.stringify(passport(`C${String(i).padStart(7, '0')}`, { id: `c-${i}` })),
    );
    lines[3] = JSON.stringify(passport('L898902C3', { id: 'specimen', mrz: SPECIMEN, status: 'LOST' }));
    lines[4] = JSON.stringify(
      passport('P0001000', { id: 'blanks', seriesLast: 'P0001999', status: 'STOLEN_BLANK' }),
    );
    lines[5] = JSON.stringify(passport('C9999999', { status: 'MISPLACED' }));
    lines[6] = '{"documentType": "PASSPORT", ';
    lines[7] = JSON.stringify(passport('L898902C4', { mrz: SPECIMEN }));
    lines[8] = JSON.stringify(passport('P0005000', { seriesLast: 'Q0005999' }));
    const res = await call<RegisterPublishResult>(
      'POST',
      `${ly().url}/v1/registers/${registerId}/records`,
      publisher,
      `${lines.join('\n')}\n`,
      'application/x-ndjson',
    );
    expect(res.status).toBe(202);
    expect({ accepted: res.body.accepted, invalid: res.body.invalid, chunks: res.body.chunks }).toEqual({
      accepted: n - 4,
      invalid: 4,
      chunks: 3,
    });
    expect(res.body.results.map((r) => r.index)).toEqual(Array.from({ length: n }, (_, i) => i));
    expect(res.body.results[5]).toMatchObject({
      status: 'INVALID',
      code: 'VALIDATION_FAILED',
      field: 'status',
    });
    expect(res.body.results[6]).toMatchObject({ status: 'INVALID', code: 'MALFORMED_JSON' });
    expect(res.body.results[7]).toMatchObject({
      status: 'INVALID',
      code: 'MRZ_NUMBER_MISMATCH',
      field: 'number',
    });
    expect(res.body.results[8]).toMatchObject({ status: 'INVALID', field: 'seriesLast' });
    expect(res.body.results[4]).toEqual({ index: 4, status: 'ACCEPTED', id: 'blanks' });
    await eventually('every valid record held at IT', async () =>
      (await heldAtIt(registerId)) === n - 4 ? true : undefined,
    );
    // Each chunk was one envelope to IT, delivered (receipted); nothing was queued for NE.
    await eventually('3 chunks DELIVERED at LY', async () => {
      const r = await registerAtLy(registerId);
      return r.chunks.length === 3 && r.chunks.every((c) => c.status === 'DELIVERED') ? r : undefined;
    });
    const toNe = await sql<{ n: string }>(
      ly().databaseUrl,
      "select count(*) as n from outbox where alert_id = $1 and recipient = 'NE'",
      [registerId],
    );
    expect(toNe[0].n).toBe('0');
    const atNe = await sql<{ n: string }>(
      net.gateways.NE.databaseUrl,
      'select count(*) as n from register_records',
    );
    expect(atNe[0].n).toBe('0');
  }, 120_000);

  it('answers hit/no-hit at IT from the register (a number, a number inside a series, an MRZ), each check a log leaf', async () => {
    const leavesBefore = await sql<{ n: string }>(
      it_().databaseUrl,
      "select count(*) as n from audit_leaves where event = 'PERSONAL_DATA_VIEWED'",
    );
    const one = await check({ number: 'C0000100' });
    expect(one.hit).toBe(true);
    expect(one.matches).toEqual([
      expect.objectContaining({
        source: 'REGISTER',
        sender: 'LY',
        status: 'COUNTERFEIT',
        registerId,
        registerName: 'Counterfeit series 2026',
        recordId: 'c-100',
        date: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) as unknown,
      }),
    ]);
    const inSeries = await check({ number: 'P0001500' });
    expect(inSeries.matches).toEqual([
      expect.objectContaining({
        source: 'REGISTER',
        status: 'STOLEN_BLANK',
        series: { first: 'P0001000', last: 'P0001999' },
      }),
    ]);
    expect((await check({ number: 'P0002000' })).hit).toBe(false);
    expect((await check({ number: 'P001500' })).hit).toBe(false);
    const byMrz = await check({ mrz: SPECIMEN });
    expect(byMrz.matches).toEqual([expect.objectContaining({ recordId: 'specimen', status: 'LOST' })]);
    expect((await check({ number: 'C9999999' })).hit).toBe(false);
    const leaves = await sql<{ leaf: Buffer }>(
      it_().databaseUrl,
      "select leaf from audit_leaves where event = 'PERSONAL_DATA_VIEWED' order by idx offset $1",
      [Number(leavesBefore[0].n)],
    );
    expect(leaves.map((l) => fromBinary(AuditLeafSchema, l.leaf).reasonCode)).toEqual([
      'DOCUMENT_CHECK_HIT',
      'DOCUMENT_CHECK_HIT',
      'DOCUMENT_CHECK_NO_HIT',
      'DOCUMENT_CHECK_NO_HIT',
      'DOCUMENT_CHECK_HIT',
      'DOCUMENT_CHECK_NO_HIT',
    ]);
    // An officer whose desk does not cover DOCUMENT sees no register.
    const routeOfficer = it_().token({ roles: ['officer'], categories: ['ROUTE'], clearance: 'AMBER' });
    const hidden = await call<DocumentCheckResult>(
      'POST',
      `${it_().url}/v1/documents/check`,
      routeOfficer,
      JSON.stringify({ number: 'C0000100' }),
    );
    expect(hidden.body.hit).toBe(false);
  });

  it('answers 413 with the limit for more records than MAX_REGISTER_RECORDS', async () => {
    const body = JSON.stringify(Array.from({ length: MAX_RECORDS + 1 }, (_, i) => passport(`X${i}`)));
    const res = await call<{ code: string; limit: number }>(
      'POST',
      `${ly().url}/v1/registers/${registerId}/records`,
      publisher,
      body,
    );
    expect(res.status).toBe(413);
    expect(res.type).toMatch(/application\/problem\+json/);
    expect(res.body).toMatchObject({ code: 'BATCH_TOO_LARGE', limit: MAX_RECORDS });
  });

  it('updates a record and withdraws records one by one: IT answers the new status, then no hit', async () => {
    const upd = await call<RegisterPublishResult>(
      'POST',
      `${ly().url}/v1/registers/${registerId}/records`,
      publisher,
      JSON.stringify([passport('C0000100', { id: 'c-100', status: 'FRAUDULENTLY_OBTAINED' })]),
    );
    expect(upd.status).toBe(202);
    await eventually('the new status at IT', async () => {
      const r = await check({ number: 'C0000100' });
      return r.matches[0]?.status === 'FRAUDULENTLY_OBTAINED' ? r : undefined;
    });
    const wd = await call<RegisterPublishResult>(
      'POST',
      `${ly().url}/v1/registers/${registerId}/withdrawals`,
      publisher,
      JSON.stringify({ recordIds: ['blanks', 'c-101'] }),
    );
    expect(wd.status).toBe(202);
    await eventually('withdrawn records gone at IT', async () => {
      const series = await check({ number: 'P0001500' });
      const single = await check({ number: 'C0000101' });
      return !series.hit && !single.hit ? true : undefined;
    });
    expect((await check({ number: 'C0000102' })).hit).toBe(true);
  });

  it('a partner whose agreement granting DOCUMENT starts after publication receives the register as it stands, once', async () => {
    // NE's agreement granted ROUTE only; it is replaced by one granting DOCUMENT.
    const agreements = await net.secretariatCall<{ id: string; parties: string[]; state: string }[]>(
      'GET',
      '/v1/agreements',
    );
    const routeOnly = agreements.find((a) => a.parties.join() === 'LY,NE' && a.state === 'ACTIVE')!;
    await net.secretariatCall('POST', `/v1/agreements/${routeOnly.id}/terminate`, { reason: 'replaced' });
    await net.waitForAgreement('LY', 'NE', 'TERMINATED', 15_000);
    const agreementId = await net.ensureAgreement({
      parties: ['LY', 'NE'],
      purpose: 'test',
      directions: [
        { from: 'LY', to: 'NE', categories: ['DOCUMENT'], maxClassification: 'AMBER' },
        { from: 'NE', to: 'LY', categories: ['DOCUMENT'], maxClassification: 'AMBER' },
      ],
    });
    const records = (url: string) =>
      sql<{ record_id: string; status: string; number: string }>(
        url,
        'select record_id, status, number from register_records where register_id = $1 order by record_id',
        [registerId],
      );
    // IT received every change as it happened: the register's current state.
    const atIt = await records(it_().databaseUrl);
    expect(atIt.length).toBe(1194);
    const atNe = await eventually(
      'the register at NE',
      async () => {
        const rows = await records(net.gateways.NE.databaseUrl);
        return rows.length >= atIt.length ? rows : undefined;
      },
      60_000,
    );
    expect(atNe).toEqual(atIt);
    expect(atNe.find((r) => r.record_id === 'c-100')?.status).toBe('FRAUDULENTLY_OBTAINED');
    expect(atNe.find((r) => r.record_id === 'blanks' || r.record_id === 'c-101')).toBeUndefined();
    // Once: three chunks of the current state, recorded as synced under the new agreement.
    const toNe = async () =>
      sql<{ n: string }>(
        ly().databaseUrl,
        "select count(*) as n from outbox where alert_id = $1 and recipient = 'NE'",
        [registerId],
      );
    expect(await toNe()).toEqual([{ n: '3' }]);
    expect(
      await sql(
        ly().databaseUrl,
        'select partner, agreement_id, how, records from register_deliveries where register_id = $1 order by partner',
        [registerId],
      ),
    ).toEqual([
      expect.objectContaining({ partner: 'IT', how: 'PUBLISHED' }),
      { partner: 'NE', agreement_id: agreementId, how: 'SYNCED', records: 1194 },
    ]);
    // From now on NE gets each change like IT, not the whole register again.
    const more = await call<RegisterPublishResult>(
      'POST',
      `${ly().url}/v1/registers/${registerId}/records`,
      publisher,
      JSON.stringify([passport('N0000001', { id: 'n-1' })]),
    );
    expect(more.status).toBe(202);
    await eventually('the new record at NE', async () =>
      (await records(net.gateways.NE.databaseUrl)).some((r) => r.record_id === 'n-1') ? true : undefined,
    );
    expect(await toNe()).toEqual([{ n: '4' }]);
  }, 120_000);

  it('a chunk IT refuses is quarantined there, fails alone, and LY sees which chunk and why', async () => {
    // A chunk as a faulty originator might queue it: one record breaks IT's rules (bad number).
    const [{ agreement_id: agreementId }] = await sql<{ agreement_id: string }>(
      ly().databaseUrl,
      "select agreement_id from outbox where alert_id = $1 and recipient = 'IT' limit 1",
      [registerId],
    );
    const record = (id: string, number: string) =>
      create(DocumentRecordSchema, {
        recordId: id,
        documentType: 'PASSPORT',
        issuingState: 'UTO',
        number,
        status: DocumentStatus.FORGED,
        updatedAtMs: BigInt(Date.now()),
      });
    const bad = create(RegisterChunkSchema, {
      registerId,
      name: 'Counterfeit series 2026',
      originatorAgency: 'LY-PASSPORTS',
      operation: RegisterOperation.UPSERT,
      requestId: uuidv7(),
      chunkIndex: 0,
      chunkCount: 1,
      firstRecordIndex: 0,
      records: [record('ok-1', 'F0000001'), record('bad-1', 'not a number')],
      createdAtMs: BigInt(Date.now()),
    });
    const messageId = uuidv7();
    await sql(
      ly().databaseUrl,
      `insert into outbox (message_id, alert_id, kind, recipient, agreement_id, category, classification, thread_id,
                           message, status, next_attempt_at)
       values ($1, $2, 'REGISTER', 'IT', $3, 'DOCUMENT', 'AMBER', $2, $4, 'QUEUED', now())`,
      [
        messageId,
        registerId,
        agreementId,
        Buffer.from(
          toBinary(
            ExchangeMessageSchema,
            create(ExchangeMessageSchema, { body: { case: 'registerChunk', value: bad } }),
          ),
        ),
      ],
    );
    // And a good chunk after it, through the API.
    const good = await call<RegisterPublishResult>(
      'POST',
      `${ly().url}/v1/registers/${registerId}/records`,
      publisher,
      JSON.stringify([passport('G0000001', { id: 'g-1' })]),
    );
    expect(good.status).toBe(202);
    const failed = await eventually('the refused chunk named at LY', async () => {
      const r = await registerAtLy(registerId);
      return r.chunks.find((c) => c.messageId === messageId && c.status === 'REJECTED');
    });
    expect(failed).toMatchObject({ recipient: 'IT', reason: 'CONTENT_INVALID', chunkIndex: 0, records: 2 });
    const quarantined = await sql<{ reason_code: string }>(
      it_().databaseUrl,
      'select reason_code from quarantine where message_id = $1',
      [messageId],
    );
    expect(quarantined).toEqual([{ reason_code: 'CONTENT_INVALID' }]);
    await eventually('the good chunk applied at IT', async () =>
      (await check({ number: 'G0000001' })).hit ? true : undefined,
    );
    // Nothing of the refused chunk was applied, not even its valid record.
    expect((await check({ number: 'F0000001' })).hit).toBe(false);
  }, 120_000);

  it('a chunk IT cannot read (too large) is answered by its hash: LY marks that chunk REJECTED with the reason', async () => {
    // A chunk larger than IT's MAX_ENVELOPE_BYTES (256 KiB): refused before any crypto, so no message id is trusted.
    const [{ agreement_id: agreementId }] = await sql<{ agreement_id: string }>(
      ly().databaseUrl,
      "select agreement_id from outbox where alert_id = $1 and recipient = 'IT' limit 1",
      [registerId],
    );
    const big = create(RegisterChunkSchema, {
      registerId,
      name: 'Counterfeit series 2026',
      originatorAgency: 'LY-PASSPORTS',
      operation: RegisterOperation.UPSERT,
      requestId: uuidv7(),
      chunkIndex: 0,
      chunkCount: 1,
      firstRecordIndex: 0,
      records: Array.from({ length: 400 }, (_, i) =>
        create(DocumentRecordSchema, {
          recordId: `big-${i}`,
          documentType: 'PASSPORT',
          issuingState: 'UTO',
          number: `B${String(i).padStart(7, '0')}`,
          status: DocumentStatus.FORGED,
          mrz: ['P<'.padEnd(400, '<'), 'B'.padEnd(400, '<')],
          updatedAtMs: BigInt(Date.now()),
        }),
      ),
      createdAtMs: BigInt(Date.now()),
    });
    const messageId = uuidv7();
    const [{ n: receiptLeavesBefore }] = await sql<{ n: string }>(
      ly().databaseUrl,
      "select count(*) as n from audit_leaves where event = 'RECEIPT'",
    );
    await sql(
      ly().databaseUrl,
      `insert into outbox (message_id, alert_id, kind, recipient, agreement_id, category, classification, thread_id,
                           message, status, next_attempt_at)
       values ($1, $2, 'REGISTER', 'IT', $3, 'DOCUMENT', 'AMBER', $2, $4, 'QUEUED', now())`,
      [
        messageId,
        registerId,
        agreementId,
        Buffer.from(
          toBinary(
            ExchangeMessageSchema,
            create(ExchangeMessageSchema, { body: { case: 'registerChunk', value: big } }),
          ),
        ),
      ],
    );
    const failed = await eventually('the unreadable chunk rejected at LY', async () => {
      const r = await registerAtLy(registerId);
      return r.chunks.find((c) => c.messageId === messageId && c.status === 'REJECTED');
    });
    expect(failed).toMatchObject({ recipient: 'IT', reason: 'ENVELOPE_TOO_LARGE', records: 400 });
    // IT quarantined those exact bytes and answered them once, by their hash.
    const [{ envelope_sha256: sent }] = await sql<{ envelope_sha256: Buffer }>(
      ly().databaseUrl,
      'select envelope_sha256 from outbox where message_id = $1',
      [messageId],
    );
    const quarantined = await sql<{ reason_code: string }>(
      it_().databaseUrl,
      'select reason_code from quarantine where envelope_sha256 = $1',
      [sent],
    );
    expect(quarantined).toEqual([{ reason_code: 'ENVELOPE_TOO_LARGE' }]);
    const answered = await sql<{ sender: string }>(
      it_().databaseUrl,
      'select sender from unreadable_answered where envelope_sha256 = $1',
      [sent],
    );
    expect(answered).toEqual([{ sender: 'LY' }]);
    // LY's log holds the receipt under the chunk's own message id.
    const leaves = await sql<{ message_id: string; leaf: Buffer }>(
      ly().databaseUrl,
      "select message_id, leaf from audit_leaves where event = 'RECEIPT' order by idx offset $1",
      [Number(receiptLeavesBefore)],
    );
    const mine = leaves.filter((l) => l.message_id === messageId);
    expect(mine.map((l) => fromBinary(AuditLeafSchema, l.leaf).reasonCode)).toEqual(['ENVELOPE_TOO_LARGE']);
    // Nothing of it was applied at IT.
    expect((await check({ number: 'B0000001' })).hit).toBe(false);
  }, 120_000);

  it('withdraws the whole register: IT removes every record, LY takes no more records for it', async () => {
    const wd = await call<RegisterPublishResult>(
      'POST',
      `${ly().url}/v1/registers/${registerId}/withdraw`,
      publisher,
    );
    expect(wd.status).toBe(202);
    await eventually('register gone at IT', async () =>
      (await heldAtIt(registerId)) === 0 ? true : undefined,
    );
    expect((await check({ number: 'C0000102' })).hit).toBe(false);
    const after = await call<{ code: string }>(
      'POST',
      `${ly().url}/v1/registers/${registerId}/records`,
      publisher,
      JSON.stringify([passport('Z0000001')]),
    );
    expect(after.status).toBe(409);
    expect(after.body.code).toBe('REGISTER_WITHDRAWN');
  }, 60_000);

  it('corridor register publish --file creates a register and sends the records; corridor document check finds them at IT', async () => {
    const dir = fs.mkdtempSync(path.join(process.env.CORRIDOR_TEST_RUN_DIR ?? os.tmpdir(), 'corridor-reg-'));
    const file = path.join(dir, 'records.ndjson');
    const lines = Array.from({ length: 30 }, (_, i) =>
      JSON.stringify(passport(`K${String(i).padStart(7, '0')}`)),
    );
    lines[12] = JSON.stringify(passport('K-12'));
    fs.writeFileSync(file, `${lines.join('\n')}\n`);
    const env = { CORRIDOR_GATEWAY_URL: ly().url, CORRIDOR_TOKEN: publisher };
    const r = await runCli(
      ['register', 'publish', '--file', file, '--name', 'CLI register', '--batch-size', '10'],
      env,
    );
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/published 29 of 30 records in 3 chunk\(s\) \(invalid 1\)/);
    expect(r.stdout).toMatch(/#12 +INVALID +number: /);
    const checked = await eventually('CLI records at IT', async () => {
      const c = await runCli(['document', 'check', '--number', 'K0000029'], {
        CORRIDOR_GATEWAY_URL: it_().url,
        CORRIDOR_TOKEN: officer,
      });
      return c.code === 0 && c.stdout.startsWith('HIT') ? c : undefined;
    });
    expect(checked.stdout).toMatch(/REGISTER +LY +COUNTERFEIT +PASSPORT +UTO/);
  }, 60_000);
});
