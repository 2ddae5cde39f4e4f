// A chunk of a partner's document register: records added or replaced, records withdrawn, or the whole register
// withdrawn — only within the registers of that sender. Screening (agreement grants DOCUMENT, every record within
// the rules) happened before; a chunk that fails fails alone, and its sender learns which from the negative receipt.
import { AuditEvent, Classification, enumName, RegisterOperation } from '@corridor/contracts';
import { evaluateMessage, retentionDeadline } from '@corridor/policy';
import { storedRecord } from '../../../registers/register-chunks';
import { Rejection } from '../opening';
import { HandlerContext, leafBase, Received } from './context';

export async function applyRegisterChunk(ctx: HandlerContext, m: Received<'registerChunk'>): Promise<void> {
  const { header } = m;
  const chunk = m.message.body.value;
  const repo = ctx.repos.registerRecords;
  if (!repo) {
    throw new Error('document registers are not wired in this gateway');
  }
  const source = header.sender;
  switch (chunk.operation) {
    case RegisterOperation.UPSERT: {
      // Screened already; asked again for the direction's terms (retention).
      const decision = evaluateMessage({
        from: source,
        to: ctx.own,
        agreement: ctx.agreementWith(source),
        now: ctx.now(),
        labels: { category: header.category, classification: header.classification },
      });
      if (!decision.allowed) {
        throw new Rejection(decision.reason, decision.rule, true);
      }
      await repo.upsert(ctx.em, {
        source,
        registerId: chunk.registerId,
        registerName: chunk.name,
        // as the inbox stores it, so the officer's scope (CLASSIFICATION_NAMES) applies alike
        classification: enumName(Classification, header.classification),
        records: chunk.records.map(storedRecord),
        retainUntilMs: retentionDeadline({ receivedAtMs: ctx.now(), terms: decision.terms }),
      });
      break;
    }
    case RegisterOperation.WITHDRAW_RECORDS:
      await repo.withdrawRecords(ctx.em, {
        source,
        registerId: chunk.registerId,
        recordIds: chunk.withdrawnRecordIds,
      });
      break;
    case RegisterOperation.WITHDRAW_REGISTER:
      await repo.withdrawRegister(ctx.em, { source, registerId: chunk.registerId });
      break;
    case RegisterOperation.UNSPECIFIED:
    default:
      // screened before: cannot happen
      throw new Error(`register chunk with operation ${chunk.operation as number}`);
  }
  ctx.writes.leaves.push({
    event: chunk.operation === RegisterOperation.UPSERT ? AuditEvent.RECEIVED : AuditEvent.WITHDRAWN,
    ...leafBase(header, m.sha),
    alertId: chunk.registerId,
    agreementId: header.agreementId,
    reasonCode: `REGISTER_${enumName(RegisterOperation, chunk.operation)}`,
  });
}
