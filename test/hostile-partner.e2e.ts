// A hostile partner (issue #20): LY, with its real key and Kafka principal, sends IT validly signed envelopes that
// its own gateway would never send. Real processes, real Kafka, real PostgreSQL. For each poison case: quarantined
// with its reason, nobody else's data changed, and a valid alert behind it on the same partition arrives within
// seconds. Then a short generated run (the long one is `npm run bench -- adversarial`).
import { v7 as uuidv7 } from 'uuid';
import {
  AcknowledgementSchema,
  AlertUpdateSchema,
  BulletinSchema,
  Category,
  Classification,
  create,
  ExchangeMessageSchema,
  fromBinary,
  MessageKind,
  Receipt,
  ReceiptStatus,
  ReplySchema,
  SuspectAlertSchema,
  WithdrawalSchema,
  type Alert,
} from '@corridor/contracts';
import { receiptsOf } from '@corridor/envelope';
import { Network } from '../scripts/lib/network';
import { bulletinProto } from './factories/proto-alerts';
import { ADMIN_DATABASE_URL } from './harness/constants';
import { sql } from './harness/databases';
import { startTestNetwork } from './harness/network';
import { World } from './adversarial/generators';
import { HostileEnvelope, HostilePartner, messageOf, Sealed } from './adversarial/partner';
import { canary, formatOutcomes, othersSnapshot, runAdversarial, waitForInbox } from './adversarial/runner';
import { HOSTILE_AGREEMENTS, LY_IT_GRANT, prepareWorld } from './adversarial/world';

/** A bulletin from LY (its category and labels are within LY→IT), with `over` applied to the alert. */
function lyBulletin(over: Partial<Alert> = {}): Alert {
  return bulletinProto({ from: 'LY', over });
}

function asAlert(alert: Alert, over: Partial<HostileEnvelope> = {}): HostileEnvelope {
  return {
    kind: MessageKind.ALERT,
    message: messageOf({ case: 'alert', value: alert }),
    category: alert.category,
    classification: alert.classification,
    threadId: alert.threadId,
    ...over,
  };
}

