// The outbox relay's poller with a fake repository, Kafka client and trust store: what it claims, what it retries
// with which backoff, when it gives a row up as FAILED (with its leaf). Sealing and the SQL are covered end to end.
import pino from 'pino';
import type { DataSource } from 'typeorm';
import { AuditEvent, create, ExchangeMessageSchema, toBinary, WithdrawalSchema } from '@corridor/contracts';
import type { KafkaClient } from '@corridor/platform';
import type { AuditLog, LeafInput } from '../audit/audit.log';
import { GatewayMetrics } from '../health/metrics';
import type { TrustStore } from '../trust/trust.store';
import { bySize, OutboxRelay } from './outbox';
import type { ClaimedRow, OutboxRepository } from './outbox.repository';

function claimed(id: string, attempts: number): ClaimedRow {
  return {
    id,
    message_id: `01900000-0000-7000-8000-00000000000${id}`,
    alert_id: null,
    kind: 'WITHDRAWAL',
    recipient: 'IT',
    agreement_id: 'AG-LY-IT',
    category: 'ROUTE',
    classification: 'GREEN',
    thread_id: null,
    message: Buffer.from(
      toBinary(
        ExchangeMessageSchema,
        create(ExchangeMessageSchema, { body: { case: 'withdrawal', value: create(WithdrawalSchema, {}) } }),
      ),
    ),
    attempts,
  };
}

function setup(rows: ClaimedRow[], maxAttempts = 3) {
  const retries: { id: string; error: string; backoffMs: number }[] = [];
  const failed: string[] = [];
  const claims: { batch: number; exclude: string[] }[] = [];
  const released: string[] = [];
  const repo: Partial<OutboxRepository> = {
    claimDue: (_db, c) => {
      claims.push({ batch: c.batch, exclude: c.exclude });
      return Promise.resolve(rows.splice(0));
    },
    scheduleRetry: (_db, id, error, backoffMs) => {
      retries.push({ id, error, backoffMs });
      return Promise.resolve();
    },
    markFailed: (_db, id) => {
      failed.push(id);
      return Promise.resolve();
    },
    releaseLeases: (_db, ids) => {
      released.push(...ids);
      return Promise.resolve();
    },
  };
  const leaves: LeafInput[] = [];
  const audit = {
    append: (_em: unknown, l: LeafInput[]) => {
      leaves.push(...l);
      return Promise.resolve();
    },
  } as unknown as AuditLog;
  // No agreement with IT: sealing fails, not finally (an agreement may be resumed), so the poller retries.
  const trust = { agreementWith: () => undefined, certificateOf: () => undefined } as unknown as TrustStore;
  const sent: string[] = [];
  const kafka = { send: (topic: string) => Promise.resolve(void sent.push(topic)) } as unknown as KafkaClient;
  const ds = { transaction: <T>(fn: (em: unknown) => Promise<T>) => fn({}) } as unknown as DataSource;
  const relay = new OutboxRelay(
    ds,
    repo as OutboxRepository,
    kafka,
    trust,
    audit,
    new GatewayMetrics(),
    { pollMs: 100, maxAttempts },
    pino({ level: 'silent' }),
  );
  return { relay, retries, failed, leaves, sent, claims, released };
}

describe('OutboxRelay poller', () => {
  it('claims due rows and, when a row cannot be sealed yet, schedules its retry with exponential backoff', async () => {
    const { relay, retries, failed, sent, claims } = setup([claimed('1', 1), claimed('2', 2)]);
    expect(await relay.drainOnce()).toBe(2);
    expect(claims).toEqual([{ batch: 64, exclude: [] }]);
    expect(retries.map((r) => [r.id, r.backoffMs])).toEqual([
      ['1', 250],
      ['2', 500],
    ]);
    expect(retries[0].error).toMatch(/^AGREEMENT_NOT_ACTIVE/);
    expect(failed).toEqual([]);
    expect(sent).toEqual([]);
  });

  it('gives a row up at the attempt bound: FAILED, with a FAILED leaf naming the reason, visible, never dropped', async () => {
    const { relay, retries, failed, leaves } = setup([claimed('7', 3)], 3);
    await relay.drainOnce();
    expect(retries).toEqual([]);
    expect(failed).toEqual(['7']);
    expect(leaves).toEqual([
      expect.objectContaining({ event: AuditEvent.FAILED, peer: 'IT', reasonCode: 'AGREEMENT_NOT_ACTIVE' }),
    ]);
  });

  it('after a send failed, new rows do not take the fast path: their leases are released for the ordered claim', async () => {
    const { relay, retries, sent, released } = setup([claimed('1', 1)]);
    await relay.drainOnce();
    expect(retries.map((r) => r.id)).toEqual(['1']);
    // A row published meanwhile (sealed, leased to this instance) must not overtake row 1 of its thread.
    relay.submit([{ id: '2' } as Parameters<OutboxRelay['submit']>[0][number]]);
    await new Promise((r) => setImmediate(r));
    expect(released).toEqual(['2']);
    expect(sent).toEqual([]);
  });

  it('claims nothing more when nothing is due', async () => {
    const { relay, claims } = setup([]);
    expect(await relay.drainOnce()).toBe(0);
    expect(claims).toHaveLength(1);
  });
});

