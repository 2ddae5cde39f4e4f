// Spec support: ExchangeMessages of every kind, and fast-check arbitraries for payloads.
import fc from 'fast-check';
import {
  AlertSchema,
  BulletinSchema,
  Category,
  Classification,
  create,
  ExchangeMessageSchema,
  MessageKind,
  Priority,
  ReplySchema,
  SuspectAlertSchema,
  type ExchangeMessage,
} from '@corridor/contracts';
import type { EnvelopeHeaderInput } from '../seal';

export const CREATED_AT_MS = Date.UTC(2026, 2, 1, 12, 0, 0);

export function headerFor(options: {
  sender: string;
  recipient: string;
  kind: MessageKind;
  messageId?: string;
  createdAtMs?: number;
}): EnvelopeHeaderInput {
  return {
    sender: options.sender,
    recipient: options.recipient,
    messageId: options.messageId ?? '0195508c-0000-7000-8000-000000000001',
    createdAtMs: options.createdAtMs ?? CREATED_AT_MS,
    agreementId: 'agr-tn-it-2026',
    kind: options.kind,
    category: Category.ROUTE,
    classification: Classification.AMBER,
    threadId: '0195508c-0000-7000-8000-000000000001',
  };
}

export function routeAlertMessage(title = 'Boat departure expected from Sfax'): ExchangeMessage {
  return create(ExchangeMessageSchema, {
    body: {
      case: 'alert',
      value: create(AlertSchema, {
        id: '0195508c-0000-7000-8000-000000000001',
        threadId: '0195508c-0000-7000-8000-000000000001',
        category: Category.ROUTE,
        priority: Priority.URGENT,
        classification: Classification.AMBER,
        originatorCountry: 'TN',
        originatorAgency: 'Garde Nationale',
        createdAtMs: BigInt(CREATED_AT_MS),
        title,
        payload: {
          case: 'route',
          value: { originCountry: 'TN', destinationCountry: 'IT', transportMode: 'SEA', estimatedPeople: 40 },
        },
      }),
    },
    redactedFields: ['route.price_per_person_usd'],
  });
}

/** Any message body the exchange carries, with arbitrary text and bytes, and the kind it must be sealed as. */
export const exchangeMessageArb: fc.Arbitrary<{ message: ExchangeMessage; kind: MessageKind }> = fc.oneof(
  fc
    .record({ title: fc.string({ maxLength: 200 }), body: fc.fullUnicodeString({ maxLength: 2000 }) })
    .map(({ title, body }) => ({
      kind: MessageKind.ALERT,
      message: create(ExchangeMessageSchema, {
        body: {
          case: 'alert',
          value: create(AlertSchema, {
            title,
            category: Category.BULLETIN,
            payload: {
              case: 'bulletin',
              value: create(BulletinSchema, { title, body, region: 'Central Med' }),
            },
          }),
        },
      }),
    })),
  fc
    .record({
      name: fc.fullUnicodeString({ maxLength: 80 }),
      photo: fc.uint8Array({ maxLength: 4096 }),
      phones: fc.array(fc.string(), { maxLength: 5 }),
    })
    .map(({ name, photo, phones }) => ({
      kind: MessageKind.ALERT,
      message: create(ExchangeMessageSchema, {
        body: {
          case: 'alert',
          value: create(AlertSchema, {
            category: Category.SUSPECT,
            payload: {
              case: 'suspect',
              value: create(SuspectAlertSchema, { familyName: name, photo, phones }),
            },
          }),
        },
        redactedFields: phones.length > 0 ? [] : ['suspect.phones'],
      }),
    })),
  fc
    .record({ body: fc.fullUnicodeString({ maxLength: 1000 }), at: fc.bigInt({ min: 0n, max: 1n << 62n }) })
    .map(({ body, at }) => ({
      kind: MessageKind.REPLY,
      message: create(ExchangeMessageSchema, {
        body: {
          case: 'reply',
          value: create(ReplySchema, {
            replyId: 'r-1',
            alertId: 'a-1',
            officerId: 'o-7',
            body,
            createdAtMs: at,
          }),
        },
      }),
    })),
  fc.string({ maxLength: 100 }).map((reason) => ({
    kind: MessageKind.WITHDRAWAL,
    message: create(ExchangeMessageSchema, {
      body: { case: 'withdrawal', value: { alertId: 'a-1', reason } },
    }),
  })),
  fc.bigInt({ min: 0n, max: 1n << 62n }).map((at) => ({
    kind: MessageKind.ACKNOWLEDGEMENT,
    message: create(ExchangeMessageSchema, {
      body: { case: 'acknowledgement', value: { alertId: 'a-1', officerId: 'o-7', acknowledgedAtMs: at } },
    }),
  })),
);
