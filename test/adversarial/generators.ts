// Hostile content, generated: arbitrary strings (NUL, control and bidi characters, huge lengths), colliding and
// foreign ids, wrong agreement ids, cross-thread references, and every message kind. Each case is a message a
// partner gateway could sign; what the receiver must do with it is checked by the runner, not assumed here.
import fc from 'fast-check';
import { v7 as uuidv7 } from 'uuid';
import {
  AcknowledgementSchema,
  AlertSchema,
  AlertUpdateSchema,
  BulletinSchema,
  Category,
  Classification,
  create,
  HandlingCode,
  MessageKind,
  Priority,
  ProtectionReferralSchema,
  ReceiptBatchSchema,
  ReceiptSchema,
  ReceiptStatus,
  ReplySchema,
  RouteAlertSchema,
  SuspectAlertSchema,
  WithdrawalSchema,
  type Alert,
} from '@corridor/contracts';
import { HostileEnvelope, messageOf } from './partner';

/** What the hostile partner knows of the network: ids it may collide with or refer to. */
export interface World {
  /** the hostile sender and its victim (the receiver) */
  from: string;
  to: string;
  /** the pair's agreement, and another pair's (the receiver's with a third country) */
  agreementId: string;
  otherAgreementId: string;
  /** an alert of a third country held by the receiver */
  thirdPartyAlertId: string;
  /** a message id the third country used towards the receiver */
  thirdPartyMessageId: string;
  /** an alert the receiver sent to the third country only */
  receiverToThirdAlertId: string;
  /** an alert the receiver sent to the hostile sender (a legitimate target of replies and acknowledgements) */
  receiverToSenderAlertId: string;
  /** an alert the hostile sender sent to the receiver through its own gateway (a legitimate target of updates) */
  senderAlertId: string;
  thirdCountry: string;
}

const NASTY_CHARS = [
  '\u0000',
  '\u0001',
  '\u0007',
  '\u001b',
  '\u007f',
  '\u0085',
  '\u009f',
  '\u202e', // RIGHT-TO-LEFT OVERRIDE
  '\u202d',
  '\u2066',
  '\u2069',
  '\u200f',
  '\ufeff',
  '\ud800', // a lone surrogate
  '\n',
  '\t',
  'a',
  'Z',
  'ب',
  'é',
  '<',
  '>',
  '"',
  '&',
  '/',
  ' ',
];

/** Strings a parser, a database or a screen could trip on, from empty to far beyond every limit. */
export function hostileText(): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.string({ maxLength: 40 }) },
    { weight: 4, arbitrary: fc.stringOf(fc.constantFrom(...NASTY_CHARS), { maxLength: 40 }) },
    { weight: 2, arbitrary: fc.fullUnicodeString({ maxLength: 40 }) },
    { weight: 2, arbitrary: fc.constant('Departures from Zuwara tonight') },
    { weight: 1, arbitrary: fc.constant('invoice\u202egnp.exe') },
    { weight: 1, arbitrary: fc.constant('<script>alert(1)</script>') },
    {
      weight: 1,
      arbitrary: fc.constantFrom(201, 1001, 5001, 20_001, 200_000, 400_000).map((n) => 'x'.repeat(n)),
    },
  );
}

/** A title-sized text that mostly passes the rules, so generated messages also reach the deeper checks. */
function mostlyFine(): fc.Arbitrary<string> {
  return fc.oneof(
    {
      weight: 3,
      arbitrary: fc.constantFrom('Boat seen off Sabratha', 'Convoy north of Dirkou', 'تنبيه: قارب'),
    },
    { weight: 1, arbitrary: hostileText() },
  );
}

function alertIds(w: World): fc.Arbitrary<string> {
  return fc.oneof(
    fc.constant(w.thirdPartyAlertId),
    fc.constant(w.receiverToThirdAlertId),
    fc.constant(w.receiverToSenderAlertId),
    fc.constant(w.senderAlertId),
    fc.uuid(),
    fc.constantFrom('', 'not-a-uuid', '\u0000', w.thirdPartyAlertId.toUpperCase()),
  );
}

function categories(): fc.Arbitrary<Category> {
  return fc.oneof(
    {
      weight: 6,
      arbitrary: fc.constantFrom(Category.ROUTE, Category.BULLETIN, Category.PROTECTION_REFERRAL),
    },
    { weight: 2, arbitrary: fc.constantFrom(Category.SUSPECT, Category.DOCUMENT, Category.FINANCIAL_FLOW) },
    { weight: 1, arbitrary: fc.integer({ min: 0, max: 99 }) },
  );
}

