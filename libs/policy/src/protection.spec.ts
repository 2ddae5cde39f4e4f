import {
  AlertSchema,
  clone,
  create,
  equals,
  GeoPointSchema,
  type ProtectionReferral,
} from '@corridor/contracts';
import { minimiseProtectionReferral, PROTECTION_NOTES_MAX_CHARS } from './protection';
import { alertFixture } from './policy.fixtures';

function referralOf(alert: ReturnType<typeof alertFixture>): ProtectionReferral {
  if (alert.payload.case !== 'protectionReferral') {
    throw new Error('not a protection referral');
  }
  return alert.payload.value;
}

describe('minimiseProtectionReferral', () => {
  it('keeps need, count, place, time and contact; coarsens the position; caps the notes', () => {
    const input = alertFixture('protectionReferral');
    const before = clone(AlertSchema, input);
    const out = referralOf(minimiseProtectionReferral(input));
    const original = referralOf(input);

    expect(out.need).toBe(original.need);
    expect(out.peopleCount).toBe(47);
    expect(out.lastKnownPlace).toBe(original.lastKnownPlace);
    expect(out.observedAtMs).toBe(original.observedAtMs);
    expect(out.contactChannel).toBe(original.contactChannel);
    expect(out.lastKnownPosition).toMatchObject({ lat: 34.12, lon: 12.99 });
    expect(out.notes).toBe('x'.repeat(PROTECTION_NOTES_MAX_CHARS));
    expect(equals(AlertSchema, input, before)).toBe(true);
  });

  test.each([
    [34.1251, -12.994, 34.13, -12.99],
    [-0.004, 179.999, -0, 180],
    [51.03, 2.38, 51.03, 2.38],
  ])('rounds (%d, %d) to (%d, %d)', (lat, lon, roundedLat, roundedLon) => {
    const alert = alertFixture('protectionReferral');
    referralOf(alert).lastKnownPosition = create(GeoPointSchema, { lat, lon });
    const position = referralOf(minimiseProtectionReferral(alert)).lastKnownPosition;
    expect(position?.lat).toBeCloseTo(roundedLat, 10);
    expect(position?.lon).toBeCloseTo(roundedLon, 10);
  });

  it('leaves a missing position missing and short notes whole', () => {
    const alert = alertFixture('protectionReferral');
    referralOf(alert).lastKnownPosition = undefined;
    referralOf(alert).notes = 'two adults, one child';
    const out = referralOf(minimiseProtectionReferral(alert));
    expect(out.lastKnownPosition).toBeUndefined();
    expect(out.notes).toBe('two adults, one child');
  });

  it('never splits a character made of two UTF-16 units', () => {
    const alert = alertFixture('protectionReferral');
    referralOf(alert).notes = '🚤'.repeat(600);
    const notes = referralOf(minimiseProtectionReferral(alert)).notes;
    expect(Array.from(notes)).toHaveLength(PROTECTION_NOTES_MAX_CHARS);
    expect(notes).toBe('🚤'.repeat(PROTECTION_NOTES_MAX_CHARS));
  });

  it('is idempotent', () => {
    const once = minimiseProtectionReferral(alertFixture('protectionReferral'));
    expect(equals(AlertSchema, minimiseProtectionReferral(once), once)).toBe(true);
  });

  it('returns other alerts as an equal copy', () => {
    const input = alertFixture('suspect');
    const out = minimiseProtectionReferral(input);
    expect(out).not.toBe(input);
    expect(equals(AlertSchema, out, input)).toBe(true);
  });
});
