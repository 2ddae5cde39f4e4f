// What /docs says about the agreement bodies beyond their rules (which come from @corridor/secretariat-api's
// classes): examples and descriptions only.
import { PartySignatureDto, ProposeAgreementDto, TransitionDto } from '@corridor/secretariat-api';
import type { SchemaNotes } from '@corridor/platform';

export const AGREEMENT_BODIES = [ProposeAgreementDto, PartySignatureDto, TransitionDto];

export const AGREEMENT_NOTES: SchemaNotes = {
  DirectionTermsDto: {
    from: { example: 'LY' },
    to: { example: 'IT' },
    excludedFields: { example: ['suspect.phones'] },
    retentionDays: { example: 30 },
  },
  ProposeAgreementDto: {
    parties: { example: ['IT', 'LY'] },
    validFrom: { example: '2026-01-01T00:00:00Z' },
    validUntil: { example: '2027-12-31T23:59:59Z' },
  },
  PartySignatureDto: {
    signer: { example: 'LY' },
    signature: { description: 'base64 RSA-PSS-SHA256 signature over the terms bytes' },
    certFingerprint: { description: 'SHA-256 fingerprint of the signer certificate, hex' },
  },
  TransitionDto: { reason: { example: 'requested by LY after a data incident' } },
};
