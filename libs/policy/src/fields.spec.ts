import { AlertSchema, equals, clone } from '@corridor/contracts';
import { canonicalFieldPath, filledExcludedFields, redactAlert, validateExcludedFields } from './fields';
import { alertFixture } from './policy.fixtures';

describe('validateExcludedFields', () => {
  test.each([
    ['suspect.phones', 'suspect.phones'],
    ['suspect.given_names', 'suspect.given_names'],
    ['suspect.givenNames', 'suspect.given_names'],
    ['financial_flow.reference', 'financial_flow.reference'],
    ['financialFlow.reference', 'financial_flow.reference'],
    ['protection_referral.last_known_position', 'protection_referral.last_known_position'],
    ['route.transit', 'route.transit'],
    ['document.mrz', 'document.mrz'],
    ['bulletin.body', 'bulletin.body'],
    ['title', 'title'],
    ['originatorAgency', 'originator_agency'],
  ])('%s is a known path (canonical %s)', (path, canonical) => {
    expect(validateExcludedFields([path])).toEqual([]);
    expect(canonicalFieldPath(path)).toBe(canonical);
  });

  test.each([
    ['typo in field', 'suspect.phone'],
    ['typo in payload', 'suspects.phones'],
    ['field of another payload', 'route.phones'],
    ['whole payload', 'suspect'],
    ['deeper than supported', 'route.origin.point'],
    ['identity field', 'id'],
    ['category label', 'category'],
    ['classification label', 'classification'],
    ['originator country', 'originator_country'],
    ['empty', ''],
    ['trailing dot', 'suspect.'],
  ])('%s (%s) is reported', (_why, path) => {
    expect(validateExcludedFields([path])).toEqual([path]);
    expect(canonicalFieldPath(path)).toBeUndefined();
  });

  it('returns only the unknown paths, in order', () => {
    expect(validateExcludedFields(['suspect.phones', 'x.y', 'title', 'id'])).toEqual(['x.y', 'id']);
  });
});

describe('redactAlert', () => {
  it('clears a message field to undefined and a scalar to its default', () => {
    const input = alertFixture('protectionReferral');
    const before = clone(AlertSchema, input);
    const { alert, redactedFields } = redactAlert({
      alert: input,
      excludedFields: [
        'protection_referral.last_known_position',
        'protectionReferral.peopleCount',
        'originator_agency',
      ],
    });
    expect(redactedFields).toEqual([
      'protection_referral.last_known_position',
      'protection_referral.people_count',
      'originator_agency',
    ]);
    expect(
      alert.payload.case === 'protectionReferral' && alert.payload.value.lastKnownPosition,
    ).toBeUndefined();
    expect(alert.payload.case === 'protectionReferral' && alert.payload.value.peopleCount).toBe(0);
    expect(alert.originatorAgency).toBe('');
    expect(alert.payload.case === 'protectionReferral' && alert.payload.value.need).toBe('DISTRESS_AT_SEA');
    expect(equals(AlertSchema, input, before)).toBe(true);
  });

  it('reports a path once even when written in both spellings', () => {
    const { redactedFields } = redactAlert({
      alert: alertFixture('suspect'),
      excludedFields: ['suspect.phones', 'suspect.phones', 'suspect.phones'],
    });
    expect(redactedFields).toEqual(['suspect.phones']);
    expect(
      filledExcludedFields({
        alert: alertFixture('suspect'),
        excludedFields: ['suspect.given_names', 'suspect.givenNames'],
      }),
    ).toEqual(['suspect.given_names']);
  });
});
