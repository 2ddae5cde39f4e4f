// Receipts from a partner (one, or a batch): each entry must name exact bytes we sent it. Matching entries mark
// their outbox rows DELIVERED (or REJECTED); entries that match nothing are quarantined with the message.
import { AuditEvent, Category, enumName, enumValue, ReceiptStatus } from '@corridor/contracts';
import { receiptsOf } from '@corridor/envelope';
import { Rejection } from '../opening';
import { HandlerContext, Received } from './context';

export async function applyReceipts(ctx: HandlerContext, m: Received<'receipt' | 'receipts'>): Promise<void> {
  const { header, sha } = m;
  const sender = header.sender;
  const receipts = receiptsOf(m.message);
  // Match each entry to a row we sent that partner with exactly those bytes, and apply the matches, in one statement.
  const matched = await ctx.repos.outbox.applyReceipts(
    ctx.em,
    sender,
    receipts.map((r) => ({
      // empty: the partner refused bytes it could not read; they are matched by their hash alone
      messageId: r.messageId === '' ? null : r.messageId,
      envelopeSha256: r.envelopeSha256,
      outcome: r.status === ReceiptStatus.ACCEPTED ? 'DELIVERED' : 'REJECTED',
      receiptStatus: enumName(ReceiptStatus, r.status),
      reasonCode: r.reasonCode,
    })),
  );
  const byIndex = new Map(matched.map((x) => [x.index, x]));
  const now = ctx.now();
  for (const [i, x] of byIndex) {
    const r = receipts[i];
    ctx.writes.leaves.push({
      event: AuditEvent.RECEIPT,
      peer: sender,
      messageId: x.messageId,
      envelopeSha256: sha,
      reasonCode: r.status === ReceiptStatus.ACCEPTED ? 'ACCEPTED' : r.reasonCode,
      category: (x.category ? enumValue(Category, x.category) : undefined) ?? header.category,
    });
    ctx.observeReceiptLatency((now - x.queuedAt.getTime()) / 1000);
  }
  const unmatched = receipts
    .filter((_, i) => !byIndex.has(i))
    .map((r) => r.messageId || `sha256:${Buffer.from(r.envelopeSha256).toString('hex').slice(0, 16)}`);
  if (unmatched.length > 0) {
    await ctx.quarantine(
      m.record,
      new Rejection(
        'RECEIPT_MISMATCH',
        `${unmatched.length} of ${receipts.length} receipts name no envelope we sent to ${sender}: ${unmatched.slice(0, 5).join(', ')}`,
        true,
      ),
      header,
    );
  }
}
