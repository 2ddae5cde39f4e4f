// An acknowledgement: only of an alert of ours that went to the sender; recorded on those outbox rows (the first
// acknowledgement stays). Anything else changes nothing and is refused (UNKNOWN_ALERT).
import { AuditEvent } from '@corridor/contracts';
import { assertedOfficerId } from '../../../inbox/identifiers';
import { Rejection } from '../opening';
import { HandlerContext, leafBase, Received } from './context';

export async function applyAcknowledgement(
  ctx: HandlerContext,
  m: Received<'acknowledgement'>,
): Promise<void> {
  const { header, sha } = m;
  const sender = header.sender;
  const a = m.message.body.value;
  const officer = `${sender}/${assertedOfficerId(sender, a.officerId)}`;
  const known = await ctx.repos.outbox.acknowledge(ctx.em, {
    alertId: a.alertId,
    recipient: sender,
    acknowledgedBy: officer,
    acknowledgedAtMs: Number(a.acknowledgedAtMs),
  });
  if (known === 0) {
    throw new Rejection(
      'UNKNOWN_ALERT',
      `acknowledgement of ${a.alertId}: this gateway sent no alert with that id to ${sender}`,
      true,
    );
  }
  ctx.writes.leaves.push({
    event: AuditEvent.ACKNOWLEDGED,
    ...leafBase(header, sha),
    alertId: a.alertId,
    officerId: officer,
  });
}