function classifications(): fc.Arbitrary<Classification> {
  return fc.oneof(
    {
      weight: 6,
      arbitrary: fc.constantFrom(Classification.CLEAR, Classification.GREEN, Classification.AMBER),
    },
    { weight: 2, arbitrary: fc.constantFrom(Classification.AMBER_STRICT, Classification.RED) },
    { weight: 1, arbitrary: fc.integer({ min: 0, max: 99 }) },
  );
}

function officerIds(w: World): fc.Arbitrary<string> {
  return fc.oneof(
    fc.constant(`${w.from}/officer.hostile`),
    fc.constant('officer.hostile'),
    fc.constant(`${w.thirdCountry}/officer.agadez`),
    fc.constant(`${w.to}/officer.victim`),
    hostileText(),
  );
}

function payloadFor(category: Category, text: fc.Arbitrary<string>): fc.Arbitrary<Alert['payload']> {
  const route = fc.record({ transportMode: text, modusOperandi: text }).map((r): Alert['payload'] => ({
    case: 'route',
    value: create(RouteAlertSchema, { originCountry: 'NE', destinationCountry: 'IT', ...r }),
  }));
  const bulletin = fc
    .record({ title: text, summary: text, body: text })
    .map((b): Alert['payload'] => ({ case: 'bulletin', value: create(BulletinSchema, b) }));
  const referral = fc
    .record({ notes: text, lastKnownPlace: text, peopleCount: fc.integer({ min: 0, max: 200_000 }) })
    .map((p): Alert['payload'] => ({
      case: 'protectionReferral',
      value: create(ProtectionReferralSchema, { need: 'DISTRESS_AT_SEA', ...p }),
    }));
  const suspect = fc.record({ familyName: text, notes: text }).map((s): Alert['payload'] => ({
    case: 'suspect',
    value: create(SuspectAlertSchema, { role: 'ORGANISER', ...s }),
  }));
  const matching =
    category === Category.ROUTE
      ? route
      : category === Category.PROTECTION_REFERRAL
        ? referral
        : category === Category.SUSPECT
          ? suspect
          : bulletin;
  // Mostly the payload of the category; sometimes another (a referral must never travel as a suspect record).
  return fc.oneof(
    { weight: 5, arbitrary: matching },
    { weight: 1, arbitrary: fc.oneof(route, bulletin, suspect) },
  );
}

function alerts(w: World, id: fc.Arbitrary<string>): fc.Arbitrary<Alert> {
  return fc
    .record({
      id,
      category: categories(),
      classification: classifications(),
      handling: fc.constantFrom(HandlingCode.H0, HandlingCode.H1, HandlingCode.H2, HandlingCode.H3),
      priority: fc.constantFrom(Priority.ROUTINE, Priority.URGENT, Priority.FLASH),
      originatorCountry: fc.oneof(
        { weight: 6, arbitrary: fc.constant(w.from) },
        { weight: 1, arbitrary: fc.constant(w.thirdCountry) },
      ),
      title: mostlyFine(),
      createdAtMs: fc.oneof(
        { weight: 6, arbitrary: fc.constant(0n) },
        { weight: 1, arbitrary: fc.constantFrom(-1n, 1n, 4_102_444_800_000n) },
      ),
    })
    .chain((a) =>
      payloadFor(a.category, mostlyFine()).map((payload) =>
        create(AlertSchema, {
          ...a,
          threadId: a.id,
          originatorAgency: 'hostile',
          createdAtMs: a.createdAtMs === 0n ? BigInt(Date.now()) : a.createdAtMs,
          payload,
        }),
      ),
    );
}

export interface HostileCase {
  /** kind of message, for the report */
  name: string;
  envelope: HostileEnvelope;
}

