// A withdrawal: only of an alert this sender originated and sent here; its content is removed at once. Anything
// else changes nothing and is refused (UNKNOWN_ALERT), never logged as done.
import { AuditEvent } from '@corridor/contracts';
import { Rejection } from '../opening';
import { HandlerContext, leafBase, Received } from './context';

export async function applyWithdrawal(ctx: HandlerContext, m: Received<'withdrawal'>): Promise<void> {
  const { header } = m;
  const alertId = m.message.body.value.alertId;
  const seq = await ctx.repos.inbox.withdraw(ctx.em, header.sender, alertId);
  if (seq === undefined) {
    throw new Rejection(
      'UNKNOWN_ALERT',
      `withdrawal of ${alertId}: no alert of ${header.sender} with that id is held here, or it is withdrawn`,
      true,
    );
  }
  ctx.writes.feed.push({ inboxSeq: seq, event: 'WITHDRAWN' });
  ctx.writes.leaves.push({ event: AuditEvent.WITHDRAWN, ...leafBase(header, m.sha), alertId });
}
