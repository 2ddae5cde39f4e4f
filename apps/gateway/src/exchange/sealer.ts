// Sealing one outbox entry for its recipient: under the pair's active agreement, with the best suite both gateways
// open that the agreement allows, for the recipient's current certificate (and, in suite 2, its current signed epoch
// key), signed with this gateway's key of that suite. A failure is returned, with whether a retry could help.
import type { KeyObject } from 'node:crypto';
import { AgreementState } from '@corridor/contracts';
import { bestCommonSuite, sealEnvelopeAsync, type VerifiedEpochKey } from '@corridor/envelope';
import type { ActiveAgreement } from '@corridor/policy';
import type { OutboxEntry } from './outbox';

export type SealedBytes = { bytes: Uint8Array; sha: Uint8Array; suite: number };
export type SealResult = SealedBytes | { error: string; final: boolean };

/** What sealing needs of the trust store. */
export interface SealingTrust {
  own: {
    country: string;
    key: KeyObject;
    certPem: string;
    ec?: { key: KeyObject; certPem: string };
    suites: number[];
  };
  agreementWith(partner: string): ActiveAgreement | undefined;
  certificateOf(country: string, keyType?: 'rsa' | 'ec'): string | undefined;
  suitesOf(country: string): number[];
  epochKeyOf(country: string, atMs: number): { epochKey: VerifiedEpochKey; certPem: string } | undefined;
}

/**
 * The suite to seal with: the best one both gateways open, within the agreement's list when it has one. Suite 2 only
 * while the partner has a signed, valid epoch key (`partnerEpochKey`); undefined when nothing qualifies.
 */
export function chooseSuite(options: {
  ours: readonly number[];
  theirs: readonly number[];
  agreementSuites: readonly number[];
  partnerEpochKey: boolean;
}): number | undefined {
  const allowed = (id: number) =>
    options.agreementSuites.length === 0 || options.agreementSuites.includes(id);
  const ours = options.ours.filter(allowed);
  const theirs = options.theirs.filter((id) => allowed(id) && (id !== 2 || options.partnerEpochKey));
  return bestCommonSuite(ours, theirs);
}

export async function sealEntry(trust: SealingTrust, row: OutboxEntry, nowMs: number): Promise<SealResult> {
  const agreement = trust.agreementWith(row.recipient);
  if (!agreement || agreement.state !== AgreementState.ACTIVE) {
    // Not final at once: an agreement may be resumed; the retry bound makes it final.
    return { error: `AGREEMENT_NOT_ACTIVE: no active agreement with ${row.recipient}`, final: false };
  }
  const epoch = trust.own.ec ? trust.epochKeyOf(row.recipient, nowMs) : undefined;
  const suite = chooseSuite({
    ours: trust.own.ec ? trust.own.suites : trust.own.suites.filter((id) => id !== 2),
    theirs: trust.suitesOf(row.recipient),
    agreementSuites: agreement.suites,
    partnerEpochKey: epoch !== undefined,
  });
  if (suite === undefined) {
    // Not final: the partner's epoch key or record may still arrive (a sender never falls back below the agreement).
    return {
      error: `NO_COMMON_SUITE: no suite both ${trust.own.country} and ${row.recipient} open${
        agreement.suites.length ? ` within the agreement's ${agreement.suites.join(',')}` : ''
      } (suite 2 needs the partner's signed, valid epoch key)`,
      final: false,
    };
  }
  const recipientCertPem = suite === 2 ? epoch?.certPem : trust.certificateOf(row.recipient, 'rsa');
  if (!recipientCertPem) {
    return { error: `NO_RECIPIENT_CERT: no valid certificate for ${row.recipient}`, final: false };
  }
  const signer = suite === 2 ? trust.own.ec! : trust.own;
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
      messageBytes: row.messageBytes,
      senderKey: signer.key,
      senderCertPem: signer.certPem,
      recipientCertPem,
      suite,
      recipientEpochKey: suite === 2 ? epoch?.epochKey : undefined,
    });
    return { bytes: sealed.bytes, sha: sealed.envelopeSha256, suite };
  } catch (err) {
    return { error: `SEAL_FAILED: ${(err as Error).message}`, final: true };
  }
}
