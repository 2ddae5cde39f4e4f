import {
  AgreementState,
  Category,
  Classification,
  enumName,
  HandlingCode,
  tlpLabel,
  type Alert,
  type DirectionTerms,
  type PolicyRuleKey,
} from '@corridor/contracts';
import type { ActiveAgreement } from './agreement';
import { PolicyError, type PolicyReason } from './errors';
import { canonicalFieldPath, filledExcludedFields, redactOwnCopy } from './fields';
import { minimiseProtectionReferral } from './protection';

export interface PolicyAllowed {
  allowed: true;
  /** A copy of the alert as it may cross: redacted and minimised. The input alert is never modified. */
  alert: Alert;
  /** Canonical paths (e.g. "suspect.phones") removed by the sender; on receive, those the sender declared. */
  redactedFields: string[];
  /** The direction of the agreement that allowed it. */
  terms: DirectionTerms;
}

/** The values the rule names: codes, ids, dates and counts only, never content. */
export type PolicyRuleValues = Record<string, string | number>;

export interface PolicyDenied {
  allowed: false;
  reason: PolicyReason;
  /** Human text naming the rule, e.g. "agreement AG-1 LY→IT does not grant category SUSPECT". No content. */
  rule: string;
  /** The same rule as a key and its values, for a reader in another language. */
  ruleKey: PolicyRuleKey;
  ruleValues: PolicyRuleValues;
}

export type PolicyDecision = PolicyAllowed | PolicyDenied;

export interface SendCheck {
  alert: Alert;
  /** ISO 3166-1 alpha-2 of the sending gateway. */
  from: string;
  /** ISO 3166-1 alpha-2 of the receiving gateway. */
  to: string;
  /** The agreement between the two, as the checking gateway knows it; undefined when there is none. */
  agreement: ActiveAgreement | undefined;
  /** Current time, ms since epoch. */
  now: number;
}

export interface ReceiveCheck extends SendCheck {
  /** The paths the sender says it removed (ExchangeMessage.redacted_fields). */
  redactedFields: readonly string[];
}

// Which payload each category must carry: a protection referral can never travel as a suspect record.
const PAYLOAD_OF_CATEGORY: Readonly<Record<Category, Alert['payload']['case']>> = {
  [Category.UNSPECIFIED]: undefined,
  [Category.ROUTE]: 'route',
  [Category.DOCUMENT]: 'document',
  [Category.SUSPECT]: 'suspect',
  [Category.FINANCIAL_FLOW]: 'financialFlow',
  [Category.PROTECTION_REFERRAL]: 'protectionReferral',
  [Category.BULLETIN]: 'bulletin',
};

function isKnown(values: Record<number, string>, value: number): boolean {
  return value !== 0 && typeof values[value] === 'string';
}

function deny(
  reason: PolicyReason,
  rule: string,
  ruleKey: PolicyRuleKey,
  ruleValues: PolicyRuleValues,
): PolicyDenied {
  return { allowed: false, reason, rule, ruleKey, ruleValues };
}

function isoOrMs(ms: number): string {
  return Number.isFinite(ms) && Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : String(ms);
}

/** The direction of an active, in-force agreement that covers from→to, or the refusal. */
function checkDirection(input: {
  from: string;
  to: string;
  agreement: ActiveAgreement | undefined;
  now: number;
}): { allowed: true; terms: DirectionTerms; name: string; named: PolicyRuleValues } | PolicyDenied {
  const { from, to, agreement, now } = input;
  if (agreement === undefined) {
    return deny('NO_AGREEMENT', `no agreement covers ${from}→${to}`, 'noAgreement', { from, to });
  }
  const name = `agreement ${agreement.id} ${from}→${to}`;
  const named = { agreement: agreement.id, from, to };
  if (agreement.state !== AgreementState.ACTIVE) {
    return deny(
      'AGREEMENT_NOT_ACTIVE',
      `${name} is ${enumName(AgreementState, agreement.state)}, not ACTIVE`,
      'agreementNotActive',
      { ...named, state: enumName(AgreementState, agreement.state) },
    );
  }
  const inForce = now >= agreement.validFromMs && now < agreement.validUntilMs;
  if (!inForce) {
    return deny(
      'AGREEMENT_NOT_IN_FORCE',
      `${name} is in force from ${isoOrMs(agreement.validFromMs)} until ${isoOrMs(agreement.validUntilMs)}, not at ${isoOrMs(now)}`,
      'agreementNotInForce',
      { ...named, validFrom: isoOrMs(agreement.validFromMs), validUntil: isoOrMs(agreement.validUntilMs) },
    );
  }
  const directions = agreement.directions.filter((d) => d.from === from && d.to === to);
  const between = from !== to && agreement.parties.includes(from) && agreement.parties.includes(to);
  if (!between || directions.length !== 1) {
    return deny(
      'NO_DIRECTION',
      directions.length > 1
        ? `${name} has ${directions.length} conflicting direction terms`
        : `${name} has no terms for this direction`,
      directions.length > 1 ? 'conflictingDirections' : 'noDirection',
      directions.length > 1 ? { ...named, count: directions.length } : named,
    );
  }
  return { allowed: true, terms: directions[0], name, named };
}

