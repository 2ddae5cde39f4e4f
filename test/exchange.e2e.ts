// The exchange with real processes: two gateways and the secretariat, the run's Kafka broker (SASL/SCRAM,
// ACLs) and PostgreSQL. An agency publishes at LY; IT receives, signs a receipt; nothing lost, nothing extra.
import fs from 'node:fs';
import path from 'node:path';
import { v7 as uuidv7 } from 'uuid';
import {
  Alert,
  AlertSchema,
  AuditLeafSchema,
  Category,
  Classification,
  create,
  ExchangeMessage,
  ExchangeMessageSchema,
  fromBinary,
  HandlingCode,
  MessageKind,
  Priority,
  SuspectAlertSchema,
  exchangeTopic,
  gatewayGroupPrefix,
} from '@corridor/contracts';
import { peekEnvelopeHeader, sealEnvelope } from '@corridor/envelope';
import { decryptPrivateKey, describeCertificate } from '@corridor/pki';
import { installCertificate, installEcCertificate, rotateGatewayKey } from '../apps/cli/src/pki-files';
import { gatewayAudience, issueToken } from '@corridor/identity';
import { ManagedProcess, Network } from '../scripts/lib/network';
import { kafkaAs } from './harness/broker';
import { sql } from './harness/databases';
import { eventually, startTestNetwork } from './harness/network';
import { bulletinAlert, documentAlert, routeAlert, suspectAlert } from './factories/alerts';

const ALL = ['ROUTE', 'DOCUMENT', 'SUSPECT', 'FINANCIAL_FLOW', 'PROTECTION_REFERRAL', 'BULLETIN'];

interface Res {
  status: number;
  body: Record<string, unknown>;
  type: string | null;
}

