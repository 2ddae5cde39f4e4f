// The rules a sharing policy can refuse by, as keys: libs/policy returns them, the publishing API carries them, and
// the web app renders each from its catalogues (policyRule.<key>), so a reader sees the rule in their own language.
export const POLICY_RULE_KEYS = [
  'noAgreement',
  'agreementNotActive',
  'agreementNotInForce',
  'noDirection',
  'conflictingDirections',
  'categoryNotGranted',
  'classificationAboveGrant',
  'handlingAboveGrant',
  'unknownCategory',
  'unknownClassification',
  'unknownHandling',
  'payloadMismatch',
  'protectionPayloadMismatch',
  'excludedFieldPresent',
] as const;

export type PolicyRuleKey = (typeof POLICY_RULE_KEYS)[number];