/** Every message kind, with labels mostly taken from the alert so that the deeper checks are reached too. */
export function hostileCases(w: World): fc.Arbitrary<HostileCase> {
  const agreementIds = fc.oneof(
    { weight: 12, arbitrary: fc.constant(w.agreementId) },
    { weight: 1, arbitrary: fc.constant(w.otherAgreementId) },
    { weight: 1, arbitrary: fc.constantFrom('AG-BOGUS-<script>', ' ', 'AG\u0000x', 'x'.repeat(128)) },
  );
  const messageIds = fc.oneof(
    { weight: 12, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: fc.constant(w.thirdPartyMessageId) },
    { weight: 1, arbitrary: fc.constantFrom('not-a-uuid', '\u0000') },
  );
  const common = fc.record({ agreementId: agreementIds, messageId: messageIds });
  const labels = fc.record({ category: categories(), classification: classifications() });

  const alert = fc
    .tuple(
      alerts(w, fc.oneof({ weight: 3, arbitrary: fc.constant('') }, { weight: 1, arbitrary: alertIds(w) })),
      common,
    )
    .map(([a, c]): HostileCase => {
      const alertWithId = a.id ? a : create(AlertSchema, { ...a, id: uuidv7(), threadId: '' });
      return {
        name: 'ALERT',
        envelope: {
          kind: MessageKind.ALERT,
          message: messageOf({ case: 'alert', value: alertWithId }),
          category: alertWithId.category,
          classification: alertWithId.classification,
          threadId: alertWithId.threadId || alertWithId.id,
          ...c,
        },
      };
    });
  const update = fc
    .tuple(alertIds(w), alerts(w, fc.constant('')), hostileText(), fc.boolean(), common)
    .map(([id, a, reason, sameId, c]): HostileCase => {
      const updated = create(AlertSchema, { ...a, id: sameId ? id : uuidv7(), threadId: id });
      return {
        name: 'UPDATE',
        envelope: {
          kind: MessageKind.UPDATE,
          message: messageOf({
            case: 'update',
            value: create(AlertUpdateSchema, { alertId: id, alert: updated, reason }),
          }),
          category: updated.category,
          classification: updated.classification,
          ...c,
        },
      };
    });
  const withdrawal = fc
    .tuple(alertIds(w), hostileText(), labels, common)
    .map(([alertId, reason, l, c]): HostileCase => ({
      name: 'WITHDRAWAL',
      envelope: {
        kind: MessageKind.WITHDRAWAL,
        message: messageOf({ case: 'withdrawal', value: create(WithdrawalSchema, { alertId, reason }) }),
        ...l,
        ...c,
      },
    }));
  const reply = fc
    .tuple(alertIds(w), officerIds(w), hostileText(), labels, common)
    .map(([alertId, officerId, body, l, c]): HostileCase => ({
      name: 'REPLY',
      envelope: {
        kind: MessageKind.REPLY,
        message: messageOf({
          case: 'reply',
          value: create(ReplySchema, {
            replyId: uuidv7(),
            alertId,
            officerId,
            body,
            createdAtMs: BigInt(Date.now()),
          }),
        }),
        ...l,
        ...c,
      },
    }));
  const ack = fc
    .tuple(
      alertIds(w),
      officerIds(w),
      fc.constantFrom(0n, 1n, 4_102_444_800_000n, -5n, BigInt(Date.now())),
      labels,
      common,
    )
    .map(([alertId, officerId, at, l, c]): HostileCase => ({
      name: 'ACKNOWLEDGEMENT',
      envelope: {
        kind: MessageKind.ACKNOWLEDGEMENT,
        message: messageOf({
          case: 'acknowledgement',
          value: create(AcknowledgementSchema, { alertId, officerId, acknowledgedAtMs: at }),
        }),
        ...l,
        ...c,
      },
    }));
  const receipt = fc
    .tuple(
      fc.array(
        fc.record({
          messageId: fc.oneof(fc.uuid(), fc.constantFrom('', '\u0000', 'not-a-uuid')),
          envelopeSha256: fc.uint8Array({ minLength: 0, maxLength: 40 }),
          status: fc.constantFrom(ReceiptStatus.ACCEPTED, ReceiptStatus.REJECTED, 7 as ReceiptStatus),
          reasonCode: hostileText(),
        }),
        { minLength: 0, maxLength: 5 },
      ),
      common,
    )
    .map(([entries, c]): HostileCase => ({
      name: 'RECEIPT',
      envelope: {
        kind: MessageKind.RECEIPT,
        message: messageOf({
          case: 'receipts',
          value: create(ReceiptBatchSchema, { receipts: entries.map((e) => create(ReceiptSchema, e)) }),
        }),
        ...c,
      },
    }));
  return fc.oneof(alert, update, withdrawal, reply, ack, receipt);
}