describe('a hostile partner can neither stop, spoof nor shadow (LY attacks IT)', () => {
  let net: Network;
  let world: World;
  let partner: HostilePartner;
  const moveOn: [string, number][] = [];
  const it_ = () => net.gateways.IT.databaseUrl;

  beforeAll(async () => {
    net = await startTestNetwork({
      label: 'hostile',
      countries: ['LY', 'IT', 'NE'],
      agreements: HOSTILE_AGREEMENTS,
      gatewayEnv: { RECEIPT_BATCH_MS: '50' },
    });
    world = await prepareWorld(net);
    partner = new HostilePartner(net, 'LY', 'IT', world.agreementId);
  }, 240_000);

  afterAll(async () => {
    await partner?.close();
    if (moveOn.length) {
      process.stdout.write(
        `\n[hostile] time for intake to move past each poison case (produce → next envelope in the inbox):\n${moveOn
          .map(([n, ms]) => `  ${String(ms).padStart(6)} ms  ${n}`)
          .join('\n')}\n`,
      );
    }
    await net?.stop();
  });

  /**
   * Sends the poison and a valid canary behind it on the same partition; the poison must be quarantined with
   * `reason`, the canary must arrive within 10 s, and nobody else's data may change.
   */
  async function poison(name: string, e: HostileEnvelope, reason: string): Promise<Sealed> {
    const before = await othersSnapshot(net, 'IT', 'LY');
    const bad = partner.seal(e);
    const next = canary(partner);
    const at = Date.now();
    await partner.produce([bad, next]);
    const took = await waitForInbox(net, 'IT', 'LY', next.messageId, 10_000);
    expect({ name, arrived: took !== undefined }).toEqual({ name, arrived: true });
    moveOn.push([name, Date.now() - at]);
    const q = await sql<{ reason_code: string; detail: string }>(
      it_(),
      'select reason_code, detail from quarantine where envelope_sha256 = $1',
      [Buffer.from(bad.sha, 'hex')],
    );
    expect(q.map((r) => r.reason_code)).toEqual([reason]);
    expect(await othersSnapshot(net, 'IT', 'LY')).toBe(before);
    const leaves = await sql(
      it_(),
      `select 1 from audit_leaves where event = 'REJECTED' and message_id = $1`,
      [bad.messageId],
    );
    expect(leaves).toHaveLength(/^[0-9a-f-]{36}$/.test(bad.messageId) ? 1 : 0);
    return bad;
  }

  /** The receipt IT owes LY for a message, as queued in IT's outbox (the message column holds it unsealed). */
  async function receiptFor(messageId: string): Promise<Receipt> {
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      const rows = await sql<{ message: Buffer }>(
        it_(),
        `select message from outbox where kind = 'RECEIPT' and recipient = 'LY' and message is not null`,
      );
      for (const r of rows) {
        const found = receiptsOf(fromBinary(ExchangeMessageSchema, r.message)).find(
          (x) => x.messageId === messageId,
        );
        if (found) {
          return found;
        }
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`no receipt for ${messageId} queued at IT within 10 s`);
  }

  it('a NUL character in a title is quarantined (CONTENT_INVALID) and intake moves on', async () => {
    await poison('NUL in the title', asAlert(lyBulletin({ title: 'a\u0000b' })), 'CONTENT_INVALID');
  });

  it('a 200 KB title is quarantined (CONTENT_INVALID); a 300 KB envelope before any crypto (ENVELOPE_TOO_LARGE)', async () => {
    await poison('200 KB title', asAlert(lyBulletin({ title: 'x'.repeat(200_000) })), 'CONTENT_INVALID');
    await poison(
      '300 KB envelope',
      asAlert(
        lyBulletin({
          payload: {
            case: 'bulletin',
            value: create(BulletinSchema, { title: 't', summary: 's', body: 'y'.repeat(300_000) }),
          },
        }),
      ),
      'ENVELOPE_TOO_LARGE',
    );
  });

  it('a message id that another country used is no collision: the alert is applied under LY', async () => {
    const alert = lyBulletin();
    const e = partner.seal(asAlert(alert, { messageId: world.thirdPartyMessageId }));
    await partner.produce([e]);
    expect(await waitForInbox(net, 'IT', 'LY', world.thirdPartyMessageId, 10_000)).toBeDefined();
    const held = await sql<{ sender: string }>(
      it_(),
      'select sender from inbox where message_id = $1 order by sender',
      [world.thirdPartyMessageId],
    );
    expect(held.map((r) => r.sender)).toEqual(['LY', 'NE']);
  });

  it("an update or a withdrawal naming NE's alert is refused (UNKNOWN_ALERT) and NE's alert is untouched", async () => {
    const shadow = lyBulletin({
      id: world.thirdPartyAlertId,
      threadId: world.thirdPartyAlertId,
      title: 'withdrawn by originator',
    });
    await poison(
      "update of NE's alert",
      {
        kind: MessageKind.UPDATE,
        message: messageOf({
          case: 'update',
          value: create(AlertUpdateSchema, { alertId: world.thirdPartyAlertId, alert: shadow, reason: 'x' }),
        }),
        category: shadow.category,
        classification: shadow.classification,
      },
      'UNKNOWN_ALERT',
    );
    await poison(
      "withdrawal of NE's alert",
      {
        kind: MessageKind.WITHDRAWAL,
        message: messageOf({
          case: 'withdrawal',
          value: create(WithdrawalSchema, { alertId: world.thirdPartyAlertId, reason: 'x' }),
        }),
        category: Category.PROTECTION_REFERRAL,
        classification: Classification.AMBER,
      },
      'UNKNOWN_ALERT',
    );
    const ne = await sql<{ state: string; sender: string }>(
      it_(),
      'select state, sender from inbox where alert_id = $1',
      [world.thirdPartyAlertId],
    );
    expect(ne).toEqual([{ state: 'ACTIVE', sender: 'NE' }]);
    // A new alert under NE's id is LY's own alert: identified by (LY, id), it shadows nothing.
    const own = lyBulletin({ id: world.thirdPartyAlertId, threadId: world.thirdPartyAlertId });
    const sealed = partner.seal(asAlert(own));
    await partner.produce([sealed]);
    expect(await waitForInbox(net, 'IT', 'LY', sealed.messageId, 10_000)).toBeDefined();
    const both = await sql<{ sender: string; origin: string; state: string }>(
      it_(),
      `select sender, origin, state from inbox where alert_id = $1 and kind = 'ALERT' order by sender`,
      [world.thirdPartyAlertId],
    );
    expect(both).toEqual([
      { sender: 'LY', origin: 'LY', state: 'ACTIVE' },
      { sender: 'NE', origin: 'NE', state: 'ACTIVE' },
    ]);
  });

  it('replies pass the agreement and stay in threads LY is part of, as officers of LY only', async () => {
    const reply = (alertId: string, officerId: string) =>
      messageOf({
        case: 'reply',
        value: create(ReplySchema, {
          replyId: uuidv7(),
          alertId,
          officerId,
          body: 'details?',
          createdAtMs: BigInt(Date.now()),
        }),
      });
    const legit = world.receiverToSenderAlertId; // IT's ROUTE alert to LY, AMBER
    await poison(
      'SUSPECT/RED reply',
      {
        kind: MessageKind.REPLY,
        message: reply(legit, 'LY/officer.tripoli'),
        category: Category.SUSPECT,
        classification: Classification.RED,
      },
      'CATEGORY_NOT_GRANTED',
    );
    await poison(
      'reply in a thread of IT→NE',
      {
        kind: MessageKind.REPLY,
        message: reply(world.receiverToThirdAlertId, 'LY/officer.tripoli'),
        category: Category.BULLETIN,
        classification: Classification.GREEN,
      },
      'UNKNOWN_ALERT',
    );
    await poison(
      "reply as NE's officer",
      {
        kind: MessageKind.REPLY,
        message: reply(legit, 'NE/officer.agadez'),
        category: Category.ROUTE,
        classification: Classification.AMBER,
      },
      'CONTENT_INVALID',
    );
    // The legitimate reply goes through, about IT's own alert, shown as LY's officer.
    const ok = partner.seal({
      kind: MessageKind.REPLY,
      message: reply(legit, 'LY/officer.tripoli'),
      category: Category.ROUTE,
      classification: Classification.AMBER,
    });
    await partner.produce([ok]);
    expect(await waitForInbox(net, 'IT', 'LY', ok.messageId, 10_000)).toBeDefined();
    const officer = net.gateways.IT.token({
      sub: 'officer.it',
      roles: ['officer'],
      clearance: 'AMBER',
      categories: ['ROUTE'],
    });
    const items = await net.gatewayCall<{
      items: {
        kind?: string;
        origin: string;
        sender: string;
        alertId: string;
        reply?: { officerId: string } | null;
      }[];
    }>('IT', 'GET', '/v1/inbox?limit=50', undefined, officer);
    const shown = items.items.find((i) => i.reply && i.alertId === legit);
    expect(shown).toMatchObject({ sender: 'LY', origin: 'IT', reply: { officerId: 'officer.tripoli' } });
  });

  it('an agreement id that is not the one of LY→IT is refused (AGREEMENT_MISMATCH), whatever it says', async () => {
    await poison(
      'IT↔NE agreement id',
      asAlert(lyBulletin(), { agreementId: world.otherAgreementId }),
      'AGREEMENT_MISMATCH',
    );
    await poison(
      'AG-BOGUS-<script>',
      asAlert(lyBulletin(), { agreementId: 'AG-BOGUS-<script>' }),
      'AGREEMENT_MISMATCH',
    );
    await poison(
      'NUL in the agreement id',
      asAlert(lyBulletin(), { agreementId: 'AG\u0000' }),
      'HEADER_INVALID',
    );
  });

  it('a message that would change nothing is refused with its reason and a negative receipt, not logged as done', async () => {
    const ack = await poison(
      'acknowledgement of an alert IT never sent LY',
      {
        kind: MessageKind.ACKNOWLEDGEMENT,
        message: messageOf({
          case: 'acknowledgement',
          value: create(AcknowledgementSchema, {
            alertId: world.receiverToThirdAlertId,
            officerId: 'officer.x',
            acknowledgedAtMs: BigInt(Date.now()),
          }),
        }),
        category: Category.BULLETIN,
        classification: Classification.GREEN,
      },
      'UNKNOWN_ALERT',
    );
    const withdrawal = await poison(
      'withdrawal of an unknown alert',
      {
        kind: MessageKind.WITHDRAWAL,
        message: messageOf({
          case: 'withdrawal',
          value: create(WithdrawalSchema, { alertId: uuidv7(), reason: 'x' }),
        }),
        category: Category.BULLETIN,
        classification: Classification.GREEN,
      },
      'UNKNOWN_ALERT',
    );
    const acked = await sql(it_(), `select 1 from audit_leaves where event in ('ACKNOWLEDGED', 'WITHDRAWN')`);
    expect(acked).toHaveLength(0);
    for (const m of [ack, withdrawal]) {
      const receipt = await receiptFor(m.messageId);
      expect({ status: receipt.status, reason: receipt.reasonCode }).toEqual({
        status: ReceiptStatus.REJECTED,
        reason: 'UNKNOWN_ALERT',
      });
    }
  });

  it('a suspect record outside the grant, with an excluded field filled, is refused as before', async () => {
    const suspect = lyBulletin({
      category: Category.SUSPECT,
      payload: {
        case: 'suspect',
        value: create(SuspectAlertSchema, { familyName: 'EXAMPLE', role: 'ORGANISER' }),
      },
    });
    await poison('suspect record', asAlert(suspect), 'CATEGORY_NOT_GRANTED');
  });

  it('a write the database refuses for a reason no check knows quarantines only that envelope (APPLY_FAILED)', async () => {
    // Stands for any value a column refuses that the content rules let through: a CHECK constraint added here.
    await sql(
      it_(),
      `alter table inbox add constraint hostile_test_poison check (title is distinct from 'refused by the database')`,
    );
    try {
      const before = partner.seal(asAlert(lyBulletin({ title: 'before the poison' })));
      const bad = partner.seal(asAlert(lyBulletin({ title: 'refused by the database' })));
      const after = partner.seal(asAlert(lyBulletin({ title: 'after the poison' })));
      const at = Date.now();
      await partner.produce([before, bad, after]);
      expect(await waitForInbox(net, 'IT', 'LY', after.messageId, 10_000)).toBeDefined();
      moveOn.push(['a value the database refuses', Date.now() - at]);
      expect(await waitForInbox(net, 'IT', 'LY', before.messageId, 1000)).toBeDefined();
      const q = await sql<{ reason_code: string; detail: string }>(
        it_(),
        'select reason_code, detail from quarantine where envelope_sha256 = $1',
        [Buffer.from(bad.sha, 'hex')],
      );
      expect(q).toEqual([
        { reason_code: 'APPLY_FAILED', detail: expect.stringMatching(/hostile_test_poison/) },
      ]);
      expect((await receiptFor(bad.messageId)).reasonCode).toBe('APPLY_FAILED');
    } finally {
      await sql(it_(), 'alter table inbox drop constraint hostile_test_poison');
    }
  });

  it('generated hostile envelopes: each quarantined with a reason or applied within the agreement; intake flows', async () => {
    const report = await runAdversarial({
      net,
      world,
      count: Number(process.env.CORRIDOR_ADVERSARIAL_COUNT ?? 300),
      deadlineMs: 120_000,
      roundSize: 30,
      grant: LY_IT_GRANT,
      seed: Number(process.env.CORRIDOR_ADVERSARIAL_SEED ?? 20_201),
    });
    process.stdout.write(
      `\n[hostile] ${report.sent} generated envelopes in ${report.rounds} rounds; outcomes:\n${formatOutcomes(report.outcomes).join('\n')}\n`,
    );
    expect(report.violations).toEqual([]);
    expect(report.sent).toBeGreaterThan(100);
    // Both outcomes occur: the generator reaches past the first checks.
    expect(Object.keys(report.outcomes).some((o) => o.startsWith('APPLIED:'))).toBe(true);
    expect(Object.keys(report.outcomes).filter((o) => o.startsWith('REJECTED:')).length).toBeGreaterThan(5);
  }, 240_000);

  it('the database away for a few seconds: intake waits, then applies everything once and quarantines nothing', async () => {
    const db = new URL(it_()).pathname.slice(1);
    const admin = (text: string) => sql(ADMIN_DATABASE_URL, text);
    const envelopes = Array.from({ length: 5 }, (_, i) =>
      partner.seal(asAlert(lyBulletin({ title: `while away ${i}` }))),
    );
    await admin(`alter database "${db}" with allow_connections false`);
    try {
      await admin(`select pg_terminate_backend(pid) from pg_stat_activity where datname = '${db}'`);
      await partner.produce(envelopes);
      await new Promise((r) => setTimeout(r, 4000));
    } finally {
      await admin(`alter database "${db}" with allow_connections true`);
    }
    for (const e of envelopes) {
      expect(await waitForInbox(net, 'IT', 'LY', e.messageId, 60_000)).toBeDefined();
    }
    const held = await sql<{ n: number }>(
      it_(),
      'select count(*)::int as n from inbox where message_id = any($1)',
      [envelopes.map((e) => e.messageId)],
    );
    expect(held).toEqual([{ n: 5 }]);
    const quarantined = await sql(it_(), 'select 1 from quarantine where message_id = any($1)', [
      envelopes.map((e) => e.messageId),
    ]);
    expect(quarantined).toHaveLength(0);
    const res = await fetch(`${net.gateways.IT.url}/health`);
    expect(res.status).toBe(200);
  }, 90_000);
});
