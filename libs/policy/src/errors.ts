// Why a message may not cross (or arrive on) a direction of an agreement; stable codes for audit and APIs.
export type PolicyReason =
  | 'NO_AGREEMENT'
  | 'AGREEMENT_NOT_ACTIVE'
  | 'AGREEMENT_NOT_IN_FORCE'
  | 'NO_DIRECTION'
  | 'CATEGORY_NOT_GRANTED'
  | 'CLASSIFICATION_ABOVE_GRANT'
  | 'HANDLING_ABOVE_GRANT'
  | 'INVALID_ALERT'
  | 'CATEGORY_PAYLOAD_MISMATCH'
  | 'EXCLUDED_FIELD_PRESENT';

export const POLICY_REASONS: readonly PolicyReason[] = [
  'NO_AGREEMENT',
  'AGREEMENT_NOT_ACTIVE',
  'AGREEMENT_NOT_IN_FORCE',
  'NO_DIRECTION',
  'CATEGORY_NOT_GRANTED',
  'CLASSIFICATION_ABOVE_GRANT',
  'HANDLING_ABOVE_GRANT',
  'INVALID_ALERT',
  'CATEGORY_PAYLOAD_MISMATCH',
  'EXCLUDED_FIELD_PRESENT',
];

export type MrzErrorCode = 'MRZ_FORMAT' | 'MRZ_CHARSET' | 'MRZ_CHECK_DIGIT' | 'MRZ_FIELD';

export type PolicyErrorCode = PolicyReason | 'INVALID_TRANSITION' | MrzErrorCode;

/** The one error class of libs/policy. A policy refusal never gets better by retrying. */
export class PolicyError extends Error {
  readonly retriable = false;

  constructor(
    readonly code: PolicyErrorCode,
    /** Human text naming the rule that refused, e.g. "agreement AG-1 LY→IT does not grant category SUSPECT". */
    readonly rule: string,
  ) {
    super(`${code}: ${rule}`);
    this.name = 'PolicyError';
  }
}

/** An MRZ that fails ICAO 9303 validation; `field` names what failed, e.g. "document number check digit". */
export class MrzError extends PolicyError {
  declare readonly code: MrzErrorCode;

  constructor(
    code: MrzErrorCode,
    readonly field: string,
  ) {
    super(code, field);
    this.name = 'MrzError';
  }
}
