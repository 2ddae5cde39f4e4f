import fc from 'fast-check';
import { v7 as uuidv7 } from 'uuid';
import {
  AcknowledgementSchema,
  AlertUpdateSchema,
  BulletinSchema,
  Category,
  create,
  ExchangeMessageSchema,
  FinancialFlowAlertSchema,
  Priority,
  ReceiptBatchSchema,
  ReceiptSchema,
  ReceiptStatus,
  ReplySchema,
  RouteAlertSchema,
  SuspectAlertSchema,
  WithdrawalSchema,
  type Alert,
  type ExchangeMessage,
} from '@corridor/contracts';
import { bulletinProto } from '../../../../test/factories/proto-alerts';
import { alertViolation, messageViolation, officerIdViolation } from './inbound-content';

const NOW = Date.UTC(2026, 11, 2);

function bulletin(over: Partial<Alert> = {}): Alert {
  return bulletinProto({ from: 'LY', nowMs: NOW - 1000, over });
}

const msg = (body: ExchangeMessage['body']): ExchangeMessage => create(ExchangeMessageSchema, { body });

describe('inbound content: the API rules applied to what a partner sends', () => {
  it('accepts a well-formed alert, Arabic and bidi controls included', () => {
    expect(alertViolation(bulletin({ title: 'تنبيه \u202bZuwara\u202c' }), NOW)).toBeUndefined();
  });

  it.each([
    ['a NUL in the title', { title: 'a\u0000b' }, 'alert.title'],
    ['a C1 control in the title', { title: 'a\u0085b' }, 'alert.title'],
    ['a title over 200 characters', { title: 'x'.repeat(201) }, 'alert.title'],
    ['an id that is not a UUID', { id: 'not-a-uuid' }, 'alert.id'],
    ['a creation time in the future', { createdAtMs: BigInt(NOW + 3_600_000) }, 'alert.createdAtMs'],
    ['an unknown priority', { priority: 42 as Priority }, 'alert.priority'],
  ])('refuses %s, naming the field', (_n, over, field) => {
    expect(alertViolation(bulletin(over as Partial<Alert>), NOW)?.field).toBe(field);
  });

  it('refuses payload fields by the same limits as the API (a 2001-character modus operandi, an unknown method)', () => {
    const route = bulletin({
      category: Category.ROUTE,
      payload: {
        case: 'route',
        value: create(RouteAlertSchema, {
          originCountry: 'NE',
          destinationCountry: 'IT',
          transportMode: 'sea',
          modusOperandi: 'm'.repeat(2001),
        }),
      },
    });
    expect(alertViolation(route, NOW)?.field).toBe('alert.route.modusOperandi');
    const flow = bulletin({
      category: Category.FINANCIAL_FLOW,
      payload: {
        case: 'financialFlow',
        value: create(FinancialFlowAlertSchema, {
          method: 'TELEPORT',
          fromCountry: 'LY',
          toCountry: 'IT',
          amountMinor: 5n,
          currency: 'EUR',
        }),
      },
    });
    expect(alertViolation(flow, NOW)?.field).toBe('alert.financialFlow.method');
  });

  it("accepts a partner's earlier free text in the fields that became codes, and refuses it in one always coded", () => {
    const route = (over: Record<string, unknown>): Alert =>
      bulletin({
        category: Category.ROUTE,
        payload: {
          case: 'route',
          value: create(RouteAlertSchema, { originCountry: 'NE', destinationCountry: 'IT', ...over }),
        },
      });
    const earlier = {
      transportMode: 'land (pick-up trucks across the Sahara)',
      modusOperandi: 'convoys at night',
      risksToLife: ['desert crossing without water'],
    };
    expect(alertViolation(route(earlier), NOW)).toBeUndefined();
    expect(
      alertViolation(route({ transportMode: 'PICKUP_TRUCK', risksToLife: ['OVERCROWDED_BOAT'] }), NOW),
    ).toBeUndefined();
    // The other rules of those fields still hold.
    expect(alertViolation(route({ risksToLife: ['x'.repeat(201)] }), NOW)?.field).toBe(
      'alert.route.risksToLife',
    );
    const suspect = bulletin({
      category: Category.SUSPECT,
      payload: { case: 'suspect', value: create(SuspectAlertSchema, { familyName: 'X', role: 'boss' }) },
    });
    expect(alertViolation(suspect, NOW)?.field).toBe('alert.suspect.role');
  });

  it('refuses a field the API does not know (a suspect photo)', () => {
    const suspect = bulletin({
      category: Category.SUSPECT,
      payload: {
        case: 'suspect',
        value: create(SuspectAlertSchema, { familyName: 'X', role: 'ORGANISER', photo: new Uint8Array([1]) }),
      },
    });
    expect(alertViolation(suspect, NOW)?.message).toMatch(/photo is not a known field|photo/);
  });

  it('no string with a control character passes, whatever the field (property)', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 20 }),
        fc.integer({ min: 0, max: 0x1f }).filter((c) => c !== 9 && c !== 10 && c !== 13),
        fc.constantFrom('title', 'summary', 'body', 'region'),
        (text, code, field) => {
          const bad = text + String.fromCharCode(code);
          const a =
            field === 'title'
              ? bulletin({ title: bad })
              : bulletin({
                  payload: {
                    case: 'bulletin',
                    value: create(BulletinSchema, { title: 't', summary: 's', body: 'b', [field]: bad }),
                  },
                });
          expect(alertViolation(a, NOW)).toBeDefined();
        },
      ),
    );
  });

  it('checks every kind: update ids agree, withdrawal reasons, reply bodies, acknowledgement times, receipts', () => {
    const a = bulletin();
    expect(
      messageViolation(
        msg({
          case: 'update',
          value: create(AlertUpdateSchema, { alertId: uuidv7(), alert: a, reason: 'r' }),
        }),
        'LY',
        NOW,
      )?.field,
    ).toBe('update.alertId');
    expect(
      messageViolation(
        msg({
          case: 'withdrawal',
          value: create(WithdrawalSchema, { alertId: a.id, reason: 'r'.repeat(501) }),
        }),
        'LY',
        NOW,
      )?.field,
    ).toBe('withdrawal.reason');
    const reply = (over: Record<string, unknown>) =>
      msg({
        case: 'reply',
        value: create(ReplySchema, {
          replyId: uuidv7(),
          alertId: a.id,
          officerId: 'LY/officer.tripoli',
          body: 'details?',
          createdAtMs: BigInt(NOW),
          ...over,
        }),
      });
    expect(messageViolation(reply({}), 'LY', NOW)).toBeUndefined();
    expect(messageViolation(reply({ body: 'a\u0000' }), 'LY', NOW)?.field).toBe('reply.body');
    expect(messageViolation(reply({ body: '' }), 'LY', NOW)?.field).toBe('reply.body');
    expect(messageViolation(reply({ officerId: 'NE/officer.agadez' }), 'LY', NOW)?.message).toMatch(
      /officer of NE, but LY sent it/,
    );
    expect(
      messageViolation(
        msg({
          case: 'acknowledgement',
          value: create(AcknowledgementSchema, { alertId: a.id, officerId: 'o', acknowledgedAtMs: 0n }),
        }),
        'LY',
        NOW,
      )?.field,
    ).toBe('acknowledgement.acknowledgedAtMs');
    const receipts = (r: Record<string, unknown>) =>
      msg({
        case: 'receipts',
        value: create(ReceiptBatchSchema, {
          receipts: [
            create(ReceiptSchema, {
              messageId: uuidv7(),
              envelopeSha256: new Uint8Array(32),
              status: ReceiptStatus.ACCEPTED,
              ...r,
            }),
          ],
        }),
      });
    expect(messageViolation(receipts({}), 'LY', NOW)).toBeUndefined();
    expect(messageViolation(receipts({ reasonCode: 'X\u0000' }), 'LY', NOW)?.field).toBe(
      'receipts[0].reasonCode',
    );
    expect(messageViolation(receipts({ messageId: 'nope' }), 'LY', NOW)?.field).toBe('receipts[0].messageId');
    // no message id: only a refusal of unreadable bytes, named by their hash
    expect(
      messageViolation(receipts({ messageId: '', status: ReceiptStatus.REJECTED }), 'LY', NOW),
    ).toBeUndefined();
    expect(messageViolation(receipts({ messageId: '' }), 'LY', NOW)?.field).toBe('receipts[0].messageId');
  });

  it('takes an officer id only as its sender asserts it', () => {
    expect(officerIdViolation('f', 'officer.x', 'LY')).toBeUndefined();
    expect(officerIdViolation('f', 'LY/officer.x', 'LY')).toBeUndefined();
    expect(officerIdViolation('f', 'IT/officer.x', 'LY')).toBeDefined();
    expect(officerIdViolation('f', 'a b', 'LY')).toBeDefined();
    expect(officerIdViolation('f', '', 'LY')).toBeDefined();
    expect(officerIdViolation('f', 'x\u0000', 'LY')).toBeDefined();
  });
});