async function http(
  url: string,
  method: string,
  token: string | undefined,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Res> {
  const res = await fetch(url, {
    method,
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...headers,
    },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return {
    status: res.status,
    body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
    type: res.headers.get('content-type'),
  };
}

describe('exchange between two gateways (real processes)', () => {
  let net: Network;
  let publisher: string;
  let itOfficer: string;
  const ly = () => net.gateways.LY;
  const itGw = () => net.gateways.IT;

  beforeAll(async () => {
    net = await startTestNetwork({
      label: 'exchange',
      countries: ['LY', 'IT', 'NE'],
      agreements: [
        {
          parties: ['LY', 'IT'],
          purpose: 'test',
          directions: [
            {
              from: 'LY',
              to: 'IT',
              categories: ALL,
              maxClassification: 'AMBER',
              excludedFields: ['suspect.phones'],
              retentionDays: 30,
            },
            {
              from: 'IT',
              to: 'LY',
              categories: ALL,
              maxClassification: 'AMBER',
              excludedFields: ['suspect.phones'],
              retentionDays: 30,
            },
          ],
        },
        {
          parties: ['LY', 'NE'],
          purpose: 'test',
          directions: [
            { from: 'LY', to: 'NE', categories: ['ROUTE', 'BULLETIN'], maxClassification: 'GREEN' },
            { from: 'NE', to: 'LY', categories: ['ROUTE', 'BULLETIN'], maxClassification: 'GREEN' },
          ],
        },
      ],
    });
    publisher = ly().token({ roles: ['publisher'], agency: 'LY-COASTGUARD' });
    itOfficer = itGw().token({ sub: 'officer.it', roles: ['officer'], clearance: 'AMBER', categories: ALL });
  }, 180_000);

  afterAll(async () => {
    await net?.stop();
  });

  const publish = (body: unknown, headers: Record<string, string> = {}) =>
    http(`${ly().url}/v1/alerts`, 'POST', publisher, body, headers);
  const inboxRows = (alertId: string) =>
    sql<{ seq: string; body: Buffer | null; state: string; redacted_fields: string[] }>(
      itGw().databaseUrl,
      'select * from inbox where alert_id = $1',
      [alertId],
    );

  it('delivers an alert once, with the excluded field removed before it left LY, and LY gets a receipt', async () => {
    const res = await publish(suspectAlert({ recipients: ['IT'] }));
    expect(res.status).toBe(202);
    const id = res.body.id as string;
    expect(res.body.recipients).toEqual([
      { country: 'IT', status: 'QUEUED', redactedFields: ['suspect.phones'] },
    ]);
    const rows = await eventually('the alert in IT inbox', async () =>
      (await inboxRows(id)).length ? inboxRows(id) : undefined,
    );
    expect(rows).toHaveLength(1);
    const stored = fromBinary(AlertSchema, rows[0].body!);
    expect(stored.payload.case).toBe('suspect');
    expect(stored.payload.case === 'suspect' && stored.payload.value.phones).toEqual([]);
    expect(stored.payload.case === 'suspect' && stored.payload.value.aliases).toEqual(['The Captain']);
    expect(rows[0].redacted_fields).toEqual(['suspect.phones']);
    const delivered = await eventually('DELIVERED at LY', async () => {
      const d = await http(`${ly().url}/v1/alerts/${id}`, 'GET', publisher);
      const del = (d.body.deliveries as { status: string }[])[0];
      return del.status === 'DELIVERED' ? del : undefined;
    });
    expect(delivered).toMatchObject({ recipient: 'IT', status: 'DELIVERED' });
    // The officer at IT sees it through the API, with the redaction named.
    const inbox = await http(`${itGw().url}/v1/inbox?category=SUSPECT`, 'GET', itOfficer);
    expect((inbox.body.items as { alertId: string }[]).map((i) => i.alertId)).toContain(id);
  });

  it('answers a burst with batched receipts: every alert DELIVERED, far fewer signed receipt messages than alerts', async () => {
    const [{ n: before }] = await sql<{ n: string }>(
      itGw().databaseUrl,
      "select count(*) as n from outbox where kind = 'RECEIPT' and recipient = 'LY'",
    );
    const burst = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        publish(bulletinAlert({ recipients: ['IT'], title: `burst ${i}` })),
      ),
    );
    const ids = burst.map((r) => {
      expect(r.status).toBe(202);
      return r.body.id as string;
    });
    await eventually('every alert of the burst DELIVERED at LY', async () => {
      const rows = await sql<{ status: string }>(
        ly().databaseUrl,
        "select status from outbox where alert_id = any($1) and kind = 'ALERT'",
        [ids],
      );
      return rows.length === ids.length && rows.every((r) => r.status === 'DELIVERED') ? true : undefined;
    });
    // Each receipt still names its own envelope (LY checked the hash of exactly what it sent) ...
    const receipts = await sql<{ message_id: string }>(
      ly().databaseUrl,
      "select message_id from audit_leaves where event = 'RECEIPT' and message_id in (select message_id::text from outbox where alert_id = any($1))",
      [ids],
    );
    expect(receipts).toHaveLength(ids.length);
    // ... but IT signed them in a few messages, not one per alert.
    const [{ n: after }] = await sql<{ n: string }>(
      itGw().databaseUrl,
      "select count(*) as n from outbox where kind = 'RECEIPT' and recipient = 'LY'",
    );
    expect(Number(after) - Number(before)).toBeGreaterThan(0);
    expect(Number(after) - Number(before)).toBeLessThan(ids.length / 2);
  });

  it('sends receipts past a receipt owed that cannot be sent: that row alone is kept, retried and shows its error', async () => {
    // A receipt owed that can never be made (ACCEPTED without a message id, a 3-byte hash), owed before the alerts:
    // before #19 it failed every flush and no receipt left IT.
    const [poison] = await sql<{ id: string }>(
      itGw().databaseUrl,
      `insert into receipts_due (sender, agreement_id, message_id, envelope_sha256, status, received_at_ms)
       select 'LY', agreement_id, null, '\\x010203', 'ACCEPTED', 0 from outbox where recipient = 'LY' and
         agreement_id is not null limit 1
       returning id`,
    );
    expect(poison).toBeDefined();
    try {
      const burst = await Promise.all(
        Array.from({ length: 3 }, (_, i) =>
          publish(bulletinAlert({ recipients: ['IT'], title: `beside ${i}` })),
        ),
      );
      const ids = burst.map((r) => r.body.id as string);
      await eventually('the alerts beside the poison DELIVERED at LY', async () => {
        const rows = await sql<{ status: string }>(
          ly().databaseUrl,
          "select status from outbox where alert_id = any($1) and kind = 'ALERT'",
          [ids],
        );
        return rows.length === ids.length && rows.every((r) => r.status === 'DELIVERED') ? true : undefined;
      });
      const [row] = await sql<{ attempts: number; last_error: string; failed_at: Date | null }>(
        itGw().databaseUrl,
        'select attempts, last_error, failed_at from receipts_due where id = $1',
        [poison.id],
      );
      expect(row.attempts).toBeGreaterThanOrEqual(1);
      expect(row.last_error).toMatch(/^UNSENDABLE: /);
      expect(row.failed_at).toBeNull();
    } finally {
      await sql(itGw().databaseUrl, 'delete from receipts_due where id = $1', [poison.id]);
    }
  });

  it('never marks its own receipts UNCONFIRMED: the receipt timeout applies only to what a partner answers', async () => {
    const res = await publish(bulletinAlert({ recipients: ['IT'] }));
    expect(res.status).toBe(202);
    await eventually('DELIVERED at LY', async () => {
      const rows = await sql<{ status: string }>(
        ly().databaseUrl,
        "select status from outbox where alert_id = $1 and kind = 'ALERT'",
        [res.body.id],
      );
      return rows[0]?.status === 'DELIVERED' ? true : undefined;
    });
    // IT's receipts look sent long ago (past RECEIPT_TIMEOUT_MS) ...
    const receipts = await sql<{ id: string }>(
      itGw().databaseUrl,
      "update outbox set sent_at = now() - interval '1 day' where kind = 'RECEIPT' and status = 'SENT' returning id",
    );
    expect(receipts.length).toBeGreaterThan(0);
    // ... and so does an alert LY never answered: once the sweep (every 5 s) has flagged it, it has seen the receipts.
    const unanswered = uuidv7();
    await sql(
      itGw().databaseUrl,
      `insert into outbox (message_id, kind, recipient, status, sent_at)
       values ($1, 'ALERT', 'LY', 'SENT', now() - interval '1 day')`,
      [unanswered],
    );
    try {
      await eventually('the unanswered alert flagged UNCONFIRMED at IT', async () => {
        const rows = await sql<{ status: string }>(
          itGw().databaseUrl,
          'select status from outbox where message_id = $1',
          [unanswered],
        );
        return rows[0]?.status === 'UNCONFIRMED' ? true : undefined;
      });
      const statuses = await sql<{ status: string }>(
        itGw().databaseUrl,
        'select distinct status from outbox where id = any($1::bigint[])',
        [receipts.map((r) => r.id)],
      );
      expect(statuses).toEqual([{ status: 'SENT' }]);
    } finally {
      await sql(itGw().databaseUrl, 'delete from outbox where message_id = $1', [unanswered]);
    }
  });

  it('refuses a category the agreement does not grant with 403 problem+json naming the rule, and sends nothing', async () => {
    const res = await publish(suspectAlert({ recipients: ['NE'] }));
    expect(res.status).toBe(403);
    expect(res.type).toContain('application/problem+json');
    expect(res.body.code).toBe('CATEGORY_NOT_GRANTED');
    expect(String(res.body.rule)).toMatch(/SUSPECT/);
    const rows = await sql(
      ly().databaseUrl,
      "select * from outbox where recipient = 'NE' and status <> 'REFUSED'",
    );
    expect(rows).toHaveLength(0);
    const refusals = await sql<{ event: string }>(
      ly().databaseUrl,
      "select event from audit_leaves where event = 'REFUSED'",
    );
    expect(refusals.length).toBeGreaterThan(0);
  });

  it('refuses a classification above the grant (AMBER to NE, which is granted up to GREEN)', async () => {
    const res = await publish(routeAlert({ recipients: ['NE'], classification: 'AMBER' }));
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('CLASSIFICATION_ABOVE_GRANT');
  });

  it('sends to every partner whose agreement allows it when recipients are omitted, refusing the others by name', async () => {
    const res = await publish(routeAlert({ classification: 'GREEN' }));
    expect(res.status).toBe(202);
    const r = res.body.recipients as { country: string; status: string }[];
    expect(r.map((x) => `${x.country}:${x.status}`).sort()).toEqual(['IT:QUEUED', 'NE:QUEUED']);
    const partial = await publish(suspectAlert());
    expect(partial.status).toBe(202);
    expect(
      (partial.body.recipients as { country: string; status: string; reason?: string }[]).find(
        (x) => x.country === 'NE',
      ),
    ).toMatchObject({
      status: 'REFUSED',
      reason: 'CATEGORY_NOT_GRANTED',
    });
  });

  it.each([
    ['malformed JSON', '{"category": ', 400, 'MALFORMED_JSON', 'body'],
    ['unknown category', { ...routeAlert(), category: 'WEATHER' }, 422, 'VALIDATION_FAILED', 'category'],
    ['missing title', { ...routeAlert(), title: undefined }, 422, 'VALIDATION_FAILED', 'title'],
    ['missing payload', { ...routeAlert(), route: undefined }, 422, 'PAYLOAD_MISSING', 'route'],
    [
      'payload of another category',
      { ...routeAlert(), bulletin: bulletinAlert().bulletin },
      422,
      'PAYLOAD_MISMATCH',
      'bulletin',
    ],
    [
      'bad nested field',
      routeAlert({ route: { ...(routeAlert().route as object), originCountry: 'Niger' } }),
      422,
      'VALIDATION_FAILED',
      'route.originCountry',
    ],
    [
      'invalid MRZ check digit',
      documentAlert({
        document: {
          ...(documentAlert().document as object),
          mrz: [
            'P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<',
            'L898902C37UTO7408122F1204159ZE184226B<<<<<10',
          ],
        },
      }),
      422,
      'MRZ_CHECK_DIGIT',
      'document.mrz',
    ],
    ['unknown recipient', routeAlert({ recipients: ['FR'] }), 422, 'UNKNOWN_RECIPIENT', 'recipients[0]'],
    ['unknown field', { ...routeAlert(), secret: 1 }, 422, 'VALIDATION_FAILED', 'secret'],
  ])(
    'rejects %s with a problem naming the field, storing nothing',
    async (_name, body, status, code, field) => {
      const before = await sql<{ n: string }>(ly().databaseUrl, 'select count(*) as n from alerts');
      const res = await publish(body);
      expect(res.status).toBe(status);
      expect(res.type).toContain('application/problem+json');
      expect(res.body.code).toBe(code);
      expect(res.body.field).toBe(field);
      const after = await sql<{ n: string }>(ly().databaseUrl, 'select count(*) as n from alerts');
      expect(after[0].n).toBe(before[0].n);
    },
  );

  it('rejects an oversized body with 413', async () => {
    const res = await publish(
      bulletinAlert({ bulletin: { title: 't', summary: 's', body: 'x'.repeat(300 * 1024) } }),
    );
    expect(res.status).toBe(413);
    expect(res.body.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('serves its OpenAPI description at /docs, and health without a token', async () => {
    const doc = (await (await fetch(`${ly().url}/docs/openapi.json`)).json()) as {
      paths: Record<
        string,
        Record<string, { parameters?: { name: string; in: string; required?: boolean }[] }>
      >;
    };
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/v1/alerts', '/v1/inbox', '/v1/outbox', '/v1/audit/export', '/health']),
    );
    // The idempotency header is described once, optional, under its documented name.
    const idempotency = (doc.paths['/v1/alerts'].post.parameters ?? []).filter(
      (p) => p.name.toLowerCase() === 'idempotency-key',
    );
    expect(idempotency).toEqual([
      expect.objectContaining({ name: 'Idempotency-Key', in: 'header', required: false }),
    ]);
    const health = await http(`${ly().url}/health`, 'GET', undefined);
    expect(health).toMatchObject({ status: 200, body: { status: 'up', database: 'up', kafka: 'up' } });
    // No framework banner for a probe to fingerprint, and no ETag work on API answers.
    const raw = await fetch(`${ly().url}/health`);
    expect(raw.headers.get('x-powered-by')).toBeNull();
    expect(raw.headers.get('etag')).toBeNull();
    expect((await http(`${ly().url}/metrics`, 'GET', undefined)).status).toBe(401);
    const metrics = await fetch(`${ly().url}/metrics`, {
      headers: { authorization: `Bearer ${ly().token({ roles: ['auditor'] })}` },
    });
    expect(await metrics.text()).toMatch(/corridor_envelopes_sent_total\{kind="ALERT"\} \d+/);
  });

  it('needs authentication (401) and the right role (403)', async () => {
    expect((await http(`${ly().url}/v1/alerts`, 'POST', undefined, routeAlert())).status).toBe(401);
    expect((await http(`${ly().url}/v1/alerts`, 'POST', 'not-a-token', routeAlert())).status).toBe(401);
    const officer = ly().token({ roles: ['officer'], clearance: 'AMBER', categories: ALL });
    const res = await http(`${ly().url}/v1/alerts`, 'POST', officer, routeAlert());
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('FORBIDDEN_ROLE');
    // Another gateway's token does not verify here (each gateway has its own secret)...
    const otherGateway = itGw().token({ roles: ['publisher'] });
    expect((await http(`${ly().url}/v1/alerts`, 'POST', otherGateway, routeAlert())).body.code).toBe(
      'TOKEN_INVALID',
    );
    // ...and a token made with LY's secret for another audience is refused by name.
    const misaddressed = issueToken({
      principal: { sub: 'x', country: 'IT', roles: ['publisher'] },
      secret: ly().tokenSecret,
      ttlSeconds: 60,
      audience: gatewayAudience('IT'),
    });
    expect((await http(`${ly().url}/v1/alerts`, 'POST', misaddressed, routeAlert())).body.code).toBe(
      'TOKEN_WRONG_COUNTRY',
    );
  });

  it('limits each client to RATE_LIMIT_PER_MINUTE (600): 429 problem+json with Retry-After; others unaffected', async () => {
    const flood = ly().token({ sub: 'agency.flood', roles: ['publisher'] });
    const calm = ly().token({ sub: 'agency.calm', roles: ['publisher'] });
    const statuses: number[] = [];
    let refused: { status: number; type: string | null; retryAfter: string | null; body: string } | undefined;
    while (!refused && statuses.length < 1000) {
      const batch = await Promise.all(
        Array.from({ length: 50 }, async () => {
          const res = await fetch(`${ly().url}/v1/agreements`, {
            headers: { authorization: `Bearer ${flood}` },
          });
          return {
            status: res.status,
            type: res.headers.get('content-type'),
            retryAfter: res.headers.get('retry-after'),
            body: await res.text(),
          };
        }),
      );
      statuses.push(...batch.map((r) => r.status));
      refused = batch.find((r) => r.status === 429);
    }
    // 600 a minute; a little more if the run straddles two windows (the previous one then weighs less)
    const ok = statuses.filter((s) => s === 200).length;
    expect(ok).toBeGreaterThanOrEqual(600);
    expect(ok).toBeLessThanOrEqual(610);
    expect(statuses.every((s) => s === 200 || s === 429)).toBe(true);
    expect(refused?.type).toContain('application/problem+json');
    expect(Number(refused?.retryAfter)).toBeGreaterThanOrEqual(1);
    expect((JSON.parse(refused!.body) as { status: number }).status).toBe(429);
    // the limit is per client (the authenticated principal), not per address
    expect((await http(`${ly().url}/v1/agreements`, 'GET', calm)).status).toBe(200);
  });

  it('answers a repeated Idempotency-Key with the first result and refuses it for another body', async () => {
    const key = `k-${Date.now()}`;
    const a = await publish(bulletinAlert({ recipients: ['IT'] }), { 'Idempotency-Key': key });
    const b = await publish(bulletinAlert({ recipients: ['IT'] }), { 'Idempotency-Key': key });
    expect(a.status).toBe(202);
    expect(b.body.id).toBe(a.body.id);
    const c = await publish(bulletinAlert({ recipients: ['IT'], title: 'other' }), {
      'Idempotency-Key': key,
    });
    expect(c.status).toBe(422);
    expect(c.body.code).toBe('IDEMPOTENCY_KEY_REUSED');
    const rows = await sql(ly().databaseUrl, 'select id from alerts where idempotency_key = $1', [key]);
    expect(rows).toHaveLength(1);
  });

  it('carries the acknowledgement back: LY sees who acknowledged and when', async () => {
    const res = await publish(routeAlert({ recipients: ['IT'] }));
    const id = res.body.id as string;
    const seq = await eventually('inbox row at IT', async () => (await inboxRows(id))[0]?.seq);
    const ack = await http(`${itGw().url}/v1/inbox/${seq}/acknowledge`, 'POST', itOfficer);
    expect(ack.status).toBe(200);
    const d = await eventually('acknowledgement at LY', async () => {
      const r = await http(`${ly().url}/v1/alerts/${id}`, 'GET', publisher);
      const del = (r.body.deliveries as { acknowledgedBy: string | null }[])[0];
      return del.acknowledgedBy ? del : undefined;
    });
    expect(d.acknowledgedBy).toBe('IT/officer.it');
  });

  it('propagates a withdrawal: the content is removed from the partner database', async () => {
    const res = await publish(routeAlert({ recipients: ['IT'] }));
    const id = res.body.id as string;
    await eventually('inbox row at IT', async () => (await inboxRows(id))[0]?.seq);
    expect(
      (await http(`${ly().url}/v1/alerts/${id}/withdraw`, 'POST', publisher, { reason: 'wrong information' }))
        .status,
    ).toBe(202);
    const row = await eventually('withdrawn at IT', async () => {
      const r = (await inboxRows(id))[0];
      return r.state === 'WITHDRAWN' ? r : undefined;
    });
    expect(row.body).toBeNull();
  });

  it('quarantines a forged envelope and logs it, never silently dropping it', async () => {
    const topic = exchangeTopic('LY', 'IT', net.opts.topicPrefix);
    const producer = kafkaAs('gw-ly').producer();
    await producer.connect();
    await producer.send({ topic, messages: [{ key: 'x', value: Buffer.from('not an envelope at all') }] });
    await producer.disconnect();
    const q = await eventually('quarantine row at IT', async () => {
      const rows = await sql<{ reason_code: string }>(
        itGw().databaseUrl,
        'select reason_code from quarantine',
      );
      return rows.length ? rows : undefined;
    });
    expect(q[0].reason_code).toBe('MALFORMED');
    const leaves = await sql(itGw().databaseUrl, "select idx from audit_leaves where event = 'REJECTED'");
    expect(leaves.length).toBeGreaterThan(0);
  });

  it('applies a redelivered envelope once, and answers the copy with a receipt again', async () => {
    const alert = bareAlert({});
    alert.payload = {
      case: 'suspect',
      value: create(SuspectAlertSchema, { familyName: 'EXAMPLE', role: 'ORGANISER' }),
    };
    const itCertPem = fs.readFileSync(path.join(itGw().trustDir, 'cert.pem'), 'utf8');
    const bytes = sealAsLy(alert, await lyItAgreement(), itCertPem);
    const messageId = peekEnvelopeHeader(bytes).messageId;
    const receiptMessages = async () =>
      Number(
        (
          await sql<{ n: string }>(
            itGw().databaseUrl,
            "select count(*) as n from outbox where kind = 'RECEIPT' and recipient = 'LY'",
          )
        )[0].n,
      );
    await produceAsLy(bytes);
    await eventually('the first copy in IT inbox', async () =>
      (await inboxRows(alert.id)).length ? true : undefined,
    );
    const { receiptsBefore } = await eventually('the receipt for the first copy queued', async () => {
      const due = await sql(itGw().databaseUrl, 'select id from receipts_due');
      return due.length === 0 ? { receiptsBefore: await receiptMessages() } : undefined;
    });
    await produceAsLy(bytes);
    await eventually('a receipt again for the second copy', async () =>
      (await receiptMessages()) > receiptsBefore ? true : undefined,
    );
    expect(await inboxRows(alert.id)).toHaveLength(1);
    const received = await sql(
      itGw().databaseUrl,
      "select idx from audit_leaves where event = 'RECEIVED' and message_id = $1",
      [messageId],
    );
    expect(received).toHaveLength(1);
    expect(
      await sql(itGw().databaseUrl, 'select id from quarantine where message_id = $1', [messageId]),
    ).toEqual([]);
  });

  it('quarantines an update that arrives after the withdrawal (ALERT_WITHDRAWN); the content stays removed', async () => {
    const alert = bareAlert({});
    alert.payload = {
      case: 'suspect',
      value: create(SuspectAlertSchema, { familyName: 'EXAMPLE', role: 'ORGANISER' }),
    };
    const agreementId = await lyItAgreement();
    await produceAsLy(sealAsLy(alert, agreementId));
    await eventually('the alert in IT inbox', async () =>
      (await inboxRows(alert.id)).length ? true : undefined,
    );
    await produceAsLy(
      sealAsLy(alert, agreementId, undefined, {
        kind: MessageKind.WITHDRAWAL,
        message: create(ExchangeMessageSchema, {
          body: { case: 'withdrawal', value: { alertId: alert.id, reason: 'wrong information' } },
        }),
      }),
    );
    await eventually('withdrawn at IT', async () =>
      (await inboxRows(alert.id))[0]?.state === 'WITHDRAWN' ? true : undefined,
    );
    // LY would refuse to update a withdrawn alert; a late or forged update must not bring the content back.
    const updated = create(AlertSchema, { ...alert, title: 'updated after the withdrawal' });
    const update = sealAsLy(updated, agreementId, undefined, {
      kind: MessageKind.UPDATE,
      message: create(ExchangeMessageSchema, {
        body: { case: 'update', value: { alertId: alert.id, alert: updated, reason: 'late' } },
      }),
    });
    const updateId = peekEnvelopeHeader(update).messageId;
    await produceAsLy(update);
    const [q] = await eventually('the update quarantined', async () => {
      const rows = await sql<{ reason_code: string }>(
        itGw().databaseUrl,
        'select reason_code from quarantine where message_id = $1',
        [updateId],
      );
      return rows.length ? rows : undefined;
    });
    expect(q.reason_code).toBe('ALERT_WITHDRAWN');
    const [row] = await inboxRows(alert.id);
    expect(row.state).toBe('WITHDRAWN');
    expect(row.body).toBeNull();
    // the update was not remembered as accepted (its dedupe row was removed with the rejection)
    expect(
      await sql(itGw().databaseUrl, 'select 1 from seen_messages where message_id = $1', [updateId]),
    ).toEqual([]);
  });

  it('is refused BY THE BROKER outside an agreement, even when the application check is bypassed', async () => {
    const producer = kafkaAs('gw-ne').producer({ retry: { retries: 0 } });
    await producer.connect();
    // NE has no agreement with IT: no topic, no ACL. NE also cannot write LY's outgoing topic.
    await expect(
      producer.send({ topic: exchangeTopic('NE', 'IT', net.opts.topicPrefix), messages: [{ value: 'x' }] }),
    ).rejects.toThrow(/authoriz|not exist|unknown/i);
    await expect(
      producer.send({ topic: exchangeTopic('LY', 'IT', net.opts.topicPrefix), messages: [{ value: 'x' }] }),
    ).rejects.toThrow(/authoriz/i);
    await producer.disconnect();
    const consumer = kafkaAs('gw-ne').consumer({
      groupId: `${gatewayGroupPrefix('NE', net.opts.topicPrefix)}snoop`,
    });
    await consumer.connect();
    await expect(
      consumer.subscribe({ topics: [exchangeTopic('LY', 'IT', net.opts.topicPrefix)], fromBeginning: true }),
    ).rejects.toThrow(/authoriz/i);
    await consumer.disconnect().catch(() => undefined);
  });

  /** Seals an envelope as LY with LY's own key, bypassing LY's policy: what a buggy or hostile sender could do. */
  /** Seals as LY, outside LY's own checks: the alert itself, or (`body`) another message about it. */
  function sealAsLy(
    alert: Alert,
    agreementId: string,
    recipientCertPem?: string,
    body: { kind: MessageKind; message: ExchangeMessage } = {
      kind: MessageKind.ALERT,
      message: create(ExchangeMessageSchema, { body: { case: 'alert', value: alert } }),
    },
  ): Uint8Array {
    const secrets = JSON.parse(fs.readFileSync(path.join(net.opts.dir, 'secrets.json'), 'utf8')) as {
      gateways: Record<string, { keyPassphrase: string }>;
    };
    const key = decryptPrivateKey({
      encryptedPem: fs.readFileSync(path.join(ly().trustDir, 'key.pem'), 'utf8'),
      passphrase: secrets.gateways.LY.keyPassphrase,
    });
    return sealEnvelope({
      header: {
        sender: 'LY',
        recipient: 'IT',
        messageId: uuidv7(),
        createdAtMs: Date.now(),
        agreementId,
        kind: body.kind,
        category: alert.category,
        classification: alert.classification,
        threadId: alert.threadId,
      },
      message: body.message,
      senderKey: key,
      senderCertPem: fs.readFileSync(path.join(ly().trustDir, 'cert.pem'), 'utf8'),
      recipientCertPem: recipientCertPem ?? fs.readFileSync(path.join(itGw().trustDir, 'cert.pem'), 'utf8'),
    }).bytes;
  }

  async function produceAsLy(bytes: Uint8Array): Promise<void> {
    const producer = kafkaAs('gw-ly').producer();
    await producer.connect();
    await producer.send({
      topic: exchangeTopic('LY', 'IT', net.opts.topicPrefix),
      messages: [{ key: 'forged', value: Buffer.from(bytes) }],
    });
    await producer.disconnect();
  }

  function bareAlert(over: { classification?: Classification }): Alert {
    const id = uuidv7();
    return create(AlertSchema, {
      id,
      threadId: id,
      category: Category.SUSPECT,
      priority: Priority.ROUTINE,
      classification: Classification.AMBER,
      handling: HandlingCode.H2,
      originatorCountry: 'LY',
      originatorAgency: 'test',
      createdAtMs: BigInt(Date.now()),
      title: 'sealed outside the policy',
      payload: {
        case: 'suspect',
        value: create(SuspectAlertSchema, {
          familyName: 'EXAMPLE',
          role: 'ORGANISER',
          phones: ['+218 91 000 0000'],
        }),
      },
      ...over,
    });
  }

  async function lyItAgreement(): Promise<string> {
    const list = await net.secretariatCall<{ id: string; parties: string[]; state: string }[]>(
      'GET',
      '/v1/agreements',
    );
    return list.find((a) => a.parties.join() === 'IT,LY' && a.state === 'ACTIVE')!.id;
  }

  it.each([
    [
      'a classification above the grant',
      { classification: Classification.RED },
      'CLASSIFICATION_ABOVE_GRANT',
    ],
    ['an excluded field (suspect.phones) still present', {}, 'EXCLUDED_FIELD_PRESENT'],
  ])(
    'checks policy again on receive: %s is quarantined, logged and answered with a negative receipt',
    async (_n, over, reason) => {
      const alert = bareAlert(over);
      await produceAsLy(sealAsLy(alert, await lyItAgreement()));
      const q = await eventually('quarantine at IT', async () => {
        const rows = await sql<{ reason_code: string; message_id: string }>(
          itGw().databaseUrl,
          'select reason_code, message_id from quarantine where reason_code = $1',
          [reason],
        );
        return rows.length ? rows[0] : undefined;
      });
      expect(q.reason_code).toBe(reason);
      expect(await inboxRows(alert.id)).toHaveLength(0);
      const receipt = await sql(
        itGw().databaseUrl,
        "select id from outbox where kind = 'RECEIPT' and recipient = 'LY' and message is not null",
      );
      expect(receipt.length).toBeGreaterThan(0);
      const leaves = await sql(
        itGw().databaseUrl,
        "select idx from audit_leaves where event = 'REJECTED' and message_id = $1",
        [q.message_id],
      );
      expect(leaves).toHaveLength(1);
    },
  );

  it('propagates an update: the partner shows the new version', async () => {
    const res = await publish(routeAlert({ recipients: ['IT'], title: 'first version' }));
    const id = res.body.id as string;
    await eventually('first version at IT', async () => ((await inboxRows(id)).length ? true : undefined));
    const upd = await http(`${ly().url}/v1/alerts/${id}`, 'PUT', publisher, {
      ...routeAlert({ title: 'second version' }),
      reason: 'more boats',
    });
    expect(upd.status).toBe(202);
    const row = await eventually('second version at IT', async () => {
      const r = await sql<{ title: string; version: number }>(
        itGw().databaseUrl,
        'select title, version from inbox where alert_id = $1',
        [id],
      );
      return r[0]?.title === 'second version' ? r[0] : undefined;
    });
    expect(row.version).toBe(2);
    expect(await inboxRows(id)).toHaveLength(1);
  });

  it('stops the flow within seconds when the agreement is terminated (application and broker)', async () => {
    const agreements = await net.secretariatCall<{ id: string; parties: string[]; state: string }[]>(
      'GET',
      '/v1/agreements',
    );
    const lyNe = agreements.find((a) => a.parties.join() === 'LY,NE' && a.state === 'ACTIVE')!;
    const started = Date.now();
    await net.secretariatCall('POST', `/v1/agreements/${lyNe.id}/terminate`, { reason: 'test' });
    const producer = kafkaAs('gw-ly').producer({ retry: { retries: 0 } });
    await producer.connect();
    await expect(
      producer.send({ topic: exchangeTopic('LY', 'NE', net.opts.topicPrefix), messages: [{ value: 'x' }] }),
    ).rejects.toThrow(/authoriz/i);
    await producer.disconnect();
    await net.waitForAgreement('LY', 'NE', 'TERMINATED', 10_000);
    const res = await publish(bulletinAlert({ recipients: ['NE'] }));
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('AGREEMENT_NOT_ACTIVE');
    expect(Date.now() - started).toBeLessThan(10_000);
    // The transition is in LY's exchange log (metadata only: agreement id and new state).
    const changes = await eventually('AGREEMENT_CHANGED leaf at LY', async () => {
      const rows = await sql<{ leaf: Buffer }>(
        ly().databaseUrl,
        "select leaf from audit_leaves where event = 'AGREEMENT_CHANGED'",
      );
      const leaves = rows.map((r) => fromBinary(AuditLeafSchema, r.leaf));
      return leaves.some((l) => l.agreementId === lyNe.id && l.reasonCode === 'TERMINATED')
        ? leaves
        : undefined;
    });
    expect(changes.filter((l) => l.agreementId === lyNe.id).map((l) => l.reasonCode)).toEqual(
      expect.arrayContaining(['ACTIVE', 'TERMINATED']),
    );
  });

  it('rotates a key: envelopes sealed for the previous certificate still open until it is revoked', async () => {
    const g = itGw();
    const oldCertPem = fs.readFileSync(path.join(g.trustDir, 'cert.pem'), 'utf8');
    const secrets = JSON.parse(fs.readFileSync(path.join(net.opts.dir, 'secrets.json'), 'utf8')) as {
      gateways: Record<string, { keyPassphrase: string }>;
    };
    await g.process.stop();
    // As corridor pki rotate does: the RSA key and, since IT has one, the P-256 identity of suite 2.
    const { csrPem, ecCsrPem } = await rotateGatewayKey({
      dir: g.trustDir,
      passphrase: secrets.gateways.IT.keyPassphrase,
      country: 'IT',
    });
    const issued = await net.secretariatCall<{
      certPem: string;
      caPem: string;
      fingerprint: string;
      ecCertPem: string;
    }>('POST', '/v1/gateways', { country: 'IT', csrPem, ecCsrPem });
    installCertificate({ dir: g.trustDir, certPem: issued.certPem, caPem: issued.caPem });
    installEcCertificate({ dir: g.trustDir, certPem: issued.ecCertPem });
    g.process = new ManagedProcess(g.process.name, g.process.script, g.process.env, g.process.logFile, g.url);
    g.process.start();
    await g.process.ready();

    // A sender that has not yet seen the new certificate seals for the old one: still accepted.
    const early = bareAlert({});
    early.payload = {
      case: 'suspect',
      value: create(SuspectAlertSchema, { familyName: 'EXAMPLE', role: 'ORGANISER' }),
    };
    await produceAsLy(sealAsLy(early, await lyItAgreement(), oldCertPem));
    await eventually('envelope for the previous certificate accepted', async () =>
      (await inboxRows(early.id)).length ? true : undefined,
    );

    // Once the old certificate is revoked, only the new key opens; the API path keeps working.
    const oldFingerprint = describeCertificate(oldCertPem).fingerprint;
    await net.secretariatCall('POST', `/v1/certificates/${oldFingerprint}/revoke`, {
      reason: 'superseded by rotation',
    });
    const id = (await publish(routeAlert({ recipients: ['IT'], title: 'after rotation' }))).body.id as string;
    await eventually('alert sealed for the new certificate delivered', async () =>
      (await inboxRows(id)).length ? true : undefined,
    );
    const late = bareAlert({});
    late.payload = {
      case: 'suspect',
      value: create(SuspectAlertSchema, { familyName: 'EXAMPLE', role: 'ORGANISER' }),
    };
    await eventually(
      'envelope for the revoked previous certificate quarantined',
      async () => {
        await produceAsLy(sealAsLy(late, await lyItAgreement(), oldCertPem));
        const rows = await sql(
          itGw().databaseUrl,
          "select id from quarantine where reason_code = 'WRONG_RECIPIENT'",
        );
        return rows.length ? rows : undefined;
      },
      20_000,
      1000,
    );
    expect(await inboxRows(late.id)).toHaveLength(0);
  });

  it('honours a revocation at once: envelopes signed with a revoked certificate are quarantined', async () => {
    const certs = await net.secretariatCall<
      { fingerprint: string; country: string; purpose: string; revokedAt: string | null }[]
    >('GET', '/v1/certificates');
    // LY signs with its RSA certificate (suite 1) or its P-256 one (suite 2, the default): a compromised gateway
    // has both revoked.
    const lyCerts = certs.filter((c) => c.country === 'LY' && c.purpose === 'signing' && !c.revokedAt);
    expect(lyCerts).toHaveLength(2);
    for (const lyCert of lyCerts) {
      await net.secretariatCall('POST', `/v1/certificates/${lyCert.fingerprint}/revoke`, {
        reason: 'key compromise (test)',
      });
    }
    // The CRL reaches IT over the control topic; the next envelope from LY is refused.
    const id = await eventually(
      'an alert from LY quarantined as CERT_REVOKED at IT',
      async () => {
        await publish(bulletinAlert({ recipients: ['IT'], title: 'after revocation' }));
        const rows = await sql(
          itGw().databaseUrl,
          "select id from quarantine where reason_code = 'CERT_REVOKED'",
        );
        return rows.length ? rows : undefined;
      },
      20_000,
      1000,
    );
    expect(id.length).toBeGreaterThan(0);
  });
});
