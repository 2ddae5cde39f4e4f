// The policy's refusal rule in the reader's language: the gateway sends a rule key and the codes, ids and dates it
// names (never English text to show); each key has its message in every catalogue (policyRule.*).
import type { PolicyRuleKey } from '@corridor/gateway-api';
import { formatDateTime } from '../shared/format';
import { currentLanguage, t } from '../shared/i18n';
import { categoryLabel } from '../shared/labels';

export function ruleText(key: PolicyRuleKey, raw: Record<string, string | number>): string {
  const v: Record<string, string | number> = { ...raw };
  if (typeof v.category === 'string') {
    v.category = categoryLabel(v.category);
  }
  for (const at of ['validFrom', 'validUntil']) {
    if (typeof v[at] === 'string') {
      v[at] = formatDateTime(v[at], currentLanguage());
    }
  }
  switch (key) {
    case 'noAgreement':
      return t('policyRule.noAgreement', v);
    case 'agreementNotActive':
      return t('policyRule.agreementNotActive', v);
    case 'agreementNotInForce':
      return t('policyRule.agreementNotInForce', v);
    case 'noDirection':
      return t('policyRule.noDirection', v);
    case 'conflictingDirections':
      return t('policyRule.conflictingDirections', v);
    case 'categoryNotGranted':
      return t('policyRule.categoryNotGranted', v);
    case 'classificationAboveGrant':
      return t('policyRule.classificationAboveGrant', v);
    case 'handlingAboveGrant':
      return t('policyRule.handlingAboveGrant', v);
    case 'unknownCategory':
      return t('policyRule.unknownCategory', v);
    case 'unknownClassification':
      return t('policyRule.unknownClassification', v);
    case 'unknownHandling':
      return t('policyRule.unknownHandling', v);
    case 'payloadMismatch':
      return t('policyRule.payloadMismatch', v);
    case 'protectionPayloadMismatch':
      return t('policyRule.protectionPayloadMismatch', v);
    case 'excludedFieldPresent':
      return t('policyRule.excludedFieldPresent', v);
  }
}
