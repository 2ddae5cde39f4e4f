// A reply: about an alert exchanged between this gateway and the sender only (one of ours that went to it, or one
// it sent here), under the agreement; the officer id is kept as the sender asserts it.
import {
  AuditEvent,
  Category,
  Classification,
  enumName,
  enumValue,
  EnvelopeHeader,
  HandlingCode,
  ReplySchema,
  toBinary,
} from '@corridor/contracts';
import { evaluateMessage } from '@corridor/policy';
import { assertedOfficerId } from '../../../inbox/identifiers';
import { Rejection } from '../opening';
import { HandlerContext, leafBase, Received } from './context';

/**
 * The country that originated the alert a reply is about: ours (its handling must then be within what the sender
 * may send here) or the sender's. Anything else — a third country's alert, one never exchanged — is refused.
 */
async function exchangedAlertOrigin(
  ctx: HandlerContext,
  header: EnvelopeHeader,
  alertId: string,
): Promise<string> {
  const sender = header.sender;
  const exchanged = await ctx.repos.inbox.exchangedAlert(ctx.em, alertId, sender);
  if (exchanged.ours) {
    const decision = evaluateMessage({
      from: sender,
      to: ctx.own,
      agreement: ctx.agreementWith(sender),
      now: ctx.now(),
      labels: {
        category: header.category,
        classification: header.classification,
        handling: enumValue(HandlingCode, exchanged.ours.handling) ?? HandlingCode.UNSPECIFIED,
      },
    });
    if (!decision.allowed) {
      throw new Rejection(decision.reason, decision.rule, true);
    }
    return ctx.own;
  }
  if (exchanged.senders) {
    return sender;
  }
  throw new Rejection(
    'UNKNOWN_ALERT',
    `reply about ${alertId}: no alert with that id was exchanged between ${sender} and ${ctx.own}`,
    true,
  );
}

export async function applyReply(ctx: HandlerContext, m: Received<'reply'>): Promise<void> {
  const { header, sha } = m;
  const sender = header.sender;
  const r = m.message.body.value;
  const origin = await exchangedAlertOrigin(ctx, header, r.alertId);
  const seq = await ctx.repos.inbox.insertReply(ctx.em, {
    messageId: header.messageId,
    sender,
    origin,
    alertId: r.alertId,
    threadId: header.threadId || null,
    category: enumName(Category, header.category),
    classification: enumName(Classification, header.classification),
    title: `Reply from ${sender}`,
    body: Buffer.from(toBinary(ReplySchema, r)),
    agreementId: header.agreementId,
    envelopeSha256: sha,
  });
  ctx.writes.feed.push({ inboxSeq: seq, event: 'REPLY' });
  ctx.writes.leaves.push({
    event: AuditEvent.REPLIED,
    ...leafBase(header, sha),
    alertId: r.alertId,
    officerId: `${sender}/${assertedOfficerId(sender, r.officerId)}`,
  });
}
