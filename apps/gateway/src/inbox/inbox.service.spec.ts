// InboxService with fake repositories, audit log and relay: scope, acknowledgement, replies under the agreement,
// views of personal data and the document check. The SQL itself is covered by the e2e tests against PostgreSQL.
import pino from 'pino';
import type { DataSource } from 'typeorm';
import {
  AlertSchema,
  AuditEvent,
  Category,
  create,
  DocumentAlertSchema,
  MessageKind,
  toBinary,
} from '@corridor/contracts';
import type { Principal } from '@corridor/identity';
import type { ActiveAgreement } from '@corridor/policy';
import { ProblemException } from '@corridor/platform';
import type { AuditLog, LeafInput } from '../audit/audit.log';
import type { ExchangeRepository } from '../exchange/exchange.repository';
import type { OutboxEntry, OutboxPort } from '../exchange/outbox';
import type { InboxRepository, InboxRow, InboxScope } from './inbox.repository';
import { InboxService } from './inbox.service';
import { activeAgreement } from '../../../../test/factories/agreements';

const NOW = Date.now();

function row(over: Partial<InboxRow> = {}): InboxRow {
  return {
    seq: '7',
    message_id: '01900000-0000-7000-8000-000000000001',
    sender: 'LY',
    origin: 'LY',
    alert_id: '01900000-0000-7000-8000-0000000000a1',
    thread_id: null,
    kind: 'ALERT',
    category: 'ROUTE',
    classification: 'AMBER',
    priority: 'URGENT',
    title: 'Departures from Zuwara',
    body: null,
    redacted_fields: [],
    agreement_id: 'AG-OLD',
    received_at: new Date(NOW),
    state: 'ACTIVE',
    acknowledged_by: null,
    acknowledged_at: null,
    ...over,
  };
}

const officer = (over: Partial<Principal> = {}): Principal =>
  ({
    sub: 'officer.it',
    roles: ['officer'],
    clearance: 'AMBER',
    categories: ['ROUTE', 'DOCUMENT'],
    ...over,
  }) as Principal;

function agreement(categories: Category[]): ActiveAgreement {
  return activeAgreement({ id: 'AG-IT-LY', from: 'IT', to: 'LY', categories, nowMs: NOW });
}

function setup(opts: { rows?: InboxRow[]; categories?: Category[]; groupCommitBusy?: boolean } = {}) {
  const rows = new Map((opts.rows ?? [row()]).map((r) => [Number(r.seq), r]));
  const acknowledged: { seq: number; officer: string }[] = [];
  const scopes: InboxScope[] = [];
  const inbox: Partial<InboxRepository> = {
    row: (_db, seq) => Promise.resolve(rows.get(seq)),
    markAcknowledged: (_db, seq, by) => {
      acknowledged.push({ seq, officer: by });
      return Promise.resolve();
    },
    documentMatches: (_db, scope, docNumber) => {
      scopes.push(scope);
      return Promise.resolve(matching(docNumber));
    },
    // the one-statement check: the same look-up, and the leaf it appends is the one for what it found
    documentCheck: (_db, q) => {
      scopes.push(q.scope);
      const alerts = matching(q.number);
      const hit = alerts.length > 0;
      const [bytes] = hit ? q.leaves.hit : q.leaves.noHit;
      leaves.push(...bytes.map((b) => JSON.parse(b.toString()) as LeafInput));
      statements.push(q.number);
      return Promise.resolve({ hit, alerts, records: [] });
    },
  };
  const matching = (docNumber: string): (InboxRow & { body: Buffer })[] =>
    [...rows.values()].filter(
      (r): r is InboxRow & { body: Buffer } => r.body !== null && docNumber === 'L898902C3',
    );
  const statements: string[] = [];
  const leaves: LeafInput[] = [];
  const audit: Partial<AuditLog> = {
    append: (_em, l) => {
      leaves.push(...l);
      return Promise.resolve();
    },
    record: (l) => {
      leaves.push(...l);
      return Promise.resolve();
    },
    // stands for the encoding: the leaf as JSON, so the fake statement can say which one it appended
    leafParameters: (l) => [
      l.map((x) => Buffer.from(JSON.stringify(x))),
      l.map(() => Buffer.alloc(32)),
      [],
      [],
    ],
    commitAlone: <R>(_n: number, statement: () => Promise<R>) =>
      opts.groupCommitBusy ? undefined : statement(),
  };
  const queued: OutboxEntry[] = [];
  const relay: Partial<OutboxPort> = {
    enqueue: (_em, entries) => {
      queued.push(...entries);
      return Promise.resolve([]);
    },
    submit: () => undefined,
  };
  const ds = { transaction: <T>(fn: (em: unknown) => Promise<T>) => fn({}) } as unknown as DataSource;
  const service = new InboxService(
    ds,
    { inbox: inbox as InboxRepository, exchange: {} as ExchangeRepository },
    audit as AuditLog,
    relay as OutboxPort,
    'IT',
    () => agreement(opts.categories ?? [Category.ROUTE]),
    pino({ level: 'silent' }),
  );
  return { service, acknowledged, leaves, queued, scopes, statements };
}

async function problemOf(p: Promise<unknown>): Promise<{ status: number; code: string }> {
  try {
    await p;
  } catch (err) {
    if (err instanceof ProblemException) {
      const body = err.getResponse() as { code: string };
      return { status: err.getStatus(), code: body.code };
    }
    throw err;
  }
  throw new Error('expected a problem');
}

