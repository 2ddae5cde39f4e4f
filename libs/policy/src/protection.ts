import { create, GeoPointSchema, ProtectionReferralSchema, type Alert } from '@corridor/contracts';
import { copyAlert } from './fields';

/** Two decimals of a degree is about 1.1 km of latitude: enough to send a rescue, too coarse to pin a person. */
export const PROTECTION_POSITION_DECIMALS = 2;
/** Free text is where names and identifying detail creep in; 500 characters is enough to describe the need. */
export const PROTECTION_NOTES_MAX_CHARS = 500;

const POSITION_SCALE = 10 ** PROTECTION_POSITION_DECIMALS;

function roundCoordinate(degrees: number): number {
  return Math.round(degrees * POSITION_SCALE) / POSITION_SCALE;
}

/**
 * Least personal data for a protection referral (the people in it are to be protected, not investigated):
 * keep only what lets the partner act (need, how many, where and when last seen, how to reach the reporter),
 * coarsen the position to about 1 km and cap free-text notes. Builds the payload afresh from an allow list,
 * so any field added to ProtectionReferral later stays out until someone decides it is needed.
 * Pure and idempotent: returns a copy; alerts with another payload come back as an unchanged copy.
 */
export function minimiseProtectionReferral(alert: Alert): Alert {
  const copy = copyAlert(alert);
  if (copy.payload.case !== 'protectionReferral') {
    return copy;
  }
  const referral = copy.payload.value;
  const position = referral.lastKnownPosition;
  copy.payload = {
    case: 'protectionReferral',
    value: create(ProtectionReferralSchema, {
      need: referral.need,
      peopleCount: referral.peopleCount,
      lastKnownPosition:
        position === undefined
          ? undefined
          : create(GeoPointSchema, {
              lat: roundCoordinate(position.lat),
              lon: roundCoordinate(position.lon),
            }),
      lastKnownPlace: referral.lastKnownPlace,
      observedAtMs: referral.observedAtMs,
      contactChannel: referral.contactChannel,
      // Count code points so a cut never splits a surrogate pair into invalid UTF-16.
      notes: Array.from(referral.notes).slice(0, PROTECTION_NOTES_MAX_CHARS).join(''),
    }),
  };
  return copy;
}