describe('produce sizes', () => {
  it('keeps each produce under the byte bound (a register chunk is tens of KB; the broker refuses a 1 MiB batch)', () => {
    const rows = [300, 300, 300, 900, 10, 10].map((n, i) => ({
      id: String(i),
      bytes: new Uint8Array(n * 1024),
    }));
    expect(bySize(rows, 512 * 1024).map((g) => g.map((r) => r.id))).toEqual([
      ['0'],
      ['1'],
      ['2'],
      ['3'],
      ['4', '5'],
    ]);
    expect(bySize(rows.slice(4), 512 * 1024)).toHaveLength(1);
  });
});

describe('OutboxRelay SENT marks (fast path)', () => {
  type Row = Parameters<OutboxRelay['submit']>[0][number];
  const row = (id: string): Row => ({
    id,
    messageId: `m-${id}`,
    kind: 1,
    recipient: 'IT',
    category: 1,
    key: `k-${id}`,
    bytes: new Uint8Array([1]),
    sha: new Uint8Array(32),
    attempts: 1,
  });

  function fastPath(failFirstMark = false) {
    const marks: { ids: string[]; at: number[] }[] = [];
    let fail = failFirstMark;
    const repo: Partial<OutboxRepository> = {
      claimDue: () => Promise.resolve([]),
      markSent: (_db, ids, sentAt) => {
        if (fail) {
          fail = false;
          return Promise.reject(new Error('connection terminated'));
        }
        marks.push({ ids, at: sentAt.map((d) => d.getTime()) });
        return Promise.resolve();
      },
    };
    const sent: string[][] = [];
    const kafka = {
      send: (_topic: string, records: { key: string }[]) =>
        Promise.resolve(void sent.push(records.map((r) => r.key))),
    } as unknown as KafkaClient;
    const audit = { leafParameters: () => [[], [], [], []] } as unknown as AuditLog;
    const trust = { outgoingTopic: () => 'corridor.exchange.LY.IT' } as unknown as TrustStore;
    const relay = new OutboxRelay(
      {} as DataSource,
      repo as OutboxRepository,
      kafka,
      trust,
      audit,
      new GatewayMetrics(),
      { pollMs: 60_000, maxAttempts: 3 },
      pino({ level: 'silent' }),
    );
    return { relay, marks, sent };
  }

  beforeEach(() => jest.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => jest.useRealTimers());

  it('marks the first row at once, then the rows produced within the interval in one statement, each with its produce time', async () => {
    const { relay, marks, sent } = fastPath();
    relay.start();
    await jest.advanceTimersByTimeAsync(0);
    relay.submit([row('1')]);
    await jest.advanceTimersByTimeAsync(0);
    expect(sent).toEqual([['k-1']]);
    expect(marks).toEqual([{ ids: ['1'], at: [1_000_000] }]);
    await jest.advanceTimersByTimeAsync(20);
    relay.submit([row('2')]);
    await jest.advanceTimersByTimeAsync(20);
    relay.submit([row('3')]);
    await jest.advanceTimersByTimeAsync(20);
    expect(sent).toEqual([['k-1'], ['k-2'], ['k-3']]); // produced at once, as before
    expect(marks).toHaveLength(1); // their marks wait for the interval
    await jest.advanceTimersByTimeAsync(40);
    expect(marks).toEqual([
      { ids: ['1'], at: [1_000_000] },
      { ids: ['2', '3'], at: [1_000_020, 1_000_040] },
    ]);
    await relay.stop();
  });

  it('writes the marks still gathered when it stops', async () => {
    const { relay, marks } = fastPath();
    relay.start();
    await jest.advanceTimersByTimeAsync(0);
    relay.submit([row('1')]);
    await jest.advanceTimersByTimeAsync(10);
    relay.submit([row('2')]);
    await jest.advanceTimersByTimeAsync(10);
    expect(marks.map((m) => m.ids)).toEqual([['1']]);
    await relay.stop();
    expect(marks.map((m) => m.ids)).toEqual([['1'], ['2']]);
  });

  it('a mark that fails is logged and the relay goes on (the rows are sent again when their lease ends)', async () => {
    const { relay, marks, sent } = fastPath(true);
    relay.start();
    await jest.advanceTimersByTimeAsync(0);
    relay.submit([row('1')]);
    await jest.advanceTimersByTimeAsync(200);
    relay.submit([row('2')]);
    await jest.advanceTimersByTimeAsync(200);
    expect(sent).toEqual([['k-1'], ['k-2']]);
    expect(marks.map((m) => m.ids)).toEqual([['2']]);
    await relay.stop();
  });
});
