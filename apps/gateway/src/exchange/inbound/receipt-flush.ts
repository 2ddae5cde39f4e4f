// One pass over the receipts owed to partners (receipts_due): each sender gets one sealed message with all receipts
// owed to it, queued in the outbox in the transaction that removes them. A receipt that cannot go out fails alone
// (#19): a row that cannot be made into a receipt, or a sender this gateway cannot seal for now, is kept with one
// attempt more and retried with backoff, and after the bound given up and reported; any other failure of a pass
// that is not transient is narrowed down by halves, each in a transaction of its own, to the rows that fail alone.
// Framework-free: the database, the outbox and the reports are ports (unit-tested with fakes).
import { ReceiptStatus } from '@corridor/contracts';
import { receiptEntryProblem, type ReceiptFor } from '@corridor/envelope';
import type { DueReceipt, ReceiptDeferral } from '../exchange.repository';
import { retryAfter } from '../retry-policy';

/** One signed message of receipts to a sender. */
export interface ReceiptMessage {
  sender: string;
  agreementId: string;
  entries: ReceiptFor[];
}

/** What the flush needs of the database and the outbox; `Tx` is a transaction, `P` a row queued for the relay. */
export interface ReceiptFlushPort<Tx, P> {
  transaction<T>(work: (tx: Tx) => Promise<T>): Promise<T>;
  /** locks up to `page` receipts owed and due, oldest first */
  take(tx: Tx, page: number): Promise<DueReceipt[]>;
  /** locks these receipts again, those still owed */
  takeById(tx: Tx, ids: string[]): Promise<DueReceipt[]>;
  remove(tx: Tx, ids: string[]): Promise<void>;
  defer(tx: Tx, rows: ReceiptDeferral[]): Promise<void>;
  /** queues one sealed message per sender; a sender that cannot be sealed for now is returned with why, not queued */
  enqueue(tx: Tx, messages: ReceiptMessage[]): Promise<{ pending: P[]; unsealed: Map<string, string> }>;
  /** hands committed rows to the relay */
  submit(pending: P[]): void;
  /** true when retrying the same pass can help (the database is away, a deadlock) */
  isTransient(err: unknown): Promise<boolean>;
}

/** What the operator is told: each row that failed, with its ids; given up when `retryInMs` is undefined. */
export type ReceiptFailureReport = (row: DueReceipt, deferral: ReceiptDeferral) => void;

export interface ReceiptFlushOptions {
  /** rows per pass */
  page: number;
  /** failed attempts after which a receipt is given up */
  maxAttempts: number;
}

function receiptFor(r: DueReceipt): ReceiptFor {
  return {
    // empty: a receipt for bytes whose message id could not be trusted (refused unread), named by their hash
    messageId: r.messageId ?? '',
    envelopeSha256: r.envelopeSha256,
    status: r.status === 'ACCEPTED' ? ReceiptStatus.ACCEPTED : ReceiptStatus.REJECTED,
    reasonCode: r.reasonCode,
    receivedAtMs: r.receivedAtMs,
  };
}

export class ReceiptFlush<Tx, P> {
  constructor(
    private readonly port: ReceiptFlushPort<Tx, P>,
    private readonly opts: ReceiptFlushOptions,
    private readonly report: ReceiptFailureReport,
  ) {}

  /** One pass; true when more may be waiting (a full page). A transient failure is thrown (the caller retries). */
  async flush(): Promise<boolean> {
    let taken: DueReceipt[] = [];
    try {
      await this.pass(async (tx) => {
        taken = await this.port.take(tx, this.opts.page);
        return taken;
      });
    } catch (err) {
      if (taken.length === 0 || (await this.port.isTransient(err))) {
        throw err;
      }
      await this.isolate(
        taken.map((r) => r.id),
        err,
      );
    }
    return taken.length === this.opts.page;
  }

  /** Takes rows, queues their receipts and settles each row, in one transaction; then hands the rows to the relay. */
  private async pass(take: (tx: Tx) => Promise<DueReceipt[]>): Promise<void> {
    const { pending, failed } = await this.port.transaction(async (tx) => this.send(tx, await take(tx)));
    this.port.submit(pending);
    for (const f of failed) {
      this.report(f.row, f.deferral);
    }
  }

  /**
   * A pass failed for a reason other than a transient one, and nothing of it was written: its rows are tried
   * again in halves, each in a transaction of its own, down to the single rows that still fail (deferred).
   */
  private async isolate(ids: string[], err: unknown): Promise<void> {
    if (ids.length === 1) {
      const failed = await this.port.transaction(async (tx) =>
        this.defer(
          tx,
          (await this.port.takeById(tx, ids)).map((row) => ({
            row,
            error: `FLUSH_FAILED: ${errorText(err)}`,
          })),
        ),
      );
      for (const f of failed) {
        this.report(f.row, f.deferral);
      }
      return;
    }
    const mid = Math.ceil(ids.length / 2);
    for (const half of [ids.slice(0, mid), ids.slice(mid)]) {
      try {
        await this.pass((tx) => this.port.takeById(tx, half));
      } catch (inner) {
        if (await this.port.isTransient(inner)) {
          throw inner;
        }
        await this.isolate(half, inner);
      }
    }
  }

  /** One message per sender for the rows that can be sent; the others are deferred. */
  private async send(
    tx: Tx,
    rows: DueReceipt[],
  ): Promise<{ pending: P[]; failed: { row: DueReceipt; deferral: ReceiptDeferral }[] }> {
    const refused: { row: DueReceipt; error: string }[] = [];
    const bySender = new Map<string, { agreementId: string; rows: DueReceipt[]; entries: ReceiptFor[] }>();
    for (const row of rows) {
      const entry = receiptFor(row);
      const problem = receiptEntryProblem(entry);
      if (problem !== undefined) {
        refused.push({ row, error: `UNSENDABLE: ${problem}` });
        continue;
      }
      const to = bySender.get(row.sender) ?? { agreementId: row.agreementId, rows: [], entries: [] };
      to.rows.push(row);
      to.entries.push(entry);
      bySender.set(row.sender, to);
    }
    const { pending, unsealed } = await this.port.enqueue(
      tx,
      [...bySender].map(([sender, m]) => ({ sender, agreementId: m.agreementId, entries: m.entries })),
    );
    const sent: string[] = [];
    for (const [sender, m] of bySender) {
      const error = unsealed.get(sender);
      if (error === undefined) {
        sent.push(...m.rows.map((r) => r.id));
      } else {
        refused.push(...m.rows.map((row) => ({ row, error })));
      }
    }
    await this.port.remove(tx, sent);
    return { pending, failed: await this.defer(tx, refused) };
  }

  /** One failed attempt more for each row: due again after the backoff, or given up at the bound. */
  private async defer(
    tx: Tx,
    rows: { row: DueReceipt; error: string }[],
  ): Promise<{ row: DueReceipt; deferral: ReceiptDeferral }[]> {
    const failed = rows.map(({ row, error }) => ({
      row,
      deferral: {
        id: row.id,
        error: error.slice(0, 500),
        retryInMs: retryAfter({
          attempts: row.attempts + 1,
          maxAttempts: this.opts.maxAttempts,
          final: false,
        }),
      },
    }));
    await this.port.defer(
      tx,
      failed.map((f) => f.deferral),
    );
    return failed;
  }
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
