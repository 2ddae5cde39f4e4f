// Agreements as the policy sees them (ActiveAgreement), for unit specs that need one without the registry.
import {
  AgreementState,
  Category,
  Classification,
  create,
  DirectionTermsSchema,
  HandlingCode,
} from '@corridor/contracts';
import type { ActiveAgreement } from '@corridor/policy';

/** An agreement in force for a day either side of `nowMs`, with one direction `from`→`to`. */
export function activeAgreement(opts: {
  id: string;
  from: string;
  to: string;
  categories: Category[];
  maxClassification?: Classification;
  maxHandling?: HandlingCode;
  excludedFields?: string[];
  state?: AgreementState;
  nowMs?: number;
}): ActiveAgreement {
  const now = opts.nowMs ?? Date.now();
  return {
    id: opts.id,
    version: 1,
    state: opts.state ?? AgreementState.ACTIVE,
    validFromMs: now - 86_400_000,
    validUntilMs: now + 86_400_000,
    parties: [opts.from, opts.to].sort(),
    suites: [],
    directions: [
      create(DirectionTermsSchema, {
        from: opts.from,
        to: opts.to,
        categories: opts.categories,
        maxClassification: opts.maxClassification ?? Classification.AMBER,
        maxHandling: opts.maxHandling ?? HandlingCode.H2,
        excludedFields: opts.excludedFields ?? [],
      }),
    ],
  };
}
