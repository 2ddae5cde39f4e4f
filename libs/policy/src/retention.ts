import type { Alert, DirectionTerms } from '@corridor/contracts';

export const MS_PER_DAY = 86_400_000;

/**
 * When received personal data must be purged: receivedAt + retention days. Zero days means the agreement
 * lets no personal data be kept, so the deadline is the moment of receipt (purge as soon as delivered).
 */
export function retentionDeadline(input: {
  receivedAtMs: number;
  terms: Pick<DirectionTerms, 'retentionDays'>;
}): number {
  return input.receivedAtMs + input.terms.retentionDays * MS_PER_DAY;
}

/**
 * Whether an alert carries data about an identifiable person, so that retention and view logging apply.
 * Decided on the payload actually carried, not on the category label:
 * - suspect: always (the record is about a person, even with few fields filled);
 * - protection referral: always (people in distress, minors, victims: the most sensitive data we carry);
 * - document: when a document number or an MRZ is present (they identify the holder); a pattern
 *   description of a fraud without them does not;
 * - financial flow: when a reference is present (it leads to an account or a sender); amounts, corridors
 *   and methods alone do not;
 * - route and bulletin: no (they have no person fields; free text is not scanned, senders are told not to
 *   put names there and agreements can exclude those fields);
 * - no payload: yes, as unknown content is treated as personal (the safe side for retention).
 */
export function containsPersonalData(alert: Alert): boolean {
  const payload = alert.payload;
  switch (payload.case) {
    case 'suspect':
    case 'protectionReferral':
      return true;
    case 'document':
      return payload.value.number !== '' || payload.value.mrz.some((line) => line !== '');
    case 'financialFlow':
      return payload.value.reference !== '';
    case 'route':
    case 'bulletin':
      return false;
    case undefined:
      return true;
  }
}