describe('InboxService', () => {
  it('answers 404 alike for an absent row and one above the clearance (no probing)', async () => {
    const { service } = setup({ rows: [row({ seq: '7', classification: 'RED' })] });
    expect(await problemOf(service.acknowledge(officer(), 7))).toEqual({ status: 404, code: 'NOT_FOUND' });
    expect(await problemOf(service.acknowledge(officer(), 8))).toEqual({ status: 404, code: 'NOT_FOUND' });
  });

  it('acknowledges once: records it, logs ACKNOWLEDGED and sends it under the pair’s agreement of today', async () => {
    const { service, acknowledged, leaves, queued } = setup();
    const res = await service.acknowledge(officer(), 7);
    expect(res.acknowledgedBy).toBe('officer.it');
    expect(acknowledged).toEqual([{ seq: 7, officer: 'officer.it' }]);
    expect(leaves.map((l) => l.event)).toEqual([AuditEvent.ACKNOWLEDGED]);
    expect(queued).toHaveLength(1);
    expect(queued[0]).toMatchObject({
      kind: MessageKind.ACKNOWLEDGEMENT,
      recipient: 'LY',
      agreementId: 'AG-IT-LY',
    });
  });

  it('refuses to acknowledge or reply when the agreement no longer grants the category (403, nothing sent)', async () => {
    const { service, queued, acknowledged } = setup({ categories: [Category.BULLETIN] });
    expect(await problemOf(service.acknowledge(officer(), 7))).toEqual({
      status: 403,
      code: 'CATEGORY_NOT_GRANTED',
    });
    expect(await problemOf(service.reply(officer(), 7, 'details?'))).toEqual({
      status: 403,
      code: 'CATEGORY_NOT_GRANTED',
    });
    expect(queued).toHaveLength(0);
    expect(acknowledged).toHaveLength(1); // written in the transaction that the refusal rolls back
  });

  it('does not acknowledge a reply', async () => {
    const { service } = setup({ rows: [row({ kind: 'REPLY' })] });
    expect(await problemOf(service.acknowledge(officer(), 7))).toEqual({ status: 422, code: 'NOT_AN_ALERT' });
  });

  const documentAlertRow = (): InboxRow => {
    const doc = create(AlertSchema, {
      category: Category.DOCUMENT,
      payload: {
        case: 'document',
        value: create(DocumentAlertSchema, {
          number: 'L898902C3',
          fraudType: 'COUNTERFEIT',
          documentType: 'PASSPORT',
        }),
      },
    });
    return row({ category: 'DOCUMENT', body: Buffer.from(toBinary(AlertSchema, doc)) });
  };

  it('logs every document check, hit or not, within the officer’s scope, in one statement when nothing else commits', async () => {
    const { service, leaves, scopes, statements } = setup({ rows: [documentAlertRow()] });
    const hit = await service.documentCheck(officer(), { number: 'l898902c3' });
    expect(hit).toMatchObject({
      hit: true,
      matches: [{ source: 'ALERT', fraudType: 'COUNTERFEIT', seq: 7 }],
    });
    expect((await service.documentCheck(officer(), { number: 'X1234567' })).hit).toBe(false);
    expect(statements).toEqual(['L898902C3', 'X1234567']);
    expect(leaves.map((l) => l.reasonCode)).toEqual(['DOCUMENT_CHECK_HIT', 'DOCUMENT_CHECK_NO_HIT']);
    expect(
      leaves.every((l) => l.officerId === 'officer.it' && l.event === AuditEvent.PERSONAL_DATA_VIEWED),
    ).toBe(true);
    expect(scopes[0]).toEqual({
      categories: ['ROUTE', 'DOCUMENT'],
      classifications: ['CLEAR', 'GREEN', 'AMBER'],
    });
    expect(await problemOf(service.documentCheck(officer(), { number: 'bad number!' }))).toEqual({
      status: 422,
      code: 'DOCUMENT_NUMBER_INVALID',
    });
    expect(leaves).toHaveLength(2);
  });

  it('while a group commit is in flight, looks up first and records the leaf to share the next commit', async () => {
    const { service, leaves, scopes, statements } = setup({
      rows: [documentAlertRow()],
      groupCommitBusy: true,
    });
    const hit = await service.documentCheck(officer(), { number: 'l898902c3' });
    expect(hit).toMatchObject({ hit: true, matches: [{ source: 'ALERT', fraudType: 'COUNTERFEIT' }] });
    expect((await service.documentCheck(officer(), { number: 'X1234567' })).hit).toBe(false);
    expect(statements).toEqual([]);
    expect(leaves.map((l) => l.reasonCode)).toEqual(['DOCUMENT_CHECK_HIT', 'DOCUMENT_CHECK_NO_HIT']);
    expect(scopes).toHaveLength(2);
  });

  it('a check with another under way shares the group commit; alone again, it is one statement', async () => {
    const { service, leaves, statements } = setup({ rows: [documentAlertRow()] });
    const [first, second] = await Promise.all([
      service.documentCheck(officer(), { number: 'L898902C3' }),
      service.documentCheck(officer(), { number: 'X1234567' }),
    ]);
    expect([first.hit, second.hit]).toEqual([true, false]);
    // the first went alone (one statement); the second looked up beside it and recorded its leaf
    expect(statements).toEqual(['L898902C3']);
    expect(leaves.map((l) => l.reasonCode)).toEqual(['DOCUMENT_CHECK_HIT', 'DOCUMENT_CHECK_NO_HIT']);
    await service.documentCheck(officer(), { number: 'X7654321' });
    expect(statements).toEqual(['L898902C3', 'X7654321']);
  });
});
