// The inbound handlers with fake repositories: what each kind may reach, what it writes, and what it refuses.
// The SQL itself is covered by the e2e tests against PostgreSQL (test/hostile-partner.e2e.ts, test/exchange.e2e.ts).
import { v7 as uuidv7 } from 'uuid';
import {
  AcknowledgementSchema,
  AuditEvent,
  Category,
  Classification,
  create,
  EnvelopeHeaderSchema,
  ExchangeMessageSchema,
  MessageKind,
  ReceiptBatchSchema,
  ReceiptSchema,
  ReceiptStatus,
  ReplySchema,
  WithdrawalSchema,
  type ExchangeMessage,
} from '@corridor/contracts';
import type { ActiveAgreement } from '@corridor/policy';
import type { EntityManager } from 'typeorm';
import { activeAgreement } from '../../../../../../test/factories/agreements';
import { bulletinProto } from '../../../../../../test/factories/proto-alerts';
import type { InboxRepository } from '../../../inbox/inbox.repository';
import type { ExchangeRepository } from '../../exchange.repository';
import type { OutboxRepository } from '../../outbox.repository';
import { Rejection, RejectionCode } from '../opening';
import { applyAcknowledgement } from './acknowledgement.handler';
import { applyAlert, receiveDecision } from './alert.handler';
import type { BatchWrites, HandlerContext, Received } from './context';
import { applyReceipts } from './receipts.handler';
import { applyReply } from './reply.handler';
import { applyWithdrawal } from './withdrawal.handler';

const NOW = Date.now();

const agreement = (): ActiveAgreement =>
  activeAgreement({
    id: 'AG-IT-LY',
    from: 'LY',
    to: 'IT',
    categories: [Category.ROUTE, Category.BULLETIN],
    nowMs: NOW,
  });

/** Fakes that remember what was asked and answer as configured. */
function setup(
  fake: {
    inbox?: Partial<InboxRepository>;
    outbox?: Partial<OutboxRepository>;
  } = {},
) {
  const writes: BatchWrites = { leaves: [], feed: [], receipts: [] };
  const owed: { status: string; reason: string }[] = [];
  const quarantined: RejectionCode[] = [];
  const ctx: HandlerContext = {
    em: {} as EntityManager,
    repos: {
      inbox: (fake.inbox ?? {}) as InboxRepository,
      exchange: {} as ExchangeRepository,
      outbox: (fake.outbox ?? {}) as OutboxRepository,
    },
    own: 'IT',
    agreementWith: (p) => (p === 'LY' ? agreement() : undefined),
    writes,
    now: () => NOW,
    owe: (_h, _sha, status, reason) => owed.push({ status, reason }),
    quarantine: (_record, rejection) => {
      quarantined.push(rejection.code);
      return Promise.resolve();
    },
    observeReceiptLatency: () => undefined,
  };
  return { ctx, writes, owed, quarantined };
}

function received<B extends ExchangeMessage['body']['case']>(
  body: ExchangeMessage['body'],
  labels: { category?: Category; classification?: Classification; kind: MessageKind },
): Received<B> {
  return {
    record: { topic: 'corridor.x.LY.IT', partition: 0, offset: '1', key: null, value: Buffer.alloc(0) },
    header: create(EnvelopeHeaderSchema, {
      sender: 'LY',
      recipient: 'IT',
      messageId: uuidv7(),
      agreementId: 'AG-IT-LY',
      kind: labels.kind,
      category: labels.category ?? Category.ROUTE,
      classification: labels.classification ?? Classification.GREEN,
    }),
    message: create(ExchangeMessageSchema, { body }) as Received<B>['message'],
    sha: new Uint8Array(32),
  };
}

async function refusal(p: Promise<unknown>): Promise<RejectionCode | 'APPLIED'> {
  try {
    await p;
    return 'APPLIED';
  } catch (err) {
    if (err instanceof Rejection) {
      return err.code;
    }
    throw err;
  }
}

