// Sealing one outbox entry for its recipient: under the pair's active agreement, for the recipient's current
// certificate, signed with this gateway's key. A failure is returned, with whether a retry could help.
import type { KeyObject } from 'node:crypto';
import { AgreementState } from '@corridor/contracts';
import { sealEnvelopeAsync } from '@corridor/envelope';
import type { ActiveAgreement } from '@corridor/policy';
import type { OutboxEntry } from './outbox';

export type SealedBytes = { bytes: Uint8Array; sha: Uint8Array };
export type SealResult = SealedBytes | { error: string; final: boolean };

/** What sealing needs of the trust store. */
export interface SealingTrust {
  own: { country: string; key: KeyObject; certPem: string };
  agreementWith(partner: string): ActiveAgreement | undefined;
  certificateOf(country: string): string | undefined;
}

export async function sealEntry(trust: SealingTrust, row: OutboxEntry, nowMs: number): Promise<SealResult> {
  const agreement = trust.agreementWith(row.recipient);
  if (!agreement || agreement.state !== AgreementState.ACTIVE) {
    // Not final at once: an agreement may be resumed; the retry bound makes it final.
    return { error: `AGREEMENT_NOT_ACTIVE: no active agreement with ${row.recipient}`, final: false };
  }
  const recipientCertPem = trust.certificateOf(row.recipient);
  if (!recipientCertPem) {
    return { error: `NO_RECIPIENT_CERT: no valid certificate for ${row.recipient}`, final: false };
  }
  try {
    const sealed = await sealEnvelopeAsync({
      header: {
        sender: trust.own.country,
        recipient: row.recipient,
        messageId: row.messageId,
        createdAtMs: nowMs,
        agreementId: agreement.id,
        kind: row.kind,
        category: row.category,
        classification: row.classification,
        threadId: row.threadId ?? '',
      },
      message: row.message,
      senderKey: trust.own.key,
      senderCertPem: trust.own.certPem,
      recipientCertPem,
    });
    return { bytes: sealed.bytes, sha: sealed.envelopeSha256 };
  } catch (err) {
    return { error: `SEAL_FAILED: ${(err as Error).message}`, final: true };
  }
}