/** The labels a message carries: an alert's own, or those of the alert a reply, update or withdrawal is about. */
export interface MessageLabels {
  category: Category;
  classification: Classification;
  /** Absent for messages whose handling is not known to the checker. */
  handling?: HandlingCode;
}

/** Category granted, classification and handling within the grant; unknown values are INVALID_ALERT. */
function checkLabels(
  terms: DirectionTerms,
  name: string,
  named: PolicyRuleValues,
  labels: MessageLabels,
): PolicyDenied | undefined {
  // Unknown or UNSPECIFIED values skip the grant comparisons and are refused as INVALID_ALERT below.
  if (isKnown(Category, labels.category) && !terms.categories.includes(labels.category)) {
    return deny(
      'CATEGORY_NOT_GRANTED',
      `${name} does not grant category ${enumName(Category, labels.category)}`,
      'categoryNotGranted',
      { ...named, category: enumName(Category, labels.category) },
    );
  }
  if (
    isKnown(Classification, labels.classification) &&
    !(isKnown(Classification, terms.maxClassification) && labels.classification <= terms.maxClassification)
  ) {
    return deny(
      'CLASSIFICATION_ABOVE_GRANT',
      `${name} grants classification up to TLP:${tlpLabel(terms.maxClassification)}, alert is TLP:${tlpLabel(labels.classification)}`,
      'classificationAboveGrant',
      { ...named, max: tlpLabel(terms.maxClassification), classification: tlpLabel(labels.classification) },
    );
  }
  const handling = labels.handling;
  if (
    handling !== undefined &&
    isKnown(HandlingCode, handling) &&
    !(isKnown(HandlingCode, terms.maxHandling) && handling <= terms.maxHandling)
  ) {
    return deny(
      'HANDLING_ABOVE_GRANT',
      `${name} grants handling up to ${enumName(HandlingCode, terms.maxHandling)}, alert is ${enumName(HandlingCode, handling)}`,
      'handlingAboveGrant',
      {
        ...named,
        max: enumName(HandlingCode, terms.maxHandling),
        handling: enumName(HandlingCode, handling),
      },
    );
  }
  if (!isKnown(Category, labels.category)) {
    return deny(
      'INVALID_ALERT',
      `alert category ${enumName(Category, labels.category)} is not a known category`,
      'unknownCategory',
      { category: enumName(Category, labels.category) },
    );
  }
  if (!isKnown(Classification, labels.classification)) {
    return deny(
      'INVALID_ALERT',
      `alert classification ${tlpLabel(labels.classification)} is not a TLP 2.0 label`,
      'unknownClassification',
      { classification: tlpLabel(labels.classification) },
    );
  }
  if (handling !== undefined && !isKnown(HandlingCode, handling)) {
    return deny(
      'INVALID_ALERT',
      `alert handling ${enumName(HandlingCode, handling)} is not a known code`,
      'unknownHandling',
      { handling: enumName(HandlingCode, handling) },
    );
  }
  return undefined;
}

/**
 * The checks shared by send and receive, in order; deny by default: each step states what must hold
 * for the alert to go on, and anything else is refused.
 */
function checkAgreementAndAlert(
  input: SendCheck,
): { allowed: true; terms: DirectionTerms; name: string; named: PolicyRuleValues } | PolicyDenied {
  const { alert } = input;
  const checked = checkDirection(input);
  if (!checked.allowed) {
    return checked;
  }
  const denied = checkLabels(checked.terms, checked.name, checked.named, alert);
  if (denied) {
    return denied;
  }
  const expectedPayload = PAYLOAD_OF_CATEGORY[alert.category];
  const payload = alert.payload.case;
  if (payload !== expectedPayload) {
    const protection = alert.category === Category.PROTECTION_REFERRAL || payload === 'protectionReferral';
    return deny(
      'CATEGORY_PAYLOAD_MISMATCH',
      `${protection ? 'a protection referral must never travel as another kind of record: ' : ''}category ${enumName(Category, alert.category)} carries payload ${payload ?? 'none'}`,
      protection ? 'protectionPayloadMismatch' : 'payloadMismatch',
      { category: enumName(Category, alert.category), payload: payload ?? 'none' },
    );
  }
  return checked;
}