describe('inbound handlers', () => {
  describe('alerts and updates', () => {
    it('refuse a header that disagrees with the alert, or an alert claiming another originator', () => {
      const { ctx } = setup();
      const alert = bulletinProto({ from: 'LY' });
      const m = received(
        { case: 'alert', value: alert },
        { kind: MessageKind.ALERT, category: Category.ROUTE },
      );
      expect(() => receiveDecision(ctx, m.header, m.message)).toThrow(
        expect.objectContaining({ code: 'HEADER_MISMATCH' }) as Error,
      );
      const ne = bulletinProto({ from: 'NE' });
      const m2 = received(
        { case: 'alert', value: ne },
        { kind: MessageKind.ALERT, category: Category.BULLETIN },
      );
      expect(() => receiveDecision(ctx, m2.header, m2.message)).toThrow(
        expect.objectContaining({ code: 'ORIGINATOR_MISMATCH' }) as Error,
      );
    });

    it.each([
      ['DUPLICATE', 'APPLIED', 0],
      ['UNKNOWN_ALERT', 'UNKNOWN_ALERT', 0],
      ['ALERT_ID_REUSED', 'ALERT_ID_REUSED', 0],
      ['ALERT_WITHDRAWN', 'ALERT_WITHDRAWN', 0],
      ['OK', 'APPLIED', 1],
    ] as const)('map corridor_accept_alert %s to %s, with %i feed entries', async (status, outcome, feed) => {
      const { ctx, writes, owed } = setup({
        inbox: { acceptAlert: () => Promise.resolve({ status, seq: status === 'OK' ? 5 : null }) },
      });
      const alert = bulletinProto({ from: 'LY' });
      const m = received(
        { case: 'alert', value: alert },
        { kind: MessageKind.ALERT, category: Category.BULLETIN },
      );
      const accepted = receiveDecision(ctx, m.header, m.message);
      expect(await refusal(applyAlert(ctx, { header: m.header, sha: m.sha, accepted }))).toBe(outcome);
      expect(writes.feed).toHaveLength(feed);
      expect(writes.leaves.map((l) => l.event)).toEqual(feed ? [AuditEvent.RECEIVED] : []);
      // A duplicate is answered with its receipt again; a refusal is answered by the caller's quarantine.
      expect(owed).toHaveLength(status === 'OK' || status === 'DUPLICATE' ? 1 : 0);
    });
  });

  it('withdraw only an alert the sender holds here; otherwise UNKNOWN_ALERT and nothing logged', async () => {
    const withdrawn: string[] = [];
    const { ctx, writes } = setup({
      inbox: {
        withdraw: (_em, sender, alertId) => {
          withdrawn.push(`${sender}:${alertId}`);
          return Promise.resolve(alertId === 'held' ? 9 : undefined);
        },
      },
    });
    const w = (alertId: string) =>
      received<'withdrawal'>(
        { case: 'withdrawal', value: create(WithdrawalSchema, { alertId }) },
        { kind: MessageKind.WITHDRAWAL },
      );
    expect(await refusal(applyWithdrawal(ctx, w('held')))).toBe('APPLIED');
    expect(await refusal(applyWithdrawal(ctx, w('of-NE')))).toBe('UNKNOWN_ALERT');
    expect(withdrawn).toEqual(['LY:held', 'LY:of-NE']);
    expect(writes.leaves.map((l) => l.event)).toEqual([AuditEvent.WITHDRAWN]);
  });

  describe('replies', () => {
    const reply = (officerId = 'LY/officer.tripoli') =>
      received<'reply'>(
        {
          case: 'reply',
          value: create(ReplySchema, { replyId: uuidv7(), alertId: 'a1', officerId, body: 'details?' }),
        },
        { kind: MessageKind.REPLY, category: Category.ROUTE, classification: Classification.AMBER },
      );

    it('join only a thread exchanged between the two gateways', async () => {
      const { ctx } = setup({ inbox: { exchangedAlert: () => Promise.resolve({ senders: false }) } });
      expect(await refusal(applyReply(ctx, reply()))).toBe('UNKNOWN_ALERT');
    });

    it('about one of our alerts: its handling must be within what the sender may send here', async () => {
      const inserted: string[] = [];
      const { ctx } = setup({
        inbox: {
          exchangedAlert: () => Promise.resolve({ ours: { handling: 'H3' }, senders: false }),
          insertReply: (_em, r) => {
            inserted.push(r.origin);
            return Promise.resolve(1);
          },
        },
      });
      expect(await refusal(applyReply(ctx, reply()))).toBe('HANDLING_ABOVE_GRANT');
      expect(inserted).toEqual([]);
    });

    it('are stored with the origin of the alert they are about, and logged with the officer as the sender asserts it', async () => {
      const origins: string[] = [];
      const { ctx, writes } = setup({
        inbox: {
          exchangedAlert: () => Promise.resolve({ ours: { handling: 'H1' }, senders: false }),
          insertReply: (_em, r) => {
            origins.push(r.origin);
            return Promise.resolve(1);
          },
        },
      });
      expect(await refusal(applyReply(ctx, reply('officer.tripoli')))).toBe('APPLIED');
      expect(origins).toEqual(['IT']);
      expect(writes.leaves[0]).toMatchObject({ event: AuditEvent.REPLIED, officerId: 'LY/officer.tripoli' });
    });
  });

  it('acknowledge only an alert of ours that went to the sender; otherwise UNKNOWN_ALERT and nothing logged', async () => {
    const { ctx, writes } = setup({
      outbox: { acknowledge: (_em, a) => Promise.resolve(a.alertId === 'sent-to-LY' ? 1 : 0) },
    });
    const ack = (alertId: string) =>
      received<'acknowledgement'>(
        {
          case: 'acknowledgement',
          value: create(AcknowledgementSchema, { alertId, officerId: 'LY/o', acknowledgedAtMs: BigInt(NOW) }),
        },
        { kind: MessageKind.ACKNOWLEDGEMENT },
      );
    expect(await refusal(applyAcknowledgement(ctx, ack('sent-to-NE')))).toBe('UNKNOWN_ALERT');
    expect(writes.leaves).toHaveLength(0);
    expect(await refusal(applyAcknowledgement(ctx, ack('sent-to-LY')))).toBe('APPLIED');
    expect(writes.leaves[0]).toMatchObject({ event: AuditEvent.ACKNOWLEDGED, officerId: 'LY/o' });
  });

  it('receipts: matched entries are logged, the unmatched ones quarantine the message', async () => {
    const { ctx, writes, quarantined } = setup({
      outbox: {
        applyReceipts: () =>
          Promise.resolve([
            { index: 0, messageId: uuidv7(), category: 'ROUTE', queuedAt: new Date(NOW - 10) },
          ]),
      },
    });
    const entry = () =>
      create(ReceiptSchema, {
        messageId: uuidv7(),
        envelopeSha256: new Uint8Array(32),
        status: ReceiptStatus.ACCEPTED,
      });
    await applyReceipts(
      ctx,
      received<'receipt' | 'receipts'>(
        { case: 'receipts', value: create(ReceiptBatchSchema, { receipts: [entry(), entry()] }) },
        { kind: MessageKind.RECEIPT },
      ),
    );
    expect(writes.leaves.map((l) => [l.event, l.reasonCode])).toEqual([[AuditEvent.RECEIPT, 'ACCEPTED']]);
    expect(quarantined).toEqual(['RECEIPT_MISMATCH']);
  });

  it("receipts: a refusal by hash alone (no message id) is matched by the repository and logged with the row's id", async () => {
    const rowId = uuidv7();
    let asked: { messageId: string | null; outcome: string }[] = [];
    const { ctx, writes, quarantined } = setup({
      outbox: {
        applyReceipts: (
          _db: unknown,
          _to: string,
          entries: { messageId: string | null; outcome: string }[],
        ) => {
          asked = entries;
          return Promise.resolve([
            { index: 0, messageId: rowId, category: 'DOCUMENT', queuedAt: new Date(NOW) },
          ]);
        },
      },
    });
    await applyReceipts(
      ctx,
      received<'receipt' | 'receipts'>(
        {
          case: 'receipt',
          value: create(ReceiptSchema, {
            messageId: '',
            envelopeSha256: new Uint8Array(32).fill(7),
            status: ReceiptStatus.REJECTED,
            reasonCode: 'ENVELOPE_TOO_LARGE',
          }),
        },
        { kind: MessageKind.RECEIPT },
      ),
    );
    expect(asked).toMatchObject([{ messageId: null, outcome: 'REJECTED' }]);
    expect(writes.leaves).toMatchObject([
      { event: AuditEvent.RECEIPT, messageId: rowId, reasonCode: 'ENVELOPE_TOO_LARGE' },
    ]);
    expect(quarantined).toEqual([]);
  });
});
