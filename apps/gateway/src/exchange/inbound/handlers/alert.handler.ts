// A new alert or an update: policy on receive (the same rules as on send, no excluded field present), then one
// statement (corridor_accept_alert) that dedupes and writes the inbox. Updates reach only the sender's own alerts.
import {
  Alert,
  AlertSchema,
  AuditEvent,
  Category,
  Classification,
  enumName,
  EnvelopeHeader,
  ExchangeMessage,
  MessageKind,
  Priority,
  toBinary,
} from '@corridor/contracts';
import { containsPersonalData, evaluateReceive, PolicyAllowed, retentionDeadline } from '@corridor/policy';
import type { LeafInput } from '../../../audit/audit.log';
import { normaliseDocNumber } from '../../../inbox/identifiers';
import type { AcceptStatus, InboxAlertRow } from '../../../inbox/inbox.repository';
import { Rejection } from '../opening';
import type { HandlerContext } from './context';

/** Header and body must agree: category and classification in the signed header decide routing and policy. */
function checkAlertHeader(header: EnvelopeHeader, alert: Alert): void {
  if (alert.category !== header.category || alert.classification !== header.classification) {
    throw new Rejection(
      'HEADER_MISMATCH',
      'category or classification in the header differs from the alert',
      true,
    );
  }
  if (alert.originatorCountry !== header.sender) {
    throw new Rejection(
      'ORIGINATOR_MISMATCH',
      `alert claims originator ${alert.originatorCountry}, signed by ${header.sender}`,
      true,
    );
  }
}

/** Policy on receive for an alert or an update, before anything is written; throws the Rejection. */
export function receiveDecision(
  opts: Pick<HandlerContext, 'own' | 'agreementWith' | 'now'>,
  header: EnvelopeHeader,
  message: ExchangeMessage,
): PolicyAllowed {
  const body = message.body;
  const alert = body.case === 'alert' ? body.value : body.case === 'update' ? body.value.alert : undefined;
  if (!alert) {
    throw new Rejection('MALFORMED', 'update without the new alert', true);
  }
  checkAlertHeader(header, alert);
  const decision = evaluateReceive({
    alert,
    from: header.sender,
    to: opts.own,
    agreement: opts.agreementWith(header.sender),
    now: opts.now(),
    redactedFields: message.redactedFields,
  });
  if (!decision.allowed) {
    throw new Rejection(decision.reason, decision.rule, true);
  }
  return decision;
}

/** An accepted alert or update as the inbox stores it. */
export function inboxRow(
  header: EnvelopeHeader,
  accepted: PolicyAllowed,
  sha: Uint8Array,
  nowMs: number,
): InboxAlertRow {
  const kept = accepted.alert;
  return {
    messageId: header.messageId,
    sender: header.sender,
    alertId: kept.id,
    threadId: kept.threadId || null,
    category: enumName(Category, kept.category),
    classification: enumName(Classification, kept.classification),
    priority: enumName(Priority, kept.priority),
    title: kept.title,
    body: Buffer.from(toBinary(AlertSchema, kept)),
    redactedFields: accepted.redactedFields,
    agreementId: header.agreementId,
    envelopeSha256: sha,
    retainUntil: containsPersonalData(kept)
      ? new Date(retentionDeadline({ receivedAtMs: nowMs, terms: accepted.terms }))
      : null,
    docNumber: kept.payload.case === 'document' ? normaliseDocNumber(kept.payload.value.number) : null,
    kind: header.kind === MessageKind.UPDATE ? 'UPDATE' : 'ALERT',
  };
}

export function receivedLeaf(header: EnvelopeHeader, accepted: { alert: Alert }, sha: Uint8Array): LeafInput {
  return {
    event: AuditEvent.RECEIVED,
    peer: header.sender,
    messageId: header.messageId,
    envelopeSha256: sha,
    category: accepted.alert.category,
    alertId: accepted.alert.id,
    agreementId: header.agreementId,
    reasonCode: enumName(MessageKind, header.kind),
  };
}

/**
 * Applies an alert or an update (already through `receiveDecision`); false for a duplicate (its receipt is owed
 * again); a Rejection when the alert id is not the sender's to use this way.
 */
export async function applyAlert(
  ctx: HandlerContext,
  r: { header: EnvelopeHeader; sha: Uint8Array; accepted: PolicyAllowed },
): Promise<boolean> {
  const row = await ctx.repos.inbox.acceptAlert(ctx.em, inboxRow(r.header, r.accepted, r.sha, ctx.now()));
  return settleAlert(ctx, r, row);
}

/**
 * What follows the inbox write of an alert or update (`acceptAlert`, or one row of `acceptAlerts`): its feed entry,
 * RECEIVED leaf and receipt owed; false for a duplicate (its receipt is owed again); a Rejection when the alert id is
 * not the sender's to use this way.
 */
export function settleAlert(
  ctx: HandlerContext,
  r: { header: EnvelopeHeader; sha: Uint8Array; accepted: PolicyAllowed },
  row: { status: AcceptStatus; seq: number | null },
): boolean {
  const { header, sha, accepted } = r;
  const id = accepted.alert.id;
  switch (row.status) {
    case 'DUPLICATE':
      // Already processed (a redelivery, or the sender's retry after a crash): send the receipt again, nothing else.
      ctx.owe(header, sha, 'ACCEPTED', '');
      return false;
    case 'ALERT_WITHDRAWN':
      throw new Rejection('ALERT_WITHDRAWN', `update of withdrawn alert ${id}`, true);
    case 'UNKNOWN_ALERT':
      throw new Rejection(
        'UNKNOWN_ALERT',
        `update of ${id}: no alert of ${header.sender} with that id is held here`,
        true,
      );
    case 'ALERT_ID_REUSED':
      throw new Rejection(
        'ALERT_ID_REUSED',
        `${header.sender} already sent an alert ${id}; an update must say so`,
        true,
      );
    case 'OK':
      break;
  }
  ctx.writes.feed.push({
    inboxSeq: Number(row.seq),
    event: header.kind === MessageKind.UPDATE ? 'UPDATED' : 'ALERT',
  });
  ctx.writes.leaves.push(receivedLeaf(header, accepted, sha));
  ctx.owe(header, sha, 'ACCEPTED', '');
  return true;
}