export interface MessageCheck {
  /** ISO 3166-1 alpha-2 of the sending gateway. */
  from: string;
  /** ISO 3166-1 alpha-2 of the receiving gateway. */
  to: string;
  /** The agreement between the two, as the checking gateway knows it; undefined when there is none. */
  agreement: ActiveAgreement | undefined;
  /** Current time, ms since epoch. */
  now: number;
  /** The labels of the message (a reply, acknowledgement, update or withdrawal carries those of its alert). */
  labels: MessageLabels;
}

/**
 * May a message about an alert (a reply, an acknowledgement, a withdrawal) go from `from` to `to` now? The same
 * rules as for the alert itself, on the labels it carries: NO_AGREEMENT, AGREEMENT_NOT_ACTIVE,
 * AGREEMENT_NOT_IN_FORCE, NO_DIRECTION, CATEGORY_NOT_GRANTED, CLASSIFICATION_ABOVE_GRANT, HANDLING_ABOVE_GRANT,
 * INVALID_ALERT.
 */
export function evaluateMessage(
  input: MessageCheck,
): { allowed: true; terms: DirectionTerms } | PolicyDenied {
  const checked = checkDirection(input);
  if (!checked.allowed) {
    return checked;
  }
  return (
    checkLabels(checked.terms, checked.name, checked.named, input.labels) ?? {
      allowed: true,
      terms: checked.terms,
    }
  );
}

/**
 * May this alert go from `from` to `to` now? If so, returns the copy that may cross: protection referrals
 * minimised, fields the direction excludes removed. Checks, in order: NO_AGREEMENT, AGREEMENT_NOT_ACTIVE,
 * AGREEMENT_NOT_IN_FORCE, NO_DIRECTION, CATEGORY_NOT_GRANTED, CLASSIFICATION_ABOVE_GRANT,
 * HANDLING_ABOVE_GRANT, INVALID_ALERT, CATEGORY_PAYLOAD_MISMATCH.
 */
export function evaluateSend(input: SendCheck): PolicyDecision {
  const checked = checkAgreementAndAlert(input);
  if (!checked.allowed) {
    return checked;
  }
  // minimiseProtectionReferral returns a fresh copy (unknown fields dropped): redacted in place, not copied again.
  const { alert, redactedFields } = redactOwnCopy({
    alert: minimiseProtectionReferral(input.alert),
    excludedFields: checked.terms.excludedFields,
  });
  return { allowed: true, alert, redactedFields, terms: checked.terms };
}

/**
 * The receiving side's check of what arrived: the same rules as on send, then EXCLUDED_FIELD_PRESENT
 * when a field the direction excludes holds a value (the sender should have removed it).
 */
export function evaluateReceive(input: ReceiveCheck): PolicyDecision {
  const checked = checkAgreementAndAlert(input);
  if (!checked.allowed) {
    return checked;
  }
  const present = filledExcludedFields({ alert: input.alert, excludedFields: checked.terms.excludedFields });
  if (present.length > 0) {
    return deny(
      'EXCLUDED_FIELD_PRESENT',
      `${checked.name} excludes ${present.join(', ')}, which arrived filled`,
      'excludedFieldPresent',
      { ...checked.named, fields: present.join(', ') },
    );
  }
  const declared = new Set<string>();
  for (const path of input.redactedFields) {
    const canonical = canonicalFieldPath(path);
    if (canonical !== undefined) {
      declared.add(canonical);
    }
  }
  // Minimised here too, so a sender that skipped it does not put more than the least data in our store.
  return {
    allowed: true,
    alert: minimiseProtectionReferral(input.alert),
    redactedFields: [...declared],
    terms: checked.terms,
  };
}

function requireAllowed(decision: PolicyDecision): PolicyAllowed {
  if (!decision.allowed) {
    throw new PolicyError(decision.reason, decision.rule);
  }
  return decision;
}

/** evaluateSend that throws PolicyError (code = reason, `.rule`, not retriable) when refused. */
export function requireSend(input: SendCheck): PolicyAllowed {
  return requireAllowed(evaluateSend(input));
}

/** evaluateReceive that throws PolicyError (code = reason, `.rule`, not retriable) when refused. */
export function requireReceive(input: ReceiveCheck): PolicyAllowed {
  return requireAllowed(evaluateReceive(input));
}
