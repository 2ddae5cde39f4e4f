import { ReceiptStatus } from '@corridor/contracts';
import type { DueReceipt, ReceiptDeferral } from '../exchange.repository';
import { ReceiptFlush, ReceiptFlushPort, ReceiptMessage } from './receipt-flush';

interface Row extends DueReceipt {
  dueAt: number;
  failed: boolean;
  lastError?: string;
}

const sha = (n: number): Uint8Array => new Uint8Array(32).fill(n);
const uuid = (n: number): string => `0195508c-0000-7000-8000-${String(n).padStart(12, '0')}`;

/**
 * receipts_due and the outbox in memory, with transactions that roll back on a throw (as PostgreSQL does: a failed
 * statement aborts its transaction), a clock for the backoff, and scripted failures of the outbox.
 */
class FakeReceipts implements ReceiptFlushPort<'tx', string> {
  rows: Row[] = [];
  queued: ReceiptMessage[] = [];
  submitted: string[] = [];
  now = 0;
  private nextId = 1;
  /** senders the relay cannot seal for, with why */
  unsealable = new Map<string, string>();
  /** an enqueue naming this message id throws (a failure no check foresaw) */
  explodesOn?: string;
  /** every transaction throws this (the database is away) */
  down?: Error;
  transactions = 0;

  owe(r: Partial<DueReceipt> & { sender: string }): Row {
    const row: Row = {
      id: String(this.nextId++),
      attempts: 0,
      agreementId: `agr-${r.sender}`,
      messageId: uuid(this.nextId),
      envelopeSha256: sha(this.nextId),
      status: 'ACCEPTED',
      reasonCode: '',
      receivedAtMs: 1,
      dueAt: 0,
      failed: false,
      ...r,
    };
    this.rows.push(row);
    return row;
  }

  async transaction<T>(work: (tx: 'tx') => Promise<T>): Promise<T> {
    this.transactions++;
    if (this.down) {
      throw this.down;
    }
    const saved = { rows: this.rows.map((r) => ({ ...r })), queued: [...this.queued] };
    try {
      return await work('tx');
    } catch (err) {
      this.rows = saved.rows;
      this.queued = saved.queued;
      throw err;
    }
  }

  private owed(): Row[] {
    return this.rows.filter((r) => !r.failed).sort((a, b) => Number(a.id) - Number(b.id));
  }

  take(_tx: 'tx', page: number): Promise<DueReceipt[]> {
    return Promise.resolve(
      this.owed()
        .filter((r) => r.dueAt <= this.now)
        .slice(0, page)
        .map((r) => ({ ...r })),
    );
  }

  takeById(_tx: 'tx', ids: string[]): Promise<DueReceipt[]> {
    return Promise.resolve(
      this.owed()
        .filter((r) => ids.includes(r.id))
        .map((r) => ({ ...r })),
    );
  }

  remove(_tx: 'tx', ids: string[]): Promise<void> {
    this.rows = this.rows.filter((r) => !ids.includes(r.id));
    return Promise.resolve();
  }

  defer(_tx: 'tx', deferrals: ReceiptDeferral[]): Promise<void> {
    for (const d of deferrals) {
      const row = this.rows.find((r) => r.id === d.id)!;
      row.attempts++;
      row.lastError = d.error;
      if (d.retryInMs === undefined) {
        row.failed = true;
      } else {
        row.dueAt = this.now + d.retryInMs;
      }
    }
    return Promise.resolve();
  }

  enqueue(
    _tx: 'tx',
    messages: ReceiptMessage[],
  ): Promise<{ pending: string[]; unsealed: Map<string, string> }> {
    if (this.explodesOn && messages.some((m) => m.entries.some((e) => e.messageId === this.explodesOn))) {
      return Promise.reject(new TypeError('something no check foresaw'));
    }
    const unsealed = new Map<string, string>();
    const pending: string[] = [];
    for (const m of messages) {
      const error = this.unsealable.get(m.sender);
      if (error) {
        unsealed.set(m.sender, error);
      } else {
        this.queued.push(m);
        pending.push(`outbox-${this.queued.length}`);
      }
    }
    return Promise.resolve({ pending, unsealed });
  }

  submit(pending: string[]): void {
    this.submitted.push(...pending);
  }

  isTransient(err: unknown): Promise<boolean> {
    return Promise.resolve(err === this.down);
  }

  /** message ids receipted so far, in the order queued */
  receipted(): string[] {
    return this.queued.flatMap((m) => m.entries.map((e) => e.messageId));
  }
}

function setUp(opts: { page?: number; maxAttempts?: number } = {}) {
  const db = new FakeReceipts();
  const reports: { row: DueReceipt; deferral: ReceiptDeferral }[] = [];
  const flush = new ReceiptFlush(
    db,
    { page: opts.page ?? 1000, maxAttempts: opts.maxAttempts ?? 3 },
    (row, deferral) => reports.push({ row, deferral }),
  );
  return { db, flush, reports };
}

