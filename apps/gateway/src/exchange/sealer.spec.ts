// Which suite a sender seals with: the best both gateways open, within the agreement, suite 2 only with an epoch key.
import { chooseSuite } from './sealer';

describe('chooseSuite', () => {
  const both = { ours: [2, 1], theirs: [2, 1], agreementSuites: [] as number[], partnerEpochKey: true };

  it('prefers suite 2 when both open it and the partner has a signed, valid epoch key', () => {
    expect(chooseSuite(both)).toBe(2);
  });

  it('falls back to suite 1 without a usable epoch key, or with a suite-1-only partner or sender', () => {
    expect(chooseSuite({ ...both, partnerEpochKey: false })).toBe(1);
    expect(chooseSuite({ ...both, theirs: [1] })).toBe(1);
    expect(chooseSuite({ ...both, ours: [1] })).toBe(1);
  });

  it('never goes below what the agreement allows: nothing when it requires suite 2 and suite 2 is not possible', () => {
    expect(chooseSuite({ ...both, agreementSuites: [2] })).toBe(2);
    expect(chooseSuite({ ...both, agreementSuites: [2], partnerEpochKey: false })).toBeUndefined();
    expect(chooseSuite({ ...both, agreementSuites: [2], theirs: [1] })).toBeUndefined();
    expect(chooseSuite({ ...both, agreementSuites: [1] })).toBe(1);
  });

  it('has no common suite when the two sides share none', () => {
    expect(chooseSuite({ ...both, ours: [2], theirs: [1] })).toBeUndefined();
  });
});