describe('ReceiptFlush', () => {
  it('sends all receipts owed to a sender as one message and removes them', async () => {
    const { db, flush, reports } = setUp();
    const a = db.owe({ sender: 'IT' });
    const b = db.owe({ sender: 'IT' });
    const c = db.owe({ sender: 'TN' });

    expect(await flush.flush()).toBe(false);

    expect(db.queued.map((m) => [m.sender, m.entries.length])).toEqual([
      ['IT', 2],
      ['TN', 1],
    ]);
    expect(db.receipted()).toEqual([a.messageId, b.messageId, c.messageId]);
    expect(db.queued[0].entries[0].status).toBe(ReceiptStatus.ACCEPTED);
    expect(db.rows).toEqual([]);
    expect(db.submitted).toEqual(['outbox-1', 'outbox-2']);
    expect(reports).toEqual([]);
  });

  it('keeps a row that cannot be made into a receipt, and sends its neighbours', async () => {
    const { db, flush, reports } = setUp();
    const before = db.owe({ sender: 'IT' });
    // an ACCEPTED receipt must name a message id, and a hash is 32 bytes: neither row can be sent
    const noId = db.owe({ sender: 'IT', messageId: null });
    const shortHash = db.owe({ sender: 'IT', envelopeSha256: new Uint8Array(31) });
    const after = db.owe({ sender: 'IT' });

    await flush.flush();

    expect(db.receipted()).toEqual([before.messageId, after.messageId]);
    expect(db.rows.map((r) => [r.id, r.attempts, r.failed, r.dueAt])).toEqual([
      [noId.id, 1, false, 250],
      [shortHash.id, 1, false, 250],
    ]);
    expect(db.rows[0].lastError).toMatch(/^UNSENDABLE: /);
    expect(reports.map((r) => [r.row.id, r.deferral.retryInMs])).toEqual([
      [noId.id, 250],
      [shortHash.id, 250],
    ]);
  });

  it('retries a failing row only when due, with backoff, and gives it up at the bound, reported', async () => {
    const { db, flush, reports } = setUp({ maxAttempts: 3 });
    const poison = db.owe({ sender: 'IT', messageId: null });

    await flush.flush();
    db.owe({ sender: 'IT' });
    await flush.flush(); // not due yet: only the new row goes
    expect(db.queued).toHaveLength(1);
    expect(db.rows.map((r) => r.attempts)).toEqual([1]);

    db.now = 250;
    await flush.flush();
    expect(db.rows[0]).toMatchObject({ attempts: 2, dueAt: 750, failed: false });

    db.now = 750;
    await flush.flush();
    expect(db.rows[0]).toMatchObject({ id: poison.id, attempts: 3, failed: true });
    expect(reports.map((r) => r.deferral.retryInMs)).toEqual([250, 500, undefined]);
    expect(reports[2].row).toMatchObject({ id: poison.id, sender: 'IT' });

    // given up: kept for the operator, never taken again
    db.now = 1_000_000;
    db.owe({ sender: 'IT' });
    await flush.flush();
    expect(db.rows.map((r) => r.id)).toEqual([poison.id]);
    expect(reports).toHaveLength(3);
  });

  it('keeps the receipts of a sender it cannot seal for, and sends the other senders', async () => {
    const { db, flush, reports } = setUp();
    db.unsealable.set('TN', 'AGREEMENT_NOT_ACTIVE: no active agreement with TN');
    const it1 = db.owe({ sender: 'IT' });
    const tn = db.owe({ sender: 'TN' });
    const it2 = db.owe({ sender: 'IT' });

    await flush.flush();

    expect(db.receipted()).toEqual([it1.messageId, it2.messageId]);
    expect(db.rows.map((r) => [r.id, r.attempts, r.lastError])).toEqual([
      [tn.id, 1, 'AGREEMENT_NOT_ACTIVE: no active agreement with TN'],
    ]);
    expect(reports.map((r) => r.row.id)).toEqual([tn.id]);

    // the partner's trust comes back: the receipt leaves on its next attempt
    db.unsealable.clear();
    db.now = 250;
    await flush.flush();
    expect(db.receipted()).toEqual([it1.messageId, it2.messageId, tn.messageId]);
    expect(db.rows).toEqual([]);
  });

  it('narrows a pass that failed for no known reason down to the row that fails alone', async () => {
    const { db, flush, reports } = setUp();
    const rows = Array.from({ length: 9 }, () => db.owe({ sender: 'IT' }));
    db.explodesOn = rows[6].messageId!;

    await flush.flush();

    expect(new Set(db.receipted())).toEqual(new Set(rows.filter((_, i) => i !== 6).map((r) => r.messageId)));
    expect(db.rows.map((r) => [r.id, r.attempts, r.failed])).toEqual([[rows[6].id, 1, false]]);
    expect(db.rows[0].lastError).toBe('FLUSH_FAILED: something no check foresaw');
    expect(reports.map((r) => [r.row.id, r.deferral.retryInMs])).toEqual([[rows[6].id, 250]]);
    // halves, not one transaction per row: the passes grow with the log of the page
    expect(db.transactions).toBeLessThanOrEqual(1 + 2 * Math.ceil(Math.log2(9)) + 1);
  });

  it('throws a transient failure and defers nothing (the batcher retries the whole pass)', async () => {
    const { db, flush, reports } = setUp();
    db.owe({ sender: 'IT' });
    db.down = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });

    await expect(flush.flush()).rejects.toThrow('ECONNREFUSED');

    db.down = undefined;
    expect(db.rows.map((r) => r.attempts)).toEqual([0]);
    expect(reports).toEqual([]);
  });

  it('says more may be waiting when it took a full page', async () => {
    const { db, flush } = setUp({ page: 2 });
    db.owe({ sender: 'IT' });
    db.owe({ sender: 'IT' });
    db.owe({ sender: 'IT' });

    expect(await flush.flush()).toBe(true);
    expect(await flush.flush()).toBe(false);
    expect(db.rows).toEqual([]);
  });
});
